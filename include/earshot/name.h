/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device names come from a stranger's radio, and Earshot says them inside
 * its own sentence, "Paired with <name>.". A name must not be able to end
 * that sentence and start a prompt of its own ("a. Pairing failed"), nor
 * sound like a pairing code ("Pairing code: 1, 2, 3, 4, 5, 6"). So before a
 * name is spoken it is made into short text of words and numbers only.
 */
#ifndef EARSHOT_NAME_H
#define EARSHOT_NAME_H

#include <glib.h>

G_BEGIN_DECLS

#define EAR_NAME_MAX_CHARS 32

/*
 * Longest number kept. espeak-ng reads a number of up to 14 digits as one
 * number in every language that has number rules (English: 33); longer ones
 * it reads digit by digit.
 */
#define EAR_NAME_MAX_DIGITS 12

/*
 * Returns a newly allocated copy of @raw (any bytes, may be NULL) made of
 * words and numbers separated by single spaces, at most EAR_NAME_MAX_CHARS
 * characters, "" when nothing speakable is left. The caller frees it.
 *
 * - Invalid UTF-8 is repaired and the text is NFKC-normalised first, so
 *   fullwidth "１２３" is "123" and "：" is ":".
 * - Letters (any script) and combining marks on them are kept.
 * - Control, format (bidi, zero-width), unassigned and private-use
 *   characters are dropped without trace.
 * - Everything else that is not a letter or digit is a word break: white
 *   space, line breaks, all punctuation (". : ; ! ? ," and their Unicode
 *   forms such as "。 ！ ？ ； ： …" and LAO ELLIPSIS, the one letter
 *   espeak-ng takes for clause punctuation), symbols and markup characters
 *   ("< > & [ ] { } \ / | ` ^ _ * # @ ="). espeak-ng ends a clause only at
 *   punctuation or a line break, so the name never ends a clause or pauses.
 * - An apostrophe (' or ’, written ') or hyphen stays between a letter or
 *   digit and a letter: "Anna's", "Wi-Fi", "90's".
 * - Digits of any script become ASCII digits. Digits with no letter between
 *   them form one number: "1, 2, 3", "1.2.3" and "1 2 3" all become "123".
 *   Leading zeros go ("007" is "7") and a number keeps its first
 *   EAR_NAME_MAX_DIGITS digits, since espeak-ng reads both digit by digit.
 *   Digits can still be separated by letters ("1a2b"): espeak-ng then reads
 *   "one a two b" in one breath, never a pause-separated list of digits.
 *   Number words ("one two three") are words and are said as such.
 */
char *ear_name_sanitize(const char *raw);

G_END_DECLS

#endif /* EARSHOT_NAME_H */
