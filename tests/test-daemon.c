// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The whole daemon on a private bus, driven by a fake bluetoothd: every
 * Agent1 method, the sender check, one reply per call, the pairing window,
 * re-registration, Cancel, and what the room hears. Speech goes through the
 * recording synthesiser and a real-time sink (fake-voice.c).
 */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "daemon-fixture.h"

#define A2DP_SINK "0000110d-0000-1000-8000-00805f9b34fb"
#define HID "00001124-0000-1000-8000-00805f9b34fb"

START_TEST(test_registers_as_default)
{
	ck_assert_str_eq(fake_bluez_agent_path(fb), EAR_AGENT_PATH);
	ck_assert_str_eq(fake_bluez_agent_capability(fb), "KeyboardDisplay");
	ck_assert(fake_bluez_agent_is_default(fb));
	ck_assert_uint_eq(fake_bluez_method_count(fb, "RequestDefaultAgent"), 1);
	/* the window opened at start: adapter made discoverable and pairable, room told */
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(TRUE), 3000));
	ck_assert(wait_said("Ready to pair.", 1, 3000));
}
END_TEST

START_TEST(test_reregisters_after_crash)
{
	/* bluetoothd killed: no Release, the name just vanishes */
	g_clear_pointer(&fb, fake_bluez_free);
	settle(200);
	ck_assert(!ear_daemon_is_registered(daemon_));
	gint64 start = g_get_monotonic_time();
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert(wait_registered(fb, 2000));
	ck_assert_int_lt(g_get_monotonic_time() - start, 2 * G_USEC_PER_SEC);
	ck_assert_str_eq(fake_bluez_agent_capability(fb), "KeyboardDisplay");
	/* and it still answers */
	phone = fake_bluez_add_device(fb, PHONE, "Anna's phone", FALSE, TRUE);
	settle(50);
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 123456));
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_release_then_return)
{
	fake_bluez_stop(fb); /* clean stop: Release, then the name goes */
	fb = NULL;
	settle(200);
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert(wait_registered(fb, 2000));
}
END_TEST

static gboolean mark_done(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean flag_cond(gpointer data)
{
	return *(gboolean *)data;
}

START_TEST(test_shutdown_unregisters)
{
	gboolean done = FALSE;
	ear_daemon_shutdown(daemon_, mark_done, &done);
	ck_assert(fake_wait_until(flag_cond, &done, 3000));
	ck_assert_uint_eq(fake_bluez_unregister_count(fb), 1);
	ck_assert_ptr_null(fake_bluez_agent_sender(fb));
}
END_TEST

/* --- the sender check --- */

START_TEST(test_stranger_refused)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) stranger = fake_bus_connect(g_test_dbus_get_bus_address(bus), &error);
	static const char *const methods[] = { "RequestConfirmation", "DisplayPasskey",
		"RequestPinCode", "Cancel", "Release" };
	GVariant *params[] = { g_variant_new("(ou)", phone, 111111),
		g_variant_new("(ouq)", phone, 111111, 0), g_variant_new("(o)", phone), NULL, NULL };

	ck_assert(wait_said("Ready to pair.", 1, 3000)); /* the start prompt is not the stranger's */
	guint before = fake_voice_count(NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(methods); i++) {
		g_autoptr(FakeCall) c = fake_call_new(stranger, g_dbus_connection_get_unique_name(conn),
			EAR_AGENT_PATH, methods[i], params[i], FALSE);
		ck_assert(fake_call_wait(c, 5000));
		ck_assert_str_eq(fake_call_error_name(c), REJECTED);
	}
	settle(300);
	ck_assert_uint_eq(fake_voice_count(NULL), before); /* nothing spoken */
	ck_assert(ear_daemon_is_registered(daemon_));      /* Release from a stranger ignored */
	g_dbus_connection_close_sync(stranger, NULL, NULL);
}
END_TEST

/* --- RequestConfirmation --- */

