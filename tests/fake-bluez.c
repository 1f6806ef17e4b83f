// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fake bluetoothd for D-Bus tests. Hand-rolled on GDBusConnection: each object
 * registers its BlueZ interface and (if it has properties) its own
 * org.freedesktop.DBus.Properties, so that Get/GetAll/Set answer with the error
 * names bluetoothd's gdbus/object.c uses rather than GDBus's built-in ones.
 * Behaviour follows BlueZ 5.66 src/agent.c and src/adapter.c; see fake-bluez.h.
 */
#include "fake-bluez.h"

#include <string.h>

#define BLUEZ_NAME "org.bluez"
#define MANAGER_PATH "/org/bluez"
#define IFACE_OM "org.freedesktop.DBus.ObjectManager"
#define IFACE_PROPS "org.freedesktop.DBus.Properties"
#define IFACE_INTROSPECT "org.freedesktop.DBus.Introspectable"
#define IFACE_AGENT_MANAGER "org.bluez.AgentManager1"
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_AGENT "org.bluez.Agent1"
#define IFACE_TRANSPORT "org.bluez.MediaTransport1"
#define IFACE_PLAYER "org.bluez.MediaPlayer1"

#define ERR_DBUS_INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"
#define ERR_DBUS_UNKNOWN_METHOD "org.freedesktop.DBus.Error.UnknownMethod"
#define ERR_BLUEZ_INVALID_ARGS "org.bluez.Error.InvalidArguments"
#define MSG_BLUEZ_INVALID_ARGS "Invalid arguments in method call"

#define NAME_TIMEOUT_MS 10000

/* Introspection data: what bluetoothd 5.66 exports, limited to what is served here. */
static const char introspection_xml[] =
	"<node>"
	"<interface name='org.freedesktop.DBus.ObjectManager'>"
	" <method name='GetManagedObjects'>"
	"  <arg name='objects' type='a{oa{sa{sv}}}' direction='out'/></method>"
	" <signal name='InterfacesAdded'>"
	"  <arg name='object' type='o'/><arg name='interfaces' type='a{sa{sv}}'/></signal>"
	" <signal name='InterfacesRemoved'>"
	"  <arg name='object' type='o'/><arg name='interfaces' type='as'/></signal>"
	"</interface>"
	"<interface name='org.freedesktop.DBus.Properties'>"
	" <method name='Get'><arg name='interface' type='s' direction='in'/>"
	"  <arg name='name' type='s' direction='in'/>"
	"  <arg name='value' type='v' direction='out'/></method>"
	" <method name='Set'><arg name='interface' type='s' direction='in'/>"
	"  <arg name='name' type='s' direction='in'/>"
	"  <arg name='value' type='v' direction='in'/></method>"
	" <method name='GetAll'><arg name='interface' type='s' direction='in'/>"
	"  <arg name='properties' type='a{sv}' direction='out'/></method>"
	" <signal name='PropertiesChanged'><arg name='interface' type='s'/>"
	"  <arg name='changed_properties' type='a{sv}'/>"
	"  <arg name='invalidated_properties' type='as'/></signal>"
	"</interface>"
	"<interface name='org.bluez.AgentManager1'>"
	" <method name='RegisterAgent'><arg name='agent' type='o' direction='in'/>"
	"  <arg name='capability' type='s' direction='in'/></method>"
	" <method name='UnregisterAgent'><arg name='agent' type='o' direction='in'/></method>"
	" <method name='RequestDefaultAgent'><arg name='agent' type='o' direction='in'/></method>"
	"</interface>"
	"<interface name='org.bluez.Adapter1'>"
	" <method name='RemoveDevice'><arg name='device' type='o' direction='in'/></method>"
	" <property name='Address' type='s' access='read'/>"
	" <property name='AddressType' type='s' access='read'/>"
	" <property name='Name' type='s' access='read'/>"
	" <property name='Alias' type='s' access='readwrite'/>"
	" <property name='Class' type='u' access='read'/>"
	" <property name='Powered' type='b' access='readwrite'/>"
	" <property name='Discoverable' type='b' access='readwrite'/>"
	" <property name='DiscoverableTimeout' type='u' access='readwrite'/>"
	" <property name='Pairable' type='b' access='readwrite'/>"
	" <property name='PairableTimeout' type='u' access='readwrite'/>"
	" <property name='Discovering' type='b' access='read'/>"
	" <property name='UUIDs' type='as' access='read'/>"
	" <property name='Modalias' type='s' access='read'/>"
	" <property name='Roles' type='as' access='read'/>"
	"</interface>"
	"<interface name='org.bluez.Device1'>"
	" <method name='Disconnect'/>"
	" <property name='Address' type='s' access='read'/>"
	" <property name='AddressType' type='s' access='read'/>"
	" <property name='Name' type='s' access='read'/>"
	" <property name='Alias' type='s' access='readwrite'/>"
	" <property name='Class' type='u' access='read'/>"
	" <property name='Icon' type='s' access='read'/>"
	" <property name='Paired' type='b' access='read'/>"
	" <property name='Bonded' type='b' access='read'/>"
	" <property name='Trusted' type='b' access='readwrite'/>"
	" <property name='Blocked' type='b' access='readwrite'/>"
	" <property name='LegacyPairing' type='b' access='read'/>"
	" <property name='Connected' type='b' access='read'/>"
	" <property name='UUIDs' type='as' access='read'/>"
	" <property name='Adapter' type='o' access='read'/>"
	" <property name='ServicesResolved' type='b' access='read'/>"
	"</interface>"
	"<interface name='org.bluez.MediaTransport1'>"
	" <property name='Device' type='o' access='read'/>"
	" <property name='UUID' type='s' access='read'/>"
	" <property name='Codec' type='y' access='read'/>"
	" <property name='State' type='s' access='read'/>"
	" <property name='Volume' type='q' access='readwrite'/>"
	"</interface>"
	"<interface name='org.bluez.MediaPlayer1'>"
	" <method name='Play'/><method name='Pause'/><method name='Stop'/>"
	" <property name='Device' type='o' access='read'/>"
	" <property name='Name' type='s' access='read'/>"
	" <property name='Status' type='s' access='read'/>"
	"</interface>"
	"</node>";

typedef struct {
	char *name;
	GVariant *value; /* never floating */
} FakeProp;

typedef struct {
	FakeBluez *fb;
	const char *path;  /* interned */
	const char *iface; /* the BlueZ (or ObjectManager) interface */
	GPtrArray *props;  /* FakeProp*, in creation order */
	GPtrArray *changed; /* const char* (names owned by props) awaiting PropertiesChanged */
	guint reg_iface;
	guint reg_props;
	gint64 volume_set_us; /* a transport: when a Set of Volume was last answered */
} FakeObject;

typedef struct {
	FakeBluez *fb;
	char *sender;
	char *path;
	char *capability;
	gboolean requested_default;
	guint watch_id;
} FakeAgent;

typedef enum {
	NAME_PENDING,
	NAME_OWNED,
	NAME_LOST,
} NameState;

struct FakeBluez {
	GDBusConnection *conn;
	GDBusNodeInfo *node;
	FakeObject *root;    /* "/": the ObjectManager, not a managed object */
	GPtrArray *objects;  /* FakeObject*: /org/bluez, the adapter, devices */
	FakeObject *adapter; /* borrowed from objects */
	guint own_id;
	NameState name_state;
	GQueue agents;       /* FakeAgent*; head = default agent, as bluetoothd's default_agents */
	guint register_count;
	guint unregister_count;
	guint adapter_set_count;
	GHashTable *method_counts; /* member → count */
	GPtrArray *calls;          /* FakeCall* (a ref each) sent by fake_bluez_call_agent() */
	guint request_timeout_ms;
	guint discov_timer;
	guint pairable_timer;
	char *fail_member; /* calls to this method fail ... */
	guint fail_count;  /* ... this many more times */
	const char *silent_path;  /* interned: calls to this object are never answered */
	GPtrArray *unanswered;    /* GDBusMethodInvocation *, held until the fake is freed */
};

