// SPDX-License-Identifier: GPL-2.0-or-later
/* The chime reader: just enough RIFF/WAVE to take a 16-bit mono PCM file. */
#include "earshot/wav.h"

#include <gio/gio.h>
#include <string.h>

#define WAV_MAX_BYTES (4 * 1024 * 1024)

static guint32 read_le32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint16 read_le16(const guint8 *p)
{
	return (guint16)(p[0] | p[1] << 8);
}

static gboolean fail(GError **error, const char *what)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a 16-bit mono PCM WAV file (%s)",
		what);
	return FALSE;
}

static gboolean check_format(const guint8 *fmt, guint32 size, guint *rate, GError **error)
{
	if (size < 16)
		return fail(error, "short fmt chunk");
	if (read_le16(fmt) != 1)
		return fail(error, "compressed audio");
	if (read_le16(fmt + 2) != 1)
		return fail(error, "not mono");
	if (read_le16(fmt + 14) != 16)
		return fail(error, "not 16-bit");
	*rate = read_le32(fmt + 4);
	if (*rate < 4000 || *rate > 192000)
		return fail(error, "unusual sample rate");
	return TRUE;
}

static GBytes *copy_samples(const guint8 *p, guint32 size)
{
	gsize n = size / 2;
	gint16 *s = g_new(gint16, n ? n : 1);
	for (gsize i = 0; i < n; i++)
		s[i] = (gint16)read_le16(p + 2 * i);
	return g_bytes_new_take(s, n * sizeof(gint16));
}

gboolean ear_wav_parse(const guint8 *data, gsize len, EarChime *chime, GError **error)
{
	guint rate = 0;
	gsize pos = 12;

	if (len < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WAVE", 4) != 0)
		return fail(error, "no RIFF/WAVE header");
	while (pos + 8 <= len) {
		const guint8 *chunk = data + pos;
		guint32 size = read_le32(chunk + 4);
		if (size > len - pos - 8)
			size = (guint32)(len - pos - 8); /* tolerate a truncated last chunk */
		if (memcmp(chunk, "fmt ", 4) == 0 && !check_format(chunk + 8, size, &rate, error))
			return FALSE;
		if (memcmp(chunk, "data", 4) == 0) {
			if (rate == 0)
				return fail(error, "data before fmt");
			if (size < 2)
				return fail(error, "no samples");
			chime->samples = copy_samples(chunk + 8, size);
			chime->rate = rate;
			return TRUE;
		}
		pos += 8 + (gsize)size + (size & 1);
	}
	return fail(error, "no data chunk");
}

gboolean ear_wav_load(const char *path, EarChime *chime, GError **error)
{
	g_autoptr(GMappedFile) file = g_mapped_file_new(path, FALSE, error);
	if (!file)
		return FALSE;
	gsize len = g_mapped_file_get_length(file);
	if (len > WAV_MAX_BYTES) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "larger than 4 MiB");
		return FALSE;
	}
	return ear_wav_parse((const guint8 *)g_mapped_file_get_contents(file), len, chime, error);
}
