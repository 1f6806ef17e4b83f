// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The real espeak-ng through tts.c: every text starts with its first sound,
 * not with espeak-ng's ~55 ms of leading silence.
 */
#include <check.h>

#include "check-main.h"
#include "earshot/voice.h"

#define LEVEL 64 /* what the listener counts as sound (-54 dBFS) */

typedef struct {
	GArray *samples;
} Collected;

static gboolean collect(const gint16 *s, gsize n, gpointer data)
{
	g_array_append_vals(((Collected *)data)->samples, s, (guint)n);
	return TRUE;
}

static gsize first_sound(GArray *a)
{
	for (gsize i = 0; i < a->len; i++) {
		gint16 s = g_array_index(a, gint16, i);
		if (s > LEVEL || s < -LEVEL)
			return i;
	}
	return a->len;
}

START_TEST(test_starts_with_its_first_sound)
{
	const EarSynthOps *ops = ear_tts_ops();
	g_autoptr(GError) error = NULL;
	gpointer synth = ops->create(&error);
	if (!synth) {
		g_printerr("skipped: %s\n", error->message);
		return;
	}
	EarVoice voice = { "en", 150, 100 };
	ck_assert_msg(ops->configure(synth, &voice, &error), "%s", error ? error->message : "");
	guint rate = ops->sample_rate(synth);
	const char *texts[] = { "Pairing code: 4, 2, 7, 1, 3, 0.", "Again: 0, 0, 0.", "Ready to pair" };
	for (guint t = 0; t < G_N_ELEMENTS(texts); t++) {
		Collected c = { g_array_new(FALSE, FALSE, sizeof(gint16)) };
		ck_assert(ops->render(synth, texts[t], collect, &c, &error));
		gsize onset = first_sound(c.samples);
		ck_assert_msg(onset < c.samples->len, "%s: no sound", texts[t]);
		ck_assert_msg(onset * 1000 / rate <= 6, "%s: first sound after %zu ms", texts[t],
			(gsize)(onset * 1000 / rate));
		g_array_unref(c.samples);
	}
	ops->destroy(synth);
}
END_TEST

static Suite *tts_suite(void)
{
	Suite *s = suite_create("tts");
	TCase *tc = tcase_create("espeak-ng");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_starts_with_its_first_sound);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(tts_suite)