struct FakeCall {
	GDBusConnection *conn;
	char *dest;
	char *path;
	gboolean cancel_on_timeout;
	gboolean abandoned;
	gboolean done;
	GCancellable *cancellable;
	GVariant *reply;
	char *error_name;
	char *error_message;
	gint64 sent_us;
	gint64 elapsed_us;
};

static void call_unref(gpointer data);

/* ---------------------------------------------------------------- properties */

static void prop_free(gpointer data)
{
	FakeProp *p = data;

	g_free(p->name);
	g_variant_unref(p->value);
	g_free(p);
}

static FakeProp *obj_prop(FakeObject *obj, const char *name)
{
	for (guint i = 0; i < obj->props->len; i++) {
		FakeProp *p = g_ptr_array_index(obj->props, i);

		if (g_str_equal(p->name, name))
			return p;
	}
	return NULL;
}

static void obj_mark_changed(FakeObject *obj, FakeProp *p)
{
	for (guint i = 0; i < obj->changed->len; i++) {
		if (g_ptr_array_index(obj->changed, i) == p->name)
			return;
	}
	g_ptr_array_add(obj->changed, p->name);
}

/* Stores @value (sunk) and marks it for the next obj_flush() if it changed. */
static void obj_set(FakeObject *obj, const char *name, GVariant *value)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(value);
	FakeProp *p = obj_prop(obj, name);

	if (p == NULL) {
		p = g_new0(FakeProp, 1);
		p->name = g_strdup(name);
		p->value = g_variant_ref(v);
		g_ptr_array_add(obj->props, p);
		obj_mark_changed(obj, p);
		return;
	}
	if (!g_variant_is_of_type(v, g_variant_get_type(p->value))) {
		g_critical("fake-bluez: %s.%s is '%s', not '%s'", obj->iface, name,
			g_variant_get_type_string(p->value), g_variant_get_type_string(v));
		return;
	}
	if (g_variant_equal(p->value, v))
		return;
	g_variant_unref(p->value);
	p->value = g_variant_ref(v);
	obj_mark_changed(obj, p);
}

static gboolean obj_get_bool(FakeObject *obj, const char *name)
{
	FakeProp *p = obj_prop(obj, name);

	return p && g_variant_is_of_type(p->value, G_VARIANT_TYPE_BOOLEAN) &&
	       g_variant_get_boolean(p->value);
}

static guint32 obj_get_u32(FakeObject *obj, const char *name)
{
	FakeProp *p = obj_prop(obj, name);

	if (p == NULL || !g_variant_is_of_type(p->value, G_VARIANT_TYPE_UINT32))
		return 0;
	return g_variant_get_uint32(p->value);
}

static gboolean obj_is_changed(FakeObject *obj, const char *name)
{
	for (guint i = 0; i < obj->changed->len; i++) {
		if (g_str_equal(g_ptr_array_index(obj->changed, i), name))
			return TRUE;
	}
	return FALSE;
}

static GVariant *obj_props_dict(FakeObject *obj, GPtrArray *names)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	for (guint i = 0; i < obj->props->len; i++) {
		FakeProp *p = g_ptr_array_index(obj->props, i);

		if (names == NULL || g_ptr_array_find(names, p->name, NULL))
			g_variant_builder_add(&b, "{sv}", p->name, p->value);
	}
	return g_variant_builder_end(&b);
}

/* Emits one PropertiesChanged with every property changed since the last flush. */
static void obj_flush(FakeObject *obj)
{
	g_autoptr(GError) error = NULL;
	GVariant *changed;

	if (obj->changed->len == 0)
		return;
	changed = obj_props_dict(obj, obj->changed);
	g_ptr_array_set_size(obj->changed, 0);
	if (!g_dbus_connection_emit_signal(obj->fb->conn, NULL, obj->path, IFACE_PROPS,
		    "PropertiesChanged",
		    g_variant_new("(s@a{sv}@as)", obj->iface, changed,
			    g_variant_new_strv(NULL, 0)),
		    &error))
		g_warning("fake-bluez: PropertiesChanged on %s: %s", obj->path, error->message);
}

/* ------------------------------------------------------------------- objects */

static FakeObject *obj_new(FakeBluez *fb, const char *path, const char *iface)
{
	FakeObject *obj = g_new0(FakeObject, 1);

	obj->fb = fb;
	obj->path = g_intern_string(path);
	obj->iface = iface;
	obj->props = g_ptr_array_new_with_free_func(prop_free);
	obj->changed = g_ptr_array_new();
	return obj;
}

static void obj_unexport(FakeObject *obj)
{
	if (obj->reg_iface != 0)
		g_dbus_connection_unregister_object(obj->fb->conn, obj->reg_iface);
	if (obj->reg_props != 0)
		g_dbus_connection_unregister_object(obj->fb->conn, obj->reg_props);
	obj->reg_iface = 0;
	obj->reg_props = 0;
}

static void obj_free(gpointer data)
{
	FakeObject *obj = data;

	obj_unexport(obj);
	g_ptr_array_unref(obj->props);
	g_ptr_array_unref(obj->changed);
	g_free(obj);
}

/* bluetoothd's gdbus adds org.freedesktop.DBus.Properties only to objects with properties. */
static gboolean obj_has_props(FakeObject *obj)
{
	static const char *const with_props[] = {IFACE_ADAPTER, IFACE_DEVICE, IFACE_TRANSPORT,
		IFACE_PLAYER, NULL};

	return obj->iface != NULL && g_strv_contains(with_props, obj->iface);
}

static FakeObject *find_object(FakeBluez *fb, const char *path)
{
	for (guint i = 0; path != NULL && i < fb->objects->len; i++) {
		FakeObject *obj = g_ptr_array_index(fb->objects, i);

		if (g_str_equal(obj->path, path))
			return obj;
	}
	return NULL;
}

/* a{sa{sv}} as bluetoothd lists it: Introspectable, the interface, then Properties. */
static GVariant *obj_interfaces(FakeObject *obj)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sa{sv}}"));
	g_variant_builder_add(&b, "{s@a{sv}}", IFACE_INTROSPECT,
		g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
	g_variant_builder_add(&b, "{s@a{sv}}", obj->iface, obj_props_dict(obj, NULL));
	if (obj_has_props(obj))
		g_variant_builder_add(&b, "{s@a{sv}}", IFACE_PROPS,
			g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
	return g_variant_builder_end(&b);
}

static void emit_om_signal(FakeBluez *fb, const char *member, GVariant *params)
{
	g_autoptr(GError) error = NULL;

	if (!g_dbus_connection_emit_signal(fb->conn, NULL, "/", IFACE_OM, member, params, &error))
		g_warning("fake-bluez: %s: %s", member, error->message);
}

static void emit_interfaces_added(FakeObject *obj)
{
	emit_om_signal(obj->fb, "InterfacesAdded",
		g_variant_new("(o@a{sa{sv}})", obj->path, obj_interfaces(obj)));
}

static void emit_interfaces_removed(FakeObject *obj)
{
	const char *names[] = {IFACE_INTROSPECT, obj->iface, IFACE_PROPS, NULL};

	if (!obj_has_props(obj))
		names[2] = NULL;
	emit_om_signal(obj->fb, "InterfacesRemoved", g_variant_new("(o^as)", obj->path, names));
}

/* -------------------------------------------------------------- dispatching */

typedef void (*FakeHandler)(FakeObject *obj, GVariant *params, GDBusMethodInvocation *inv);

static void count_method(FakeBluez *fb, const char *member)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(fb->method_counts, member));

	g_hash_table_replace(fb->method_counts, g_strdup(member), GUINT_TO_POINTER(n + 1));
}

static void return_ok(GDBusMethodInvocation *inv)
{
	g_dbus_method_invocation_return_value(inv, NULL);
}

