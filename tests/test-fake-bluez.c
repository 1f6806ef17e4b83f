// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-test of the fake bluetoothd: a private bus (GTestDBus), the fake, and a
 * dummy org.bluez.Agent1 on a second connection of the same process and main
 * context. Every call into the fake is async + wait: a sync call would block
 * the main context the fake needs to answer.
 */
#include "fake-bluez.h"

#include <check.h>
#include <stdlib.h>

#define AGENT_PATH "/test/agent"
#define WAIT_MS 5000
#define PHONE "11:22:33:44:55:66"
#define PHONE_PATH FAKE_BLUEZ_ADAPTER_PATH "/dev_11_22_33_44_55_66"

static const char agent_xml[] =
	"<node><interface name='org.bluez.Agent1'>"
	"<method name='Release'/>"
	"<method name='RequestPinCode'><arg type='o' direction='in'/>"
	" <arg type='s' direction='out'/></method>"
	"<method name='DisplayPinCode'><arg type='o' direction='in'/>"
	" <arg type='s' direction='in'/></method>"
	"<method name='RequestPasskey'><arg type='o' direction='in'/>"
	" <arg type='u' direction='out'/></method>"
	"<method name='DisplayPasskey'><arg type='o' direction='in'/>"
	" <arg type='u' direction='in'/><arg type='q' direction='in'/></method>"
	"<method name='RequestConfirmation'><arg type='o' direction='in'/>"
	" <arg type='u' direction='in'/></method>"
	"<method name='RequestAuthorization'><arg type='o' direction='in'/></method>"
	"<method name='AuthorizeService'><arg type='o' direction='in'/>"
	" <arg type='s' direction='in'/></method>"
	"<method name='Cancel'/>"
	"</interface></node>";

/* A dummy agent: confirms, answers PIN "1234", refuses services, never answers
 * RequestPasskey or RequestAuthorization (until teardown). */
typedef struct {
	GDBusConnection *conn;
	guint reg_id;
	GHashTable *calls; /* member → count */
	char *last_sender;
	GString *log; /* members called, in order */
	GPtrArray *held; /* GDBusMethodInvocation* */
} DummyAgent;

static GTestDBus *bus;
static FakeBluez *fb;
static DummyAgent agent;

/* ------------------------------------------------------------------ helpers */

static GDBusConnection *connect_bus(void)
{
	g_autoptr(GError) error = NULL;
	GDBusConnection *conn = fake_bus_connect(g_test_dbus_get_bus_address(bus), &error);

	ck_assert_msg(conn != NULL, "connect: %s", error ? error->message : "?");
	return conn;
}

typedef struct {
	gboolean done;
	GVariant *reply;
	char *error_name;
} Result;

static void on_call_done(GObject *source, GAsyncResult *res, gpointer data)
{
	Result *r = data;
	g_autoptr(GError) error = NULL;

	r->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	if (error != NULL)
		r->error_name = g_dbus_error_get_remote_error(error);
	if (error != NULL && r->error_name == NULL)
		r->error_name = g_strdup(error->message);
	r->done = TRUE;
}

static gboolean result_done(gpointer data)
{
	return ((Result *)data)->done;
}

/* Calls async and waits; returns the D-Bus error name (free it) or NULL. */
static char *bus_call(GDBusConnection *conn, const char *dest, const char *path,
	const char *iface, const char *method, GVariant *params, GVariant **reply)
{
	Result r = {0};

	g_dbus_connection_call(conn, dest, path, iface, method, params, NULL,
		G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, on_call_done, &r);
	ck_assert(fake_wait_until(result_done, &r, WAIT_MS));
	if (reply != NULL)
		*reply = r.reply;
	else if (r.reply != NULL)
		g_variant_unref(r.reply);
	return r.error_name;
}

static char *bluez_call(GDBusConnection *conn, const char *path, const char *iface,
	const char *method, GVariant *params, GVariant **reply)
{
	return bus_call(conn, "org.bluez", path, iface, method, params, reply);
}

static char *manager_call(GDBusConnection *conn, const char *method, GVariant *params)
{
	return bluez_call(conn, "/org/bluez", "org.bluez.AgentManager1", method, params, NULL);
}

