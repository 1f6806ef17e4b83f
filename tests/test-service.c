// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * org.earshot.Earshot1 on a private bus, with the whole daemon and a fake
 * bluetoothd: each method and property, PropertiesChanged, a signal for each
 * outcome, the caller check (the allowed user and group are injected: the
 * tests run as root), and no passkey or PIN in anything Earshot sends but
 * its answers to bluetoothd.
 */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "daemon-fixture.h"
#include "earshot/service.h"

#define NOBODY_UID 4242424u /* a user no test runs as */
#define DENIED "org.freedesktop.DBus.Error.AccessDenied"
#define INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"

static EarService *service;
static GDBusConnection *client;
static GPtrArray *seen; /* "Member <args>" of every signal from /org/earshot, in order */
static guint subscription;

/* --- a client on its own connection, answered while the main loop turns --- */

typedef struct {
	gboolean done;
	GVariant *reply;
	char *error;
} Reply;

static void on_reply(GObject *source, GAsyncResult *res, gpointer data)
{
	Reply *r = data;
	g_autoptr(GError) error = NULL;
	r->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	if (error)
		r->error = g_dbus_error_get_remote_error(error);
	if (error && !r->error)
		r->error = g_strdup(error->message);
	r->done = TRUE;
}

static gboolean reply_cond(gpointer data)
{
	return ((Reply *)data)->done;
}

/* Calls @method of @iface on Earshot; returns the reply (NULL on error, named in *@error). */
static GVariant *ask(const char *iface, const char *method, GVariant *args, char **error)
{
	Reply r = { 0 };
	g_dbus_connection_call(client, EAR_SERVICE_NAME, EAR_SERVICE_PATH, iface, method, args,
		NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_reply, &r);
	ck_assert_msg(fake_wait_until(reply_cond, &r, 10000), "%s: no reply", method);
	if (error)
		*error = g_strdup(r.error ? r.error : "");
	else
		ck_assert_msg(r.error == NULL, "%s: %s", method, r.error);
	g_free(r.error);
	return r.reply;
}

static char *call_method(const char *method, GVariant *args)
{
	char *error = NULL;
	g_autoptr(GVariant) reply = ask(EAR_SERVICE_INTERFACE, method, args, &error);
	return error;
}

static GVariant *get(const char *name)
{
	g_autoptr(GVariant) reply = ask("org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", EAR_SERVICE_INTERFACE, name), NULL);
	g_autoptr(GVariant) v = g_variant_get_child_value(reply, 0);
	return g_variant_get_variant(v);
}

static gboolean get_bool(const char *name)
{
	g_autoptr(GVariant) v = get(name);
	return g_variant_get_boolean(v);
}

static guint64 get_u64(const char *name)
{
	g_autoptr(GVariant) v = get(name);
	return g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32(v) :
		g_variant_get_uint64(v);
}

static char *get_str(const char *name)
{
	g_autoptr(GVariant) v = get(name);
	return g_variant_dup_string(v, NULL);
}

/* --- what Earshot signals --- */

static void on_signal(GDBusConnection *c, const char *sender, const char *path,
	const char *iface, const char *member, GVariant *params, gpointer data)
{
	g_autofree char *args = g_variant_print(params, TRUE);
	g_ptr_array_add(seen, g_strdup_printf("%s %s", member, args));
}

static guint seen_count(const char *needle)
{
	guint n = 0;
	for (guint i = 0; i < seen->len; i++)
		n += strstr(seen->pdata[i], needle) != NULL;
	return n;
}

typedef struct {
	const char *needle;
	guint count;
} Seen;

static gboolean seen_cond(gpointer data)
{
	Seen *s = data;
	return seen_count(s->needle) >= s->count;
}

/* Waits until @count signals containing @needle have come. */
static gboolean wait_seen(const char *needle, guint count)
{
	Seen s = { needle, count };
	return fake_wait_until(seen_cond, &s, 10000);
}

static gboolean name_owned_cond(gpointer data)
{
	g_autoptr(GVariant) r = g_dbus_connection_call_sync(client, "org.freedesktop.DBus",
		"/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
		g_variant_new("(s)", EAR_SERVICE_NAME), G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE,
		5000, NULL, NULL);
	gboolean owned = FALSE;
	if (r)
		g_variant_get(r, "(b)", &owned);
	return owned;
}

/* --- fixtures --- */

