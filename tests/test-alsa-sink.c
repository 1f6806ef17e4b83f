// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ALSA sink through real libasound: samples land in the file plugin, a
 * busy device is retried for 2 s and then given up, a cancel ends the wait,
 * a missing device is a clear error, a reload rereads the configuration.
 * "busy" is a test plugin (alsa-busy-plugin.c) that answers EBUSY while a
 * file exists.
 */
#include <check.h>
#include <glib/gstdio.h>

#include "check-main.h"
#include "earshot/voice.h"

static char *dir;
static char *held;
static char *out;

static void setup(void)
{
	dir = g_dir_make_tmp("earshot-alsa-XXXXXX", NULL);
	held = g_build_filename(dir, "held", NULL);
	out = g_build_filename(dir, "out.raw", NULL);
	g_autofree char *conf = g_build_filename(dir, "asound.conf", NULL);
	g_autofree char *text = g_strdup_printf(
		"pcm_type.busy { lib \"%s\" }\n"
		"pcm.capture { type file slave.pcm { type null } file \"%s\" format raw }\n"
		"pcm.speaker { type busy busyfile \"%s\" slave \"capture\" }\n",
		BUSY_PLUGIN, out, held);
	ck_assert(g_file_set_contents(conf, text, -1, NULL));
	g_setenv("ALSA_CONFIG_PATH", conf, TRUE);
}

static void teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
	ck_assert(system(cmd) == 0);
	g_free(dir);
	g_free(held);
	g_free(out);
}

static void hold(gboolean on)
{
	if (on)
		ck_assert(g_file_set_contents(held, "", 0, NULL));
	else
		g_unlink(held);
}

START_TEST(test_plays_into_file)
{
	const EarSinkOps *ops = ear_alsa_sink_ops();
	g_autoptr(GError) error = NULL;
	gint16 samples[22050];
	for (guint i = 0; i < G_N_ELEMENTS(samples); i++)
		samples[i] = (gint16)(i * 7);
	gpointer sink = ops->open("speaker", 22050, NULL, &error);
	ck_assert_msg(sink != NULL, "%s", error ? error->message : "");
	ck_assert(ops->write(sink, samples, G_N_ELEMENTS(samples), NULL, &error));
	ck_assert(ops->drain(sink, NULL, &error));
	ops->close(sink);
	g_autofree char *data = NULL;
	gsize len = 0;
	ck_assert(g_file_get_contents(out, &data, &len, NULL));
	ck_assert_uint_eq(len, sizeof(samples));
	ck_assert_mem_eq(data, samples, sizeof(samples));
}
END_TEST

START_TEST(test_busy_gives_up_after_two_seconds)
{
	g_autoptr(GError) error = NULL;
	hold(TRUE);
	gint64 start = g_get_monotonic_time();
	gpointer sink = ear_alsa_sink_ops()->open("speaker", 22050, NULL, &error);
	gint64 took = g_get_monotonic_time() - start;
	ck_assert_ptr_null(sink);
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BUSY));
	ck_assert_int_ge(took, EAR_SINK_BUSY_RETRY_MS * 1000);
	ck_assert_int_lt(took, EAR_SINK_BUSY_RETRY_MS * 1000 + 500 * 1000);
	ck_assert(strstr(error->message, "speaker"));
}
END_TEST

static gpointer release_later(gpointer data)
{
	g_usleep(500 * 1000);
	g_unlink(held);
	return NULL;
}

START_TEST(test_busy_then_free)
{
	g_autoptr(GError) error = NULL;
	hold(TRUE);
	GThread *t = g_thread_new("release", release_later, NULL);
	gint64 start = g_get_monotonic_time();
	gpointer sink = ear_alsa_sink_ops()->open("speaker", 22050, NULL, &error);
	gint64 took = g_get_monotonic_time() - start;
	g_thread_join(t);
	ck_assert_msg(sink != NULL, "%s", error ? error->message : "");
	ck_assert_int_ge(took, 450 * 1000);
	ck_assert_int_lt(took, 1000 * 1000);
	ear_alsa_sink_ops()->close(sink);
}
END_TEST