static char *set_prop(GDBusConnection *conn, const char *path, const char *iface,
	const char *name, GVariant *value)
{
	return bluez_call(conn, path, "org.freedesktop.DBus.Properties", "Set",
		g_variant_new("(ssv)", iface, name, value), NULL);
}

static void assert_error(char *error_name, const char *expected)
{
	g_autofree char *name = error_name;

	if (expected == NULL)
		ck_assert_msg(name == NULL, "unexpected error %s", name);
	else
		ck_assert_str_eq(name ? name : "(none)", expected);
}

static void register_agent(GDBusConnection *conn, const char *cap)
{
	assert_error(manager_call(conn, "RegisterAgent", g_variant_new("(os)", AGENT_PATH, cap)),
		NULL);
}

static guint agent_calls(const char *member)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(agent.calls, member));
}

typedef struct {
	const char *member;
	guint count;
} CallCount;

static gboolean agent_called(gpointer data)
{
	CallCount *c = data;

	return agent_calls(c->member) >= c->count;
}

static void wait_agent_calls(const char *member, guint count)
{
	CallCount c = {member, count};

	ck_assert_msg(fake_wait_until(agent_called, &c, WAIT_MS), "agent never got %s", member);
}

/* Lets queued D-Bus traffic settle for @ms. */
static gboolean never(G_GNUC_UNUSED gpointer data)
{
	return FALSE;
}

static void settle(guint ms)
{
	fake_wait_until(never, NULL, ms);
}

/* ------------------------------------------------------------- dummy agent */

static void agent_method(G_GNUC_UNUSED GDBusConnection *conn, const char *sender,
	G_GNUC_UNUSED const char *path, G_GNUC_UNUSED const char *iface, const char *member,
	G_GNUC_UNUSED GVariant *params, GDBusMethodInvocation *inv, gpointer data)
{
	DummyAgent *a = data;
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(a->calls, member));

	g_hash_table_replace(a->calls, g_strdup(member), GUINT_TO_POINTER(n + 1));
	g_free(a->last_sender);
	a->last_sender = g_strdup(sender);
	g_string_append_printf(a->log, "%s ", member);
	if (g_str_equal(member, "RequestPinCode"))
		g_dbus_method_invocation_return_value(inv, g_variant_new("(s)", "1234"));
	else if (g_str_equal(member, "RequestPasskey") || g_str_equal(member, "RequestAuthorization"))
		g_ptr_array_add(a->held, inv); /* answered in teardown */
	else if (g_str_equal(member, "AuthorizeService"))
		g_dbus_method_invocation_return_dbus_error(inv, "org.bluez.Error.Rejected", "no");
	else
		g_dbus_method_invocation_return_value(inv, NULL);
}

static const GDBusInterfaceVTable agent_vtable = {.method_call = agent_method};

static void agent_export(DummyAgent *a, GDBusConnection *conn)
{
	g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(agent_xml, NULL);
	g_autoptr(GError) error = NULL;

	a->conn = conn;
	a->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	a->held = g_ptr_array_new();
	a->log = g_string_new(NULL);
	a->reg_id = g_dbus_connection_register_object(conn, AGENT_PATH, node->interfaces[0],
		&agent_vtable, a, NULL, &error);
	ck_assert_msg(a->reg_id != 0, "export agent: %s", error ? error->message : "?");
}

static void agent_close(DummyAgent *a)
{
	for (guint i = 0; a->held != NULL && i < a->held->len; i++)
		g_dbus_method_invocation_return_dbus_error(g_ptr_array_index(a->held, i),
			"org.bluez.Error.Canceled", "teardown");
	g_clear_pointer(&a->held, g_ptr_array_unref);
	if (a->conn != NULL && a->reg_id != 0)
		g_dbus_connection_unregister_object(a->conn, a->reg_id);
	if (a->conn != NULL)
		g_dbus_connection_close_sync(a->conn, NULL, NULL);
	g_clear_object(&a->conn);
	g_clear_pointer(&a->calls, g_hash_table_unref);
	g_clear_pointer(&a->last_sender, g_free);
	if (a->log != NULL)
		g_string_free(g_steal_pointer(&a->log), TRUE);
	a->reg_id = 0;
}

/* ----------------------------------------------------------------- fixture */

