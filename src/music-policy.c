// SPDX-License-Identifier: GPL-2.0-or-later
/* The music decisions (music-policy.h). */
#include "earshot/music-policy.h"

#include <math.h>

/* A stream that is heard here: lowering it helps, pausing it frees the card. */
static EarMusicAction decide_auto(const EarMusicState *s, gboolean exclusive)
{
	if (!s->streaming)
		return EAR_MUSIC_LEAVE; /* a player that says "playing" plays elsewhere */
	if (s->playing && (exclusive || !s->has_volume))
		return EAR_MUSIC_PAUSE;
	return s->has_volume ? EAR_MUSIC_LOWER : EAR_MUSIC_LEAVE;
}

EarMusicAction ear_music_decide(EarDuck duck, const EarMusicState *s, gboolean exclusive)
{
	switch (duck) {
	case EAR_DUCK_AUTO:
		return decide_auto(s, exclusive);
	case EAR_DUCK_VOLUME:
		return s->streaming && s->has_volume ? EAR_MUSIC_LOWER : EAR_MUSIC_LEAVE;
	case EAR_DUCK_PAUSE:
		return s->playing ? EAR_MUSIC_PAUSE : EAR_MUSIC_LEAVE;
	case EAR_DUCK_OFF:
		return EAR_MUSIC_LEAVE;
	}
	return EAR_MUSIC_LEAVE;
}

gboolean ear_music_pause_when_busy(EarDuck duck, const EarMusicState *s, gboolean paused)
{
	return (duck == EAR_DUCK_AUTO || duck == EAR_DUCK_PAUSE) && s->playing && !paused;
}

guint16 ear_music_lowered_volume(guint16 volume, guint db)
{
	double lowered = round(volume * pow(2.0, -(double)db / 10.0));
	if (volume > 0 && lowered >= volume)
		return volume - 1;
	return (guint16)lowered;
}

gboolean ear_music_should_restore(guint16 before, guint16 lowered, guint16 now)
{
	return now == lowered || now == before;
}

gboolean ear_music_should_resume(const char *status)
{
	return g_strcmp0(status, "paused") == 0;
}
