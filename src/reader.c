// SPDX-License-Identifier: GPL-2.0-or-later
/* Reads a number or PIN aloud until it is no longer needed. */
#include "earshot/reader.h"

#include <string.h>

#include "earshot/announce.h"

struct EarReader {
	EarPlayer *player;
	EarConfig *config;
	guint generation; /* bumped by every start and stop: stale callbacks see a mismatch */
	guint playing;    /* player id of the reading in progress, 0 when idle */
	EarRequestKind kind;
	guint32 passkey;
	char pin[17];
	gboolean press;
	gint64 until_us;
	EarReaderFunc first_done;
	gpointer user_data;
};

typedef struct {
	EarReader *reader;
	guint generation;
	gboolean first;
} Ticket;

EarUtterance *ear_code_utterance(const EarConfig *config, guint32 passkey, guint readings)
{
	EarUtterance *u = ear_utterance_new();
	for (guint i = 0; i < readings; i++) {
		g_autofree char *text = ear_announce_code(config->prompts, passkey, i > 0);
		if (i > 0)
			ear_utterance_add_pause(u, EAR_REPEAT_PAUSE_MS);
		ear_utterance_add_text(u, text);
	}
	return u;
}

static gboolean is_pin(EarRequestKind kind)
{
	return kind == EAR_REQ_PIN_CODE || kind == EAR_REQ_DISPLAY_PIN;
}

static EarUtterance *reading(EarReader *r, gboolean again)
{
	EarUtterance *u;
	g_autofree char *text = NULL;

	if (!again && !is_pin(r->kind)) {
		u = ear_code_utterance(r->config, r->passkey, 1);
		if (r->press) {
			text = ear_announce_sentence(r->config->prompts[EAR_PROMPT_PRESS]);
			ear_utterance_add_text(u, text);
		}
		return u;
	}
	u = ear_utterance_new();
	if (is_pin(r->kind))
		text = ear_announce_pin(r->config->prompts, r->pin, again);
	else
		text = ear_announce_code(r->config->prompts, r->passkey, TRUE);
	if (again)
		ear_utterance_add_pause(u, EAR_REPEAT_PAUSE_MS);
	ear_utterance_add_text(u, text);
	return u;
}

static void play(EarReader *r, gboolean first);

static void on_played(EarPlayResult result, const GError *error, gpointer data)
{
	Ticket *t = data;
	EarReader *r = t->reader;

	if (t->generation != r->generation)
		return; /* stopped or superseded */
	r->playing = 0;
	if (result == EAR_PLAY_FAILED)
		g_warning("cannot speak the number: %s", error->message);
	if (t->first && r->first_done) {
		guint generation = r->generation;
		r->first_done(result, error, r->user_data);
		if (generation != r->generation)
			return; /* the callback stopped or restarted the reader */
	}
	if (result != EAR_PLAY_DONE || g_get_monotonic_time() >= r->until_us) {
		ear_reader_stop(r);
		return;
	}
	play(r, FALSE);
}

static void play(EarReader *r, gboolean first)
{
	Ticket *t = g_new0(Ticket, 1);
	t->reader = r;
	t->generation = r->generation;
	t->first = first;
	r->playing = ear_player_play(r->player, reading(r, !first), on_played, t, g_free);
}

void ear_reader_start(EarReader *r, EarConfig *config, const EarReading *what, guint limit_s,
	EarReaderFunc first_done, gpointer user_data)
{
	ear_reader_stop(r);
	r->config = ear_config_ref(config);
	r->kind = what->kind;
	r->passkey = what->passkey;
	g_strlcpy(r->pin, what->pin ? what->pin : "", sizeof(r->pin));
	r->press = what->press;
	r->until_us = g_get_monotonic_time() + (gint64)limit_s * G_USEC_PER_SEC;
	r->first_done = first_done;
	r->user_data = user_data;
	play(r, TRUE);
}

void ear_reader_stop(EarReader *r)
{
	r->generation++;
	ear_player_cancel(r->player, r->playing);
	r->playing = 0;
	r->first_done = NULL;
	explicit_bzero(r->pin, sizeof(r->pin));
	r->passkey = 0;
	g_clear_pointer(&r->config, ear_config_unref);
}

gboolean ear_reader_is_reading(EarReader *r)
{
	return r->config != NULL;
}

EarReader *ear_reader_new(EarPlayer *player)
{
	EarReader *r = g_new0(EarReader, 1);
	r->player = player;
	return r;
}

void ear_reader_free(EarReader *r)
{
	if (!r)
		return;
	ear_reader_stop(r);
	g_free(r);
}