static void setup(void)
{
	bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(bus);
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert_ptr_nonnull(fb);
	agent_export(&agent, connect_bus());
}

static void teardown(void)
{
	agent_close(&agent);
	g_clear_pointer(&fb, fake_bluez_free);
	settle(50); /* let GDBus finish the closes before the bus goes away */
	g_test_dbus_down(bus);
	g_clear_object(&bus);
}

/* Registers the dummy agent and makes it default, as Earshot does. */
static void setup_registered(void)
{
	register_agent(agent.conn, "KeyboardDisplay");
	assert_error(manager_call(agent.conn, "RequestDefaultAgent",
			     g_variant_new("(o)", AGENT_PATH)),
		NULL);
}

/* ------------------------------------------------------------------ tests */

START_TEST(test_start)
{
	g_autoptr(GVariant) alias = NULL;
	g_autoptr(GVariant) owner = NULL;
	const char *unique;

	assert_error(bus_call(agent.conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			     "org.freedesktop.DBus", "GetNameOwner", g_variant_new("(s)", "org.bluez"),
			     &owner),
		NULL);
	g_variant_get(owner, "(&s)", &unique);
	ck_assert_str_eq(unique, fake_bluez_unique_name(fb));
	assert_error(bluez_call(agent.conn, "/", "org.freedesktop.DBus.Peer", "Ping", NULL, NULL),
		NULL);
	ck_assert(fake_bluez_adapter_get_bool(fb, "Powered"));
	ck_assert(!fake_bluez_adapter_get_bool(fb, "Discoverable"));
	ck_assert(!fake_bluez_adapter_get_bool(fb, "Pairable"));
	ck_assert_ptr_null(fake_bluez_agent_sender(fb));
	ck_assert_uint_eq(fake_bluez_adapter_set_count(fb), 0);
	assert_error(bluez_call(agent.conn, FAKE_BLUEZ_ADAPTER_PATH,
			     "org.freedesktop.DBus.Properties", "Get",
			     g_variant_new("(ss)", "org.bluez.Adapter1", "Alias"), &alias),
		NULL);
	ck_assert_str_eq(g_variant_get_type_string(alias), "(v)");
}
END_TEST

START_TEST(test_register)
{
	g_autoptr(GDBusConnection) stranger = connect_bus();

	register_agent(agent.conn, "KeyboardDisplay");
	ck_assert_str_eq(fake_bluez_agent_sender(fb), g_dbus_connection_get_unique_name(agent.conn));
	ck_assert_str_eq(fake_bluez_agent_path(fb), AGENT_PATH);
	ck_assert_str_eq(fake_bluez_agent_capability(fb), "KeyboardDisplay");
	ck_assert(!fake_bluez_agent_is_default(fb));
	ck_assert_uint_eq(fake_bluez_register_count(fb), 1);
	assert_error(manager_call(agent.conn, "RequestDefaultAgent", g_variant_new("(o)", "/x")),
		"org.bluez.Error.DoesNotExist");
	assert_error(manager_call(agent.conn, "RequestDefaultAgent",
			     g_variant_new("(o)", AGENT_PATH)),
		NULL);
	ck_assert(fake_bluez_agent_is_default(fb));
	assert_error(manager_call(agent.conn, "RegisterAgent",
			     g_variant_new("(os)", AGENT_PATH, "")),
		"org.bluez.Error.AlreadyExists");
	assert_error(manager_call(stranger, "RegisterAgent",
			     g_variant_new("(os)", AGENT_PATH, "Telepathy")),
		"org.bluez.Error.InvalidArguments");
	assert_error(manager_call(stranger, "RequestDefaultAgent", g_variant_new("(o)", AGENT_PATH)),
		"org.bluez.Error.DoesNotExist");
	assert_error(manager_call(stranger, "UnregisterAgent", g_variant_new("(o)", AGENT_PATH)),
		"org.bluez.Error.DoesNotExist");
	ck_assert_uint_eq(fake_bluez_register_count(fb), 1);
	ck_assert_uint_eq(fake_bluez_method_count(fb, "RegisterAgent"), 3);
}
END_TEST

