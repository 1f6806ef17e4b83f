// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Several devices at once, against the whole daemon and a fake bluetoothd:
 * every new bond is announced, one number is on the air at a time and
 * nobody else can cut into it, silent refusals never lock the owner out,
 * closing the window ends what is in flight, legacy PIN offers are bounded,
 * and bluetoothd (re)appearing always ends in a registration.
 */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "daemon-fixture.h"
#include "earshot/bluez-objects.h"

#define STRANGER "22:22:22:22:22:22"

static void set_connected(const char *path, gboolean connected)
{
	fake_bluez_set_device_property(fb, path, "Connected", g_variant_new_boolean(connected));
}

/* An LE device with a fresh random static address, connected, as a stranger's radio makes. */
static const char *fresh_le_device(guint n)
{
	char address[18];
	g_snprintf(address, sizeof(address), "C0:22:22:22:%02X:%02X", (n >> 8) & 0xff, n & 0xff);
	const char *path = fake_bluez_add_device(fb, address, "stranger", FALSE, FALSE);
	fake_bluez_set_device_property(fb, path, "AddressType", g_variant_new_string("random"));
	set_connected(path, TRUE);
	return path;
}

static guint count_containing(const char *needle)
{
	return fake_voice_count(needle);
}

/* --- every new bond is announced --- */

START_TEST(test_bond_without_request_announced)
{
	const char *other = fake_bluez_add_device(fb, STRANGER, "Ben's phone", FALSE, TRUE);
	settle(100);
	set_paired(other); /* no request ever reached Earshot */
	ck_assert(wait_said("Paired with Ben's phone.", 1, 3000));
	ck_assert(!ear_daemon_window_is_open(daemon_)); /* close-after-pairing */
}
END_TEST

START_TEST(test_bond_while_closed_announced)
{
	const char *other = fake_bluez_add_device(fb, STRANGER, "Ben's phone", FALSE, TRUE);
	set_paired(phone);
	ck_assert(wait_said("Paired with Anna's phone.", 1, 3000));
	ck_assert(!ear_daemon_window_is_open(daemon_));
	set_paired(other);
	ck_assert(wait_said("Paired with Ben's phone.", 1, 3000));
	/* a device that appears already paired, well after its adapter, is a new bond too */
	settle(EAR_STORED_DEVICE_GRACE_MS);
	fake_bluez_add_device(fb, "33:33:33:33:33:33", "Carl", TRUE, TRUE);
	ck_assert(wait_said("Paired with Carl.", 1, 3000));
}
END_TEST

/* A device that sent no name has its address as Alias (bluetoothd's stand-in): not a name. */
START_TEST(test_bond_without_name_announced)
{
	const char *other = fake_bluez_add_device(fb, "C0:22:22:22:00:01", "C0-22-22-22-00-01",
		FALSE, TRUE);
	settle(100);
	set_paired(other);
	ck_assert(wait_said("Paired with a new device.", 1, 3000));
	ck_assert_uint_eq(count_containing("C0"), 0);
}
END_TEST

START_TEST(test_enumeration_is_not_a_bond)
{
	/* bluetoothd restarts with paired devices: they are not new. (Its first
	 * GetManagedObjects fails, so the device is there when Earshot reads them.) */
	g_clear_pointer(&fb, fake_bluez_free);
	settle(100);
	fb = fake_bluez_new_failing(g_test_dbus_get_bus_address(bus), "GetManagedObjects", 1);
	fake_bluez_add_device(fb, PHONE, "Anna's phone", TRUE, TRUE);
	ck_assert(wait_registered(fb, 5000));
	settle(300);
	ck_assert_uint_eq(count_containing("Paired with"), 0);
}
END_TEST

/* --- one number on the air, first come first served --- */

