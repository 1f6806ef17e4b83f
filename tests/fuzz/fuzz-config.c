// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: earshot.conf parsing. Any bytes must give a config or a
 * "fuzz.conf:..." error, never a crash, a leak or undefined behaviour. Every
 * error but those about the whole file (size, NUL bytes, UTF-8) names a line
 * that exists.
 */
#include "fuzz-common.h"

#include <string.h>

#include "earshot/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

/* "N: ..." with 1 <= N <= the number of lines in @data. */
static gboolean names_a_line(const char *msg, const uint8_t *data, size_t size)
{
	char *end;
	guint64 line = g_ascii_strtoull(msg, &end, 10);
	guint64 lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	return end != msg && *end == ':' && line >= 1 && line <= lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EarConfig) config = ear_config_load_data("fuzz.conf", (const char *)data, size, &error);

	FUZZ_ASSERT((config == NULL) != (error == NULL), "exactly one of config and error");
	if (error) {
		FUZZ_ASSERT(g_str_has_prefix(error->message, "fuzz.conf:"), "error names the file");
		FUZZ_ASSERT(g_str_has_prefix(error->message, "fuzz.conf: ") ||
			names_a_line(error->message + strlen("fuzz.conf:"), data, size),
			"error names a line of the file");
	}
	if (!config)
		return 0;
	FUZZ_ASSERT(config->window_s >= 1 && config->window_s <= 86400, "window in range");
	FUZZ_ASSERT(config->rate >= 80 && config->rate <= 450, "rate in range");
	FUZZ_ASSERT(config->volume <= 200, "volume in range");
	FUZZ_ASSERT(config->allowed_services != NULL, "service list");
	for (char **s = config->allowed_services; *s; s++)
		FUZZ_ASSERT(strlen(*s) == 36, "services normalised");
	return 0;
}
