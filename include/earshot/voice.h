/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two seams between the player and the hardware: a synthesiser that
 * turns text into 16-bit mono PCM, and a sink that plays PCM. The daemon uses
 * espeak-ng (tts.c) and ALSA (alsa-sink.c); tests swap in their own.
 * All functions of both run on the player's worker thread only.
 */
#ifndef EARSHOT_VOICE_H
#define EARSHOT_VOICE_H

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
	char *voice;
	guint rate;   /* words per minute */
	guint volume; /* 0..200 */
} EarVoice;

/* Receives synthesised samples; return FALSE to stop synthesis. */
typedef gboolean (*EarPcmFunc)(const gint16 *samples, gsize n_samples, gpointer user_data);

typedef struct {
	/* Creates the synthesiser (slow: loads voice data). */
	gpointer (*create)(GError **error);
	void (*destroy)(gpointer synth);
	gboolean (*configure)(gpointer synth, const EarVoice *voice, GError **error);
	guint (*sample_rate)(gpointer synth);
	/* Calls @func for each chunk as soon as it is ready. Plain text only. */
	gboolean (*render)(gpointer synth, const char *text, EarPcmFunc func, gpointer user_data,
		GError **error);
} EarSynthOps;

typedef struct {
	/* Opens @device for mono S16 at @rate; may retry while the device is busy. */
	gpointer (*open)(const char *device, guint rate, GCancellable *cancel, GError **error);
	/* Plays @n samples; returns early (FALSE, G_IO_ERROR_CANCELLED) when cancelled. */
	gboolean (*write)(gpointer sink, const gint16 *samples, gsize n, GCancellable *cancel,
		GError **error);
	/* Waits until everything written has been heard. */
	gboolean (*drain)(gpointer sink, GCancellable *cancel, GError **error);
	/* Stops at once (dropping what is queued) and releases the device. */
	void (*close)(gpointer sink);
} EarSinkOps;

/* espeak-ng, rendering in memory (tts.c). */
const EarSynthOps *ear_tts_ops(void);

/* What espeak-ng reports while it reads a text. */
typedef enum {
	EAR_TTS_WORD,       /* a word of the text */
	EAR_TTS_SENTENCE,   /* a sentence starts */
	EAR_TTS_CLAUSE_END, /* a clause or sentence ends (a pause) */
} EarTtsMark;

/* @position: first character of the mark in the text, counted from 1; @length in characters. */
typedef void (*EarTtsMarkFunc)(EarTtsMark mark, guint position, guint length, gpointer user_data);

/*
 * Reads @text with @synth (from ear_tts_ops()) exactly as render() does, but
 * drops the sound and calls @func for each word, sentence start and clause
 * end instead: how espeak-ng splits a text, for tests of what is spoken.
 */
gboolean ear_tts_marks(gpointer synth, const char *text, EarTtsMarkFunc func, gpointer user_data,
	GError **error);

/* libasound (alsa-sink.c). */
const EarSinkOps *ear_alsa_sink_ops(void);

/*
 * Makes the sink's next open read the ALSA configuration again
 * (/etc/asound.conf, ~/.asoundrc). Without it a running program keeps the
 * configuration it read first: alsa-lib looks again only when its top-level
 * alsa.conf changes. Safe on any thread.
 */
void ear_alsa_reread_config(void);

/* How long open() keeps retrying a busy device. */
#define EAR_SINK_BUSY_RETRY_MS 2000

G_END_DECLS

#endif /* EARSHOT_VOICE_H */