START_TEST(test_busy_refused_quietly)
{
	const char *other = fake_bluez_add_device(fb, STRANGER, "Ben's phone", FALSE, TRUE);
	settle(100);
	fake_sink_set_speed(0.2); /* A's reading takes a while */
	g_autoptr(FakeCall) a = call("RequestConfirmation", g_variant_new("(ou)", phone, 111111));
	ck_assert(wait_said("1, 1, 1, 1, 1, 1", 1, 3000));
	/* B asks during A's reading: refused at once, nothing said, A untouched */
	for (guint i = 0; i < 3; i++) {
		g_autofree char *err = call_now(i == 1 ? "RequestAuthorization" : "RequestConfirmation",
			i == 1 ? g_variant_new("(o)", other) : g_variant_new("(ou)", other, 222222));
		ck_assert_str_eq(err, REJECTED);
	}
	ck_assert(!fake_call_done(a));
	fake_sink_set_speed(0);
	ck_assert(fake_call_wait(a, 5000));
	ck_assert_ptr_null(fake_call_error_name(a)); /* A's number was heard in full: accepted */
	set_paired(phone);
	ck_assert(wait_said("Paired with Anna's phone.", 1, 3000));
	ck_assert_uint_eq(count_containing("2, 2, 2"), 0);
	ck_assert_uint_eq(count_containing("Pairing failed"), 0);
	ck_assert(!ear_daemon_window_is_open(daemon_));
}
END_TEST

START_TEST(test_stranger_bonds_during_owner_reading)
{
	const char *other = fake_bluez_add_device(fb, STRANGER, "Ben's phone", FALSE, TRUE);
	settle(100);
	fake_sink_set_speed(0.2);
	g_autoptr(FakeCall) a = call("RequestConfirmation", g_variant_new("(ou)", phone, 111111));
	ck_assert(wait_said("1, 1, 1, 1, 1, 1", 1, 3000));
	set_paired(other); /* B bonded by some other way while A's number is read */
	ck_assert(fake_call_wait(a, 3000));
	/* the window closed (close-after-pairing): A's pending request is refused */
	ck_assert_str_eq(fake_call_error_name(a), REJECTED);
	fake_sink_set_speed(0);
	ck_assert(wait_said("Paired with Ben's phone.", 1, 3000));
	ck_assert(!ear_daemon_window_is_open(daemon_));
}
END_TEST

START_TEST(test_one_outcome_per_attempt)
{
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert_str_eq(err, "");
	/* Cancel, disconnection and removal all say the same attempt failed */
	g_autoptr(FakeCall) cancel = fake_bluez_call_agent(fb, "Cancel", NULL, TRUE);
	set_connected(phone, FALSE);
	fake_bluez_remove_device(fb, phone);
	ck_assert(wait_said("Pairing failed.", 1, 3000));
	settle(500);
	ck_assert_uint_eq(count_containing("Pairing failed."), 1);
}
END_TEST

/* --- silent refusals never lock the owner out --- */

START_TEST(test_silent_refusals_never_lock)
{
	for (guint i = 0; i < 20; i++) {
		const char *path = fresh_le_device(i);
		settle(20);
		g_autofree char *err = call_now(i % 2 ? "RequestPasskey" : "RequestAuthorization",
			g_variant_new("(o)", path));
		ck_assert_str_eq(err, REJECTED);
		set_connected(path, FALSE);
		fake_bluez_remove_device(fb, path);
	}
	settle(200);
	ck_assert_uint_eq(count_containing("Pairing failed."), 1); /* rate-limited */
	ck_assert_uint_eq(count_containing("Pairing locked."), 0);
	/* the owner's phone still pairs by listening */
	fake_voice_reset();
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 314159));
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(count_containing("3, 1, 4, 1, 5, 9"), 1);
	set_paired(phone);
	ck_assert(wait_said("Paired with Anna's phone.", 1, 3000));
}
END_TEST

/* --- closing the window ends what is in flight --- */

static gboolean window_closed_cond(gpointer data)
{
	return !ear_daemon_window_is_open(daemon_);
}

static void setup_short_window(void)
{
	setup_with("[pairing]\nwindow = 2\n");
}

