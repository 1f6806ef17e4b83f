// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * org.earshot.Earshot1 on a private bus, with the whole daemon and a fake
 * bluetoothd: each method and property, PropertiesChanged, and a signal for
 * each outcome. Who may call, and what never goes out: test-service-access.
 */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "service-fixture.h"

static void setup_root(void)
{
	start_service((EarCallerRule){ 0, EAR_CALLER_NO_GROUP }, "");
}

static void setup_short_lockout(void)
{
	start_service((EarCallerRule){ 0, EAR_CALLER_NO_GROUP },
		"[lockout]\nany-device = 1\nduration = 1\n");
}

static void setup_strict_lockout(void)
{
	start_service((EarCallerRule){ 0, EAR_CALLER_NO_GROUP }, "[lockout]\nany-device = 1\n");
}

/* --- properties --- */

START_TEST(test_properties)
{
	guint64 now = (guint64)(g_get_real_time() / G_USEC_PER_SEC);
	g_autofree char *outcome = get_str("LastOutcome");
	g_autofree char *name = get_str("LastName");

	ck_assert(get_bool("Registered"));
	ck_assert(get_bool("WindowOpen")); /* opened at start, window = 180 */
	ck_assert_uint_gt(get_u64("WindowSecondsLeft"), 0);
	ck_assert_uint_le(get_u64("WindowSecondsLeft"), 180);
	ck_assert_uint_le(get_u64("WindowClosesAt"), now + 181);
	ck_assert_uint_gt(get_u64("WindowClosesAt"), now);
	ck_assert(!get_bool("LockedOut"));
	ck_assert_uint_eq(get_u64("LockedUntil"), 0);
	ck_assert_str_eq(outcome, "");
	ck_assert_uint_eq(get_u64("LastOutcomeAt"), 0);
	ck_assert_str_eq(name, "");

	/* GetAll has every property of the XML */
	g_autoptr(GVariant) all = ask("org.freedesktop.DBus.Properties", "GetAll",
		g_variant_new("(s)", EAR_SERVICE_INTERFACE), NULL);
	g_autoptr(GVariant) dict = g_variant_get_child_value(all, 0);
	ck_assert_uint_eq(g_variant_n_children(dict), 9);
	/* and none is writable */
	g_autofree char *err = NULL;
	g_autoptr(GVariant) set = ask("org.freedesktop.DBus.Properties", "Set",
		g_variant_new("(ssv)", EAR_SERVICE_INTERFACE, "WindowOpen",
			g_variant_new_boolean(FALSE)), &err);
	ck_assert_str_ne(err, "");
	ck_assert(get_bool("WindowOpen"));
}
END_TEST

START_TEST(test_registered_follows_bluetoothd)
{
	g_clear_pointer(&fb, fake_bluez_free);
	ck_assert(wait_seen("'Registered': <false>", 1));
	ck_assert(!get_bool("Registered"));
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert(wait_seen("'Registered': <true>", 1));
	ck_assert(get_bool("Registered"));
}
END_TEST

/* --- methods --- */

START_TEST(test_close_and_open)
{
	g_autofree char *err = call_method("Close", NULL);
	ck_assert_str_eq(err, "");
	ck_assert(!ear_daemon_window_is_open(daemon_));
	ck_assert(wait_seen("'WindowOpen': <false>", 1));
	ck_assert(wait_seen("'WindowClosesAt': <uint64 0>", 1));
	ck_assert(!get_bool("WindowOpen"));
	ck_assert_uint_eq(get_u64("WindowSecondsLeft"), 0);
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(FALSE), 3000));

	g_free(err);
	err = call_method("Open", g_variant_new("(u)", 30));
	ck_assert_str_eq(err, "");
	ck_assert(ear_daemon_window_is_open(daemon_));
	ck_assert(wait_seen("'WindowOpen': <true>", 1));
	ck_assert_uint_le(get_u64("WindowSecondsLeft"), 30);
	ck_assert_uint_gt(get_u64("WindowSecondsLeft"), 0);
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(TRUE), 3000));
	ck_assert(wait_said("Ready to pair.", 2, 3000)); /* once at start, once now */

	/* 0: the configured window, which is also the longest allowed */
	g_free(err);
	err = call_method("Open", g_variant_new("(u)", 0));
	ck_assert_str_eq(err, "");
	ck_assert_uint_gt(get_u64("WindowSecondsLeft"), 30);
	g_free(err);
	err = call_method("Open", g_variant_new("(u)", 181));
	ck_assert_str_eq(err, INVALID_ARGS);
	g_free(err);
	err = call_method("Open", g_variant_new("(s)", "180"));
	ck_assert_str_eq(err, INVALID_ARGS);
}
END_TEST