START_TEST(test_confirmation_success)
{
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 42713));
	ck_assert(fake_call_wait(c, 10000));
	ck_assert_ptr_null(fake_call_error_name(c));
	/* the reply came only after the first full reading had been played */
	ck_assert_uint_eq(fake_voice_count("Pairing code: 0, 4, 2, 7, 1, 3."), 1);
	ck_assert_int_ge(fake_call_elapsed_us(c),
		(gint64)strlen("Pairing code: 0, 4, 2, 7, 1, 3.") * FAKE_VOICE_MS_PER_CHAR * 1000);
	ck_assert_int_lt(fake_call_elapsed_us(c), 25 * G_USEC_PER_SEC);
	set_paired(phone);
	ck_assert(wait_said("Paired with Anna's phone.", 1, 5000));
	/* close-after-pairing: the window shut and the adapter stopped being discoverable */
	ck_assert(!ear_daemon_window_is_open(daemon_));
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(FALSE), 3000));
	ck_assert_uint_eq(fake_voice_count("Pairing failed"), 0);
}
END_TEST

START_TEST(test_confirmation_cancel)
{
	fake_sink_set_speed(0.05); /* slow: the reading is still going when Cancel comes */
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 654321));
	ck_assert(wait_said("Pairing code", 1, 3000));
	settle(100);
	ck_assert(fake_sink_is_open());
	gint64 cancel = g_get_monotonic_time();
	g_autoptr(FakeCall) k = fake_bluez_call_agent(fb, "Cancel", NULL, TRUE);
	ck_assert(fake_call_wait(c, 3000));
	ck_assert_str_eq(fake_call_error_name(c), CANCELED);
	settle(150);
	ck_assert(fake_sink_last_close_us() > cancel);
	ck_assert_int_lt(fake_sink_last_close_us() - cancel, 100 * 1000);
	fake_sink_set_speed(1);
	ck_assert(wait_said("Pairing failed.", 1, 3000));
}
END_TEST

START_TEST(test_confirmation_disconnect_fails)
{
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert_str_eq(err, "");
	fake_bluez_set_device_property(fb, phone, "Connected", g_variant_new_boolean(FALSE));
	ck_assert(wait_said("Pairing failed.", 1, 3000));
	ck_assert_uint_eq(fake_voice_count("Paired with"), 0);
	ck_assert(ear_daemon_window_is_open(daemon_)); /* a failure does not close the window */
}
END_TEST

START_TEST(test_confirmation_device_removed_fails)
{
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert_str_eq(err, "");
	fake_bluez_remove_device(fb, phone);
	ck_assert(wait_said("Pairing failed.", 1, 3000));
}
END_TEST

START_TEST(test_confirmation_no_sound_card)
{
	fake_sink_set_broken(TRUE);
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 7));
	ck_assert(fake_call_wait(c, 5000));
	/* nobody could hear the number, so nobody could compare it: refuse */
	ck_assert_str_eq(fake_call_error_name(c), REJECTED);
	ck_assert_int_lt(fake_call_elapsed_us(c), 3 * G_USEC_PER_SEC);
}
END_TEST

START_TEST(test_confirmation_deadline)
{
	fake_sink_set_speed(0.001); /* a reading that would take minutes */
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 7));
	ck_assert(fake_call_wait(c, 30000));
	ck_assert_str_eq(fake_call_error_name(c), REJECTED);
	ck_assert_int_le(fake_call_elapsed_us(c), 25500 * 1000);
	ck_assert_int_ge(fake_call_elapsed_us(c), 24500 * 1000);
}
END_TEST

