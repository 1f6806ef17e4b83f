// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark: how long from the moment a number must be spoken (the D-Bus
 * call) to the first audible sample handed to the sound device, with the real
 * espeak-ng voice already loaded. The goal is "a few milliseconds".
 * Also reports the peak RSS of the process. Rerun with:
 *   meson test -C build --benchmark --verbose
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "earshot/config.h"
#include "earshot/daemon.h"
#include "earshot/player.h"

#define RUNS 30

static gint64 first_write_us;
static GMutex lock;

static gpointer sink_open(const char *device, guint rate, GCancellable *c, GError **error)
{
	return GUINT_TO_POINTER(1);
}

static gboolean sink_write(gpointer s, const gint16 *x, gsize n, GCancellable *c, GError **e)
{
	gboolean audible = FALSE;
	for (gsize i = 0; i < n && !audible; i++)
		audible = x[i] > 64 || x[i] < -64; /* not (near) silence */
	g_mutex_lock(&lock);
	if (!first_write_us && audible)
		first_write_us = g_get_monotonic_time();
	g_mutex_unlock(&lock);
	return TRUE;
}

static gboolean sink_drain(gpointer s, GCancellable *c, GError **e)
{
	return TRUE;
}

static void sink_close(gpointer s)
{
}

static const EarSinkOps timing_sink = { sink_open, sink_write, sink_drain, sink_close };

static void on_done(EarPlayResult r, const GError *error, gpointer data)
{
	*(gboolean *)data = TRUE;
}

static int cmp(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	g_autoptr(EarConfig) config = ear_config_new_default();
	g_autoptr(EarPlayer) player = ear_player_new(ear_tts_ops(), &timing_sink);
	EarVoice voice = { config->voice, config->rate, config->volume };
	gint64 lat[RUNS];
	struct rusage ru;

	ear_player_configure(player, "bench", &voice);
	for (int i = -1; i < RUNS; i++) { /* run -1 warms up */
		gboolean done = FALSE;
		first_write_us = 0;
		gint64 start = g_get_monotonic_time();
		ear_player_play(player, ear_code_utterance(config, (guint32)(i * 7919 + 42713) % 1000000, 1),
			on_done, &done, NULL);
		while (!done)
			g_main_context_iteration(NULL, TRUE);
		if (i >= 0)
			lat[i] = first_write_us - start;
	}
	qsort(lat, RUNS, sizeof(lat[0]), cmp);
	getrusage(RUSAGE_SELF, &ru);
	printf("first sound after the request: median %.2f ms, p90 %.2f ms, max %.2f ms (%d runs)\n",
		lat[RUNS / 2] / 1000.0, lat[RUNS * 9 / 10] / 1000.0, lat[RUNS - 1] / 1000.0, RUNS);
	printf("peak RSS: %ld KiB\n", ru.ru_maxrss);
	return lat[RUNS / 2] < 50 * 1000 ? 0 : 1;
}