static gpointer cancel_later(gpointer data)
{
	g_usleep(300 * 1000);
	g_cancellable_cancel(data);
	return NULL;
}

START_TEST(test_cancel_while_busy)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	hold(TRUE);
	GThread *t = g_thread_new("cancel", cancel_later, cancel);
	gint64 start = g_get_monotonic_time();
	gpointer sink = ear_alsa_sink_ops()->open("speaker", 22050, cancel, &error);
	gint64 took = g_get_monotonic_time() - start;
	g_thread_join(t);
	ck_assert_ptr_null(sink);
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
	/* cancelled after 0.3 s: well before the 2 s retry would give up (slack for a loaded CI) */
	ck_assert_int_lt(took, EAR_SINK_BUSY_RETRY_MS * 1000 * 3 / 4);
}
END_TEST

START_TEST(test_missing_device)
{
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();
	gpointer sink = ear_alsa_sink_ops()->open("nosuchcard", 22050, NULL, &error);
	ck_assert_ptr_null(sink);
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
	ck_assert(strstr(error->message, "nosuchcard"));
	/* not retried: a retry would take EAR_SINK_BUSY_RETRY_MS */
	ck_assert_int_lt(g_get_monotonic_time() - start, EAR_SINK_BUSY_RETRY_MS * 1000 * 3 / 4);
}
END_TEST

/* A PCM defined in a file the top-level configuration includes, as /etc/asound.conf is. */
static gpointer open_included(const char *devices, GError **error)
{
	g_autofree char *conf = g_build_filename(dir, "top.conf", NULL);
	g_autofree char *inc = g_build_filename(dir, "devices.conf", NULL);
	g_autofree char *text = g_strdup_printf("<%s>\n", inc);
	if (!g_file_test(conf, G_FILE_TEST_EXISTS)) {
		ck_assert(g_file_set_contents(conf, text, -1, NULL));
		g_setenv("ALSA_CONFIG_PATH", conf, TRUE);
	}
	ck_assert(g_file_set_contents(inc, devices, -1, NULL));
	return ear_alsa_sink_ops()->open("later", 22050, NULL, error);
}

START_TEST(test_reread_config)
{
	g_autoptr(GError) error = NULL;
	ck_assert_ptr_null(open_included("pcm.other { type null }\n", &error));
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
	g_clear_error(&error);

	g_autofree char *later = g_strdup_printf("pcm.later { type file slave.pcm { type null } "
		"file \"%s\" format raw }\n", out);
	/* what a running daemon sees without a reload: the tree it read first */
	ck_assert_ptr_null(open_included(later, &error));
	ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
	g_clear_error(&error);

	ear_alsa_reread_config();
	gpointer sink = open_included(later, &error);
	ck_assert_msg(sink != NULL, "%s", error ? error->message : "");
	gint16 samples[441] = { 1, 2, 3 };
	ck_assert(ear_alsa_sink_ops()->write(sink, samples, G_N_ELEMENTS(samples), NULL, &error));
	ck_assert(ear_alsa_sink_ops()->drain(sink, NULL, &error));
	ear_alsa_sink_ops()->close(sink);
	g_autofree char *data = NULL;
	gsize len = 0;
	ck_assert(g_file_get_contents(out, &data, &len, NULL));
	ck_assert_uint_eq(len, sizeof(samples));
}
END_TEST

static Suite *alsa_suite(void)
{
	Suite *s = suite_create("alsa-sink");
	TCase *tc = tcase_create("alsa-sink");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_plays_into_file);
	tcase_add_test(tc, test_busy_gives_up_after_two_seconds);
	tcase_add_test(tc, test_busy_then_free);
	tcase_add_test(tc, test_cancel_while_busy);
	tcase_add_test(tc, test_missing_device);
	tcase_add_test(tc, test_reread_config);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(alsa_suite)
