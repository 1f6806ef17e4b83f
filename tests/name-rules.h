/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every sanitised device name must be (earshot/name.h), checked on any
 * output: by test-name over every byte pair and by the libFuzzer target.
 */
#ifndef EARSHOT_TESTS_NAME_RULES_H
#define EARSHOT_TESTS_NAME_RULES_H

#include <string.h>

#include <glib.h>

#include "earshot/name.h"

/* g_ascii_isdigit() would look at the low byte of any character. */
static inline gboolean name_rules_is_digit(gunichar c)
{
	return c >= '0' && c <= '9';
}

static inline gboolean name_rules_is_letter(gunichar c)
{
	return (g_unichar_isalpha(c) && c != 0x0eaf) || g_unichar_ismark(c);
}

/* A character that is not allowed where it stands, or NULL. */
static inline const char *name_rules_char(gunichar prev, gunichar c, gunichar next)
{
	if (c == ' ')
		return prev && next && prev != ' ' && next != ' ' ? NULL : "one space between words";
	if (c == '\'' || c == '-') {
		gboolean after = prev && (name_rules_is_letter(prev) || name_rules_is_digit(prev));
		return after && next && g_unichar_isalpha(next) ? NULL : "joiner inside a word";
	}
	if (g_unichar_ismark(c))
		return prev && name_rules_is_letter(prev) ? NULL : "combining mark on a letter";
	if (name_rules_is_letter(c) || name_rules_is_digit(c))
		return NULL;
	return "only letters, marks, ASCII digits, space, ' and -";
}

/*
 * Digits: a number starts after a letter (or at the start), has no leading
 * zero and at most EAR_NAME_MAX_DIGITS digits; two numbers have a letter
 * between them.
 */
static inline const char *name_rules_numbers(const char *name)
{
	gboolean letter_since = TRUE;
	const char *p = name;

	while (*p) {
		gunichar c = g_utf8_get_char(p);
		if (!name_rules_is_digit(c)) {
			letter_since = letter_since || name_rules_is_letter(c);
			p = g_utf8_next_char(p);
			continue;
		}
		if (!letter_since)
			return "digits without a letter between them are one number";
		gsize len = strspn(p, "0123456789");
		if (len > EAR_NAME_MAX_DIGITS)
			return "numbers are short enough to be read as numbers";
		if (p[0] == '0' && len > 1)
			return "no leading zero";
		p += len;
		letter_since = FALSE;
	}
	return NULL;
}

/* Returns the rule @name breaks, or NULL when it is a clean name. */
static inline const char *name_rules_broken(const char *name)
{
	gunichar prev = 0;

	if (!name)
		return "never NULL";
	if (!g_utf8_validate(name, -1, NULL))
		return "valid UTF-8";
	if (g_utf8_strlen(name, -1) > EAR_NAME_MAX_CHARS)
		return "at most EAR_NAME_MAX_CHARS characters";
	for (const char *p = name; *p; p = g_utf8_next_char(p)) {
		const char *next = g_utf8_next_char(p);
		gunichar c = g_utf8_get_char(p);
		const char *why = name_rules_char(prev, c, *next ? g_utf8_get_char(next) : 0);
		if (why)
			return why;
		prev = c;
	}
	return name_rules_numbers(name);
}

#endif /* EARSHOT_TESTS_NAME_RULES_H */