START_TEST(test_one_request_at_a_time)
{
	fake_sink_set_speed(0.1);
	g_autoptr(FakeCall) first = call("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	settle(50);
	g_autoptr(FakeCall) second = call("RequestConfirmation", g_variant_new("(ou)", phone, 2));
	ck_assert(fake_call_wait(second, 3000));
	ck_assert_str_eq(fake_call_error_name(second), REJECTED);
	ck_assert(!fake_call_done(first));
	fake_sink_set_speed(0);
	ck_assert(fake_call_wait(first, 5000));
	ck_assert_ptr_null(fake_call_error_name(first));
}
END_TEST

/* --- DisplayPasskey --- */

START_TEST(test_display_passkey_repeats_until_paired)
{
	g_autofree char *err = call_now("DisplayPasskey", g_variant_new("(ouq)", phone, 987654, 0));
	ck_assert_str_eq(err, "");
	ck_assert(wait_said("Pairing code: 9, 8, 7, 6, 5, 4.", 1, 3000));
	ck_assert(wait_said("Again: 9, 8, 7, 6, 5, 4.", 1, 5000));
	/* key presses: the same passkey with entered 1..5 does not restart the reading */
	for (guint16 n = 1; n <= 5; n++) {
		g_free(err);
		err = call_now("DisplayPasskey", g_variant_new("(ouq)", phone, 987654, n));
		ck_assert_str_eq(err, "");
	}
	ck_assert(wait_said("Again: 9, 8, 7, 6, 5, 4.", 2, 5000));
	ck_assert_uint_eq(fake_voice_count("Pairing code: 9, 8, 7, 6, 5, 4."), 1);
	set_paired(phone);
	ck_assert(wait_said("Paired with Anna's phone.", 1, 5000));
	guint again = fake_voice_count("Again");
	settle(2500);
	ck_assert_uint_eq(fake_voice_count("Again"), again); /* stopped */
}
END_TEST

START_TEST(test_display_passkey_entered_six_stops)
{
	g_autofree char *err = call_now("DisplayPasskey", g_variant_new("(ouq)", phone, 5, 0));
	ck_assert(wait_said("Pairing code: 0, 0, 0, 0, 0, 5.", 1, 3000));
	g_free(err);
	err = call_now("DisplayPasskey", g_variant_new("(ouq)", phone, 5, 6));
	ck_assert_str_eq(err, "");
	guint n = fake_voice_count(NULL);
	settle(2500);
	ck_assert_uint_eq(fake_voice_count(NULL), n);
}
END_TEST

/* --- the other methods --- */

START_TEST(test_request_passkey_refused)
{
	g_autofree char *err = call_now("RequestPasskey", g_variant_new("(o)", phone));
	ck_assert_str_eq(err, REJECTED);
	ck_assert(wait_said("Pairing failed.", 1, 3000));
}
END_TEST

START_TEST(test_just_works_refused)
{
	g_autofree char *err = call_now("RequestAuthorization", g_variant_new("(o)", phone));
	ck_assert_str_eq(err, REJECTED);
	ck_assert(wait_said("Pairing failed.", 1, 3000));
}
END_TEST

START_TEST(test_display_pin_code)
{
	g_autofree char *err = call_now("DisplayPinCode", g_variant_new("(os)", phone, "0815"));
	ck_assert_str_eq(err, "");
	ck_assert(wait_said("PIN code: 0, 8, 1, 5.", 1, 3000));
	g_free(err);
	err = call_now("DisplayPinCode", g_variant_new("(os)", phone, "<speak>"));
	ck_assert_str_eq(err, ""); /* printable: read out character by character, never as markup */
	g_free(err);
	err = call_now("DisplayPinCode", g_variant_new("(os)", phone, "12345678901234567"));
	ck_assert_str_eq(err, REJECTED); /* longer than 16 */
}
END_TEST

START_TEST(test_authorize_service)
{
	const char *paired = fake_bluez_add_device(fb, "AA:BB:CC:DD:EE:FF", "Old phone", TRUE, TRUE);
	settle(100);
	char *err = call_now("AuthorizeService", g_variant_new("(os)", paired, A2DP_SINK));
	ck_assert_str_eq(err, "");
	g_free(err);
	err = call_now("AuthorizeService", g_variant_new("(os)", paired, "0000110e-0000-1000-8000-00805f9b34fb"));
	ck_assert_str_eq(err, "");
	g_free(err);
	err = call_now("AuthorizeService", g_variant_new("(os)", paired, HID));
	ck_assert_str_eq(err, REJECTED);
	g_free(err);
	err = call_now("AuthorizeService", g_variant_new("(os)", phone, A2DP_SINK)); /* not paired */
	ck_assert_str_eq(err, REJECTED);
	g_free(err);
	err = call_now("AuthorizeService", g_variant_new("(os)", paired, "not-a-uuid"));
	ck_assert_str_eq(err, REJECTED);
	g_free(err);
	ck_assert_uint_eq(fake_voice_count("Pairing"), 0); /* service checks are silent */
	/* Earshot never marks a device Trusted (that would skip this check) */
	ck_assert(!fake_bluez_device_get_bool(fb, paired, "Trusted"));
	ck_assert(!fake_bluez_device_get_bool(fb, phone, "Trusted"));
}
END_TEST

START_TEST(test_bad_arguments)
{
	char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1000000));
	ck_assert_str_eq(err, REJECTED);
	g_free(err);
	err = call_now("DisplayPasskey", g_variant_new("(ouq)", phone, 1, 7));
	ck_assert_str_eq(err, REJECTED);
	g_free(err);
	err = call_now("RequestConfirmation", g_variant_new("(s)", "wrong"));
	ck_assert_str_eq(err, "org.freedesktop.DBus.Error.InvalidArgs");
	g_free(err);
	err = call_now("RequestConfirmation",
		g_variant_new("(ou)", "/org/bluez/hci0/dev_00_00_00_00_00_00", 1));
	ck_assert_str_eq(err, REJECTED); /* no such device */
	g_free(err);
	settle(200);
	ck_assert_uint_eq(fake_voice_count("Pairing code"), 0);
}
END_TEST

