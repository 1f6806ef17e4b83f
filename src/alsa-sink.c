// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The only file that talks to ALSA. The PCM is opened for one utterance and
 * closed after it, because the music player may need the card too. Writes go
 * in short slices so that a cancel is heard within a few tens of ms.
 */
#include "earshot/voice.h"

#include <alsa/asoundlib.h>
#include <errno.h>

#define SINK_LATENCY_US 100000 /* ALSA buffer: bounds how long a drop takes to be heard */
#define SINK_SLICE_FRAMES 512
#define SINK_RETRY_US 100000

/* Set by ear_alsa_reread_config() on any thread, acted on at the worker's next open. */
static gint reread_config;

typedef struct {
	snd_pcm_t *pcm;
	guint rate;
	guint underruns; /* the device ran dry: the listener heard a gap in the voice */
} AlsaSink;

static gboolean sink_fail(GError **error, int code, const char *what, int err)
{
	g_set_error(error, G_IO_ERROR, code, "%s: %s", what, snd_strerror(err));
	return FALSE;
}

static gboolean cancelled(GCancellable *cancel, GError **error)
{
	return g_cancellable_set_error_if_cancelled(cancel, error);
}

/* A device held by another program (EBUSY) is retried for EAR_SINK_BUSY_RETRY_MS. */
static snd_pcm_t *open_retrying(const char *device, GCancellable *cancel, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + EAR_SINK_BUSY_RETRY_MS * 1000;
	snd_pcm_t *pcm = NULL;
	int err;

	while ((err = snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, 0)) == -EBUSY ||
		err == -EAGAIN) {
		if (cancelled(cancel, error))
			return NULL;
		if (g_get_monotonic_time() >= deadline) {
			g_autofree char *what = g_strdup_printf("%s busy for %d ms", device,
				EAR_SINK_BUSY_RETRY_MS);
			sink_fail(error, G_IO_ERROR_BUSY, what, err);
			return NULL;
		}
		g_usleep(SINK_RETRY_US);
	}
	if (err < 0) {
		g_autofree char *what = g_strdup_printf("cannot open %s", device);
		sink_fail(error, G_IO_ERROR_NOT_FOUND, what, err);
		return NULL;
	}
	return pcm;
}

static gpointer sink_open(const char *device, guint rate, GCancellable *cancel, GError **error)
{
	/* no PCM is open between two utterances, so the old tree is not in use */
	if (g_atomic_int_compare_and_exchange(&reread_config, 1, 0))
		snd_config_update_free_global();
	snd_pcm_t *pcm = open_retrying(device, cancel, error);
	if (!pcm)
		return NULL;
	int err = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16, SND_PCM_ACCESS_RW_INTERLEAVED, 1, rate,
		1, SINK_LATENCY_US);
	if (err < 0) {
		snd_pcm_close(pcm);
		g_autofree char *what = g_strdup_printf("%s: cannot play 16-bit mono at %u Hz", device,
			rate);
		sink_fail(error, G_IO_ERROR_NOT_SUPPORTED, what, err);
		return NULL;
	}
	AlsaSink *sink = g_new0(AlsaSink, 1);
	sink->pcm = pcm;
	sink->rate = rate;
	return sink;
}

static gboolean sink_write(gpointer data, const gint16 *samples, gsize n, GCancellable *cancel,
	GError **error)
{
	AlsaSink *sink = data;
	while (n > 0) {
		if (cancelled(cancel, error))
			return FALSE;
		snd_pcm_sframes_t done = snd_pcm_writei(sink->pcm, samples, MIN(n, SINK_SLICE_FRAMES));
		if (done == -EPIPE)
			sink->underruns++;
		if (done < 0)
			done = snd_pcm_recover(sink->pcm, (int)done, 1); /* underrun, suspend */
		if (done < 0)
			return sink_fail(error, G_IO_ERROR_FAILED, "sound device write", (int)done);
		samples += done;
		n -= (gsize)done;
	}
	return TRUE;
}

/* Polls instead of snd_pcm_drain() so that a cancel is not stuck behind the buffer. */
static gboolean sink_drain(gpointer data, GCancellable *cancel, GError **error)
{
	AlsaSink *sink = data;
	gint64 deadline = g_get_monotonic_time() + 2 * SINK_LATENCY_US + G_USEC_PER_SEC;
	snd_pcm_sframes_t delay = 0;

	if (snd_pcm_state(sink->pcm) == SND_PCM_STATE_PREPARED)
		snd_pcm_start(sink->pcm); /* less than one buffer was written */
	while (snd_pcm_state(sink->pcm) == SND_PCM_STATE_RUNNING &&
		snd_pcm_delay(sink->pcm, &delay) == 0 && delay > 0 &&
		g_get_monotonic_time() < deadline) {
		if (cancelled(cancel, error))
			return FALSE;
		g_usleep(10000);
	}
	return TRUE;
}

static void sink_close(gpointer data)
{
	AlsaSink *sink = data;
	if (!sink)
		return;
	if (sink->underruns)
		g_warning("the sound device ran dry %u time(s) while Earshot spoke: the voice had gaps "
			"(the system is too busy to feed it in time)", sink->underruns);
	snd_pcm_drop(sink->pcm);
	snd_pcm_close(sink->pcm);
	g_free(sink);
}

static const EarSinkOps alsa_ops = {
	.open = sink_open,
	.write = sink_write,
	.drain = sink_drain,
	.close = sink_close,
};

const EarSinkOps *ear_alsa_sink_ops(void)
{
	return &alsa_ops;
}

void ear_alsa_reread_config(void)
{
	g_atomic_int_set(&reread_config, 1);
}
