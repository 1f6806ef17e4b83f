/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads the chimes: RIFF/WAVE, PCM, 16-bit, mono, any rate. */
#ifndef EARSHOT_WAV_H
#define EARSHOT_WAV_H

#include <glib.h>

G_BEGIN_DECLS

/* A chime decoded into memory: 16-bit mono samples at @rate. */
typedef struct {
	GBytes *samples; /* NULL when there is no chime */
	guint rate;
} EarChime;

/* Decodes @len bytes of WAV data into @chime (samples in host order). */
gboolean ear_wav_parse(const guint8 *data, gsize len, EarChime *chime, GError **error);

/* Reads and decodes the file at @path. Files over 4 MiB are refused. */
gboolean ear_wav_load(const char *path, EarChime *chime, GError **error);

G_END_DECLS

#endif /* EARSHOT_WAV_H */