/* --- legacy PIN --- */

static char *spoken_pin(void)
{
	g_auto(GStrv) spoken = fake_voice_spoken();
	for (guint i = 0; spoken[i]; i++) {
		if (g_str_has_prefix(spoken[i], "PIN code: ")) {
			GString *pin = g_string_new(NULL);
			for (const char *p = spoken[i]; *p; p++)
				if (g_ascii_isdigit(*p))
					g_string_append_c(pin, *p);
			return g_string_free(pin, FALSE);
		}
	}
	return NULL;
}

START_TEST(test_legacy_pin_spoken_and_used_once)
{
	const char *legacy = fake_bluez_add_device(fb, "22:22:22:22:22:22", "Old car", FALSE, FALSE);
	settle(100);
	fake_bluez_set_device_property(fb, legacy, "Connected", g_variant_new_boolean(TRUE));
	ck_assert(wait_said("PIN code: ", 1, 3000));
	g_autofree char *pin = spoken_pin();
	ck_assert_uint_eq(strlen(pin), 6);

	g_autoptr(FakeCall) c = call("RequestPinCode", g_variant_new("(o)", legacy));
	ck_assert(fake_call_wait(c, 3000));
	ck_assert_ptr_null(fake_call_error_name(c));
	const char *given;
	g_variant_get(fake_call_reply(c), "(&s)", &given);
	ck_assert_str_eq(given, pin);

	g_autofree char *err = call_now("RequestPinCode", g_variant_new("(o)", legacy));
	ck_assert_str_eq(err, REJECTED); /* one attempt per PIN */
}
END_TEST

START_TEST(test_legacy_pin_two_connections_differ)
{
	const char *legacy = fake_bluez_add_device(fb, "22:22:22:22:22:22", "Old car", FALSE, FALSE);
	settle(100);
	fake_bluez_set_device_property(fb, legacy, "Connected", g_variant_new_boolean(TRUE));
	ck_assert(wait_said("PIN code: ", 1, 3000));
	g_autofree char *first = spoken_pin();
	fake_bluez_set_device_property(fb, legacy, "Connected", g_variant_new_boolean(FALSE));
	settle(100);
	g_autofree char *err = call_now("RequestPinCode", g_variant_new("(o)", legacy));
	ck_assert_str_eq(err, REJECTED); /* the PIN went with the connection */
	fake_voice_reset();
	fake_bluez_set_device_property(fb, legacy, "Connected", g_variant_new_boolean(TRUE));
	ck_assert(wait_said("PIN code: ", 1, 3000));
	g_autofree char *second = spoken_pin();
	ck_assert_str_ne(first, second); /* 1 in a million to fail by chance */
}
END_TEST

/* Seen in the lab: bluetoothd reported Connected only after a refused Just Works request. */
START_TEST(test_no_pin_after_ssp_request)
{
	const char *p2 = fake_bluez_add_device(fb, "55:55:55:55:55:55", "Pixel", FALSE, FALSE);
	settle(100);
	g_autofree char *err = call_now("RequestAuthorization", g_variant_new("(o)", p2));
	ck_assert_str_eq(err, REJECTED);
	fake_bluez_set_device_property(fb, p2, "Connected", g_variant_new_boolean(TRUE));
	settle(1500);
	ck_assert_uint_eq(fake_voice_count("PIN code"), 0);
	/* a new connection of that device is a new chance for a legacy PIN */
	fake_bluez_set_device_property(fb, p2, "Connected", g_variant_new_boolean(FALSE));
	settle(100);
	fake_bluez_set_device_property(fb, p2, "Connected", g_variant_new_boolean(TRUE));
	ck_assert(wait_said("PIN code", 1, 3000));
}
END_TEST

