// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the device-name sanitiser. Whatever a stranger's radio
 * sends, what may be spoken keeps the rules of name.h: short valid text of
 * words and numbers, no clause punctuation, digits without a letter between
 * them one number.
 */
#include "fuzz-common.h"

#include "../name-rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *raw = g_strndup((const char *)data, size); /* stops at an embedded NUL */
	g_autofree char *name = ear_name_sanitize(raw);
	const char *why = name_rules_broken(name);

	FUZZ_ASSERT(!why, why);

	/* Sanitising is idempotent: a clean name stays as it is. */
	g_autofree char *again = ear_name_sanitize(name);
	FUZZ_ASSERT(g_str_equal(name, again), "idempotent");
	return 0;
}
