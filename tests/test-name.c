// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Device names are a stranger's input: what is left of them must be plain,
 * short, and heard by espeak-ng as part of one sentence, numbers as numbers.
 */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "earshot/announce.h"
#include "earshot/config.h"
#include "earshot/name.h"
#include "earshot/voice.h"
#include "name-rules.h"

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
	{ "control characters", "Pix\x01\x07\x1b[31mel", "Pix 31mel" }, /* ESC goes, [ breaks */
	{ "SSML", "<speak><break time=\"9s\"/>hi</speak>", "speak break time 9s hi speak" },
	{ "espeak phonemes", "[[h@'loU]]", "h loU" },
	{ "bidi override", "abc\xe2\x80\xae" "def", "abcdef" },
	{ "zero width", "a\xe2\x80\x8b" "b", "ab" },
	{ "invalid UTF-8", "caf\xc3 ok\xff", "caf ok" },
	{ "accents kept", "Zoë's Café", "Zoë's Café" },
	{ "cut to 32", "abcdefghijabcdefghijabcdefghijabcdefghij", "abcdefghijabcdefghijabcdefghijab" },
	{ "no word cut to a space", "abcdefghijabcdefghijabcdefghija bc", "abcdefghijabcdefghijabcdefghija" },
	{ "only junk", "\x01<>[]{}", "" },
	/* No sentence or clause ends inside a name. */
	{ "second prompt", "a. Pairing failed", "a Pairing failed" },
	{ "fake code", "Pairing code: 1, 2, 3, 4, 5, 6", "Pairing code 123456" },
	{ "clause marks", "a;b:c!d?e,f", "a b c d e f" },
	{ "repeated marks", "Anna's phone?!...", "Anna's phone" },
	{ "newline", "a\nPairing failed", "a Pairing failed" },
	{ "CR LF", "a\r\nb", "a b" },
	{ "line separator", "a\xe2\x80\xa8" "b", "a b" },
	{ "paragraph separator", "a\xe2\x80\xa9" "b", "a b" },
	{ "ellipsis", "wait\xe2\x80\xa6" "1\xe2\x80\xa6" "2", "wait 12" },
	{ "ideographic", "配对码：1，2，3。配对失败！", "配对码 123 配对失败" },
	{ "fullwidth", "Ａ：Ｂ；Ｃ？Ｄ！", "A B C D" },
	{ "Lao ellipsis", "a\xe0\xba\xaf" "b", "a b" },
	{ "em dash", "a\xe2\x80\x94" "b", "a b" },
	{ "symbols", "Anna \xf0\x9f\x98\x80 + phone $", "Anna phone" },
	/* A run of digits is one number. */
	{ "dotted digits", "1.2.3.4.5.6", "123456" },
	{ "spaced digits", "1 2 3 4 5 6", "123456" },
	{ "dashed digits", "1-2-3", "123" },
	{ "fullwidth digits", "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93", "123" },
	{ "Arabic-Indic digits", "\xd9\xa1\xd9\xa2\xd9\xa3", "123" },
	{ "digit full stops", "\xe2\x92\x88\xe2\x92\x89\xe2\x92\x8a", "123" },
	{ "leading zeros", "0, 0, 7", "7" },
	{ "zeros", "000", "0" },
	{ "inner zeros", "1, 0, 0", "100" },
	{ "zero then digits", "Pixel 0 1 2", "Pixel 12" },
	{ "long number", "1234567890123456", "123456789012" },
	{ "numbers between words", "Galaxy S21 FE 5G", "Galaxy S21 FE 5G" },
	{ "letters between digits", "1a2b", "1a2b" },
	/* Apostrophes and hyphens inside words. */
	{ "typographic apostrophe", "Anna\xe2\x80\x99s iPhone", "Anna's iPhone" },
	{ "hyphen", "Jean-Luc's Wi-Fi", "Jean-Luc's Wi-Fi" },
	{ "digit apostrophe", "90's radio", "90's radio" },
	{ "hyphen before digits", "S-21", "S 21" },
	{ "joiners at the ends", "-'Anna'-", "Anna" },
	{ "double joiner", "Jean--Luc", "Jean Luc" },
	/* Combining marks belong to a letter. */
	{ "mark composed again", "e\x01\xcc\x81", "\xc3\xa9" },
	{ "mark without letter", "\xcc\x81" "a 1\xcc\x81", "a 1" },
};

START_TEST(test_sanitize)
{
	const NameCase *c = &name_cases[_i];
	g_autofree char *clean = ear_name_sanitize(c->raw);
	ck_assert_msg(g_str_equal(clean, c->clean), "%s: got \"%s\", expected \"%s\"", c->what,
		clean, c->clean);
	ck_assert_msg(!name_rules_broken(clean), "%s: %s", c->what, name_rules_broken(clean));
}
END_TEST

START_TEST(test_huge_name)
{
	g_autofree char *raw = g_strnfill(10 * 1024, 'x');
	g_autofree char *clean = ear_name_sanitize(raw);
	ck_assert_uint_eq(g_utf8_strlen(clean, -1), EAR_NAME_MAX_CHARS);
}
END_TEST

/* Every possible byte, alone and in pairs: the result always keeps the rules of name.h. */
START_TEST(test_all_bytes)
{
	for (guint a = 1; a < 256; a++) {
		for (guint b = 0; b < 256; b++) {
			char raw[3] = { (char)a, (char)b, 0 };
			g_autofree char *clean = ear_name_sanitize(raw);
			const char *why = name_rules_broken(clean);
			ck_assert_msg(!why, "bytes %02x %02x: %s", a, b, why);
		}
	}
}
END_TEST

