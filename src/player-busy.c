// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A sound device that stays busy: the worker asks the busy hook on the main
 * loop (music.c pauses the phone that holds the card) and waits for the card.
 */
#include "player-private.h"

static gboolean busy_dispatch(gpointer data)
{
	EarPlayer *player = data;
	gboolean asked, answer;

	g_mutex_lock(&player->lock);
	asked = player->busy_state == BUSY_ASKED;
	g_mutex_unlock(&player->lock);
	if (!asked)
		return G_SOURCE_REMOVE;
	answer = player->hooks->busy(player->hooks_data);
	g_mutex_lock(&player->lock);
	if (player->busy_state == BUSY_ASKED) {
		player->busy_answer = answer;
		player->busy_state = BUSY_ANSWERED;
		g_cond_broadcast(&player->cond);
	}
	g_clear_pointer(&player->busy_source, g_source_unref);
	g_mutex_unlock(&player->lock);
	return G_SOURCE_REMOVE;
}

/* Worker: asks the busy hook on the main context and waits for its answer, or a cancel. */
static gboolean ask_busy(EarPlayer *player, GCancellable *cancel)
{
	gboolean answer = FALSE;

	if (!player->hooks || !player->hooks->busy)
		return FALSE;
	g_mutex_lock(&player->lock);
	player->busy_state = BUSY_ASKED;
	player->busy_source = g_idle_source_new();
	g_source_set_callback(player->busy_source, busy_dispatch, player, NULL);
	g_source_attach(player->busy_source, player->context);
	while (player->busy_state == BUSY_ASKED && !g_cancellable_is_cancelled(cancel))
		g_cond_wait_until(&player->cond, &player->lock,
			g_get_monotonic_time() + 50 * G_TIME_SPAN_MILLISECOND);
	if (player->busy_state == BUSY_ANSWERED)
		answer = player->busy_answer;
	player->busy_state = BUSY_IDLE;
	if (player->busy_source)
		g_source_destroy(player->busy_source); /* cancelled before it ran */
	g_clear_pointer(&player->busy_source, g_source_unref);
	g_mutex_unlock(&player->lock);
	return answer;
}

static gboolean is_busy(const GError *error)
{
	return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BUSY);
}

gpointer ear_player_open_sink(EarPlayer *player, guint rate, GCancellable *cancel, GError **error)
{
	gint64 deadline = 0;

	for (;;) {
		g_autoptr(GError) local = NULL;
		gpointer sink = player->sink_ops->open(player->device, rate, cancel, &local);
		if (sink)
			return sink;
		if (!is_busy(local) ||
			(g_get_monotonic_time() >= deadline && !ask_busy(player, cancel))) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		if (g_get_monotonic_time() >= deadline)
			deadline = g_get_monotonic_time() +
				EAR_PLAYER_RELEASE_WAIT_MS * G_TIME_SPAN_MILLISECOND;
	}
}

