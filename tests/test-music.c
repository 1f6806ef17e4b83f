// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Music while Earshot speaks, on a private bus: a second phone streams to the
 * speaker (a fake bluetoothd's MediaTransport1 and MediaPlayer1), a first one
 * pairs. The music is lowered before the first sample and put back after the
 * last prompt, on Cancel, on stop and on exit; a transport without Volume gets
 * its player paused and resumed; what the user changed stays as they left it.
 */
#include <check.h>

#include "check-main.h"
#include "daemon-fixture.h"
#include "earshot/music.h"

#define MUSIC_PHONE "22:22:22:22:22:22"
#define LOWERED 32 /* 127 lowered by 20 dB: 127 / 4 */

static const char *music_device;
static const char *transport;
static const char *player;
/* What the music phone has, set by each test's fixture before the daemon starts. */
static const char *transport_state;
static gint transport_volume;
static const char *transport_uuid = FAKE_UUID_A2DP_SINK;
static const char *player_status;

static void add_music(void)
{
	music_device = fake_bluez_add_device(fb, MUSIC_PHONE, "Bob's phone", TRUE, TRUE);
	transport = fake_bluez_add_transport_uuid(fb, music_device, transport_uuid, transport_state,
		transport_volume);
	player = player_status ? fake_bluez_add_player(fb, music_device, player_status) : NULL;
}

static void setup_music(const char *state, gint volume, const char *status, const char *extra)
{
	transport_state = state;
	transport_volume = volume;
	player_status = status;
	before_start = add_music;
	setup_with(extra);
}

static void setup_volume(void)
{
	setup_music("active", 127, "playing", "");
}

static void setup_no_volume(void)
{
	setup_music("active", -1, "playing", "");
}

static void setup_user_paused(void)
{
	setup_music("idle", 127, "paused", "");
}

static void setup_off(void)
{
	setup_music("active", 127, "playing", "[music]\nduck = off\n");
}

/* The speaker sends audio out (A2DP source, e.g. to headphones): not the music in the room. */
static void setup_outgoing(void)
{
	transport_uuid = FAKE_UUID_A2DP_SOURCE;
	setup_music("active", 127, NULL, "");
}

static void teardown_music(void)
{
	teardown();
	before_start = NULL;
	transport_uuid = FAKE_UUID_A2DP_SINK;
}

static guint volume(void)
{
	GVariant *v = fake_bluez_get_property(fb, transport, "Volume");
	return v ? g_variant_get_uint16(v) : 0;
}

static gboolean volume_cond(gpointer data)
{
	return volume() == GPOINTER_TO_UINT(data);
}

static gboolean sink_opened_cond(gpointer data)
{
	return fake_sink_first_open_us() > 0;
}

static gboolean volume_set_cond(gpointer data)
{
	return fake_bluez_volume_set_us(fb, transport) > 0;
}

static gboolean status_cond(gpointer data)
{
	GVariant *v = fake_bluez_get_property(fb, player, "Status");
	return v && g_str_equal(g_variant_get_string(v, NULL), data);
}

static gboolean quiet_cond(gpointer data)
{
	return fake_voice_count(data) > 0 && !fake_sink_is_open();
}

/* "Ready to pair" has been said and the card is closed again; the sink's counters start afresh. */
static void wait_quiet(void)
{
	ck_assert(fake_wait_until(quiet_cond, "Ready to pair", 5000));
	settle(50);
	fake_voice_reset();
}

static FakeCall *confirm(void)
{
	return call("RequestConfirmation", g_variant_new("(ou)", phone, 42713));
}

/* A number is being read, slowly, with the music lowered. */
static FakeCall *reading_slowly(void)
{
	wait_quiet();
	fake_sink_set_speed(0.01);
	FakeCall *c = confirm();
	ck_assert(fake_wait_until(volume_cond, GUINT_TO_POINTER(LOWERED), 5000));
	return c;
}

START_TEST(test_lowered_before_first_sample_restored_after_last)
{
	wait_quiet();
	g_autoptr(FakeCall) c = confirm();
	ck_assert(fake_call_wait(c, 10000));
	ck_assert_ptr_null(fake_call_error_name(c));
	ck_assert_uint_eq(volume(), LOWERED);
	ck_assert_int_gt(fake_bluez_volume_set_us(fb, transport), 0);
	ck_assert_int_gt(fake_sink_first_open_us(), 0);
	ck_assert_int_lt(fake_bluez_volume_set_us(fb, transport), fake_sink_first_open_us());
	set_paired(phone);
	ck_assert(wait_said("Paired with", 1, 5000));
	ck_assert(fake_wait_until(volume_cond, GUINT_TO_POINTER(127), 10000));
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Set") - fake_bluez_adapter_set_count(fb), 2);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Pause"), 0);
}
END_TEST