START_TEST(test_ssp_request_preempts_pin)
{
	const char *p2 = fake_bluez_add_device(fb, "33:33:33:33:33:33", "Pixel", FALSE, FALSE);
	settle(100);
	fake_bluez_set_device_property(fb, p2, "Connected", g_variant_new_boolean(TRUE));
	settle(100); /* less than the PIN delay */
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", p2, 314159));
	ck_assert_str_eq(err, "");
	settle(1000);
	ck_assert_uint_eq(fake_voice_count("PIN code"), 0);
}
END_TEST

/* --- the window --- */

START_TEST(test_window_closed_refuses_everything)
{
	struct {
		const char *method;
		GVariant *params;
	} calls[] = {
		{ "RequestConfirmation", g_variant_new("(ou)", phone, 1) },
		{ "DisplayPasskey", g_variant_new("(ouq)", phone, 1, 0) },
		{ "RequestPinCode", g_variant_new("(o)", phone) },
		{ "DisplayPinCode", g_variant_new("(os)", phone, "1234") },
		{ "RequestPasskey", g_variant_new("(o)", phone) },
		{ "RequestAuthorization", g_variant_new("(o)", phone) },
	};
	ck_assert(wait_said("Ready to pair.", 1, 3000));
	ck_assert(ear_daemon_window_is_open(daemon_));
	/* wait for the 1-second window of this test's config to close */
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(FALSE), 3000));
	ck_assert(!ear_daemon_window_is_open(daemon_));
	for (gsize i = 0; i < G_N_ELEMENTS(calls); i++) {
		g_autofree char *err = call_now(calls[i].method, calls[i].params);
		ck_assert_msg(g_str_equal(err, REJECTED), "%s: %s", calls[i].method, err);
	}
	settle(500);
	ck_assert_uint_eq(fake_voice_count("Pairing is closed."), 1); /* once, not six times */
	ck_assert_uint_eq(fake_voice_count("Pairing code"), 0);
	ck_assert_uint_eq(fake_voice_count("PIN code"), 0);

	/* SIGUSR1 opens it again */
	ear_daemon_open_window(daemon_);
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(TRUE), 3000));
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 2));
	ck_assert_str_eq(err, "");
}
END_TEST

static void setup_short_window(void)
{
	setup_with("[pairing]\nwindow = 1\n");
}

static void setup_options(void)
{
	setup_with("[pairing]\njust-works = accept\nclose-after-pairing = false\nlegacy-pin = reject\n"
		   "[speech]\nspeak-names = false\n");
}

START_TEST(test_options)
{
	g_autofree char *err = call_now("RequestAuthorization", g_variant_new("(o)", phone));
	ck_assert_str_eq(err, ""); /* just-works = accept, inside the window */
	set_paired(phone);
	ck_assert(wait_said("Paired with a new device.", 1, 3000)); /* speak-names = false */
	ck_assert(ear_daemon_window_is_open(daemon_)); /* close-after-pairing = false */
	g_free(err);
	err = call_now("RequestPinCode", g_variant_new("(o)", phone));
	ck_assert_str_eq(err, REJECTED); /* legacy-pin = reject */
}
END_TEST

START_TEST(test_hostile_name)
{
	fake_bluez_set_device_property(fb, phone, "Alias",
		g_variant_new_string("<speak>Evil\x01\xe2\x80\xae phone [[a]] with a very long name indeed</speak>"));
	settle(100);
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	set_paired(phone);
	ck_assert(wait_said("Paired with ", 1, 3000));
	g_auto(GStrv) spoken = fake_voice_spoken();
	const char *last = spoken[g_strv_length(spoken) - 1];
	ck_assert_str_eq(last, "Paired with speak Evil phone a with a very l.");
}
END_TEST

static void set_connected(const char *path, gboolean connected)
{
	fake_bluez_set_device_property(fb, path, "Connected", g_variant_new_boolean(connected));
}