/*
 * Real espeak-ng, as the daemon drives it (tts.c), reading the daemon's own
 * "Paired with <name>." with the default voice: the whole announcement is
 * one sentence and one clause, and it never holds two digits said one by one
 * in a row, which is how a pairing code sounds.
 */
typedef struct {
	const char *text;
	guint sentences;
	guint clause_ends;
	guint lone_digits;   /* words that are a single digit */
	guint digits_in_row; /* of those, the longest run of consecutive words */
	guint row;
	guint last_word; /* espeak-ng repeats the event of a word it says in parts */
} Heard;

static gboolean is_lone_digit(const char *text, guint position, guint length)
{
	if (length != 1 || position < 1 || position > (guint)g_utf8_strlen(text, -1))
		return FALSE;
	return g_ascii_isdigit(*g_utf8_offset_to_pointer(text, position - 1));
}

static void on_mark(EarTtsMark mark, guint position, guint length, gpointer data)
{
	Heard *h = data;

	switch (mark) {
	case EAR_TTS_SENTENCE:
		h->sentences++;
		return;
	case EAR_TTS_CLAUSE_END:
		h->clause_ends++;
		return;
	case EAR_TTS_WORD:
		if (length == 0 || position == h->last_word) /* empty: the end of a clause */
			return;
		h->last_word = position;
		if (!is_lone_digit(h->text, position, length)) {
			h->row = 0;
			return;
		}
		h->lone_digits++;
		h->row++;
		h->digits_in_row = MAX(h->digits_in_row, h->row);
		return;
	}
}

/* One synthesiser per test process: espeak-ng cannot be initialised twice. */
static gpointer espeak_synth(void)
{
	static gpointer synth;
	g_autoptr(GError) error = NULL;
	g_autoptr(EarConfig) config = ear_config_new_default();
	EarVoice voice = { config->voice, config->rate, config->volume };

	if (synth)
		return synth;
	synth = ear_tts_ops()->create(&error);
	ck_assert_msg(synth, "espeak-ng: %s", error ? error->message : "?");
	ck_assert_msg(ear_tts_ops()->configure(synth, &voice, &error), "%s",
		error ? error->message : "?");
	return synth;
}

static Heard hear_paired(const char *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EarConfig) config = ear_config_new_default();
	g_autofree char *text = ear_announce_paired(&config->prompts, name);
	Heard h = { .text = text };

	ck_assert_msg(ear_tts_marks(espeak_synth(), text, on_mark, &h, &error), "%s",
		error ? error->message : "?");
	h.text = NULL;
	return h;
}

typedef struct {
	const char *raw;
	gboolean digits_alone; /* single digits between letters are fine: "Pixel 7", "1a2b" */
} SpokenCase;

static const SpokenCase spoken_cases[] = {
	{ "a. Pairing failed", FALSE },
	{ "Pairing code: 1, 2, 3, 4, 5, 6", FALSE },
	{ "1.2.3.4.5.6", FALSE },
	{ "1 2 3 4 5 6", FALSE },
	{ "1-2-3-4-5-6", FALSE },
	{ "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94", FALSE }, /* fullwidth 1234 */
	{ "Code\xef\xbc\x9a 1\xef\xbc\x8c 2\xef\xbc\x8c 3", FALSE },    /* fullwidth : and , */
	{ "配对码：1，2，3。配对失败！", FALSE },
	{ "a\nPairing failed", FALSE },
	{ "a\xe2\x80\xa8" "Pairing failed", FALSE },
	{ "wait\xe2\x80\xa6 1\xe2\x80\xa6 2\xe2\x80\xa6 3", FALSE },
	{ "a? b! c; d: e", FALSE },
	{ "0, 4, 2", FALSE },
	{ "0, 0, 7", TRUE },
	{ "1234567890123456789012", FALSE },
	{ "<speak>1<break/>2</speak>", TRUE },
	{ "Pixel 7", TRUE },
	{ "1a2b3c4d5e6f", TRUE },
};

START_TEST(test_spoken_as_one_clause)
{
	const SpokenCase *c = &spoken_cases[_i];
	g_autofree char *clean = ear_name_sanitize(c->raw);
	Heard h = hear_paired(clean);

	ck_assert_msg(h.sentences == 1 && h.clause_ends == 1, "\"%s\" → \"%s\": %u sentences, %u clauses",
		c->raw, clean, h.sentences, h.clause_ends);
	ck_assert_msg(h.digits_in_row <= 1, "\"%s\" → \"%s\": %u single digits in a row", c->raw,
		clean, h.digits_in_row);
	ck_assert_msg(c->digits_alone || h.lone_digits == 0, "\"%s\" → \"%s\": %u single digits",
		c->raw, clean, h.lone_digits);
}
END_TEST

/* The probe can fail: unsanitised, the two spoofs are heard as they were meant to be. */
START_TEST(test_spoofs_heard_raw)
{
	Heard prompt = hear_paired("a. Pairing failed");
	Heard code = hear_paired("Pairing code: 1, 2, 3, 4, 5, 6");

	ck_assert_uint_eq(prompt.sentences, 2);
	ck_assert_uint_gt(code.clause_ends, 1);
	ck_assert_uint_eq(code.digits_in_row, 6);
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

	tc = tcase_create("espeak-ng");
	tcase_add_loop_test(tc, test_spoken_as_one_clause, 0, G_N_ELEMENTS(spoken_cases));
	tcase_add_test(tc, test_spoofs_heard_raw);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(name_suite)
