/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The player's state, shared by player.c (the queue, the worker, the main
 * loop's side) and player-busy.c (a busy sound device: asking the main loop).
 */
#ifndef EARSHOT_PLAYER_PRIVATE_H
#define EARSHOT_PLAYER_PRIVATE_H

#include "earshot/player.h"

typedef struct Job Job;

enum { BUSY_IDLE, BUSY_ASKED, BUSY_ANSWERED };

struct EarPlayer {
	const EarSynthOps *synth_ops;
	const EarSinkOps *sink_ops;
	GMainContext *context;
	GThread *thread;
	GMutex lock;
	GCond cond;
	GQueue jobs;          /* Job *, guarded by lock */
	Job *current;         /* guarded by lock */
	GCancellable *cancel; /* of current, guarded by lock */
	GList *completions;   /* Completion *, not yet dispatched, guarded by lock */
	gboolean quit;
	guint last_id;        /* main loop only */
	const EarPlayerHooks *hooks; /* set before the first play, then read by both threads */
	gpointer hooks_data;
	gboolean speaking;    /* main loop only: between the starting and finished hooks */
	gboolean held;        /* guarded by lock: utterances wait for ear_player_proceed() */
	int busy_state;       /* guarded by lock: BUSY_* */
	gboolean busy_answer; /* guarded by lock */
	GSource *busy_source; /* guarded by lock: the pending question to the busy hook */
	/* worker thread only */
	gpointer synth;
	GError *synth_error;
	char *device;
	EarVoice voice;
	gboolean voice_dirty;
	gboolean voice_ok;     /* a voice has been set successfully */
	GError *voice_error;   /* why the last voice could not be set */
};

/*
 * Worker: opens the device for @rate. While it stays busy, asks the busy hook
 * on the main context; as long as that frees it (pauses the music), keeps
 * trying for EAR_PLAYER_RELEASE_WAIT_MS more. NULL with @error on failure.
 */
gpointer ear_player_open_sink(EarPlayer *player, guint rate, GCancellable *cancel, GError **error);

#endif /* EARSHOT_PLAYER_PRIVATE_H */
