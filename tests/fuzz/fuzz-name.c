// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the device-name sanitiser. Whatever a stranger's radio
 * sends, what may be spoken is short, valid, plain text (see name.h).
 */
#include "fuzz-common.h"

#include <string.h>

#include "earshot/name.h"

static const char markup_chars[] = "<>&[]{}\\/|`^_*#@=";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

static void check_char(gunichar c)
{
	GUnicodeType type = g_unichar_type(c);

	FUZZ_ASSERT(type != G_UNICODE_CONTROL && type != G_UNICODE_FORMAT, "no control or format");
	FUZZ_ASSERT(type != G_UNICODE_UNASSIGNED && type != G_UNICODE_PRIVATE_USE &&
		type != G_UNICODE_SURROGATE, "only assigned, public characters");
	FUZZ_ASSERT(c == ' ' || !g_unichar_isspace(c), "only plain spaces");
	FUZZ_ASSERT(c >= 0x80 || !strchr(markup_chars, (int)c), "no markup characters");
	FUZZ_ASSERT(c != 0xfffd, "no replacement character");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *raw = g_strndup((const char *)data, size); /* stops at an embedded NUL */
	g_autofree char *name = ear_name_sanitize(raw);

	FUZZ_ASSERT(name != NULL, "never NULL");
	FUZZ_ASSERT(g_utf8_validate(name, -1, NULL), "valid UTF-8");
	FUZZ_ASSERT(g_utf8_strlen(name, -1) <= EAR_NAME_MAX_CHARS, "at most 32 characters");
	FUZZ_ASSERT(name[0] != ' ' && !g_str_has_suffix(name, " "), "no space at either end");
	FUZZ_ASSERT(!strstr(name, "  "), "white space collapsed");
	for (const char *p = name; *p; p = g_utf8_next_char(p))
		check_char(g_utf8_get_char(p));

	/* Sanitising is idempotent: a clean name stays as it is. */
	g_autofree char *again = ear_name_sanitize(name);
	FUZZ_ASSERT(g_str_equal(name, again), "idempotent");
	return 0;
}