static void return_error(GDBusMethodInvocation *inv, const char *name, const char *message)
{
	g_dbus_method_invocation_return_dbus_error(inv, name, message);
}

/* ------------------------------------------------------------ ObjectManager */

static void handle_get_managed_objects(FakeObject *root, G_GNUC_UNUSED GVariant *params,
	GDBusMethodInvocation *inv)
{
	FakeBluez *fb = root->fb;
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	for (guint i = 0; i < fb->objects->len; i++) {
		FakeObject *obj = g_ptr_array_index(fb->objects, i);

		g_variant_builder_add(&b, "{o@a{sa{sv}}}", obj->path, obj_interfaces(obj));
	}
	g_dbus_method_invocation_return_value(inv, g_variant_new("(@a{oa{sa{sv}}})",
		g_variant_builder_end(&b)));
}

/* --------------------------------------------------------------- Properties */

static gboolean check_iface(FakeObject *obj, const char *iface, GDBusMethodInvocation *inv)
{
	g_autofree char *msg = NULL;

	if (g_strcmp0(iface, obj->iface) == 0)
		return TRUE;
	msg = g_strdup_printf("No such interface '%s'", iface);
	return_error(inv, ERR_DBUS_INVALID_ARGS, msg);
	return FALSE;
}

static void handle_get(FakeObject *obj, GVariant *params, GDBusMethodInvocation *inv)
{
	g_autofree char *msg = NULL;
	const char *iface, *name;
	FakeProp *p;

	g_variant_get(params, "(&s&s)", &iface, &name);
	if (!check_iface(obj, iface, inv))
		return;
	p = obj_prop(obj, name);
	if (p == NULL) {
		msg = g_strdup_printf("No such property '%s'", name);
		return_error(inv, ERR_DBUS_INVALID_ARGS, msg);
		return;
	}
	g_dbus_method_invocation_return_value(inv, g_variant_new("(v)", p->value));
}

static void handle_get_all(FakeObject *obj, GVariant *params, GDBusMethodInvocation *inv)
{
	const char *iface;

	g_variant_get(params, "(&s)", &iface);
	if (!check_iface(obj, iface, inv))
		return;
	g_dbus_method_invocation_return_value(inv,
		g_variant_new("(@a{sv})", obj_props_dict(obj, NULL)));
}

/* ---------------------------------------------------------- adapter setters */

typedef void (*FakeSetter)(FakeObject *obj, const char *name, GVariant *value,
	GDBusMethodInvocation *inv);

static gboolean on_discov_timeout(gpointer data)
{
	FakeBluez *fb = data;

	fb->discov_timer = 0;
	obj_set(fb->adapter, "Discoverable", g_variant_new_boolean(FALSE));
	obj_flush(fb->adapter);
	return G_SOURCE_REMOVE;
}

static gboolean on_pairable_timeout(gpointer data)
{
	FakeBluez *fb = data;

	fb->pairable_timer = 0;
	obj_set(fb->adapter, "Pairable", g_variant_new_boolean(FALSE));
	obj_flush(fb->adapter);
	return G_SOURCE_REMOVE;
}

/* (Re)starts the timer that clears @flag after @timeout_name seconds, or stops it. */
static void restart_timer(FakeBluez *fb, guint *timer, const char *flag, const char *timeout_name,
	GSourceFunc func)
{
	guint32 secs = obj_get_u32(fb->adapter, timeout_name);

	g_clear_handle_id(timer, g_source_remove);
	if (!obj_get_bool(fb->adapter, flag) || secs == 0 || secs > G_MAXUINT / 1000)
		return;
	*timer = g_timeout_add(secs * 1000, func, fb);
}

/*
 * Side effects of adapter changes, as the kernel and bluetoothd apply them: the
 * kernel runs the discoverable timeout, bluetoothd the pairable one; powering off
 * drops every connection and clears a discoverable mode that has a timeout.
 */
static void adapter_apply(FakeBluez *fb)
{
	FakeObject *adapter = fb->adapter;

	if (obj_is_changed(adapter, "Powered") && !obj_get_bool(adapter, "Powered")) {
		if (obj_get_u32(adapter, "DiscoverableTimeout") > 0)
			obj_set(adapter, "Discoverable", g_variant_new_boolean(FALSE));
		for (guint i = 0; i < fb->objects->len; i++) {
			FakeObject *obj = g_ptr_array_index(fb->objects, i);

			if (g_strcmp0(obj->iface, IFACE_DEVICE) != 0)
				continue;
			obj_set(obj, "Connected", g_variant_new_boolean(FALSE));
			obj_flush(obj);
		}
	}
	if (obj_is_changed(adapter, "Discoverable") || obj_is_changed(adapter, "DiscoverableTimeout"))
		restart_timer(fb, &fb->discov_timer, "Discoverable", "DiscoverableTimeout",
			on_discov_timeout);
	if (obj_is_changed(adapter, "Pairable") || obj_is_changed(adapter, "PairableTimeout"))
		restart_timer(fb, &fb->pairable_timer, "Pairable", "PairableTimeout",
			on_pairable_timeout);
	obj_flush(adapter);
}

/* Powered, Discoverable, Pairable: adapter.c property_set_mode(). */
static void adapter_set_mode(FakeObject *obj, const char *name, GVariant *value,
	GDBusMethodInvocation *inv)
{
	gboolean enable = g_variant_get_boolean(value);

	if (enable == obj_get_bool(obj, name)) {
		return_ok(inv);
		return;
	}
	/* The kernel refuses a timed discoverable mode while powered off. */
	if (g_str_equal(name, "Discoverable") && enable && !obj_get_bool(obj, "Powered") &&
		obj_get_u32(obj, "DiscoverableTimeout") > 0) {
		return_error(inv, "org.bluez.Error.Failed", "Not Powered");
		return;
	}
	return_ok(inv);
	obj_set(obj, name, g_variant_new_boolean(enable));
	adapter_apply(obj->fb);
}

/* adapter.c property_set_alias(): "" restores the system name. */
static void adapter_set_alias(FakeObject *obj, G_GNUC_UNUSED const char *name, GVariant *value,
	GDBusMethodInvocation *inv)
{
	const char *alias = g_variant_get_string(value, NULL);
	FakeProp *system_name = obj_prop(obj, "Name");

	if (*alias == '\0' && system_name != NULL)
		alias = g_variant_get_string(system_name->value, NULL);
	return_ok(inv);
	obj_set(obj, "Alias", g_variant_new_string(alias));
	obj_flush(obj);
}

/* DiscoverableTimeout, PairableTimeout: always emitted, and restart a running timer. */
static void adapter_set_timeout(FakeObject *obj, const char *name, GVariant *value,
	GDBusMethodInvocation *inv)
{
	return_ok(inv);
	obj_set(obj, name, value);
	obj_mark_changed(obj, obj_prop(obj, name));
	adapter_apply(obj->fb);
}

/* ----------------------------------------------------------- device setters */

static void device_set_trusted(FakeObject *obj, const char *name, GVariant *value,
	GDBusMethodInvocation *inv)
{
	return_ok(inv);
	obj_set(obj, name, value);
	obj_flush(obj);
}

/* Blocking a device disconnects it (device.c device_block()). */
static void device_set_blocked(FakeObject *obj, const char *name, GVariant *value,
	GDBusMethodInvocation *inv)
{
	return_ok(inv);
	obj_set(obj, name, value);
	if (g_variant_get_boolean(value))
		obj_set(obj, "Connected", g_variant_new_boolean(FALSE));
	obj_flush(obj);
}

/* "" falls back to Name, then to the address with dashes (dev_property_get_alias()). */
static void device_set_alias(FakeObject *obj, G_GNUC_UNUSED const char *name, GVariant *value,
	GDBusMethodInvocation *inv)
{
	g_autofree char *alias = g_variant_dup_string(value, NULL);
	FakeProp *fallback = obj_prop(obj, "Name");

	if (*alias == '\0') {
		g_free(alias);
		if (fallback == NULL)
			fallback = obj_prop(obj, "Address");
		alias = g_variant_dup_string(fallback->value, NULL);
		if (fallback == obj_prop(obj, "Address"))
			g_strdelimit(alias, ":", '-');
	}
	return_ok(inv);
	obj_set(obj, "Alias", g_variant_new_string(alias));
	obj_flush(obj);
}

