/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The number reader: reads one pairing number or PIN aloud, again and again
 * with a pause between, until it is stopped or its time is up. It reports
 * once, through a callback, how the first full reading went, which is what a
 * RequestConfirmation waits for. Main loop only.
 */
#ifndef EARSHOT_READER_H
#define EARSHOT_READER_H

#include "earshot/config.h"
#include "earshot/player.h"
#include "earshot/policy.h"

G_BEGIN_DECLS

typedef struct EarReader EarReader;

/* What to read. */
typedef struct {
	EarRequestKind kind; /* a PIN for EAR_REQ_PIN_CODE and EAR_REQ_DISPLAY_PIN, else a passkey */
	guint32 passkey;
	const char *pin;     /* 1..16 characters */
	gboolean press;      /* add "press the button" after the first reading */
} EarReading;

/* How the first reading went: EAR_PLAY_DONE means it was heard in full. */
typedef void (*EarReaderFunc)(EarPlayResult result, const GError *error, gpointer user_data);

/* @player is borrowed and must outlive the reader. */
EarReader *ear_reader_new(EarPlayer *player);
void ear_reader_free(EarReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarReader, ear_reader_free)

/*
 * Stops any reading, then reads @what for at most @limit_s seconds. @first_done
 * (may be NULL) is called once, unless the reading is stopped first. The
 * config is referenced for the prompts.
 */
void ear_reader_start(EarReader *reader, EarConfig *config, const EarReading *what,
	guint limit_s, EarReaderFunc first_done, gpointer user_data);

/* Stops reading now (nothing else that is being said is cut). No callback follows. */
void ear_reader_stop(EarReader *reader);

/* TRUE while a number is being read or due to be read again. */
gboolean ear_reader_is_reading(EarReader *reader);

/* Builds the utterance for a number as pairing says it: @readings readings. */
EarUtterance *ear_code_utterance(const EarConfig *config, guint32 passkey, guint readings);

/* The silence between two readings of a number. */
#define EAR_REPEAT_PAUSE_MS 1500

G_END_DECLS

#endif /* EARSHOT_READER_H */