START_TEST(test_unregister)
{
	setup_registered();
	assert_error(manager_call(agent.conn, "UnregisterAgent", g_variant_new("(o)", "/x")),
		"org.bluez.Error.DoesNotExist");
	assert_error(manager_call(agent.conn, "UnregisterAgent", g_variant_new("(o)", AGENT_PATH)),
		NULL);
	ck_assert_uint_eq(fake_bluez_unregister_count(fb), 1);
	ck_assert_ptr_null(fake_bluez_agent_sender(fb));
	settle(100);
	ck_assert_uint_eq(agent_calls("Release"), 0); /* bluetoothd sends none here */
}
END_TEST

START_TEST(test_call_agent)
{
	g_autoptr(FakeCall) confirm = NULL;
	g_autoptr(FakeCall) pin = NULL;
	g_autoptr(FakeCall) service = NULL;
	g_autoptr(FakeCall) cancel = NULL;
	const char *code;

	setup_registered();
	confirm = fake_bluez_call_agent(fb, "RequestConfirmation",
		g_variant_new("(ou)", PHONE_PATH, 123456), FALSE);
	ck_assert(!fake_call_done(confirm));
	ck_assert(fake_call_wait(confirm, WAIT_MS));
	ck_assert_ptr_null(fake_call_error_name(confirm));
	ck_assert_str_eq(g_variant_get_type_string(fake_call_reply(confirm)), "()");
	ck_assert_int_ge(fake_call_elapsed_us(confirm), 0);
	ck_assert_str_eq(agent.last_sender, fake_bluez_unique_name(fb));

	pin = fake_bluez_call_agent(fb, "RequestPinCode", g_variant_new("(o)", PHONE_PATH), FALSE);
	ck_assert(fake_call_wait(pin, WAIT_MS));
	g_variant_get(fake_call_reply(pin), "(&s)", &code);
	ck_assert_str_eq(code, "1234");

	service = fake_bluez_call_agent(fb, "AuthorizeService",
		g_variant_new("(os)", PHONE_PATH, "0000110d-0000-1000-8000-00805f9b34fb"), FALSE);
	ck_assert(fake_call_wait(service, WAIT_MS));
	ck_assert_str_eq(fake_call_error_name(service), "org.bluez.Error.Rejected");
	ck_assert_ptr_null(fake_call_reply(service));

	cancel = fake_bluez_call_agent(fb, "Cancel", NULL, TRUE);
	ck_assert(fake_call_done(cancel));
	wait_agent_calls("Cancel", 1);
}
END_TEST

/* 5.66: simple_agent_reply() sends Cancel after NoReply, passkey_reply() does not. */
START_TEST(test_timeout)
{
	g_autoptr(FakeCall) passkey = NULL;
	g_autoptr(FakeCall) authorize = NULL;

	setup_registered();
	fake_bluez_set_request_timeout(fb, 200);
	passkey = fake_bluez_call_agent(fb, "RequestPasskey", g_variant_new("(o)", PHONE_PATH),
		FALSE);
	ck_assert(fake_call_wait(passkey, WAIT_MS));
	ck_assert_str_eq(fake_call_error_name(passkey), "org.freedesktop.DBus.Error.NoReply");
	ck_assert_int_ge(fake_call_elapsed_us(passkey), 190000);
	settle(100);
	ck_assert_uint_eq(agent_calls("Cancel"), 0);

	authorize = fake_bluez_call_agent(fb, "RequestAuthorization",
		g_variant_new("(o)", PHONE_PATH), FALSE);
	ck_assert(fake_call_wait(authorize, WAIT_MS));
	ck_assert_str_eq(fake_call_error_name(authorize), "org.freedesktop.DBus.Error.NoReply");
	wait_agent_calls("Cancel", 1);
}
END_TEST

START_TEST(test_no_agent)
{
	g_autoptr(FakeCall) call = fake_bluez_call_agent(fb, "RequestConfirmation",
		g_variant_new("(ou)", PHONE_PATH, 1), FALSE);

	ck_assert(fake_call_done(call));
	ck_assert_str_eq(fake_call_error_name(call), "org.bluez.Error.DoesNotExist");
}
END_TEST