/* transport.c set_volume() (sink side): 0..127, changed and signalled after the reply. */
static void transport_set_volume(FakeObject *obj, const char *name, GVariant *value,
	GDBusMethodInvocation *inv)
{
	if (g_variant_get_uint16(value) > 127) {
		return_error(inv, ERR_BLUEZ_INVALID_ARGS, MSG_BLUEZ_INVALID_ARGS);
		return;
	}
	obj->volume_set_us = g_get_monotonic_time();
	return_ok(inv);
	obj_set(obj, name, value);
	obj_flush(obj);
}

static const struct {
	const char *iface;
	const char *name;
	const char *type;
	FakeSetter set;
} setters[] = {
	{IFACE_TRANSPORT, "Volume", "q", transport_set_volume},
	{IFACE_ADAPTER, "Powered", "b", adapter_set_mode},
	{IFACE_ADAPTER, "Discoverable", "b", adapter_set_mode},
	{IFACE_ADAPTER, "Pairable", "b", adapter_set_mode},
	{IFACE_ADAPTER, "Alias", "s", adapter_set_alias},
	{IFACE_ADAPTER, "DiscoverableTimeout", "u", adapter_set_timeout},
	{IFACE_ADAPTER, "PairableTimeout", "u", adapter_set_timeout},
	{IFACE_DEVICE, "Trusted", "b", device_set_trusted},
	{IFACE_DEVICE, "Blocked", "b", device_set_blocked},
	{IFACE_DEVICE, "Alias", "s", device_set_alias},
};

static gint find_setter(const char *iface, const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(setters); i++) {
		if (g_str_equal(setters[i].iface, iface) && g_str_equal(setters[i].name, name))
			return (gint)i;
	}
	return -1;
}

/* Checks in the order of gdbus/object.c properties_set(). */
static void handle_set(FakeObject *obj, GVariant *params, GDBusMethodInvocation *inv)
{
	g_autoptr(GVariant) value = NULL;
	g_autofree char *msg = NULL;
	const char *iface, *name;
	gint i;

	g_variant_get(params, "(&s&sv)", &iface, &name, &value);
	if (obj == obj->fb->adapter)
		obj->fb->adapter_set_count++;
	if (!check_iface(obj, iface, inv))
		return;
	i = find_setter(iface, name);
	if (obj_prop(obj, name) == NULL) {
		msg = g_strdup_printf("No such property '%s'", name);
		return_error(inv, "org.freedesktop.DBus.Error.UnknownProperty", msg);
	} else if (i < 0) {
		msg = g_strdup_printf("Property '%s' is not writable", name);
		return_error(inv, "org.freedesktop.DBus.Error.PropertyReadOnly", msg);
	} else if (!g_str_equal(g_variant_get_type_string(value), setters[i].type)) {
		msg = g_strdup_printf("Invalid signature for '%s'", name);
		return_error(inv, "org.freedesktop.DBus.Error.InvalidSignature", msg);
	} else {
		setters[i].set(obj, name, value, inv);
	}
}

/* ------------------------------------------------------ Adapter1, Device1 */

static void remove_object(FakeBluez *fb, FakeObject *obj)
{
	obj_flush(obj); /* gdbus flushes pending changes before InterfacesRemoved */
	obj_unexport(obj);
	emit_interfaces_removed(obj);
	g_ptr_array_remove(fb->objects, obj);
}

/* adapter.c remove_device(): a connected device is disconnected first. */
static void handle_remove_device(FakeObject *adapter, GVariant *params,
	GDBusMethodInvocation *inv)
{
	FakeBluez *fb = adapter->fb;
	FakeObject *dev;
	const char *path;

	g_variant_get(params, "(&o)", &path);
	dev = find_object(fb, path);
	if (dev == NULL || g_strcmp0(dev->iface, IFACE_DEVICE) != 0) {
		return_error(inv, "org.bluez.Error.DoesNotExist", "Does Not Exist");
		return;
	}
	if (!obj_get_bool(adapter, "Powered")) {
		return_error(inv, "org.bluez.Error.NotReady", "Resource Not Ready");
		return;
	}
	obj_set(dev, "Connected", g_variant_new_boolean(FALSE));
	return_ok(inv);
	remove_object(fb, dev);
}

static void handle_disconnect(FakeObject *dev, G_GNUC_UNUSED GVariant *params,
	GDBusMethodInvocation *inv)
{
	return_ok(inv);
	obj_set(dev, "Connected", g_variant_new_boolean(FALSE));
	obj_set(dev, "ServicesResolved", g_variant_new_boolean(FALSE));
	obj_flush(dev);
}

/* The phone's player follows a Pause or Play at once, as a phone's player does. */
static void handle_player_command(FakeObject *player, const char *status,
	GDBusMethodInvocation *inv)
{
	return_ok(inv);
	obj_set(player, "Status", g_variant_new_string(status));
	obj_flush(player);
}

static void handle_pause(FakeObject *player, G_GNUC_UNUSED GVariant *params,
	GDBusMethodInvocation *inv)
{
	handle_player_command(player, "paused", inv);
}

static void handle_play(FakeObject *player, G_GNUC_UNUSED GVariant *params,
	GDBusMethodInvocation *inv)
{
	handle_player_command(player, "playing", inv);
}

/* ------------------------------------------------------------ AgentManager1 */

static void agent_free(FakeAgent *agent)
{
	if (agent->watch_id != 0)
		g_bus_unwatch_name(agent->watch_id);
	g_free(agent->sender);
	g_free(agent->path);
	g_free(agent->capability);
	g_free(agent);
}

static FakeAgent *find_agent(FakeBluez *fb, const char *sender)
{
	for (GList *l = fb->agents.head; l != NULL; l = l->next) {
		FakeAgent *agent = l->data;

		if (g_strcmp0(agent->sender, sender) == 0)
			return agent;
	}
	return NULL;
}

/* agent.c agent_disconnect(): forgotten without Release; the next one becomes default. */
static void on_agent_vanished(G_GNUC_UNUSED GDBusConnection *conn,
	G_GNUC_UNUSED const char *name, gpointer data)
{
	FakeAgent *agent = data;

	g_debug("fake-bluez: agent %s left the bus", agent->sender);
	g_queue_remove(&agent->fb->agents, agent);
	agent_free(agent);
}

static gboolean is_capability(const char *cap)
{
	static const char *const caps[] = {"", "DisplayOnly", "DisplayYesNo", "KeyboardOnly",
		"NoInputNoOutput", "KeyboardDisplay", NULL};

	return g_strv_contains(caps, cap);
}

/* agent.c register_agent() and agent_create(). */
static void handle_register_agent(FakeObject *obj, GVariant *params, GDBusMethodInvocation *inv)
{
	FakeBluez *fb = obj->fb;
	const char *sender = g_dbus_method_invocation_get_sender(inv);
	const char *path, *cap;
	FakeAgent *agent;

	g_variant_get(params, "(&o&s)", &path, &cap);
	if (find_agent(fb, sender) != NULL) {
		return_error(inv, "org.bluez.Error.AlreadyExists", "Already Exists");
		return;
	}
	if (!is_capability(cap)) {
		return_error(inv, ERR_BLUEZ_INVALID_ARGS, MSG_BLUEZ_INVALID_ARGS);
		return;
	}
	agent = g_new0(FakeAgent, 1);
	agent->fb = fb;
	agent->sender = g_strdup(sender);
	agent->path = g_strdup(path);
	agent->capability = g_strdup(cap);
	agent->watch_id = g_bus_watch_name_on_connection(fb->conn, sender,
		G_BUS_NAME_WATCHER_FLAGS_NONE, NULL, on_agent_vanished, agent, NULL);
	g_queue_push_tail(&fb->agents, agent); /* the first one is default at once */
	fb->register_count++;
	return_ok(inv);
}

