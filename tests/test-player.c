// SPDX-License-Identifier: GPL-2.0-or-later
/* The player: order, cancellation within 100 ms, failures reported, device released. */
#include <check.h>

#include "check-main.h"
#include "earshot/player.h"
#include "fake-voice.h"

typedef struct {
	guint calls;
	EarPlayResult result;
	char *error;
} Outcome;

static void on_done(EarPlayResult result, const GError *error, gpointer data)
{
	Outcome *o = data;
	o->calls++;
	o->result = result;
	g_free(o->error);
	o->error = error ? g_strdup(error->message) : NULL;
}

static gboolean wait_calls(Outcome *o, guint calls, guint timeout_ms)
{
	gint64 end = g_get_monotonic_time() + timeout_ms * 1000;
	while (o->calls < calls && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
	return o->calls >= calls;
}

static EarUtterance *text(const char *s)
{
	EarUtterance *u = ear_utterance_new();
	ear_utterance_add_text(u, s);
	return u;
}

static EarPlayer *new_player(const char *voice)
{
	EarPlayer *p = ear_player_new(fake_synth_ops(), fake_sink_ops());
	EarVoice v = { (char *)voice, 150, 100 };
	ear_player_configure(p, "test", &v);
	return p;
}

static void setup(void)
{
	fake_voice_reset();
}

START_TEST(test_plays_in_order)
{
	g_autoptr(EarPlayer) p = new_player("en");
	Outcome a = { 0 }, b = { 0 };
	fake_sink_set_speed(0);
	ear_player_play(p, text("one"), on_done, &a, NULL);
	ear_player_play(p, text("two"), on_done, &b, NULL);
	ck_assert(wait_calls(&b, 1, 5000));
	ck_assert_uint_eq(a.calls, 1);
	ck_assert_int_eq(a.result, EAR_PLAY_DONE);
	ck_assert_int_eq(b.result, EAR_PLAY_DONE);
	g_auto(GStrv) spoken = fake_voice_spoken();
	ck_assert_uint_eq(g_strv_length(spoken), 2);
	ck_assert_str_eq(spoken[0], "one");
	ck_assert_str_eq(spoken[1], "two");
	ck_assert(!fake_sink_is_open()); /* released after speaking */
	ck_assert(!ear_player_busy(p));
}
END_TEST

START_TEST(test_chime_and_pause)
{
	g_autoptr(EarPlayer) p = new_player("en");
	gint16 samples[800] = { 0 };
	EarChime chime = { g_bytes_new(samples, sizeof(samples)), 8000 };
	EarUtterance *u = ear_utterance_new();
	Outcome o = { 0 };

	fake_sink_set_speed(0);
	ear_utterance_add_chime(u, &chime);
	ear_utterance_add_pause(u, 100);
	ear_utterance_add_text(u, "x");
	ear_player_play(p, u, on_done, &o, NULL);
	ck_assert(wait_calls(&o, 1, 5000));
	ck_assert_int_eq(o.result, EAR_PLAY_DONE);
	/* 800 chime samples + 100 ms at 8 kHz, then the voice reopens at its own rate */
	ck_assert_uint_eq(fake_sink_samples(), 800 + 800 + FAKE_VOICE_RATE * FAKE_VOICE_MS_PER_CHAR / 1000);
	ck_assert_uint_eq(fake_sink_open_count(), 2);
	g_bytes_unref(chime.samples);
}
END_TEST

/* A Cancel must silence the speaker within 100 ms, and drop what was queued. */
START_TEST(test_stop_is_quick)
{
	g_autoptr(EarPlayer) p = new_player("en");
	g_autofree char *long_text = g_strnfill(600, 'a'); /* 3 s of audio */
	Outcome a = { 0 }, b = { 0 };

	ear_player_play(p, text(long_text), on_done, &a, NULL);
	ear_player_play(p, text("queued"), on_done, &b, NULL);
	g_usleep(300 * 1000);
	ck_assert(fake_sink_is_open());
	gint64 stop = g_get_monotonic_time();
	ear_player_stop(p);
	ck_assert(wait_calls(&a, 1, 2000));
	ck_assert(wait_calls(&b, 1, 2000));
	ck_assert_int_eq(a.result, EAR_PLAY_CANCELLED);
	ck_assert_int_eq(b.result, EAR_PLAY_CANCELLED);
	ck_assert(!fake_sink_is_open());
	gint64 silent_after = fake_sink_last_close_us() - stop;
	ck_assert_msg(silent_after < 100 * 1000, "sound stopped %" G_GINT64_FORMAT " µs after stop",
		silent_after);
	ck_assert_uint_eq(fake_voice_count("queued"), 0);
}
END_TEST

START_TEST(test_broken_sink_fails)
{
	g_autoptr(EarPlayer) p = new_player("en");
	Outcome o = { 0 };
	fake_sink_set_broken(TRUE);
	ear_player_play(p, text("hello"), on_done, &o, NULL);
	ck_assert(wait_calls(&o, 1, 5000));
	ck_assert_int_eq(o.result, EAR_PLAY_FAILED);
	ck_assert_ptr_nonnull(o.error);
	ck_assert(strstr(o.error, "no sound card"));
	/* the card comes back: the next utterance plays */
	fake_sink_set_broken(FALSE);
	fake_sink_set_speed(0);
	ear_player_play(p, text("again"), on_done, &o, NULL);
	ck_assert(wait_calls(&o, 2, 5000));
	ck_assert_int_eq(o.result, EAR_PLAY_DONE);
	g_free(o.error);
}
END_TEST

START_TEST(test_bad_voice)
{
	g_autoptr(EarPlayer) p = new_player("no-such-voice");
	Outcome o = { 0 };
	fake_sink_set_speed(0);
	ear_player_play(p, text("hello"), on_done, &o, NULL);
	ck_assert(wait_calls(&o, 1, 5000));
	ck_assert_int_eq(o.result, EAR_PLAY_FAILED);
	ck_assert(strstr(o.error, "no-such-voice"));
	/* a working voice, then a broken one: the working one stays */
	EarVoice good = { "en", 150, 100 }, bad = { "no-such-voice", 150, 100 };
	ear_player_configure(p, "test", &good);
	ear_player_configure(p, "test", &bad);
	ear_player_play(p, text("still here"), on_done, &o, NULL);
	ck_assert(wait_calls(&o, 2, 5000));
	ck_assert_int_eq(o.result, EAR_PLAY_DONE);
	g_free(o.error);
}
END_TEST

static void count_destroy(gpointer data)
{
	(*(guint *)data)++;
}

START_TEST(test_free_runs_no_callback)
{
	EarPlayer *p = new_player("en");
	Outcome o = { 0 };
	guint destroyed = 0;
	ear_player_play(p, text("some words to say"), on_done, &o, NULL);
	ear_player_play(p, text("more"), NULL, &destroyed, count_destroy);
	g_usleep(20 * 1000);
	ear_player_free(p);
	while (g_main_context_iteration(NULL, FALSE))
		;
	ck_assert_uint_eq(o.calls, 0);
	ck_assert_uint_eq(destroyed, 1); /* user data is still released */
}
END_TEST

static Suite *player_suite(void)
{
	Suite *s = suite_create("player");
	TCase *tc = tcase_create("player");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_plays_in_order);
	tcase_add_test(tc, test_chime_and_pause);
	tcase_add_test(tc, test_stop_is_quick);
	tcase_add_test(tc, test_broken_sink_fails);
	tcase_add_test(tc, test_bad_voice);
	tcase_add_test(tc, test_free_runs_no_callback);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(player_suite)
