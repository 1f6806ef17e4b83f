/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What to do with music that plays while Earshot speaks: lower it, pause it or
 * leave it, and whether to put it back afterwards. Pure: no I/O. music.c
 * applies the answers over D-Bus.
 */
#ifndef EARSHOT_MUSIC_POLICY_H
#define EARSHOT_MUSIC_POLICY_H

#include <glib.h>

#include "earshot/config.h"

G_BEGIN_DECLS

/* One phone's music, as bluetoothd shows it when Earshot is about to speak. */
typedef struct {
	gboolean streaming;  /* its A2DP transport (MediaTransport1) is "active" */
	gboolean has_volume; /* the transport has a Volume (AVRCP absolute volume) */
	gboolean playing;    /* its AVRCP player (MediaPlayer1) says Status "playing" */
} EarMusicState;

typedef enum {
	EAR_MUSIC_LEAVE, /* nothing to do */
	EAR_MUSIC_LOWER, /* lower the transport's Volume by duck-db */
	EAR_MUSIC_PAUSE, /* pause the player (and resume it afterwards) */
} EarMusicAction;

/*
 * Before the first prompt. @exclusive: the sound card has been found busy
 * while music played (auto then pauses at once instead of lowering).
 */
EarMusicAction ear_music_decide(EarDuck duck, const EarMusicState *state, gboolean exclusive);

/*
 * The sound card stayed busy (EBUSY) while Earshot waited to speak: TRUE if
 * this phone should be paused now, so that its player lets the card go.
 * @paused: Earshot has already paused it.
 */
gboolean ear_music_pause_when_busy(EarDuck duck, const EarMusicState *state, gboolean paused);

/*
 * The AVRCP volume (0..127) lowered by @db decibels. bluez-alsa scales its
 * samples by 10*log2(volume/127) dB (its audio_loudness_to_decibel(): 10 dB
 * per halving), so this is volume * 2^(-db/10), rounded, and always lower
 * than a volume above 0.
 */
guint16 ear_music_lowered_volume(guint16 volume, guint db);

/*
 * After the last prompt: put the volume back to @before only if it is still
 * the one Earshot set (or still @before: the change was not seen yet);
 * anything else means someone changed it since, and theirs stays.
 */
gboolean ear_music_should_restore(guint16 before, guint16 lowered, guint16 now);

/* After the last prompt: resume a player Earshot paused only if it is still paused. */
gboolean ear_music_should_resume(const char *status);

G_END_DECLS

#endif /* EARSHOT_MUSIC_POLICY_H */