START_TEST(test_restored_on_cancel)
{
	wait_quiet();
	fake_sink_set_speed(0.05); /* the reading is still going when Cancel comes */
	g_autoptr(FakeCall) c = confirm();
	ck_assert(fake_wait_until(volume_cond, GUINT_TO_POINTER(LOWERED), 5000));
	fake_sink_set_speed(1);
	g_autoptr(FakeCall) cancel = fake_bluez_call_agent(fb, "Cancel", NULL, TRUE);
	ck_assert(fake_wait_until(volume_cond, GUINT_TO_POINTER(127), 10000));
}
END_TEST

static gboolean on_stopped(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean flag_cond(gpointer data)
{
	return *(gboolean *)data;
}

/* SIGTERM: main.c calls ear_daemon_shutdown() while a number is being read. */
START_TEST(test_restored_on_stop)
{
	gboolean stopped = FALSE;
	g_autoptr(FakeCall) c = reading_slowly();
	ear_daemon_shutdown(daemon_, on_stopped, &stopped);
	ck_assert(fake_wait_until(flag_cond, &stopped, 5000));
	ck_assert(fake_wait_until(volume_cond, GUINT_TO_POINTER(127), 5000));
}
END_TEST

/* Freed without a shutdown (the process exits on a lost bus): still put back. */
START_TEST(test_restored_on_exit)
{
	g_autoptr(FakeCall) c = reading_slowly();
	g_clear_pointer(&daemon_, ear_daemon_free);
	ck_assert(fake_wait_until(volume_cond, GUINT_TO_POINTER(127), 5000));
}
END_TEST

/* The owner turned the music up while the number was read: theirs stays. */
START_TEST(test_user_volume_kept)
{
	wait_quiet();
	g_autoptr(FakeCall) c = confirm();
	ck_assert(fake_call_wait(c, 10000));
	ck_assert_uint_eq(volume(), LOWERED);
	fake_bluez_set_device_property(fb, transport, "Volume", g_variant_new_uint16(90));
	set_paired(phone);
	ck_assert(wait_said("Paired with", 1, 5000));
	ck_assert(fake_wait_until(quiet_cond, "Paired with", 5000));
	settle(200);
	ck_assert_uint_eq(volume(), 90);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Set") - fake_bluez_adapter_set_count(fb), 1);
}
END_TEST

START_TEST(test_paused_and_resumed)
{
	wait_quiet();
	g_autoptr(FakeCall) c = confirm();
	ck_assert(fake_call_wait(c, 10000));
	ck_assert_ptr_null(fake_call_error_name(c));
	ck_assert(status_cond("paused"));
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Pause"), 1);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Play"), 0);
	set_paired(phone);
	ck_assert(fake_wait_until(status_cond, "playing", 10000));
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Play"), 1);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Set") - fake_bluez_adapter_set_count(fb), 0);
}
END_TEST

