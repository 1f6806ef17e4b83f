// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The only file that talks to espeak-ng: text → 16-bit mono PCM in memory,
 * handed over chunk by chunk so playback starts before synthesis ends.
 * espeak-ng keeps global state, so there is one synthesiser per process and
 * it is used from the player's worker thread only.
 */
#include "earshot/voice.h"

#include <espeak-ng/espeak_ng.h>
#include <string.h>

/* Chunk length handed to the callback: short, so the first sound is early. */
#define TTS_CHUNK_MS 40
/*
 * espeak-ng starts every text with about 55 ms of silence. Samples before the
 * first one above this level (-54 dBFS) are not played, except the last
 * TTS_ONSET_KEEP_MS before it, so the first sound is not clipped.
 */
#define TTS_ONSET_LEVEL 64
#define TTS_ONSET_KEEP_MS 5

typedef struct {
	guint sample_rate;
} Tts;

typedef struct {
	EarPcmFunc func;
	EarTtsMarkFunc mark_func;
	gpointer user_data;
	gboolean stopped;
	gboolean heard;    /* a sample above TTS_ONSET_LEVEL has been passed on */
	guint onset_keep;  /* samples kept before the first one above it */
} RenderCall;

static gboolean tts_fail(espeak_ng_STATUS status, const char *what, GError **error)
{
	char msg[256];
	espeak_ng_GetStatusCodeMessage(status, msg, sizeof(msg));
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "espeak-ng: %s: %s", what, msg);
	return FALSE;
}

static void report_marks(RenderCall *call, const espeak_EVENT *e)
{
	for (; e->type != espeakEVENT_LIST_TERMINATED; e++) {
		guint pos = (guint)MAX(e->text_position, 0);
		guint len = (guint)MAX(e->length, 0);

		if (e->type == espeakEVENT_WORD)
			call->mark_func(EAR_TTS_WORD, pos, len, call->user_data);
		else if (e->type == espeakEVENT_SENTENCE)
			call->mark_func(EAR_TTS_SENTENCE, pos, len, call->user_data);
		else if (e->type == espeakEVENT_END)
			call->mark_func(EAR_TTS_CLAUSE_END, pos, len, call->user_data);
	}
}

/* Drops the leading silence of a text: returns where the samples to play start, or @n. */
static gsize skip_leading_silence(RenderCall *call, const short *wav, gsize n)
{
	if (call->heard)
		return 0;
	for (gsize i = 0; i < n; i++) {
		if (wav[i] > TTS_ONSET_LEVEL || wav[i] < -TTS_ONSET_LEVEL) {
			call->heard = TRUE;
			return i > call->onset_keep ? i - call->onset_keep : 0;
		}
	}
	return n;
}

static int on_synth(short *wav, int n, espeak_EVENT *events)
{
	RenderCall *call = events ? events->user_data : NULL;
	if (!call || call->stopped)
		return 1;
	if (call->mark_func) {
		report_marks(call, events);
	} else if (wav && n > 0) {
		gsize start = skip_leading_silence(call, wav, (gsize)n);
		if (start < (gsize)n && !call->func(wav + start, (gsize)n - start, call->user_data))
			call->stopped = TRUE;
	}
	return call->stopped ? 1 : 0;
}

static gpointer tts_create(GError **error)
{
	espeak_ng_STATUS status;

	espeak_ng_InitializePath(NULL); /* honours ESPEAK_DATA_PATH */
	status = espeak_ng_Initialize(NULL);
	if (status != ENS_OK) {
		tts_fail(status, "cannot load its data", error);
		return NULL;
	}
	status = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, TTS_CHUNK_MS, NULL);
	if (status != ENS_OK) {
		tts_fail(status, "cannot set up output", error);
		espeak_ng_Terminate();
		return NULL;
	}
	espeak_SetSynthCallback(on_synth);
	Tts *tts = g_new0(Tts, 1);
	tts->sample_rate = (guint)espeak_ng_GetSampleRate();
	return tts;
}

static void tts_destroy(gpointer synth)
{
	if (!synth)
		return;
	espeak_ng_Terminate();
	g_free(synth);
}

static gboolean tts_configure(gpointer synth, const EarVoice *voice, GError **error)
{
	espeak_ng_STATUS status = espeak_ng_SetVoiceByName(voice->voice);
	if (status != ENS_OK) {
		g_autofree char *what = g_strdup_printf("voice \"%s\"", voice->voice);
		return tts_fail(status, what, error);
	}
	status = espeak_ng_SetParameter(espeakRATE, (int)voice->rate, 0);
	if (status == ENS_OK)
		status = espeak_ng_SetParameter(espeakVOLUME, (int)voice->volume, 0);
	if (status != ENS_OK)
		return tts_fail(status, "rate or volume", error);
	return TRUE;
}

static guint tts_sample_rate(gpointer synth)
{
	return ((Tts *)synth)->sample_rate;
}

static gboolean tts_synthesize(RenderCall *call, const char *text, GError **error)
{
	/* Plain UTF-8 text: no espeakSSML, no espeakPHONEMES, so nothing in it is markup. */
	espeak_ng_STATUS status = espeak_ng_Synthesize(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
		espeakCHARS_UTF8, NULL, call);
	if (status != ENS_OK && !call->stopped)
		return tts_fail(status, "synthesis", error);
	if (call->stopped) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "synthesis stopped");
		return FALSE;
	}
	return TRUE;
}

static gboolean tts_render(gpointer synth, const char *text, EarPcmFunc func, gpointer user_data,
	GError **error)
{
	Tts *tts = synth;
	RenderCall call = { .func = func, .user_data = user_data,
		.onset_keep = tts->sample_rate * TTS_ONSET_KEEP_MS / 1000 };
	return tts_synthesize(&call, text, error);
}

static const EarSynthOps tts_ops = {
	.create = tts_create,
	.destroy = tts_destroy,
	.configure = tts_configure,
	.sample_rate = tts_sample_rate,
	.render = tts_render,
};

const EarSynthOps *ear_tts_ops(void)
{
	return &tts_ops;
}

gboolean ear_tts_marks(gpointer synth, const char *text, EarTtsMarkFunc func, gpointer user_data,
	GError **error)
{
	RenderCall call = { .mark_func = func, .user_data = user_data };
	return tts_synthesize(&call, text, error);
}
