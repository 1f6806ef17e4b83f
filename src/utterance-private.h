/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What an utterance is made of: shared by utterance.c, which builds it, and the player. */
#ifndef EARSHOT_UTTERANCE_PRIVATE_H
#define EARSHOT_UTTERANCE_PRIVATE_H

#include "earshot/player.h"

typedef enum {
	PART_TEXT,
	PART_CHIME,
	PART_PAUSE,
} PartKind;

typedef struct {
	PartKind kind;
	char *text;
	GBytes *samples;
	guint rate;
	guint ms;
} Part;

struct EarUtterance {
	GArray *parts; /* Part */
};

#endif /* EARSHOT_UTTERANCE_PRIVATE_H */
