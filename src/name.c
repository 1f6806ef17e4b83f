// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Turns an untrusted device name into short plain text that espeak-ng reads
 * as part of the sentence around it: one clause, numbers as numbers.
 */
#include "earshot/name.h"

#include <string.h>

/* LAO ELLIPSIS is a letter to Unicode but ends a clause for espeak-ng. */
#define LAO_ELLIPSIS 0x0eaf

/* What one character of a name becomes. */
typedef enum {
	NAME_DROP,   /* nothing: control, format, unassigned, private use */
	NAME_SPACE,  /* a word break: white space, punctuation, symbols */
	NAME_JOINER, /* an apostrophe or hyphen, kept only inside a word */
	NAME_DIGIT,
	NAME_LETTER,
	NAME_MARK,   /* combining mark, kept only on a letter */
} NameClass;

typedef struct {
	GString *out;
	guint chars;
	gunichar pending;  /* 0, ' ' or the joiner to write before the next letter */
	NameClass last;    /* NAME_DROP while nothing is written yet */
	gsize run_start;   /* byte offset of the digit run being written */
	guint run_len;
	gboolean full;
} NameBuilder;

static NameClass name_class(gunichar *c)
{
	if (*c == '\'' || *c == 0x2019) { /* typographic apostrophe, as in "Anna’s iPhone" */
		*c = '\'';
		return NAME_JOINER;
	}
	if (*c == '-' || *c == 0x2010) {
		*c = '-';
		return NAME_JOINER;
	}
	if (g_unichar_digit_value(*c) >= 0) { /* any script's digits; espeak reads only ASCII ones */
		*c = '0' + (gunichar)g_unichar_digit_value(*c);
		return NAME_DIGIT;
	}
	if (g_unichar_isalpha(*c) && *c != LAO_ELLIPSIS)
		return NAME_LETTER;
	if (g_unichar_ismark(*c))
		return NAME_MARK;
	if (g_unichar_isspace(*c))
		return NAME_SPACE;
	switch (g_unichar_type(*c)) {
	case G_UNICODE_CONTROL:
	case G_UNICODE_FORMAT: /* includes bidi overrides and zero-width characters */
	case G_UNICODE_UNASSIGNED:
	case G_UNICODE_PRIVATE_USE:
	case G_UNICODE_SURROGATE:
		return NAME_DROP;
	default:
		return NAME_SPACE;
	}
}

/* Writes @c after what is pending, if both still fit. */
static void name_put(NameBuilder *b, gunichar c, NameClass class)
{
	guint need = b->pending ? 2 : 1;

	if (b->chars + need > EAR_NAME_MAX_CHARS) {
		b->full = TRUE;
		return;
	}
	if (b->pending)
		g_string_append_unichar(b->out, b->pending);
	if (class == NAME_DIGIT && b->last != NAME_DIGIT) {
		b->run_start = b->out->len;
		b->run_len = 0;
	}
	g_string_append_unichar(b->out, c);
	b->chars += need;
	b->pending = 0;
	b->last = class;
}

/*
 * Digits with only spaces, punctuation or symbols between them are one
 * number ("1, 2, 3" and "1.2.3" become "123"), and a number never starts
 * with 0: espeak-ng reads "007" or a number longer than the voice's limit
 * digit by digit, the way pairing codes are read.
 */
static void name_add_digit(NameBuilder *b, gunichar c)
{
	if (b->last == NAME_DIGIT) {
		b->pending = 0;
		if (b->run_len >= EAR_NAME_MAX_DIGITS)
			return;
		if (b->run_len == 1 && b->out->str[b->run_start] == '0') {
			g_string_truncate(b->out, b->run_start);
			b->chars--;
			b->last = NAME_SPACE; /* so name_put() starts the run again here */
		}
	} else if (b->pending) {
		b->pending = ' '; /* a joiner before a digit is only a word break */
	}
	name_put(b, c, NAME_DIGIT);
	b->run_len++;
}

static void name_add(NameBuilder *b, gunichar c)
{
	NameClass class = name_class(&c);

	switch (class) {
	case NAME_DROP:
		return;
	case NAME_SPACE:
		if (b->last != NAME_DROP)
			b->pending = ' ';
		return;
	case NAME_JOINER:
		if (b->last != NAME_DROP)
			b->pending = b->pending ? ' ' : c;
		return;
	case NAME_DIGIT:
		name_add_digit(b, c);
		return;
	case NAME_MARK:
		if (b->last == NAME_LETTER && !b->pending)
			name_put(b, c, NAME_LETTER);
		return;
	case NAME_LETTER:
		name_put(b, c, NAME_LETTER);
		return;
	}
}

char *ear_name_sanitize(const char *raw)
{
	g_autofree char *valid = g_utf8_make_valid(raw ? raw : "", -1);
	/* NFKC: fullwidth "１２３" and "：" become "123" and ":", "⒈" becomes "1." */
	g_autofree char *folded = g_utf8_normalize(valid, -1, G_NORMALIZE_ALL_COMPOSE);
	g_autoptr(GString) out = g_string_new(NULL);
	NameBuilder b = { .out = out, .last = NAME_DROP };

	for (const char *p = folded; *p && !b.full; p = g_utf8_next_char(p))
		name_add(&b, g_utf8_get_char(p));
	/* Dropping a character can leave a letter and its mark apart: compose them again. */
	return g_utf8_normalize(out->str, -1, G_NORMALIZE_ALL_COMPOSE);
}
