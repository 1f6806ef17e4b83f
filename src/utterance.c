// SPDX-License-Identifier: GPL-2.0-or-later
/* Utterances: text, chimes and pauses, queued for the player as one unit. */
#include "utterance-private.h"

static void part_clear(gpointer data)
{
	Part *part = data;
	g_free(part->text);
	g_clear_pointer(&part->samples, g_bytes_unref);
}

EarUtterance *ear_utterance_new(void)
{
	EarUtterance *u = g_new0(EarUtterance, 1);
	u->parts = g_array_new(FALSE, TRUE, sizeof(Part));
	g_array_set_clear_func(u->parts, part_clear);
	return u;
}

void ear_utterance_add_text(EarUtterance *u, const char *text)
{
	Part part = { .kind = PART_TEXT, .text = g_strdup(text) };
	g_array_append_val(u->parts, part);
}

void ear_utterance_add_chime(EarUtterance *u, const EarChime *chime)
{
	if (!chime || !chime->samples)
		return;
	Part part = { .kind = PART_CHIME, .samples = g_bytes_ref(chime->samples), .rate = chime->rate };
	g_array_append_val(u->parts, part);
}

void ear_utterance_add_pause(EarUtterance *u, guint ms)
{
	Part part = { .kind = PART_PAUSE, .ms = ms };
	g_array_append_val(u->parts, part);
}

void ear_utterance_free(EarUtterance *u)
{
	if (!u)
		return;
	g_array_unref(u->parts);
	g_free(u);
}