static void start_service(EarCallerRule rule, const char *extra_config)
{
	g_autoptr(GError) error = NULL;
	setup_with(extra_config);
	service = ear_service_new(conn, daemon_, &rule, &error);
	ck_assert_msg(service != NULL, "%s", error ? error->message : "");
	client = fake_bus_connect(g_test_dbus_get_bus_address(bus), &error);
	ck_assert_ptr_nonnull(client);
	seen = g_ptr_array_new_with_free_func(g_free);
	subscription = g_dbus_connection_signal_subscribe(client, NULL, NULL, NULL,
		EAR_SERVICE_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
	ck_assert(fake_wait_until(name_owned_cond, NULL, 5000));
}

static void setup_root(void)
{
	start_service((EarCallerRule){ 0, EAR_CALLER_NO_GROUP }, "");
}

/* Allowed through the group: root's group 0 is among the caller's groups. */
static void setup_group(void)
{
	start_service((EarCallerRule){ NOBODY_UID, 0 }, "");
}

/* The caller (root) is neither the allowed user nor in the allowed group. */
static void setup_stranger(void)
{
	start_service((EarCallerRule){ NOBODY_UID, EAR_CALLER_NO_GROUP }, "");
}

static void setup_strict_lockout(void)
{
	start_service((EarCallerRule){ 0, EAR_CALLER_NO_GROUP }, "[lockout]\nany-device = 1\n");
}

static void teardown_service(void)
{
	if (subscription)
		g_dbus_connection_signal_unsubscribe(client, subscription);
	subscription = 0;
	g_clear_pointer(&service, ear_service_free);
	if (client)
		g_dbus_connection_close_sync(client, NULL, NULL);
	g_clear_object(&client);
	g_clear_pointer(&seen, g_ptr_array_unref);
	teardown();
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

/* --- who may --- */

static void check_allowed(void)
{
	g_autofree char *err = call_method("Close", NULL);
	ck_assert_str_eq(err, "");
	ck_assert(!ear_daemon_window_is_open(daemon_));
	g_free(err);
	err = call_method("Open", g_variant_new("(u)", 10));
	ck_assert_str_eq(err, "");
	ck_assert(ear_daemon_window_is_open(daemon_));
}

START_TEST(test_group_member_allowed)
{
	check_allowed();
}
END_TEST

START_TEST(test_root_allowed)
{
	check_allowed();
}
END_TEST

START_TEST(test_stranger_denied)
{
	g_autofree char *err = call_method("Close", NULL);
	ck_assert_str_eq(err, DENIED);
	ck_assert(ear_daemon_window_is_open(daemon_));
	g_free(err);
	err = call_method("Open", g_variant_new("(u)", 0));
	ck_assert_str_eq(err, DENIED);

	/* the state is anyone's to read, the name of the device is not */
	g_free(err);
	err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 1));
	set_paired(phone);
	ck_assert(wait_seen("Paired (uint64 ", 1));
	g_autofree char *outcome = get_str("LastOutcome");
	g_autofree char *name = get_str("LastName");
	ck_assert_str_eq(outcome, "paired");
	ck_assert_str_eq(name, "");
	g_autoptr(GVariant) all = ask("org.freedesktop.DBus.Properties", "GetAll",
		g_variant_new("(s)", EAR_SERVICE_INTERFACE), NULL);
	g_autofree char *text = g_variant_print(all, FALSE);
	ck_assert_msg(strstr(text, "Anna") == NULL, "%s", text);
	ck_assert(strstr(text, "'LastName': <''>"));
}
END_TEST

/* --- no secret on the bus --- */

static GMutex sent_lock;
static GPtrArray *sent; /* every message Earshot sent, printed, but its answers to bluetoothd */
static char *bluez_name;

static GDBusMessage *on_message(GDBusConnection *c, GDBusMessage *message, gboolean incoming,
	gpointer data)
{
	GDBusMessageType type = g_dbus_message_get_message_type(message);

	if (incoming)
		return message;
	/* an answer to bluetoothd's agent call: the PIN is meant to be there */
	if ((type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN || type == G_DBUS_MESSAGE_TYPE_ERROR) &&
		g_strcmp0(g_dbus_message_get_destination(message), bluez_name) == 0)
		return message;
	g_mutex_lock(&sent_lock);
	g_ptr_array_add(sent, g_dbus_message_print(message, 0));
	g_mutex_unlock(&sent_lock);
	return message;
}