START_TEST(test_stranger_call)
{
	g_autoptr(GDBusConnection) stranger = connect_bus();
	g_autoptr(FakeCall) call = fake_call_new(stranger,
		g_dbus_connection_get_unique_name(agent.conn), AGENT_PATH, "RequestConfirmation",
		g_variant_new("(ou)", PHONE_PATH, 1), FALSE);

	ck_assert(fake_call_wait(call, WAIT_MS));
	ck_assert_str_eq(agent.last_sender, g_dbus_connection_get_unique_name(stranger));
}
END_TEST

static gboolean no_agent(gpointer data)
{
	return fake_bluez_agent_sender(data) == NULL;
}

START_TEST(test_agent_leaves_bus)
{
	setup_registered();
	agent_close(&agent);
	ck_assert(fake_wait_until(no_agent, fb, WAIT_MS));
	ck_assert_uint_eq(fake_bluez_agent_count(fb), 0);
	agent_export(&agent, connect_bus()); /* for teardown */
}
END_TEST

static gboolean one_agent(gpointer data)
{
	return fake_bluez_agent_count(data) == 1;
}

/* bluetoothd's default_agents queue: first registered is default, RequestDefault moves up. */
START_TEST(test_default_queue)
{
	g_autoptr(GDBusConnection) other = connect_bus();

	register_agent(agent.conn, "DisplayYesNo");
	register_agent(other, "NoInputNoOutput");
	ck_assert_uint_eq(fake_bluez_agent_count(fb), 2);
	ck_assert_str_eq(fake_bluez_agent_capability(fb), "DisplayYesNo");
	assert_error(manager_call(other, "RequestDefaultAgent", g_variant_new("(o)", AGENT_PATH)),
		NULL);
	ck_assert_str_eq(fake_bluez_agent_capability(fb), "NoInputNoOutput");
	ck_assert(fake_bluez_agent_is_default(fb));
	g_dbus_connection_close_sync(other, NULL, NULL);
	ck_assert(fake_wait_until(one_agent, fb, WAIT_MS));
	ck_assert(!fake_bluez_agent_is_default(fb)); /* default by queue order, never asked */
	ck_assert_str_eq(fake_bluez_agent_capability(fb), "DisplayYesNo");
}
END_TEST

START_TEST(test_adapter_set)
{
	const char *adapter = FAKE_BLUEZ_ADAPTER_PATH, *iface = "org.bluez.Adapter1";

	assert_error(set_prop(agent.conn, adapter, iface, "Discoverable",
			     g_variant_new_boolean(TRUE)),
		NULL);
	ck_assert(fake_bluez_adapter_get_bool(fb, "Discoverable"));
	assert_error(set_prop(agent.conn, adapter, iface, "Pairable", g_variant_new_boolean(TRUE)),
		NULL);
	ck_assert(fake_bluez_adapter_get_bool(fb, "Pairable"));
	assert_error(set_prop(agent.conn, adapter, iface, "Address", g_variant_new_string("x")),
		"org.freedesktop.DBus.Error.PropertyReadOnly");
	assert_error(set_prop(agent.conn, adapter, iface, "Bogus", g_variant_new_string("x")),
		"org.freedesktop.DBus.Error.UnknownProperty");
	assert_error(set_prop(agent.conn, adapter, iface, "Powered", g_variant_new_string("x")),
		"org.freedesktop.DBus.Error.InvalidSignature");
	assert_error(set_prop(agent.conn, adapter, "org.bluez.Nope", "Powered",
			     g_variant_new_boolean(TRUE)),
		"org.freedesktop.DBus.Error.InvalidArgs");
	ck_assert_uint_eq(fake_bluez_adapter_set_count(fb), 6);
	/* Powering off clears a timed discoverable mode; it then needs power. */
	assert_error(set_prop(agent.conn, adapter, iface, "Powered", g_variant_new_boolean(FALSE)),
		NULL);
	ck_assert(!fake_bluez_adapter_get_bool(fb, "Discoverable"));
	assert_error(set_prop(agent.conn, adapter, iface, "Discoverable",
			     g_variant_new_boolean(TRUE)),
		"org.bluez.Error.Failed");
}
END_TEST

static gboolean not_discoverable(gpointer data)
{
	return !fake_bluez_adapter_get_bool(data, "Discoverable");
}

