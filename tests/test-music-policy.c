// SPDX-License-Identifier: GPL-2.0-or-later
/* What Earshot does with music that plays while it speaks, table by table. */
#include <check.h>

#include "check-main.h"
#include "earshot/music-policy.h"

typedef struct {
	const char *what;
	EarDuck duck;
	EarMusicState state; /* streaming, has_volume, playing */
	gboolean exclusive;
	EarMusicAction action;
} DecideCase;

#define LEAVE EAR_MUSIC_LEAVE
#define LOWER EAR_MUSIC_LOWER
#define PAUSE EAR_MUSIC_PAUSE
#define PLAYS_WITH_VOLUME { TRUE, TRUE, TRUE }
#define PLAYS_NO_VOLUME { TRUE, FALSE, TRUE }
#define STREAM_ONLY { TRUE, TRUE, FALSE }
#define QUIET { FALSE, TRUE, FALSE }
#define USER_PAUSED { FALSE, TRUE, FALSE }

static const DecideCase decide_cases[] = {
	{ "auto, music with volume: lowered", EAR_DUCK_AUTO, PLAYS_WITH_VOLUME, FALSE, LOWER },
	{ "auto, stream without player: lowered", EAR_DUCK_AUTO, STREAM_ONLY, FALSE, LOWER },
	{ "auto, no volume: paused", EAR_DUCK_AUTO, PLAYS_NO_VOLUME, FALSE, PAUSE },
	{ "auto, card known exclusive: paused", EAR_DUCK_AUTO, PLAYS_WITH_VOLUME, TRUE, PAUSE },
	{ "auto, exclusive but no player: lowered", EAR_DUCK_AUTO, STREAM_ONLY, TRUE, LOWER },
	{ "auto, quiet: left", EAR_DUCK_AUTO, QUIET, FALSE, LEAVE },
	{ "auto, paused by the user: left", EAR_DUCK_AUTO, USER_PAUSED, TRUE, LEAVE },
	{ "auto, player says playing, no stream here: left", EAR_DUCK_AUTO, { FALSE, FALSE, TRUE },
		FALSE, LEAVE },
	{ "volume, music with volume: lowered", EAR_DUCK_VOLUME, PLAYS_WITH_VOLUME, TRUE, LOWER },
	{ "volume, no volume: left", EAR_DUCK_VOLUME, PLAYS_NO_VOLUME, FALSE, LEAVE },
	{ "volume, quiet: left", EAR_DUCK_VOLUME, QUIET, FALSE, LEAVE },
	{ "pause, playing: paused", EAR_DUCK_PAUSE, PLAYS_WITH_VOLUME, FALSE, PAUSE },
	{ "pause, stream without player: left", EAR_DUCK_PAUSE, STREAM_ONLY, FALSE, LEAVE },
	{ "pause, paused by the user: left", EAR_DUCK_PAUSE, USER_PAUSED, FALSE, LEAVE },
	{ "off, music: left", EAR_DUCK_OFF, PLAYS_WITH_VOLUME, FALSE, LEAVE },
	{ "off, exclusive: left", EAR_DUCK_OFF, PLAYS_NO_VOLUME, TRUE, LEAVE },
};

START_TEST(test_decide)
{
	const DecideCase *c = &decide_cases[_i];
	ck_assert_msg(ear_music_decide(c->duck, &c->state, c->exclusive) == c->action, "%s",
		c->what);
}
END_TEST

typedef struct {
	const char *what;
	EarDuck duck;
	EarMusicState state;
	gboolean paused;
	gboolean pause;
} BusyCase;

static const BusyCase busy_cases[] = {
	{ "auto, lowered but the card is busy: pause", EAR_DUCK_AUTO, PLAYS_WITH_VOLUME, FALSE, TRUE },
	{ "auto, already paused", EAR_DUCK_AUTO, PLAYS_WITH_VOLUME, TRUE, FALSE },
	{ "auto, nothing playing here", EAR_DUCK_AUTO, QUIET, FALSE, FALSE },
	{ "pause, playing", EAR_DUCK_PAUSE, PLAYS_WITH_VOLUME, FALSE, TRUE },
	{ "volume never pauses", EAR_DUCK_VOLUME, PLAYS_WITH_VOLUME, FALSE, FALSE },
	{ "off never pauses", EAR_DUCK_OFF, PLAYS_WITH_VOLUME, FALSE, FALSE },
};

START_TEST(test_busy)
{
	const BusyCase *c = &busy_cases[_i];
	ck_assert_msg(ear_music_pause_when_busy(c->duck, &c->state, c->paused) == c->pause, "%s",
		c->what);
}
END_TEST

static const struct {
	guint16 volume;
	guint db;
	guint16 lowered;
} volume_cases[] = {
	{ 127, 20, 32 },  /* 127 / 4: 10 dB per halving */
	{ 127, 10, 64 },  /* half */
	{ 127, 60, 2 },   /* 127 / 64 */
	{ 127, 70, 1 },
	{ 64, 20, 16 },
	{ 1, 1, 0 },      /* always lower */
	{ 2, 1, 1 },
	{ 0, 20, 0 },
	{ 100, 40, 6 },
};

START_TEST(test_lowered_volume)
{
	ck_assert_uint_eq(ear_music_lowered_volume(volume_cases[_i].volume, volume_cases[_i].db),
		volume_cases[_i].lowered);
}
END_TEST

START_TEST(test_restore_and_resume)
{
	ck_assert(ear_music_should_restore(127, 13, 13));
	ck_assert(ear_music_should_restore(127, 13, 127)); /* the lowering not seen yet */
	ck_assert(!ear_music_should_restore(127, 13, 90)); /* the phone's owner turned it up */
	ck_assert(!ear_music_should_restore(127, 13, 5));
	ck_assert(ear_music_should_resume("paused"));
	ck_assert(!ear_music_should_resume("playing")); /* someone pressed play already */
	ck_assert(!ear_music_should_resume("stopped"));
	ck_assert(!ear_music_should_resume(NULL));      /* the player is gone */
}
END_TEST

static Suite *music_policy_suite(void)
{
	Suite *s = suite_create("music-policy");
	TCase *tc = tcase_create("decisions");
	tcase_add_loop_test(tc, test_decide, 0, G_N_ELEMENTS(decide_cases));
	tcase_add_loop_test(tc, test_busy, 0, G_N_ELEMENTS(busy_cases));
	tcase_add_loop_test(tc, test_lowered_volume, 0, G_N_ELEMENTS(volume_cases));
	tcase_add_test(tc, test_restore_and_resume);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(music_policy_suite)