START_TEST(test_lockout)
{
	/* three pairings of one phone that failed after its number was read lock it out ... */
	for (guint i = 0; i < 3; i++) {
		g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, i));
		ck_assert_str_eq(err, "");
		set_connected(phone, FALSE);
		ck_assert(wait_said("Pairing failed.", i + 1, 3000));
		set_connected(phone, TRUE);
	}
	fake_voice_reset();
	for (int i = 0; i < 3; i++) {
		g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
		ck_assert_str_eq(err, REJECTED);
	}
	ck_assert(wait_said("Pairing locked.", 1, 3000));
	settle(300);
	ck_assert_uint_eq(fake_voice_count("Pairing locked."), 1); /* said once */
	ck_assert_uint_eq(fake_voice_count("Pairing code"), 0);    /* nothing else */
	/* ... while another phone may still pair */
	const char *other = fake_bluez_add_device(fb, "44:44:44:44:44:44", "Ben", FALSE, TRUE);
	settle(100);
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", other, 2));
	ck_assert_str_eq(err, "");
	set_connected(other, FALSE);
	ck_assert(wait_said("Pairing failed.", 1, 3000));
	/* the owner opening the window (SIGUSR1) lifts the lockout */
	ear_daemon_open_window(daemon_);
	g_free(err);
	err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 3));
	ck_assert_str_eq(err, "");
}
END_TEST

static void setup_button(void)
{
	setup_with("[pairing]\nconfirm = key\n[button]\ndevice = /nonexistent/event9\n");
}

START_TEST(test_button_accepts)
{
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 271828));
	ck_assert(wait_said("Press the button to accept.", 1, 3000));
	settle(1000);
	ck_assert(!fake_call_done(c)); /* spoken, but nobody pressed yet */
	ear_daemon_button_pressed(daemon_);
	ck_assert(fake_call_wait(c, 2000));
	ck_assert_ptr_null(fake_call_error_name(c));
	set_paired(phone);
	ck_assert(wait_said("Paired with Anna's phone.", 1, 3000));
	ck_assert(!ear_daemon_window_is_open(daemon_));
	/* the same key opens the window again (window-key) */
	ear_daemon_button_pressed(daemon_);
	ck_assert(ear_daemon_window_is_open(daemon_));
}
END_TEST

START_TEST(test_button_early_press_ignored)
{
	fake_sink_set_speed(0.1);
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert(wait_said("Pairing code", 1, 3000));
	ear_daemon_button_pressed(daemon_); /* before the number was read out */
	settle(300);
	ck_assert(!fake_call_done(c));
	fake_sink_set_speed(0);
	ck_assert(wait_said("Press the button", 1, 3000));
	settle(300);
	ck_assert(!fake_call_done(c));
}
END_TEST

START_TEST(test_button_not_pressed)
{
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert(fake_call_wait(c, 30000));
	ck_assert_str_eq(fake_call_error_name(c), REJECTED);
	ck_assert_int_le(fake_call_elapsed_us(c), 25500 * 1000);
	ck_assert(wait_said("Pairing failed.", 1, 3000));
}
END_TEST

/* 1000 hostile calls, from bluetoothd and from a stranger: each refused, nothing said. */
static void hostile_burst(GDBusConnection *stranger)
{
	FakeCall *calls[1000];
	const char *nodev = "/org/bluez/hci0/dev_00_00_00_00_00_00";
	const char *me = g_dbus_connection_get_unique_name(conn);

	for (guint i = 0; i < G_N_ELEMENTS(calls); i++) {
		switch (i % 5) {
		case 0:
			calls[i] = call("RequestConfirmation", g_variant_new("(s)", "wrong"));
			break;
		case 1:
			calls[i] = call("RequestConfirmation", g_variant_new("(ou)", phone, 1000000 + i));
			break;
		case 2:
			calls[i] = call("DisplayPasskey", g_variant_new("(ouq)", phone, 1, 7 + i % 100));
			break;
		case 3:
			calls[i] = call("RequestConfirmation", g_variant_new("(ou)", nodev, i));
			break;
		case 4:
			calls[i] = fake_call_new(stranger, me, EAR_AGENT_PATH, "RequestConfirmation",
				g_variant_new("(ou)", phone, i), FALSE);
			break;
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(calls); i++) {
		ck_assert(fake_call_wait(calls[i], 20000));
		ck_assert_msg(fake_call_error_name(calls[i]) != NULL, "call %u was accepted", i);
		fake_call_free(calls[i]);
	}
}

START_TEST(test_hostile_burst)
{
	g_autoptr(GDBusConnection) stranger = fake_bus_connect(g_test_dbus_get_bus_address(bus), NULL);
	ck_assert(wait_said("Ready to pair.", 1, 3000));
	hostile_burst(stranger); /* the daemon's memory is measured in test-process.c */
	settle(200);
	ck_assert_uint_eq(fake_voice_count(NULL), 1); /* only "Ready to pair." */
	/* and the daemon still works */
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 5));
	ck_assert_str_eq(err, "");
	g_dbus_connection_close_sync(stranger, NULL, NULL);
}
END_TEST