static guint sent_count(const char *needle)
{
	guint n = 0;
	g_mutex_lock(&sent_lock);
	for (guint i = 0; i < sent->len; i++)
		n += strstr(sent->pdata[i], needle) != NULL;
	g_mutex_unlock(&sent_lock);
	return n;
}

/* A legacy pairing: the PIN is announced, asked for, given; returns the PIN. */
static char *pair_legacy(void)
{
	const char *car = fake_bluez_add_device(fb, "22:22:22:22:22:22", "Old car", FALSE, FALSE);
	fake_bluez_set_device_property(fb, car, "Connected", g_variant_new_boolean(TRUE));
	ck_assert(wait_said("PIN", 1, 5000));
	g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestPinCode", g_variant_new("(o)", car),
		FALSE);
	ck_assert(fake_call_wait(c, 5000));
	ck_assert_ptr_null(fake_call_error_name(c));
	char *pin;
	g_variant_get(fake_call_reply(c), "(s)", &pin);
	set_paired(car);
	return pin;
}

START_TEST(test_no_secret_sent)
{
	guint filter;

	sent = g_ptr_array_new_with_free_func(g_free);
	bluez_name = g_strdup(fake_bluez_unique_name(fb));
	filter = g_dbus_connection_add_filter(conn, on_message, NULL, NULL);

	/* a failed passkey entry, then a numeric comparison that pairs ... */
	g_autoptr(FakeCall) d = fake_bluez_call_agent(fb, "DisplayPasskey",
		g_variant_new("(ouq)", phone, 135790, 0), TRUE);
	ck_assert(wait_said("1, 3, 5, 7, 9, 0", 1, 5000));
	fake_bluez_set_device_property(fb, phone, "Connected", g_variant_new_boolean(FALSE));
	ck_assert(wait_seen("Failed (uint64 ", 1));
	fake_bluez_set_device_property(fb, phone, "Connected", g_variant_new_boolean(TRUE));
	g_autofree char *err = call_now("RequestConfirmation", g_variant_new("(ou)", phone, 842713));
	ck_assert_str_eq(err, "");
	set_paired(phone);
	ck_assert(wait_seen("Paired (uint64 ", 1));
	/* ... a client reading everything, then a legacy PIN pairing (Open lifts the closed window) */
	g_autofree char *open = call_method("Open", g_variant_new("(u)", 0));
	ck_assert_str_eq(open, "");
	g_autofree char *pin = pair_legacy();
	ck_assert(wait_seen("Paired (uint64 ", 2));
	g_autoptr(GVariant) all = ask("org.freedesktop.DBus.Properties", "GetAll",
		g_variant_new("(s)", EAR_SERVICE_INTERFACE), NULL);
	settle(200);
	g_dbus_connection_remove_filter(conn, filter);

	/* what was looked at: the signals and the properties did go out */
	ck_assert_uint_ge(sent_count("member -> 'Paired'"), 2);
	ck_assert_uint_ge(sent_count("member -> 'Failed'"), 1);
	ck_assert_uint_ge(sent_count("member -> 'PropertiesChanged'"), 3);
	ck_assert_uint_ge(sent_count("'LastName': <'Old car'>"), 1); /* GetAll's reply */
	/* and none of it holds a number that was read to the room */
	static const char *const secrets[] = { "842713", "8, 4, 2", "135790", "1, 3, 5", NULL };
	for (const char *const *s = secrets; *s; s++)
		ck_assert_msg(sent_count(*s) == 0, "\"%s\" was sent on the bus", *s);
	ck_assert_uint_eq(strlen(pin), 6);
	ck_assert_msg(sent_count(pin) == 0, "the PIN %s was sent on the bus", pin);
	g_clear_pointer(&sent, g_ptr_array_unref);
	g_clear_pointer(&bluez_name, g_free);
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
	tcase_add_test(tc, test_root_allowed);
	tcase_add_test(tc, test_no_secret_sent);
	suite_add_tcase(s, tc);
	tc = tcase_create("lockout");
	tcase_add_checked_fixture(tc, setup_strict_lockout, teardown_service);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_lifts_lockout);
	suite_add_tcase(s, tc);
	tc = tcase_create("group");
	tcase_add_checked_fixture(tc, setup_group, teardown_service);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_group_member_allowed);
	suite_add_tcase(s, tc);
	tc = tcase_create("stranger");
	tcase_add_checked_fixture(tc, setup_stranger, teardown_service);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_stranger_denied);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(service_suite)
