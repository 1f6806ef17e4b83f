// SPDX-License-Identifier: GPL-2.0-or-later
/* org.earshot.Earshot1 with the whole daemon on a private bus, and a client of it: the fixture. */
#include "service-fixture.h"

#include <check.h>
#include <string.h>

EarService *service;
GDBusConnection *client;
static GPtrArray *seen; /* "Member <args>" of every signal from /org/earshot, in order */
static guint subscription;

/* --- a client on its own connection, answered while the main loop turns --- */

GVariant *ask(const char *iface, const char *method, GVariant *args, char **error)
{
	g_autoptr(FakeCall) c = fake_call_new_iface(client, EAR_SERVICE_NAME, EAR_SERVICE_PATH, iface,
		method, args);
	const char *name;

	ck_assert_msg(fake_call_wait(c, 10000), "%s: no reply", method);
	name = fake_call_error_name(c);
	if (error)
		*error = g_strdup(name ? name : "");
	else
		ck_assert_msg(name == NULL, "%s: %s", method, name);
	return name ? NULL : g_variant_ref(fake_call_reply(c));
}

char *call_method(const char *method, GVariant *args)
{
	char *error = NULL;
	g_autoptr(GVariant) reply = ask(EAR_SERVICE_INTERFACE, method, args, &error);
	return error;
}

GVariant *get(const char *name)
{
	g_autoptr(GVariant) reply = ask("org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", EAR_SERVICE_INTERFACE, name), NULL);
	g_autoptr(GVariant) v = g_variant_get_child_value(reply, 0);
	return g_variant_get_variant(v);
}

gboolean get_bool(const char *name)
{
	g_autoptr(GVariant) v = get(name);
	return g_variant_get_boolean(v);
}

guint64 get_u64(const char *name)
{
	g_autoptr(GVariant) v = get(name);
	return g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32(v) :
		g_variant_get_uint64(v);
}

char *get_str(const char *name)
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

guint seen_count(const char *needle)
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

gboolean wait_seen(const char *needle, guint count)
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

void start_service(EarCallerRule rule, const char *extra_config)
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

void teardown_service(void)
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