START_TEST(test_discoverable_timeout)
{
	const char *adapter = FAKE_BLUEZ_ADAPTER_PATH, *iface = "org.bluez.Adapter1";
	gint64 start = g_get_monotonic_time();

	assert_error(set_prop(agent.conn, adapter, iface, "DiscoverableTimeout",
			     g_variant_new_uint32(1)),
		NULL);
	assert_error(set_prop(agent.conn, adapter, iface, "Discoverable",
			     g_variant_new_boolean(TRUE)),
		NULL);
	ck_assert(fake_wait_until(not_discoverable, fb, WAIT_MS));
	ck_assert_int_ge(g_get_monotonic_time() - start, 900000);
}
END_TEST

/* ------------------------------------------------------- ObjectManager test */

typedef struct {
	GDBusObjectManager *manager;
	guint added;
	guint removed;
	guint changed;
} Watch;

static void on_manager(G_GNUC_UNUSED GObject *source, GAsyncResult *res, gpointer data)
{
	Watch *w = data;
	g_autoptr(GError) error = NULL;

	w->manager = g_dbus_object_manager_client_new_finish(res, &error);
	ck_assert_msg(w->manager != NULL, "manager: %s", error ? error->message : "?");
}

static void on_added(G_GNUC_UNUSED GDBusObjectManager *m, G_GNUC_UNUSED GDBusObject *o,
	gpointer data)
{
	((Watch *)data)->added++;
}

static void on_removed(G_GNUC_UNUSED GDBusObjectManager *m, G_GNUC_UNUSED GDBusObject *o,
	gpointer data)
{
	((Watch *)data)->removed++;
}

static void on_props_changed(G_GNUC_UNUSED GDBusObjectManagerClient *m,
	G_GNUC_UNUSED GDBusObjectProxy *o, G_GNUC_UNUSED GDBusProxy *p,
	G_GNUC_UNUSED GVariant *changed, G_GNUC_UNUSED const char *const *invalidated,
	gpointer data)
{
	((Watch *)data)->changed++;
}

static gboolean manager_ready(gpointer data)
{
	return ((Watch *)data)->manager != NULL;
}

static gboolean watch_counts(gpointer data)
{
	Watch *w = data;

	return w->added >= 1 && w->changed >= 1 && w->removed >= 1;
}

static GVariant *cached(Watch *w, const char *path, const char *iface, const char *name)
{
	g_autoptr(GDBusInterface) i = g_dbus_object_manager_get_interface(w->manager, path, iface);

	ck_assert_msg(i != NULL, "no %s at %s", iface, path);
	return g_dbus_proxy_get_cached_property(G_DBUS_PROXY(i), name);
}

static void watch_start(Watch *w)
{
	g_dbus_object_manager_client_new(agent.conn, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
		"org.bluez", "/", NULL, NULL, NULL, NULL, on_manager, w);
	ck_assert(fake_wait_until(manager_ready, w, WAIT_MS));
	g_signal_connect(w->manager, "object-added", G_CALLBACK(on_added), w);
	g_signal_connect(w->manager, "object-removed", G_CALLBACK(on_removed), w);
	g_signal_connect(w->manager, "interface-proxy-properties-changed",
		G_CALLBACK(on_props_changed), w);
}

START_TEST(test_object_manager)
{
	Watch w = {0};
	g_autoptr(GVariant) alias = NULL;
	g_autoptr(GVariant) paired = NULL;
	g_autoptr(GVariant) cls = NULL;
	const char *path;

	watch_start(&w);
	alias = cached(&w, FAKE_BLUEZ_ADAPTER_PATH, "org.bluez.Adapter1", "Alias");
	ck_assert_str_eq(g_variant_get_string(alias, NULL), "speaker");
	path = fake_bluez_add_device(fb, PHONE, "Pixel", FALSE, TRUE);
	ck_assert_str_eq(path, PHONE_PATH);
	fake_bluez_set_device_property(fb, path, "Paired", g_variant_new_boolean(TRUE));
	fake_bluez_remove_device(fb, path);
	ck_assert(fake_wait_until(watch_counts, &w, WAIT_MS));
	ck_assert_uint_eq(w.added, 1);
	ck_assert_uint_eq(w.removed, 1);
	g_clear_object(&w.manager);

	/* A fresh client sees a new device with all its properties. */
	path = fake_bluez_add_device(fb, PHONE, "Pixel", TRUE, FALSE);
	watch_start(&w);
	paired = cached(&w, path, "org.bluez.Device1", "Bonded");
	cls = cached(&w, path, "org.bluez.Device1", "Class");
	ck_assert(g_variant_get_boolean(paired));
	ck_assert_uint_eq(g_variant_get_uint32(cls), 0x5a020c);
	g_clear_object(&w.manager);
}
END_TEST