/* The caller's agent if @path names it, else a DoesNotExist reply and NULL. */
static FakeAgent *caller_agent(FakeBluez *fb, GVariant *params, GDBusMethodInvocation *inv)
{
	FakeAgent *agent = find_agent(fb, g_dbus_method_invocation_get_sender(inv));
	const char *path;

	g_variant_get(params, "(&o)", &path);
	if (agent != NULL && g_str_equal(agent->path, path))
		return agent;
	return_error(inv, "org.bluez.Error.DoesNotExist", "Does Not Exist");
	return NULL;
}

static void handle_unregister_agent(FakeObject *obj, GVariant *params,
	GDBusMethodInvocation *inv)
{
	FakeAgent *agent = caller_agent(obj->fb, params, inv);

	if (agent == NULL)
		return;
	g_queue_remove(&obj->fb->agents, agent);
	agent_free(agent);
	obj->fb->unregister_count++;
	return_ok(inv);
}

static void handle_request_default(FakeObject *obj, GVariant *params,
	GDBusMethodInvocation *inv)
{
	FakeAgent *agent = caller_agent(obj->fb, params, inv);

	if (agent == NULL)
		return;
	g_queue_remove(&obj->fb->agents, agent);
	g_queue_push_head(&obj->fb->agents, agent);
	agent->requested_default = TRUE;
	return_ok(inv);
}

/* ------------------------------------------------------------------ export */

static const struct {
	const char *iface;
	const char *member;
	FakeHandler handle;
} handlers[] = {
	{IFACE_OM, "GetManagedObjects", handle_get_managed_objects},
	{IFACE_PROPS, "Get", handle_get},
	{IFACE_PROPS, "GetAll", handle_get_all},
	{IFACE_PROPS, "Set", handle_set},
	{IFACE_AGENT_MANAGER, "RegisterAgent", handle_register_agent},
	{IFACE_AGENT_MANAGER, "UnregisterAgent", handle_unregister_agent},
	{IFACE_AGENT_MANAGER, "RequestDefaultAgent", handle_request_default},
	{IFACE_ADAPTER, "RemoveDevice", handle_remove_device},
	{IFACE_DEVICE, "Disconnect", handle_disconnect},
	{IFACE_PLAYER, "Pause", handle_pause},
	{IFACE_PLAYER, "Play", handle_play},
};

static void on_method_call(G_GNUC_UNUSED GDBusConnection *conn, G_GNUC_UNUSED const char *sender,
	G_GNUC_UNUSED const char *path,
	const char *iface, const char *member, GVariant *params, GDBusMethodInvocation *inv,
	gpointer data)
{
	FakeObject *obj = data;

	count_method(obj->fb, member);
	if (obj->path == obj->fb->silent_path) {
		g_ptr_array_add(obj->fb->unanswered, inv); /* the handler owns @inv: kept, never returned */
		return;
	}
	if (obj->fb->fail_count && g_strcmp0(member, obj->fb->fail_member) == 0) {
		obj->fb->fail_count--;
		return_error(inv, "org.freedesktop.DBus.Error.Failed", "failing on purpose");
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(handlers); i++) {
		if (g_str_equal(handlers[i].iface, iface) && g_str_equal(handlers[i].member, member)) {
			handlers[i].handle(obj, params, inv);
			return;
		}
	}
	return_error(inv, ERR_DBUS_UNKNOWN_METHOD, "Not implemented by the fake");
}

static const GDBusInterfaceVTable vtable = {.method_call = on_method_call};

static guint register_iface(FakeObject *obj, const char *iface, GError **error)
{
	GDBusInterfaceInfo *info = g_dbus_node_info_lookup_interface(obj->fb->node, iface);

	g_assert(info != NULL);
	return g_dbus_connection_register_object(obj->fb->conn, obj->path, info, &vtable, obj,
		NULL, error);
}

static gboolean obj_export(FakeObject *obj, GError **error)
{
	obj->reg_iface = register_iface(obj, obj->iface, error);
	if (obj->reg_iface == 0)
		return FALSE;
	if (!obj_has_props(obj))
		return TRUE;
	obj->reg_props = register_iface(obj, IFACE_PROPS, error);
	return obj->reg_props != 0;
}

/* Exports and manages @obj (taking it); FALSE, and @obj freed, on failure. */
static gboolean add_object(FakeBluez *fb, FakeObject *obj, GError **error)
{
	g_ptr_array_set_size(obj->changed, 0); /* initial values are not changes */
	if (!obj_export(obj, error)) {
		obj_free(obj);
		return FALSE;
	}
	g_ptr_array_add(fb->objects, obj);
	return TRUE;
}

static FakeObject *adapter_new(FakeBluez *fb)
{
	static const char *const uuids[] = {"00001800-0000-1000-8000-00805f9b34fb",
		"00001801-0000-1000-8000-00805f9b34fb", "0000110b-0000-1000-8000-00805f9b34fb",
		"0000110c-0000-1000-8000-00805f9b34fb", "0000110e-0000-1000-8000-00805f9b34fb",
		"00001200-0000-1000-8000-00805f9b34fb", NULL};
	static const char *const roles[] = {"central", "peripheral", NULL};
	FakeObject *obj = obj_new(fb, FAKE_BLUEZ_ADAPTER_PATH, IFACE_ADAPTER);

	obj_set(obj, "Address", g_variant_new_string(FAKE_BLUEZ_ADAPTER_ADDRESS));
	obj_set(obj, "AddressType", g_variant_new_string("public"));
	obj_set(obj, "Name", g_variant_new_string("speaker"));
	obj_set(obj, "Alias", g_variant_new_string("speaker"));
	obj_set(obj, "Class", g_variant_new_uint32(0x240414)); /* audio, loudspeaker */
	obj_set(obj, "Powered", g_variant_new_boolean(TRUE));
	obj_set(obj, "Discoverable", g_variant_new_boolean(FALSE));
	obj_set(obj, "DiscoverableTimeout", g_variant_new_uint32(180));
	obj_set(obj, "Pairable", g_variant_new_boolean(FALSE));
	obj_set(obj, "PairableTimeout", g_variant_new_uint32(0));
	obj_set(obj, "Discovering", g_variant_new_boolean(FALSE));
	obj_set(obj, "UUIDs", g_variant_new_strv(uuids, -1));
	obj_set(obj, "Modalias", g_variant_new_string("usb:v1D6Bp0246d0542"));
	obj_set(obj, "Roles", g_variant_new_strv(roles, -1));
	return obj;
}

static gboolean export_all(FakeBluez *fb, GError **error)
{
	fb->node = g_dbus_node_info_new_for_xml(introspection_xml, error);
	if (fb->node == NULL)
		return FALSE;
	fb->root = obj_new(fb, "/", IFACE_OM);
	if (!obj_export(fb->root, error))
		return FALSE;
	if (!add_object(fb, obj_new(fb, MANAGER_PATH, IFACE_AGENT_MANAGER), error))
		return FALSE;
	if (!add_object(fb, adapter_new(fb), error))
		return FALSE;
	fb->adapter = find_object(fb, FAKE_BLUEZ_ADAPTER_PATH);
	return TRUE;
}

/* ----------------------------------------------------------------- waiting */