START_TEST(test_close_refuses_pending_reading)
{
	fake_sink_set_speed(0.02); /* the reading outlasts the window */
	g_autoptr(FakeCall) a = call("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert(fake_wait_until(window_closed_cond, NULL, 4000));
	ck_assert(fake_call_wait(a, 1000));
	ck_assert_str_eq(fake_call_error_name(a), REJECTED);
	fake_sink_set_speed(0);
	ck_assert(wait_said("Pairing failed.", 1, 3000));
}
END_TEST

static void setup_short_window_key(void)
{
	setup_with("[pairing]\nwindow = 2\nconfirm = key\n[button]\ndevice = /nonexistent/event9\n");
}

START_TEST(test_close_refuses_waiting_for_button)
{
	g_autoptr(FakeCall) a = call("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert(wait_said("Press the button", 1, 3000));
	ck_assert(fake_wait_until(window_closed_cond, NULL, 4000));
	ck_assert(fake_call_wait(a, 1000));
	ck_assert_str_eq(fake_call_error_name(a), REJECTED);
	ear_daemon_button_pressed(daemon_); /* too late: reopens the window, accepts nothing */
	ck_assert(ear_daemon_window_is_open(daemon_));
}
END_TEST

START_TEST(test_close_stops_pin_reading)
{
	const char *old = fake_bluez_add_device(fb, STRANGER, "old car kit", FALSE, FALSE);
	set_connected(old, TRUE);
	ck_assert(wait_said("PIN", 1, 3000));
	ck_assert(fake_wait_until(window_closed_cond, NULL, 4000));
	settle(2000);
	guint readings = count_containing("PIN");
	settle(3000); /* a reading repeats every ~1.5 s plus its length */
	ck_assert_uint_eq(count_containing("PIN"), readings);
	g_autofree char *err = call_now("RequestPinCode", g_variant_new("(o)", old));
	ck_assert_str_eq(err, REJECTED);
}
END_TEST

/* --- legacy PIN offers --- */

START_TEST(test_pin_never_for_le)
{
	fresh_le_device(1);
	settle(1500);
	ck_assert_uint_eq(count_containing("PIN"), 0);
}
END_TEST

static void setup_strict_lockout(void)
{
	setup_with("[lockout]\nany-device = 2\n");
}

START_TEST(test_pin_offers_bounded_and_counted)
{
	char address[18];
	for (guint i = 0; i < EAR_PIN_OFFERS_PER_WINDOW + 1; i++) {
		g_snprintf(address, sizeof(address), "22:22:22:22:22:%02X", i);
		const char *path = fake_bluez_add_device(fb, address, "car", FALSE, FALSE);
		set_connected(path, TRUE);
		settle(1200);
		set_connected(path, FALSE); /* never asked for the PIN: a failed offer */
		settle(100);
	}
	ck_assert_uint_eq(count_containing("PIN"), 2); /* any-device = 2 locked the rest out */
	/* each offer was a spoken number: two failed ones lock everyone out */
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert_str_eq(err, REJECTED);
	ck_assert(wait_said("Pairing locked.", 1, 3000));
}
END_TEST

START_TEST(test_pin_offers_per_window)
{
	char address[18];
	for (guint i = 0; i < EAR_PIN_OFFERS_PER_WINDOW + 2; i++) {
		g_snprintf(address, sizeof(address), "22:22:22:22:22:%02X", i);
		const char *path = fake_bluez_add_device(fb, address, "car", FALSE, FALSE);
		set_connected(path, TRUE);
		settle(1200);
		set_connected(path, FALSE);
		settle(100);
	}
	ck_assert_uint_eq(count_containing("PIN"), EAR_PIN_OFFERS_PER_WINDOW);
}
END_TEST

/* --- bluetoothd (re)appearing --- */

START_TEST(test_objects_fail_then_register)
{
	g_clear_pointer(&fb, fake_bluez_free);
	settle(100);
	gint64 start = g_get_monotonic_time();
	fb = fake_bluez_new_failing(g_test_dbus_get_bus_address(bus), "GetManagedObjects", 2);
	ck_assert(wait_registered(fb, 5000));
	ck_assert_int_lt(g_get_monotonic_time() - start, 5 * G_USEC_PER_SEC);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "GetManagedObjects"), 3);
}
END_TEST

