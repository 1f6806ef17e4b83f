/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The player: one worker thread that synthesises and plays utterances, one at
 * a time, in order. Everything the main loop calls returns at once; results
 * come back as callbacks on the main context that created the player.
 */
#ifndef EARSHOT_PLAYER_H
#define EARSHOT_PLAYER_H

#include <gio/gio.h>

#include "earshot/config.h"
#include "earshot/voice.h"

G_BEGIN_DECLS

typedef struct EarPlayer EarPlayer;
typedef struct EarUtterance EarUtterance;

typedef enum {
	EAR_PLAY_DONE,      /* every part was played */
	EAR_PLAY_CANCELLED, /* ear_player_stop() or a later stop cut it short */
	EAR_PLAY_FAILED,    /* the voice or the sound device failed; see the error */
} EarPlayResult;

/* Called on the player's main context; @error is set for EAR_PLAY_FAILED only. */
typedef void (*EarPlayFunc)(EarPlayResult result, const GError *error, gpointer user_data);

EarUtterance *ear_utterance_new(void);
void ear_utterance_add_text(EarUtterance *u, const char *text);
void ear_utterance_add_chime(EarUtterance *u, const EarChime *chime); /* no-op without samples */
void ear_utterance_add_pause(EarUtterance *u, guint ms);
void ear_utterance_free(EarUtterance *u);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarUtterance, ear_utterance_free)

/*
 * Starts the worker thread and creates the synthesiser on it (so that voice
 * loading never happens on the D-Bus path). @synth and @sink are borrowed.
 */
EarPlayer *ear_player_new(const EarSynthOps *synth, const EarSinkOps *sink);

/* Applies device and voice settings before the next utterance. */
void ear_player_configure(EarPlayer *player, const char *device, const EarVoice *voice);

/*
 * Queues @u (transfer full); @func (may be NULL) is called exactly once, unless
 * the player is freed first. @destroy (may be NULL) frees @user_data in both cases.
 * Returns the utterance's id (never 0) for ear_player_cancel().
 */
guint ear_player_play(EarPlayer *player, EarUtterance *u, EarPlayFunc func, gpointer user_data,
	GDestroyNotify destroy);

/* Cuts utterance @id short, or drops it from the queue: EAR_PLAY_CANCELLED. Others go on. */
void ear_player_cancel(EarPlayer *player, guint id);

/* Cuts the current utterance short and drops the queue; each gets EAR_PLAY_CANCELLED. */
void ear_player_stop(EarPlayer *player);

/* TRUE while something is queued or playing. */
gboolean ear_player_busy(EarPlayer *player);

/*
 * What plays around Earshot (music.c) gets a say. All three run on the
 * player's main context; the table and @user_data must outlive the player.
 */
typedef struct {
	/*
	 * The player goes from silence to speech: called by ear_player_play()
	 * before it queues. TRUE holds every utterance until ear_player_proceed().
	 */
	gboolean (*starting)(gpointer user_data);
	/* Nothing is playing or queued any more (played, cancelled or failed); a hold is lifted. */
	void (*finished)(gpointer user_data);
	/*
	 * The sound device stayed busy for EAR_SINK_BUSY_RETRY_MS. TRUE if
	 * something was done to free it: the player keeps trying for
	 * EAR_PLAYER_RELEASE_WAIT_MS more; FALSE fails the utterance.
	 */
	gboolean (*busy)(gpointer user_data);
} EarPlayerHooks;

/* How long the player waits for a device the busy hook is freeing. */
#define EAR_PLAYER_RELEASE_WAIT_MS 6000

/* Sets the hooks; call before the first ear_player_play(). */
void ear_player_set_hooks(EarPlayer *player, const EarPlayerHooks *hooks, gpointer user_data);
/* Lifts the hold the starting hook asked for. */
void ear_player_proceed(EarPlayer *player);

/* Stops, joins the thread. No callback runs after this returns. Accepts NULL. */
void ear_player_free(EarPlayer *player);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarPlayer, ear_player_free)

G_END_DECLS

#endif /* EARSHOT_PLAYER_H */