/* Music the user paused themselves is neither paused nor resumed, nor its volume touched. */
START_TEST(test_user_paused_left_alone)
{
	wait_quiet();
	g_autoptr(FakeCall) c = confirm();
	ck_assert(fake_call_wait(c, 10000));
	set_paired(phone);
	ck_assert(wait_said("Paired with", 1, 5000));
	ck_assert(fake_wait_until(quiet_cond, "Paired with", 5000));
	settle(200);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Pause"), 0);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Play"), 0);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Set") - fake_bluez_adapter_set_count(fb), 0);
	ck_assert(status_cond("paused"));
}
END_TEST

/* A pairing is confirmed and the music is neither lowered nor paused. */
static void confirm_music_untouched(void)
{
	wait_quiet();
	g_autoptr(FakeCall) c = confirm();
	ck_assert(fake_call_wait(c, 10000));
	ck_assert_ptr_null(fake_call_error_name(c));
	ck_assert_uint_eq(volume(), 127);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Set") - fake_bluez_adapter_set_count(fb), 0);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Pause"), 0);
}

START_TEST(test_off_leaves_music)
{
	confirm_music_untouched();
}
END_TEST

START_TEST(test_outgoing_left_alone)
{
	confirm_music_untouched();
	ck_assert_int_gt(fake_sink_first_open_us(), 0);
}
END_TEST

/* bluetoothd dies while the music is lowered: nothing is owed to the next one. */
START_TEST(test_bluetoothd_vanishes)
{
	g_autoptr(FakeCall) c = reading_slowly();
	g_clear_pointer(&fb, fake_bluez_free);
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert_ptr_nonnull(fb);
	ck_assert(wait_registered(fb, 10000));
	fake_sink_set_speed(1);
	settle(300);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Set") - fake_bluez_adapter_set_count(fb), 0);
}
END_TEST

/*
 * bluetoothd does not answer the lowering: the number is spoken anyway after
 * EAR_MUSIC_HOLD_MS, and the volume is put back once the call has timed out.
 */
START_TEST(test_bluetoothd_silent)
{
	wait_quiet();
	fake_bluez_set_silent(fb, transport);
	g_autoptr(FakeCall) c = confirm();
	/* spoken while the lowering is still unanswered (its D-Bus timeout is 5 s) */
	ck_assert(fake_wait_until(sink_opened_cond, NULL, EAR_MUSIC_HOLD_MS + 3000));
	ck_assert(fake_call_wait(c, 15000));
	ck_assert_ptr_null(fake_call_error_name(c)); /* heard in full, accepted */
	fake_bluez_set_silent(fb, NULL);
	set_paired(phone);
	ck_assert(wait_said("Paired with", 1, 5000));
	/* the unanswered Set times out (5 s), then the restore goes out and is answered */
	ck_assert(fake_wait_until(volume_set_cond, NULL, 15000));
	ck_assert_uint_eq(volume(), 127);
}
END_TEST

static Suite *music_suite(void)
{
	Suite *s = suite_create("music");
	TCase *tc = tcase_create("volume");
	tcase_add_checked_fixture(tc, setup_volume, teardown_music);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lowered_before_first_sample_restored_after_last);
	tcase_add_test(tc, test_restored_on_cancel);
	tcase_add_test(tc, test_restored_on_stop);
	tcase_add_test(tc, test_restored_on_exit);
	tcase_add_test(tc, test_user_volume_kept);
	tcase_add_test(tc, test_bluetoothd_vanishes);
	tcase_add_test(tc, test_bluetoothd_silent);
	suite_add_tcase(s, tc);
	tc = tcase_create("pause");
	tcase_add_checked_fixture(tc, setup_no_volume, teardown_music);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_paused_and_resumed);
	suite_add_tcase(s, tc);
	tc = tcase_create("user-paused");
	tcase_add_checked_fixture(tc, setup_user_paused, teardown_music);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_user_paused_left_alone);
	suite_add_tcase(s, tc);
	tc = tcase_create("off");
	tcase_add_checked_fixture(tc, setup_off, teardown_music);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_off_leaves_music);
	suite_add_tcase(s, tc);
	tc = tcase_create("outgoing");
	tcase_add_checked_fixture(tc, setup_outgoing, teardown_music);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_outgoing_left_alone);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(music_suite)
