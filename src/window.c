// SPDX-License-Identifier: GPL-2.0-or-later
/* The pairing window's clock. */
#include "earshot/window.h"

struct EarWindow {
	EarWindowClosed closed;
	gpointer user_data;
	guint timer;      /* 0 while closed */
	gint64 until_us;
	guint pin_offers; /* legacy PINs announced since it opened */
};

EarWindow *ear_window_new(EarWindowClosed closed, gpointer user_data)
{
	EarWindow *w = g_new0(EarWindow, 1);
	w->closed = closed;
	w->user_data = user_data;
	return w;
}

void ear_window_free(EarWindow *w)
{
	if (!w)
		return;
	g_clear_handle_id(&w->timer, g_source_remove);
	g_free(w);
}

static gboolean on_timeout(gpointer data)
{
	EarWindow *w = data;
	w->timer = 0;
	w->closed("time is up", w->user_data);
	return G_SOURCE_REMOVE;
}

gboolean ear_window_open(EarWindow *w, guint seconds)
{
	gboolean was_closed = !w->timer;
	g_clear_handle_id(&w->timer, g_source_remove);
	w->timer = g_timeout_add_seconds(seconds, on_timeout, w);
	w->until_us = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
	if (was_closed)
		w->pin_offers = 0;
	return was_closed;
}

void ear_window_close(EarWindow *w, const char *why)
{
	if (!w->timer)
		return;
	g_clear_handle_id(&w->timer, g_source_remove);
	w->closed(why, w->user_data);
}

gboolean ear_window_is_open(EarWindow *w)
{
	return w->timer != 0;
}

guint ear_window_seconds_left(EarWindow *w)
{
	gint64 left = w->until_us - g_get_monotonic_time();
	if (!w->timer || left <= 0)
		return 0;
	return (guint)((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

gint64 ear_window_until(EarWindow *w)
{
	return w->timer ? w->until_us : 0;
}

gboolean ear_window_take_pin_offer(EarWindow *w, guint max)
{
	if (!w->timer || w->pin_offers >= max)
		return FALSE;
	w->pin_offers++;
	return TRUE;
}

guint ear_window_pin_offers(EarWindow *w)
{
	return w->pin_offers;
}