static gboolean on_wait_timeout(gpointer data)
{
	gboolean *timed_out = data;

	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

GDBusConnection *fake_bus_connect(const char *address, GError **error)
{
	return g_dbus_connection_new_for_address_sync(address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, error);
}

static gboolean on_tick(G_GNUC_UNUSED gpointer data)
{
	return G_SOURCE_CONTINUE;
}

gboolean fake_wait_until(gboolean (*cond)(gpointer), gpointer user_data, guint timeout_ms)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add(timeout_ms, on_wait_timeout, &timed_out);
	/* cond may watch state that other threads change: wake up every 5 ms to look */
	guint tick = g_timeout_add(5, on_tick, NULL);

	while (!cond(user_data) && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	g_source_remove(tick);
	return cond(user_data);
}

/* --------------------------------------------------------------- lifecycle */

static void on_name_acquired(G_GNUC_UNUSED GDBusConnection *conn,
	G_GNUC_UNUSED const char *name, gpointer data)
{
	FakeBluez *fb = data;

	fb->name_state = NAME_OWNED;
}

static void on_name_lost(G_GNUC_UNUSED GDBusConnection *conn, const char *name, gpointer data)
{
	FakeBluez *fb = data;

	if (fb->name_state == NAME_OWNED)
		g_warning("fake-bluez: lost %s", name);
	fb->name_state = NAME_LOST;
}

static gboolean name_settled(gpointer data)
{
	FakeBluez *fb = data;

	return fb->name_state != NAME_PENDING;
}

FakeBluez *fake_bluez_new(const char *address)
{
	return fake_bluez_new_failing(address, NULL, 0);
}

FakeBluez *fake_bluez_new_failing(const char *address, const char *member, guint count)
{
	g_autoptr(FakeBluez) fb = g_new0(FakeBluez, 1);
	g_autoptr(GError) error = NULL;

	g_return_val_if_fail(address != NULL, NULL);
	fb->fail_member = g_strdup(member);
	fb->fail_count = count;
	fb->objects = g_ptr_array_new_with_free_func(obj_free);
	fb->method_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	fb->calls = g_ptr_array_new_with_free_func(call_unref);
	fb->unanswered = g_ptr_array_new_with_free_func(g_object_unref);
	fb->request_timeout_ms = FAKE_BLUEZ_REQUEST_TIMEOUT_MS;
	g_queue_init(&fb->agents);
	fb->conn = fake_bus_connect(address, &error);
	if (fb->conn == NULL || !export_all(fb, &error)) {
		g_warning("fake-bluez: %s", error->message);
		return NULL;
	}
	/* bluetoothd asks for its name with DBUS_NAME_FLAG_DO_NOT_QUEUE. */
	fb->own_id = g_bus_own_name_on_connection(fb->conn, BLUEZ_NAME,
		G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired, on_name_lost, fb, NULL);
	if (!fake_wait_until(name_settled, fb, NAME_TIMEOUT_MS) || fb->name_state != NAME_OWNED) {
		g_warning("fake-bluez: could not own %s", BLUEZ_NAME);
		return NULL;
	}
	return g_steal_pointer(&fb);
}

static void close_connection(GDBusConnection *conn)
{
	g_autoptr(GError) error = NULL;

	if (!g_dbus_connection_flush_sync(conn, NULL, &error) ||
		!g_dbus_connection_close_sync(conn, NULL, &error))
		g_debug("fake-bluez: closing: %s", error->message);
}

void fake_bluez_free(FakeBluez *fb)
{
	FakeAgent *agent;

	if (fb == NULL)
		return;
	g_clear_handle_id(&fb->discov_timer, g_source_remove);
	g_clear_handle_id(&fb->pairable_timer, g_source_remove);
	while ((agent = g_queue_pop_head(&fb->agents)) != NULL)
		agent_free(agent);
	g_clear_handle_id(&fb->own_id, g_bus_unown_name); /* sends ReleaseName */
	g_clear_pointer(&fb->objects, g_ptr_array_unref);
	g_clear_pointer(&fb->root, obj_free);
	if (fb->conn != NULL)
		close_connection(fb->conn);
	g_clear_object(&fb->conn);
	g_clear_pointer(&fb->node, g_dbus_node_info_unref);
	g_clear_pointer(&fb->method_counts, g_hash_table_unref);
	g_clear_pointer(&fb->fail_member, g_free);
	g_clear_pointer(&fb->calls, g_ptr_array_unref);
	g_clear_pointer(&fb->unanswered, g_ptr_array_unref);
	g_free(fb);
}

/* -------------------------------------------------------------------- calls */

static FakeCall *call_new(GDBusConnection *conn, const char *dest, const char *path)
{
	FakeCall *call = g_rc_box_new0(FakeCall);

	call->conn = g_object_ref(conn);
	call->dest = g_strdup(dest);
	call->path = g_strdup(path);
	call->cancellable = g_cancellable_new();
	call->elapsed_us = -1;
	return call;
}

static void call_clear(gpointer data)
{
	FakeCall *call = data;

	g_clear_object(&call->conn);
	g_clear_object(&call->cancellable);
	g_clear_pointer(&call->reply, g_variant_unref);
	g_free(call->dest);
	g_free(call->path);
	g_free(call->error_name);
	g_free(call->error_message);
}

static void call_unref(gpointer data)
{
	g_rc_box_release_full(data, call_clear);
}

static void call_finish(FakeCall *call, const char *error_name, const char *error_message)
{
	call->done = TRUE;
	call->elapsed_us = g_get_monotonic_time() - call->sent_us;
	call->error_name = g_strdup(error_name);
	call->error_message = g_strdup(error_message);
}

static GDBusMessage *call_message(const char *dest, const char *path, const char *iface,
	const char *method, GVariant *params, gboolean no_reply)
{
	GDBusMessage *msg = g_dbus_message_new_method_call(dest, path, iface, method);

	if (params != NULL)
		g_dbus_message_set_body(msg, params); /* sinks a floating body */
	if (no_reply)
		g_dbus_message_set_flags(msg, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
	return msg;
}

/* Fire and forget, as bluetoothd's g_dbus_send_message() does for Cancel and Release. */
static void send_no_reply(GDBusConnection *conn, const char *dest, const char *path,
	const char *method)
{
	g_autoptr(GDBusMessage) msg = call_message(dest, path, IFACE_AGENT, method, NULL, TRUE);
	g_autoptr(GError) error = NULL;

	if (!g_dbus_connection_send_message(conn, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, &error))
		g_debug("fake-bluez: %s to %s: %s", method, dest, error->message);
}

static const char *local_error_name(const GError *error)
{
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		return "org.freedesktop.DBus.Error.NoReply";
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED))
		return "org.freedesktop.DBus.Error.Disconnected";
	return "org.freedesktop.DBus.Error.Failed";
}

static void call_complete(FakeCall *call, GDBusMessage *reply, const GError *error)
{
	GVariant *body;
	const char *message = NULL;

	if (reply == NULL) {
		call_finish(call, local_error_name(error), error->message);
		/* agent.c simple_agent_reply(): on NoReply bluetoothd cancels the request. */
		if (call->cancel_on_timeout &&
			g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
			send_no_reply(call->conn, call->dest, call->path, "Cancel");
		return;
	}
	body = g_dbus_message_get_body(reply);
	if (g_dbus_message_get_message_type(reply) == G_DBUS_MESSAGE_TYPE_ERROR) {
		if (body != NULL && g_variant_is_of_type(body, G_VARIANT_TYPE("(s)")))
			g_variant_get(body, "(&s)", &message);
		call_finish(call, g_dbus_message_get_error_name(reply), message);
		return;
	}
	call_finish(call, NULL, NULL);
	call->reply = body != NULL ? g_variant_ref(body) : g_variant_ref_sink(g_variant_new("()"));
}

static void on_call_reply(GObject *source, GAsyncResult *res, gpointer data)
{
	FakeCall *call = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusMessage) reply = g_dbus_connection_send_message_with_reply_finish(
		G_DBUS_CONNECTION(source), res, &error);

	if (!call->abandoned)
		call_complete(call, reply, error);
	call_unref(call);
}