START_TEST(test_device_trusted)
{
	const char *path = fake_bluez_add_device(fb, PHONE, NULL, TRUE, TRUE);
	GVariant *alias = fake_bluez_get_property(fb, path, "Alias"); /* transfer none */

	ck_assert_ptr_null(fake_bluez_get_property(fb, path, "Name"));
	ck_assert_str_eq(g_variant_get_string(alias, NULL), "11-22-33-44-55-66");
	assert_error(set_prop(agent.conn, path, "org.bluez.Device1", "Trusted",
			     g_variant_new_boolean(TRUE)),
		NULL);
	ck_assert(fake_bluez_device_get_bool(fb, path, "Trusted"));
	assert_error(bluez_call(agent.conn, FAKE_BLUEZ_ADAPTER_PATH, "org.bluez.Adapter1",
			     "RemoveDevice", g_variant_new("(o)", path), NULL),
		NULL);
	ck_assert_ptr_null(fake_bluez_get_property(fb, path, "Address"));
	assert_error(bluez_call(agent.conn, FAKE_BLUEZ_ADAPTER_PATH, "org.bluez.Adapter1",
			     "RemoveDevice", g_variant_new("(o)", path), NULL),
		"org.bluez.Error.DoesNotExist");
}
END_TEST

/* A phone's music: the transport's Volume is range-checked and set after the
 * reply; the player's Pause and Play change its Status; both show up in the
 * ObjectManager and go away with InterfacesRemoved. */
START_TEST(test_media)
{
	const char *dev = fake_bluez_add_device(fb, PHONE, "Pixel", TRUE, TRUE);
	const char *transport = fake_bluez_add_transport(fb, dev, "active", 127);
	const char *player = fake_bluez_add_player(fb, dev, "playing");
	g_autoptr(GVariant) managed = NULL;

	ck_assert_str_eq(transport, PHONE_PATH "/fd0");
	ck_assert_str_eq(player, PHONE_PATH "/player0");
	assert_error(bluez_call(agent.conn, "/", "org.freedesktop.DBus.ObjectManager",
			     "GetManagedObjects", NULL, &managed), NULL);
	g_autoptr(GVariant) objects = g_variant_get_child_value(managed, 0);
	g_autoptr(GVariant) t = g_variant_lookup_value(objects, transport, NULL);
	ck_assert_ptr_nonnull(t);
	g_autoptr(GVariant) props = g_variant_lookup_value(t, "org.bluez.MediaTransport1", NULL);
	ck_assert_ptr_nonnull(props);
	assert_error(set_prop(agent.conn, transport, "org.bluez.MediaTransport1", "Volume",
			     g_variant_new_uint16(128)), "org.bluez.Error.InvalidArguments");
	ck_assert_int_eq(fake_bluez_volume_set_us(fb, transport), 0);
	assert_error(set_prop(agent.conn, transport, "org.bluez.MediaTransport1", "Volume",
			     g_variant_new_uint16(13)), NULL);
	ck_assert_uint_eq(g_variant_get_uint16(fake_bluez_get_property(fb, transport, "Volume")), 13);
	ck_assert_int_gt(fake_bluez_volume_set_us(fb, transport), 0);
	assert_error(bluez_call(agent.conn, player, "org.bluez.MediaPlayer1", "Pause", NULL, NULL),
		NULL);
	ck_assert_str_eq(g_variant_get_string(fake_bluez_get_property(fb, player, "Status"), NULL),
		"paused");
	assert_error(bluez_call(agent.conn, player, "org.bluez.MediaPlayer1", "Play", NULL, NULL),
		NULL);
	ck_assert_str_eq(g_variant_get_string(fake_bluez_get_property(fb, player, "Status"), NULL),
		"playing");
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Pause"), 1);
	fake_bluez_remove_media(fb, player);
	ck_assert_ptr_null(fake_bluez_get_property(fb, player, "Status"));
	/* a transport without absolute volume has no Volume property */
	fake_bluez_remove_media(fb, transport);
	transport = fake_bluez_add_transport(fb, dev, "idle", -1);
	ck_assert_ptr_null(fake_bluez_get_property(fb, transport, "Volume"));
}
END_TEST