START_TEST(test_register_fails_then_registers)
{
	g_clear_pointer(&fb, fake_bluez_free);
	settle(100);
	fb = fake_bluez_new_failing(g_test_dbus_get_bus_address(bus), "RegisterAgent", 3);
	ck_assert(wait_registered(fb, 5000));
}
END_TEST

START_TEST(test_reload_unmanaged_no_writes)
{
	g_autoptr(GError) error = NULL;
	const char text[] = "[pairing]\nmanage-adapter = false\n";
	g_autoptr(EarConfig) unmanaged = ear_config_load_data("t.conf", text, strlen(text), &error);
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(TRUE), 3000));
	guint writes = fake_bluez_adapter_set_count(fb);
	ear_daemon_reload(daemon_, unmanaged);
	ear_daemon_reload(daemon_, unmanaged); /* SIGHUP again, file unchanged */
	settle(300);
	ck_assert_uint_eq(fake_bluez_adapter_set_count(fb), writes);
	ck_assert(fake_bluez_adapter_get_bool(fb, "Discoverable")); /* left as it was */
	/* bluetoothd restarts: still hands off */
	g_clear_pointer(&fb, fake_bluez_free);
	settle(100);
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert(wait_registered(fb, 5000));
	settle(300);
	ck_assert_uint_eq(fake_bluez_adapter_set_count(fb), 0);
}
END_TEST

START_TEST(test_forged_signal_ignored)
{
	/* a process that is not bluetoothd says the phone paired: nothing is announced */
	g_autoptr(GDBusConnection) stranger = fake_bus_connect(g_test_dbus_get_bus_address(bus), NULL);
	GVariantDict d;
	g_variant_dict_init(&d, NULL);
	g_variant_dict_insert(&d, "Paired", "b", TRUE);
	g_dbus_connection_emit_signal(stranger, NULL, phone, "org.freedesktop.DBus.Properties",
		"PropertiesChanged", g_variant_new("(s@a{sv}as)", "org.bluez.Device1",
			g_variant_dict_end(&d), NULL), NULL);
	g_dbus_connection_flush_sync(stranger, NULL, NULL);
	settle(300);
	ck_assert_uint_eq(count_containing("Paired with"), 0);
	ck_assert(ear_daemon_window_is_open(daemon_));
}
END_TEST

static Suite *attempts_suite(void)
{
	Suite *s = suite_create("attempts");
	TCase *tc = tcase_create("bonds");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bond_without_request_announced);
	tcase_add_test(tc, test_bond_while_closed_announced);
	tcase_add_test(tc, test_bond_without_name_announced);
	tcase_add_test(tc, test_enumeration_is_not_a_bond);
	tcase_add_test(tc, test_forged_signal_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("floor");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_busy_refused_quietly);
	tcase_add_test(tc, test_stranger_bonds_during_owner_reading);
	tcase_add_test(tc, test_one_outcome_per_attempt);
	tcase_add_test(tc, test_silent_refusals_never_lock);
	tcase_add_test(tc, test_pin_never_for_le);
	tcase_add_test(tc, test_pin_offers_per_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("closing");
	tcase_add_checked_fixture(tc, setup_short_window, teardown);
	tcase_add_test(tc, test_close_refuses_pending_reading);
	tcase_add_test(tc, test_close_stops_pin_reading);
	suite_add_tcase(s, tc);
	tc = tcase_create("closing-key");
	tcase_add_checked_fixture(tc, setup_short_window_key, teardown);
	tcase_add_test(tc, test_close_refuses_waiting_for_button);
	suite_add_tcase(s, tc);

	tc = tcase_create("lockout");
	tcase_add_checked_fixture(tc, setup_strict_lockout, teardown);
	tcase_add_test(tc, test_pin_offers_bounded_and_counted);
	suite_add_tcase(s, tc);

	tc = tcase_create("bluetoothd");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_objects_fail_then_register);
	tcase_add_test(tc, test_register_fails_then_registers);
	tcase_add_test(tc, test_reload_unmanaged_no_writes);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(attempts_suite)