static FakeCall *call_send(GDBusConnection *conn, const char *dest, const char *path,
	const char *iface, const char *method, GVariant *params, gboolean no_reply, guint timeout_ms)
{
	FakeCall *call = call_new(conn, dest, path);
	g_autoptr(GDBusMessage) msg = call_message(dest, path, iface, method, params, no_reply);
	g_autoptr(GError) error = NULL;

	call->sent_us = g_get_monotonic_time();
	if (!no_reply) {
		g_dbus_connection_send_message_with_reply(conn, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
			(gint)timeout_ms, NULL, call->cancellable, on_call_reply,
			g_rc_box_acquire(call));
		return call;
	}
	if (g_dbus_connection_send_message(conn, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, &error))
		call_finish(call, NULL, NULL);
	else
		call_finish(call, local_error_name(error), error->message);
	return call;
}

FakeCall *fake_call_new(GDBusConnection *conn, const char *dest, const char *path,
	const char *method, GVariant *params, gboolean no_reply)
{
	g_return_val_if_fail(G_IS_DBUS_CONNECTION(conn) && path && method, NULL);
	return call_send(conn, dest, path, IFACE_AGENT, method, params, no_reply,
		FAKE_BLUEZ_REQUEST_TIMEOUT_MS);
}

FakeCall *fake_call_new_iface(GDBusConnection *conn, const char *dest, const char *path,
	const char *iface, const char *method, GVariant *params)
{
	g_return_val_if_fail(G_IS_DBUS_CONNECTION(conn) && path && iface && method, NULL);
	return call_send(conn, dest, path, iface, method, params, FALSE,
		FAKE_BLUEZ_REQUEST_TIMEOUT_MS);
}

/*
 * In 5.66 only simple_agent_reply() (RequestConfirmation, RequestAuthorization,
 * AuthorizeService) and display_pincode_reply() send Cancel after NoReply;
 * pincode_reply() and passkey_reply() just fail the pairing.
 */
static gboolean cancels_on_timeout(const char *method)
{
	static const char *const methods[] = {"RequestConfirmation", "RequestAuthorization",
		"AuthorizeService", "DisplayPinCode", NULL};

	return g_strv_contains(methods, method);
}

FakeCall *fake_bluez_call_agent(FakeBluez *fb, const char *method, GVariant *params,
	gboolean no_reply)
{
	FakeAgent *agent;
	FakeCall *call;

	g_return_val_if_fail(fb != NULL && method != NULL, NULL);
	agent = g_queue_peek_head(&fb->agents);
	if (agent == NULL) {
		if (params != NULL)
			g_variant_unref(g_variant_ref_sink(params));
		call = call_new(fb->conn, NULL, NULL);
		call_finish(call, "org.bluez.Error.DoesNotExist", "No agent registered");
		return call;
	}
	call = call_send(fb->conn, agent->sender, agent->path, IFACE_AGENT, method, params,
		no_reply, fb->request_timeout_ms);
	call->cancel_on_timeout = cancels_on_timeout(method);
	if (!no_reply)
		g_ptr_array_add(fb->calls, g_rc_box_acquire(call));
	return call;
}

gboolean fake_call_done(FakeCall *call)
{
	g_return_val_if_fail(call != NULL, FALSE);
	return call->done;
}

static gboolean call_done_cond(gpointer data)
{
	return fake_call_done(data);
}

gboolean fake_call_wait(FakeCall *call, guint timeout_ms)
{
	g_return_val_if_fail(call != NULL, FALSE);
	return fake_wait_until(call_done_cond, call, timeout_ms);
}

GVariant *fake_call_reply(FakeCall *call)
{
	g_return_val_if_fail(call != NULL, NULL);
	return call->reply;
}

const char *fake_call_error_name(FakeCall *call)
{
	g_return_val_if_fail(call != NULL, NULL);
	return call->error_name;
}

const char *fake_call_error_message(FakeCall *call)
{
	g_return_val_if_fail(call != NULL, NULL);
	return call->error_message;
}

gint64 fake_call_elapsed_us(FakeCall *call)
{
	g_return_val_if_fail(call != NULL, -1);
	return call->elapsed_us;
}

void fake_call_free(FakeCall *call)
{
	if (call == NULL)
		return;
	call->abandoned = TRUE;
	g_cancellable_cancel(call->cancellable);
	call_unref(call);
}

/* -------------------------------------------------------------- public API */

void fake_bluez_stop(FakeBluez *fb)
{
	if (fb == NULL)
		return;
	/* agent.c agent_release(): a request still pending is cancelled first... */
	for (guint i = 0; i < fb->calls->len; i++) {
		FakeCall *call = g_ptr_array_index(fb->calls, i);

		if (!call->done && !call->abandoned)
			send_no_reply(fb->conn, call->dest, call->path, "Cancel");
	}
	/* ...and every agent still registered gets Release (agent_cleanup()). */
	for (GList *l = fb->agents.head; l != NULL; l = l->next) {
		FakeAgent *agent = l->data;

		send_no_reply(fb->conn, agent->sender, agent->path, "Release");
	}
	fake_bluez_free(fb);
}

const char *fake_bluez_unique_name(FakeBluez *fb)
{
	g_return_val_if_fail(fb != NULL, NULL);
	return g_dbus_connection_get_unique_name(fb->conn);
}

GDBusConnection *fake_bluez_get_connection(FakeBluez *fb)
{
	g_return_val_if_fail(fb != NULL, NULL);
	return fb->conn;
}

static FakeAgent *current_agent(FakeBluez *fb)
{
	g_return_val_if_fail(fb != NULL, NULL);
	return g_queue_peek_head(&fb->agents);
}

const char *fake_bluez_agent_sender(FakeBluez *fb)
{
	FakeAgent *agent = current_agent(fb);

	return agent ? agent->sender : NULL;
}

const char *fake_bluez_agent_path(FakeBluez *fb)
{
	FakeAgent *agent = current_agent(fb);

	return agent ? agent->path : NULL;
}

const char *fake_bluez_agent_capability(FakeBluez *fb)
{
	FakeAgent *agent = current_agent(fb);

	return agent ? agent->capability : NULL;
}

gboolean fake_bluez_agent_is_default(FakeBluez *fb)
{
	FakeAgent *agent = current_agent(fb);

	return agent && agent->requested_default;
}

guint fake_bluez_agent_count(FakeBluez *fb)
{
	g_return_val_if_fail(fb != NULL, 0);
	return fb->agents.length;
}

guint fake_bluez_register_count(FakeBluez *fb)
{
	g_return_val_if_fail(fb != NULL, 0);
	return fb->register_count;
}

guint fake_bluez_unregister_count(FakeBluez *fb)
{
	g_return_val_if_fail(fb != NULL, 0);
	return fb->unregister_count;
}

guint fake_bluez_method_count(FakeBluez *fb, const char *member)
{
	g_return_val_if_fail(fb != NULL && member != NULL, 0);
	return GPOINTER_TO_UINT(g_hash_table_lookup(fb->method_counts, member));
}

void fake_bluez_set_request_timeout(FakeBluez *fb, guint timeout_ms)
{
	g_return_if_fail(fb != NULL && timeout_ms <= G_MAXINT);
	fb->request_timeout_ms = timeout_ms;
}

gboolean fake_bluez_adapter_get_bool(FakeBluez *fb, const char *property)
{
	g_return_val_if_fail(fb != NULL && property != NULL, FALSE);
	return obj_get_bool(fb->adapter, property);
}

guint fake_bluez_adapter_set_count(FakeBluez *fb)
{
	g_return_val_if_fail(fb != NULL, 0);
	return fb->adapter_set_count;
}

static FakeObject *props_object(FakeBluez *fb, const char *path)
{
	FakeObject *obj = find_object(fb, path);

	if (obj == NULL || !obj_has_props(obj)) {
		g_critical("fake-bluez: no adapter or device at %s", path ? path : "(null)");
		return NULL;
	}
	return obj;
}