START_TEST(test_card_removed_mid_sentence)
{
	fake_sink_set_speed(0.1);
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 123));
	ck_assert(wait_said("Pairing code", 1, 3000));
	settle(200);
	fake_sink_set_broken(TRUE);
	ck_assert(fake_call_wait(c, 3000));
	ck_assert_str_eq(fake_call_error_name(c), REJECTED); /* the number was not heard in full */
	/* the card comes back: the next pairing is spoken and accepted */
	fake_sink_set_broken(FALSE);
	fake_sink_set_speed(0);
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 456));
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_bluetoothd_killed_mid_request)
{
	fake_sink_set_speed(0.05);
	g_autoptr(FakeCall) c = call("RequestConfirmation", g_variant_new("(ou)", phone, 99));
	ck_assert(wait_said("Pairing code", 1, 3000));
	g_clear_pointer(&fb, fake_bluez_free);
	ck_assert(wait_said("Pairing failed.", 1, 3000)); /* the pairing is over; say so */
	ck_assert(!fake_sink_is_open() || fake_voice_count("Pairing failed.") == 1);
	fake_sink_set_speed(0);
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert(wait_registered(fb, 2000));
	phone = fake_bluez_add_device(fb, PHONE, "Anna's phone", FALSE, TRUE);
	settle(50);
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 100));
	ck_assert_str_eq(err, "");
}
END_TEST

static Suite *daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("agent");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_registers_as_default);
	tcase_add_test(tc, test_reregisters_after_crash);
	tcase_add_test(tc, test_release_then_return);
	tcase_add_test(tc, test_shutdown_unregisters);
	tcase_add_test(tc, test_stranger_refused);
	tcase_add_test(tc, test_confirmation_success);
	tcase_add_test(tc, test_confirmation_cancel);
	tcase_add_test(tc, test_confirmation_disconnect_fails);
	tcase_add_test(tc, test_confirmation_device_removed_fails);
	tcase_add_test(tc, test_confirmation_no_sound_card);
	tcase_add_test(tc, test_confirmation_deadline);
	tcase_add_test(tc, test_one_request_at_a_time);
	tcase_add_test(tc, test_display_passkey_repeats_until_paired);
	tcase_add_test(tc, test_display_passkey_entered_six_stops);
	tcase_add_test(tc, test_request_passkey_refused);
	tcase_add_test(tc, test_just_works_refused);
	tcase_add_test(tc, test_display_pin_code);
	tcase_add_test(tc, test_authorize_service);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_legacy_pin_spoken_and_used_once);
	tcase_add_test(tc, test_legacy_pin_two_connections_differ);
	tcase_add_test(tc, test_ssp_request_preempts_pin);
	tcase_add_test(tc, test_no_pin_after_ssp_request);
	tcase_add_test(tc, test_hostile_name);
	tcase_add_test(tc, test_lockout);
	tcase_add_test(tc, test_card_removed_mid_sentence);
	tcase_add_test(tc, test_bluetoothd_killed_mid_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_hostile_burst);
	suite_add_tcase(s, tc);

	tc = tcase_create("window");
	tcase_add_checked_fixture(tc, setup_short_window, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_window_closed_refuses_everything);
	suite_add_tcase(s, tc);

	tc = tcase_create("button");
	tcase_add_checked_fixture(tc, setup_button, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_button_accepts);
	tcase_add_test(tc, test_button_early_press_ignored);
	tcase_add_test(tc, test_button_not_pressed);
	suite_add_tcase(s, tc);

	tc = tcase_create("options");
	tcase_add_checked_fixture(tc, setup_options, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_options);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(daemon_suite)
