/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The words Earshot says. Pure functions: text in, text out.
 * Numbers are always read digit by digit, separated by commas, because a
 * listener (human or recogniser) gets a bare six-digit number wrong far more
 * often than six single digits. @prompts is EarConfig's prompts array,
 * indexed by EarPrompt.
 */
#ifndef EARSHOT_ANNOUNCE_H
#define EARSHOT_ANNOUNCE_H

#include <glib.h>

#include "earshot/config.h"

G_BEGIN_DECLS

/* "4, 2, 7, 1, 0, 4": @passkey (0..999999) zero-padded to six digits. */
char *ear_announce_digits(guint32 passkey);

/* "Pairing code: 4, 2, 7, 1, 0, 4." or, with @again, "Again: 4, 2, ...". */
char *ear_announce_code(char *const *prompts, guint32 passkey, gboolean again);

/* "PIN code: 1, 2, 3, 4." — every character of @pin read on its own. */
char *ear_announce_pin(char *const *prompts, const char *pin, gboolean again);

/* "Paired with <name>." @name must already be sanitised; NULL or "" uses paired-unnamed. */
char *ear_announce_paired(char *const *prompts, const char *name);

/* A prompt as a sentence: "Pairing failed." */
char *ear_announce_sentence(const char *prompt);

G_END_DECLS

#endif /* EARSHOT_ANNOUNCE_H */
