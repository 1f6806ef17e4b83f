// SPDX-License-Identifier: GPL-2.0-or-later
#include "fake-voice.h"

#include <string.h>

static GMutex lock;
static GPtrArray *spoken;
static double speed = 1.0;
static gboolean broken;
static guint opens;
static gboolean is_open;
static gint64 last_close_us;
static gint64 first_open_us;
static guint64 samples_written;

void fake_voice_reset(void)
{
	g_mutex_lock(&lock);
	g_clear_pointer(&spoken, g_ptr_array_unref);
	spoken = g_ptr_array_new_with_free_func(g_free);
	speed = 1.0;
	broken = FALSE;
	opens = 0;
	last_close_us = 0;
	first_open_us = 0;
	samples_written = 0;
	g_mutex_unlock(&lock);
}

guint fake_voice_count(const char *needle)
{
	guint n = 0;
	g_mutex_lock(&lock);
	for (guint i = 0; spoken && i < spoken->len; i++)
		if (!needle || strstr(spoken->pdata[i], needle))
			n++;
	g_mutex_unlock(&lock);
	return n;
}

char **fake_voice_spoken(void)
{
	GStrvBuilder *b = g_strv_builder_new();
	g_mutex_lock(&lock);
	for (guint i = 0; spoken && i < spoken->len; i++)
		g_strv_builder_add(b, spoken->pdata[i]);
	g_mutex_unlock(&lock);
	char **out = g_strv_builder_end(b);
	g_strv_builder_unref(b);
	return out;
}

static gpointer synth_create(GError **error)
{
	return g_strdup("fake");
}

static gboolean synth_configure(gpointer synth, const EarVoice *voice, GError **error)
{
	if (g_str_equal(voice->voice, "no-such-voice")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no voice %s", voice->voice);
		return FALSE;
	}
	return TRUE;
}

static guint synth_rate(gpointer synth)
{
	return FAKE_VOICE_RATE;
}

static gboolean synth_render(gpointer synth, const char *text, EarPcmFunc func, gpointer data,
	GError **error)
{
	gsize total = strlen(text) * FAKE_VOICE_RATE * FAKE_VOICE_MS_PER_CHAR / 1000;
	gint16 chunk[FAKE_VOICE_RATE / 50] = { 0 }; /* 20 ms */

	g_mutex_lock(&lock);
	g_ptr_array_add(spoken, g_strdup(text));
	g_mutex_unlock(&lock);
	for (gsize done = 0; done < total; done += G_N_ELEMENTS(chunk)) {
		if (!func(chunk, MIN(G_N_ELEMENTS(chunk), total - done), data)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped");
			return FALSE;
		}
	}
	return TRUE;
}

static const EarSynthOps synth_ops = {
	.create = synth_create,
	.destroy = g_free,
	.configure = synth_configure,
	.sample_rate = synth_rate,
	.render = synth_render,
};

typedef struct {
	guint rate;
} Sink;

static gpointer sink_open(const char *device, guint rate, GCancellable *cancel, GError **error)
{
	g_mutex_lock(&lock);
	gboolean fail = broken;
	if (!fail) {
		opens++;
		is_open = TRUE;
		if (!first_open_us)
			first_open_us = g_get_monotonic_time();
	}
	g_mutex_unlock(&lock);
	if (fail) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cannot open %s: no sound card",
			device);
		return NULL;
	}
	Sink *sink = g_new0(Sink, 1);
	sink->rate = rate;
	return sink;
}

/* Plays in 10 ms slices at the configured speed, checking for a cancel between them. */
static gboolean sink_write(gpointer data, const gint16 *s, gsize n, GCancellable *cancel,
	GError **error)
{
	Sink *sink = data;
	gsize slice = sink->rate / 100;
	for (gsize done = 0; done < n; done += slice) {
		if (g_cancellable_set_error_if_cancelled(cancel, error))
			return FALSE;
		gsize part = MIN(slice, n - done);
		g_mutex_lock(&lock);
		double sp = speed;
		gboolean gone = broken;
		samples_written += part;
		g_mutex_unlock(&lock);
		if (gone) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "sound card removed");
			return FALSE;
		}
		if (sp <= 0)
			continue;
		/* sleep in short steps, as a sound card's buffer drains, so a cancel is seen */
		gint64 end = g_get_monotonic_time() + (gint64)(part * G_USEC_PER_SEC / sink->rate / sp);
		for (gint64 left = end - g_get_monotonic_time(); left > 0;
			left = end - g_get_monotonic_time()) {
			if (g_cancellable_set_error_if_cancelled(cancel, error))
				return FALSE;
			g_usleep((gulong)MIN(left, 5000)); /* one clock reading: never negative */
		}
	}
	return TRUE;
}

static gboolean sink_drain(gpointer data, GCancellable *cancel, GError **error)
{
	return !g_cancellable_set_error_if_cancelled(cancel, error);
}

static void sink_close(gpointer data)
{
	g_mutex_lock(&lock);
	is_open = FALSE;
	last_close_us = g_get_monotonic_time();
	g_mutex_unlock(&lock);
	g_free(data);
}

static const EarSinkOps sink_ops = {
	.open = sink_open,
	.write = sink_write,
	.drain = sink_drain,
	.close = sink_close,
};

const EarSynthOps *fake_synth_ops(void)
{
	return &synth_ops;
}

const EarSinkOps *fake_sink_ops(void)
{
	return &sink_ops;
}

void fake_sink_set_speed(double s)
{
	g_mutex_lock(&lock);
	speed = s;
	g_mutex_unlock(&lock);
}

void fake_sink_set_broken(gboolean b)
{
	g_mutex_lock(&lock);
	broken = b;
	g_mutex_unlock(&lock);
}

#define GETTER(type, name, var)                                                                    \
	type name(void)                                                                            \
	{                                                                                          \
		g_mutex_lock(&lock);                                                               \
		type v = var;                                                                      \
		g_mutex_unlock(&lock);                                                             \
		return v;                                                                          \
	}
GETTER(guint, fake_sink_open_count, opens)
GETTER(gboolean, fake_sink_is_open, is_open)
GETTER(gint64, fake_sink_last_close_us, last_close_us)
GETTER(gint64, fake_sink_first_open_us, first_open_us)
GETTER(guint64, fake_sink_samples, samples_written)