/* -------------------------------------------------------- name lifecycle */

typedef struct {
	guint appeared;
	guint vanished;
} NameWatch;

static void on_appeared(G_GNUC_UNUSED GDBusConnection *c, G_GNUC_UNUSED const char *name,
	G_GNUC_UNUSED const char *owner, gpointer data)
{
	((NameWatch *)data)->appeared++;
}

static void on_vanished(G_GNUC_UNUSED GDBusConnection *c, G_GNUC_UNUSED const char *name,
	gpointer data)
{
	((NameWatch *)data)->vanished++;
}

static gboolean appeared_twice(gpointer data)
{
	return ((NameWatch *)data)->appeared >= 2;
}

static gboolean has_appeared(gpointer data)
{
	return ((NameWatch *)data)->appeared >= 1;
}

static gboolean has_vanished(gpointer data)
{
	return ((NameWatch *)data)->vanished >= 1;
}

START_TEST(test_name_vanishes)
{
	NameWatch nw = {0};
	guint id = g_bus_watch_name_on_connection(agent.conn, "org.bluez",
		G_BUS_NAME_WATCHER_FLAGS_NONE, on_appeared, on_vanished, &nw, NULL);

	g_autoptr(FakeCall) pending = NULL;

	ck_assert(fake_wait_until(has_appeared, &nw, WAIT_MS));
	setup_registered();
	pending = fake_bluez_call_agent(fb, "RequestAuthorization",
		g_variant_new("(o)", PHONE_PATH), FALSE);
	wait_agent_calls("RequestAuthorization", 1);
	g_clear_pointer(&fb, fake_bluez_stop);
	ck_assert(fake_wait_until(has_vanished, &nw, WAIT_MS));
	/* Cancel, then Release, both before the name went */
	ck_assert_str_eq(agent.log->str, "RequestAuthorization Cancel Release ");
	ck_assert(fake_call_wait(pending, WAIT_MS));
	ck_assert_str_eq(fake_call_error_name(pending), "org.freedesktop.DBus.Error.Disconnected");

	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert_ptr_nonnull(fb);
	ck_assert(fake_wait_until(appeared_twice, &nw, WAIT_MS));
	ck_assert_ptr_null(fake_bluez_agent_sender(fb));
	g_clear_pointer(&fb, fake_bluez_free); /* a crash: no Release */
	settle(100);
	ck_assert_uint_eq(nw.vanished, 2);
	ck_assert_uint_eq(agent_calls("Release"), 1);
	g_bus_unwatch_name(id);
}
END_TEST

/* ------------------------------------------------------------------- main */

static Suite *fake_bluez_suite(void)
{
	Suite *s = suite_create("fake-bluez");
	TCase *tc = tcase_create("bus");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_start);
	tcase_add_test(tc, test_register);
	tcase_add_test(tc, test_unregister);
	tcase_add_test(tc, test_call_agent);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_no_agent);
	tcase_add_test(tc, test_stranger_call);
	tcase_add_test(tc, test_agent_leaves_bus);
	tcase_add_test(tc, test_default_queue);
	tcase_add_test(tc, test_adapter_set);
	tcase_add_test(tc, test_discoverable_timeout);
	tcase_add_test(tc, test_object_manager);
	tcase_add_test(tc, test_device_trusted);
	tcase_add_test(tc, test_media);
	tcase_add_test(tc, test_name_vanishes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	g_autofree char *daemon = g_find_program_in_path("dbus-daemon");
	SRunner *sr;
	int failed;

	if (daemon == NULL) {
		g_printerr("dbus-daemon not found: skipping\n");
		return 77;
	}
	g_setenv("GIO_USE_VFS", "local", TRUE); /* no gvfs activation on the test bus */
	sr = srunner_create(fake_bluez_suite());
	srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists each test */
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
