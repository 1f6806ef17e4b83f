// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who may use org.earshot.Earshot1, as Earshot itself checks it (the allowed
 * user and group are injected: the tests run as root), and no passkey or PIN
 * in anything Earshot sends but its answers to bluetoothd. The bus policy
 * file's half is test-bus-policy.
 */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "service-fixture.h"

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

/* --- the rule alone, on credentials as the bus gives them --- */

typedef struct {
	const char *credentials; /* GVariant text of the a{sv} */
	EarCallerRule rule;
	gboolean allowed;
} RuleCase;

static const RuleCase rule_cases[] = {
	{ "{'UnixUserID': <uint32 0>}", { 0, 5 }, TRUE },
	{ "{'UnixUserID': <uint32 1000>, 'UnixGroupIDs': <[uint32 100, 5]>}", { 0, 5 }, TRUE },
	{ "{'UnixUserID': <uint32 1000>, 'UnixGroupIDs': <[uint32 100, 6]>}", { 0, 5 }, FALSE },
	/* a bus that gives no groups: only the user may */
	{ "{'UnixUserID': <uint32 1000>}", { 0, 5 }, FALSE },
	{ "{'UnixUserID': <uint32 1000>, 'UnixGroupIDs': <[uint32 4294967295]>}",
		{ 0, EAR_CALLER_NO_GROUP }, FALSE },
	/* no user: nobody vouches for the caller */
	{ "{'UnixGroupIDs': <[uint32 5]>}", { 0, 5 }, FALSE },
	{ "{'UnixUserID': <'0'>}", { 0, 5 }, FALSE },
	{ "@a{sv} {}", { 0, 5 }, FALSE },
};

START_TEST(test_rule)
{
	const RuleCase *c = &rule_cases[_i];
	g_autoptr(GVariant) v = g_variant_parse(G_VARIANT_TYPE("a{sv}"), c->credentials, NULL, NULL,
		NULL);
	ck_assert_ptr_nonnull(v);
	ck_assert_msg(ear_caller_allowed(&c->rule, v) == c->allowed, "%s", c->credentials);
}
END_TEST

static Suite *access_suite(void)
{
	Suite *s = suite_create("service-access");
	TCase *tc = tcase_create("rule");
	tcase_add_loop_test(tc, test_rule, 0, G_N_ELEMENTS(rule_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("root");
	tcase_add_checked_fixture(tc, setup_root, teardown_service);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_root_allowed);
	tcase_add_test(tc, test_no_secret_sent);
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

EAR_CHECK_MAIN(access_suite)
