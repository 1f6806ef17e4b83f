// SPDX-License-Identifier: GPL-2.0-or-later
/* Device names are a stranger's input: what is left of them must be plain and short. */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "earshot/name.h"

typedef struct {
	const char *what;
	const char *raw;
	const char *clean;
} NameCase;

static const NameCase name_cases[] = {
	{ "plain", "Anna's phone", "Anna's phone" },
	{ "NULL", NULL, "" },
	{ "empty", "", "" },
	{ "spaces collapse", "  Pixel \t\n 7  ", "Pixel 7" },
	{ "control characters", "Pix\x01\x07\x1b[31mel", "Pix31mel" }, /* ESC and [ go; harmless letters stay */
	{ "SSML", "<speak><break time=\"9s\"/>hi</speak>", "speakbreak time\"9s\"hispeak" },
	{ "espeak phonemes", "[[h@'loU]]", "h'loU" },
	{ "bidi override", "abc\xe2\x80\xae" "def", "abcdef" },
	{ "zero width", "a\xe2\x80\x8b" "b", "ab" },
	{ "invalid UTF-8", "caf\xc3 ok\xff", "caf ok" },
	{ "accents kept", "Zoë's Café", "Zoë's Café" },
	{ "cut to 32", "0123456789012345678901234567890123456789", "01234567890123456789012345678901" },
	{ "only junk", "\x01<>[]{}", "" },
};

START_TEST(test_sanitize)
{
	const NameCase *c = &name_cases[_i];
	g_autofree char *clean = ear_name_sanitize(c->raw);
	ck_assert_msg(g_str_equal(clean, c->clean), "%s: got \"%s\", expected \"%s\"", c->what,
		clean, c->clean);
}
END_TEST

START_TEST(test_huge_name)
{
	g_autofree char *raw = g_strnfill(10 * 1024, 'x');
	g_autofree char *clean = ear_name_sanitize(raw);
	ck_assert_uint_eq(g_utf8_strlen(clean, -1), EAR_NAME_MAX_CHARS);
}
END_TEST

/* Every possible byte, alone and in pairs: the result is always short valid text without controls. */
START_TEST(test_all_bytes)
{
	for (guint a = 1; a < 256; a++) {
		for (guint b = 0; b < 256; b++) {
			char raw[3] = { (char)a, (char)b, 0 };
			g_autofree char *clean = ear_name_sanitize(raw);
			ck_assert(g_utf8_validate(clean, -1, NULL));
			for (const char *p = clean; *p; p = g_utf8_next_char(p))
				ck_assert(!g_unichar_iscntrl(g_utf8_get_char(p)));
			ck_assert(!strpbrk(clean, "<>[]{}&"));
		}
	}
}
END_TEST

static Suite *name_suite(void)
{
	Suite *s = suite_create("name");
	TCase *tc = tcase_create("sanitize");
	tcase_add_loop_test(tc, test_sanitize, 0, G_N_ELEMENTS(name_cases));
	tcase_add_test(tc, test_huge_name);
	tcase_add_test(tc, test_all_bytes);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(name_suite)