void fake_bluez_set_properties(FakeBluez *fb, const char *path, GVariant *changes)
{
	g_autoptr(GVariant) dict = g_variant_ref_sink(changes);
	FakeObject *obj;
	GVariantIter iter;
	const char *name;
	GVariant *value;

	g_return_if_fail(fb != NULL && g_variant_is_of_type(dict, G_VARIANT_TYPE_VARDICT));
	obj = props_object(fb, path);
	if (obj == NULL)
		return;
	g_variant_iter_init(&iter, dict);
	while (g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
		obj_set(obj, name, value);
		g_variant_unref(value);
	}
	if (obj == fb->adapter)
		adapter_apply(fb);
	else
		obj_flush(obj);
}

void fake_bluez_set_device_property(FakeBluez *fb, const char *path, const char *name,
	GVariant *value)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(value);
	GVariantBuilder b;

	g_return_if_fail(name != NULL);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", name, v);
	fake_bluez_set_properties(fb, path, g_variant_builder_end(&b));
}

void fake_bluez_set_adapter_property(FakeBluez *fb, const char *name, GVariant *value)
{
	fake_bluez_set_device_property(fb, FAKE_BLUEZ_ADAPTER_PATH, name, value);
}

GVariant *fake_bluez_get_property(FakeBluez *fb, const char *path, const char *name)
{
	FakeObject *obj;
	FakeProp *p;

	g_return_val_if_fail(fb != NULL && name != NULL, NULL);
	obj = find_object(fb, path);
	p = obj ? obj_prop(obj, name) : NULL;
	return p ? p->value : NULL;
}

gboolean fake_bluez_device_get_bool(FakeBluez *fb, const char *path, const char *name)
{
	GVariant *v = fake_bluez_get_property(fb, path, name);

	return v && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean(v);
}

static char *device_path(const char *address)
{
	g_autofree char *upper = g_ascii_strup(address, -1);

	g_strdelimit(upper, ":", '_');
	return g_strdup_printf("%s/dev_%s", FAKE_BLUEZ_ADAPTER_PATH, upper);
}

static FakeObject *device_new(FakeBluez *fb, const char *path, const char *address,
	const char *alias, gboolean paired, gboolean connected)
{
	g_autofree char *dashed = g_strdelimit(g_ascii_strup(address, -1), ":", '-');
	FakeObject *obj = obj_new(fb, path, IFACE_DEVICE);

	obj_set(obj, "Address", g_variant_new_take_string(g_ascii_strup(address, -1)));
	obj_set(obj, "AddressType", g_variant_new_string("public"));
	if (alias != NULL) /* bluetoothd omits Name while the device has none */
		obj_set(obj, "Name", g_variant_new_string(alias));
	obj_set(obj, "Alias", g_variant_new_string(alias ? alias : dashed));
	obj_set(obj, "Class", g_variant_new_uint32(0x5a020c));
	obj_set(obj, "Icon", g_variant_new_string("phone"));
	obj_set(obj, "Paired", g_variant_new_boolean(paired));
	obj_set(obj, "Bonded", g_variant_new_boolean(paired));
	obj_set(obj, "Trusted", g_variant_new_boolean(FALSE));
	obj_set(obj, "Blocked", g_variant_new_boolean(FALSE));
	obj_set(obj, "LegacyPairing", g_variant_new_boolean(FALSE));
	obj_set(obj, "Connected", g_variant_new_boolean(connected));
	obj_set(obj, "UUIDs", g_variant_new_strv(NULL, 0));
	obj_set(obj, "Adapter", g_variant_new_object_path(FAKE_BLUEZ_ADAPTER_PATH));
	obj_set(obj, "ServicesResolved", g_variant_new_boolean(FALSE));
	return obj;
}

static gboolean is_address(const char *address)
{
	if (address == NULL || strlen(address) != 17)
		return FALSE;
	for (guint i = 0; i < 17; i++) {
		if (i % 3 == 2 ? address[i] != ':' : !g_ascii_isxdigit(address[i]))
			return FALSE;
	}
	return TRUE;
}

const char *fake_bluez_add_device(FakeBluez *fb, const char *address, const char *alias,
	gboolean paired, gboolean connected)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	FakeObject *obj;

	g_return_val_if_fail(fb != NULL && is_address(address), NULL);
	path = device_path(address);
	obj = find_object(fb, path);
	if (obj != NULL)
		return obj->path;
	obj = device_new(fb, path, address, alias, paired, connected);
	if (!add_object(fb, obj, &error)) {
		g_critical("fake-bluez: exporting %s: %s", path, error->message);
		return NULL;
	}
	emit_interfaces_added(obj);
	return obj->path;
}

void fake_bluez_remove_device(FakeBluez *fb, const char *path)
{
	FakeObject *obj;

	g_return_if_fail(fb != NULL);
	obj = find_object(fb, path);
	if (obj == NULL || g_strcmp0(obj->iface, IFACE_DEVICE) != 0) {
		g_critical("fake-bluez: no device at %s", path ? path : "(null)");
		return;
	}
	remove_object(fb, obj);
}

/* ------------------------------------------------------------------- media */

static const char *add_media(FakeBluez *fb, FakeObject *obj)
{
	g_autoptr(GError) error = NULL;
	const char *path = obj->path;

	if (find_object(fb, path) != NULL) {
		g_critical("fake-bluez: %s exists", path);
		obj_free(obj);
		return NULL;
	}
	if (!add_object(fb, obj, &error)) {
		g_critical("fake-bluez: exporting %s: %s", path, error->message);
		return NULL;
	}
	emit_interfaces_added(obj);
	return path;
}

const char *fake_bluez_add_transport(FakeBluez *fb, const char *device, const char *state,
	gint volume)
{
	return fake_bluez_add_transport_uuid(fb, device, FAKE_UUID_A2DP_SINK, state, volume);
}

const char *fake_bluez_add_transport_uuid(FakeBluez *fb, const char *device, const char *uuid,
	const char *state, gint volume)
{
	g_autofree char *path = g_strdup_printf("%s/fd0", device);
	FakeObject *obj;

	g_return_val_if_fail(fb != NULL && find_object(fb, device) != NULL, NULL);
	obj = obj_new(fb, path, IFACE_TRANSPORT);
	obj_set(obj, "Device", g_variant_new_object_path(device));
	obj_set(obj, "UUID", g_variant_new_string(uuid));
	obj_set(obj, "Codec", g_variant_new_byte(0)); /* SBC */
	obj_set(obj, "State", g_variant_new_string(state));
	if (volume >= 0)
		obj_set(obj, "Volume", g_variant_new_uint16((guint16)volume));
	return add_media(fb, obj);
}

const char *fake_bluez_add_player(FakeBluez *fb, const char *device, const char *status)
{
	g_autofree char *path = g_strdup_printf("%s/player0", device);
	FakeObject *obj;

	g_return_val_if_fail(fb != NULL && find_object(fb, device) != NULL, NULL);
	obj = obj_new(fb, path, IFACE_PLAYER);
	obj_set(obj, "Device", g_variant_new_object_path(device));
	obj_set(obj, "Name", g_variant_new_string("Music"));
	obj_set(obj, "Status", g_variant_new_string(status));
	return add_media(fb, obj);
}

void fake_bluez_remove_media(FakeBluez *fb, const char *path)
{
	FakeObject *obj;

	g_return_if_fail(fb != NULL);
	obj = find_object(fb, path);
	if (obj == NULL || (g_strcmp0(obj->iface, IFACE_TRANSPORT) != 0 &&
		g_strcmp0(obj->iface, IFACE_PLAYER) != 0)) {
		g_critical("fake-bluez: no transport or player at %s", path ? path : "(null)");
		return;
	}
	remove_object(fb, obj);
}

gint64 fake_bluez_volume_set_us(FakeBluez *fb, const char *path)
{
	FakeObject *obj;

	g_return_val_if_fail(fb != NULL, 0);
	obj = find_object(fb, path);
	return obj ? obj->volume_set_us : 0;
}

void fake_bluez_set_silent(FakeBluez *fb, const char *path)
{
	g_return_if_fail(fb != NULL);
	fb->silent_path = path ? g_intern_string(path) : NULL;
}