/* Opening over the bus is the owner's act: it lifts a lockout, as SIGUSR1 does. */
START_TEST(test_open_lifts_lockout)
{
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert_str_eq(err, "");
	fake_bluez_set_device_property(fb, phone, "Connected", g_variant_new_boolean(FALSE));
	ck_assert(wait_seen("'LockedOut': <true>", 1)); /* any-device = 1 */
	ck_assert(get_bool("LockedOut"));
	guint64 until = get_u64("LockedUntil");
	ck_assert_uint_gt(until, (guint64)(g_get_real_time() / G_USEC_PER_SEC));
	fake_bluez_set_device_property(fb, phone, "Connected", g_variant_new_boolean(TRUE));
	g_free(err);
	err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 2));
	ck_assert_str_eq(err, REJECTED);

	g_free(err);
	err = call_method("Open", g_variant_new("(u)", 0));
	ck_assert_str_eq(err, "");
	ck_assert(wait_seen("'LockedOut': <false>", 1));
	ck_assert_uint_eq(get_u64("LockedUntil"), 0);
	g_free(err);
	err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 3));
	ck_assert_str_eq(err, "");
}
END_TEST

/* A lockout ends without any event: the daemon's one timer tells it when. */
START_TEST(test_lockout_ends_by_itself)
{
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert_str_eq(err, "");
	fake_bluez_set_device_property(fb, phone, "Connected", g_variant_new_boolean(FALSE));
	ck_assert(wait_seen("'LockedOut': <true>", 1)); /* any-device = 1, duration = 1 */
	ck_assert(wait_seen("'LockedOut': <false>", 1));
	ck_assert(!get_bool("LockedOut"));
	ck_assert_uint_eq(get_u64("LockedUntil"), 0);
}
END_TEST

/* --- outcomes --- */

START_TEST(test_paired_signal)
{
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 42713));
	ck_assert_str_eq(err, "");
	set_paired(phone);
	ck_assert(wait_seen("Paired (uint64 ", 1));
	ck_assert(wait_seen("'LastOutcome': <'paired'>", 1));
	ck_assert(seen_count("['LastName']") >= 1); /* invalidated: its value is not broadcast */
	ck_assert_uint_eq(seen_count("Anna"), 0);
	g_autofree char *outcome = get_str("LastOutcome");
	g_autofree char *name = get_str("LastName");
	ck_assert_str_eq(outcome, "paired");
	ck_assert_str_eq(name, "Anna's phone");
	ck_assert_uint_gt(get_u64("LastOutcomeAt"), 0);
	/* close-after-pairing closed the window, and that was told too */
	ck_assert(wait_seen("'WindowOpen': <false>", 1));
}
END_TEST

START_TEST(test_failed_signal)
{
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert_str_eq(err, "");
	fake_bluez_set_device_property(fb, phone, "Connected", g_variant_new_boolean(FALSE));
	ck_assert(wait_seen("Failed (uint64 ", 1));
	ck_assert_uint_eq(seen_count("Failed (uint64 "), 1);
	ck_assert(seen_count("the device disconnected") == 1);
	g_autofree char *outcome = get_str("LastOutcome");
	ck_assert_str_eq(outcome, "failed");
}
END_TEST

START_TEST(test_refused_signal)
{
	g_autofree char *err = call_method("Close", NULL);
	ck_assert_str_eq(err, "");
	g_free(err);
	err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	ck_assert_str_eq(err, REJECTED);
	ck_assert(wait_seen("Refused (uint64 ", 1));
	g_autofree char *outcome = get_str("LastOutcome");
	ck_assert_str_eq(outcome, "refused");
	/* a service refused to a paired device is not a pairing outcome */
	const char *paired = fake_bluez_add_device(fb, "44:44:44:44:44:44", "Ben", TRUE, TRUE);
	settle(100);
	g_free(err);
	err = call_now("AuthorizeService", g_variant_new("(os)", paired,
		"00001124-0000-1000-8000-00805f9b34fb"));
	ck_assert_str_eq(err, REJECTED);
	settle(200);
	ck_assert_uint_eq(seen_count("Refused (uint64 "), 1);
}
END_TEST

static Suite *service_suite(void)
{
	Suite *s = suite_create("service");
	TCase *tc = tcase_create("root");
	tcase_add_checked_fixture(tc, setup_root, teardown_service);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_properties);
	tcase_add_test(tc, test_registered_follows_bluetoothd);
	tcase_add_test(tc, test_close_and_open);
	tcase_add_test(tc, test_paired_signal);
	tcase_add_test(tc, test_failed_signal);
	tcase_add_test(tc, test_refused_signal);
	suite_add_tcase(s, tc);
	tc = tcase_create("lockout");
	tcase_add_checked_fixture(tc, setup_strict_lockout, teardown_service);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_lifts_lockout);
	suite_add_tcase(s, tc);
	tc = tcase_create("short-lockout");
	tcase_add_checked_fixture(tc, setup_short_lockout, teardown_service);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lockout_ends_by_itself);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(service_suite)
