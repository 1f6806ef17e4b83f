// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bluetoothd, seen from the agent. When org.bluez gets an owner we read its
 * objects (GetManagedObjects), then register; a failed or unanswered step is
 * retried with a growing delay until it works, because bluetoothd takes its
 * bus name before it exports its objects and may be slow or restarting.
 */
#include "earshot/bluez.h"

#define BLUEZ_NAME "org.bluez"
#define IFACE_AGENT_MANAGER "org.bluez.AgentManager1"
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define IFACE_PROPERTIES "org.freedesktop.DBus.Properties"
#define CALL_TIMEOUT_MS 5000
#define RETRY_FIRST_MS 250
#define RETRY_MAX_MS 5000
#define UNREGISTER_WAIT_MS 1000

struct EarBluez {
	GDBusConnection *connection;
	char *agent_path;
	const EarBluezHandler *handler;
	gpointer user_data;
	guint watch;
	guint signals[3];
	char *owner;
	gboolean enumerated; /* the objects of the current owner are known */
	gboolean registered;
	guint retry;
	guint retry_ms;
	GCancellable *cancel; /* of the calls for the current owner */
	EarObjects *objects;
	EarAdapterMode adapters;
};

static void start(EarBluez *bluez);

static void call_bluez(EarBluez *bluez, const char *path, const char *iface, const char *method,
	GVariant *params, GAsyncReadyCallback done, gpointer user_data)
{
	g_dbus_connection_call(bluez->connection, bluez->owner, path, iface, method, params, NULL,
		G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, bluez->cancel, done, user_data);
}

static gboolean on_retry(gpointer data)
{
	EarBluez *bluez = data;
	bluez->retry = 0;
	start(bluez);
	return G_SOURCE_REMOVE;
}

/* Starts over (enumerate, register) after a delay that doubles up to RETRY_MAX_MS. */
static void retry_later(EarBluez *bluez, const char *step, const GError *error)
{
	if (!bluez->owner || bluez->retry)
		return;
	bluez->retry_ms = bluez->retry_ms ? MIN(bluez->retry_ms * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
	if (bluez->retry_ms < RETRY_MAX_MS)
		g_debug("%s failed (%s); retrying in %u ms", step, error->message, bluez->retry_ms);
	else
		g_warning("%s failed (%s); retrying every %u s", step, error->message,
			RETRY_MAX_MS / 1000);
	bluez->retry = g_timeout_add(bluez->retry_ms, on_retry, bluez);
}

/*
 * Ends one step of the registration. NULL if it failed (a retry is then
 * scheduled) or was cancelled (Earshot is going away or bluetoothd went).
 */
static GVariant *finish_step(GObject *source, GAsyncResult *res, EarBluez *bluez,
	const char *step, gboolean (*acceptable)(const GError *error))
{
	g_autoptr(GError) error = NULL;
	GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

	/* Cancelled: @bluez may be gone, so touch nothing. */
	if (reply || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return reply;
	if (acceptable && acceptable(error))
		return g_variant_new_tuple(NULL, 0);
	retry_later(bluez, step, error);
	return NULL;
}

static void on_default_done(GObject *source, GAsyncResult *res, gpointer data)
{
	EarBluez *bluez = data;
	g_autoptr(GVariant) reply = finish_step(source, res, bluez, "RequestDefaultAgent", NULL);

	if (!reply)
		return;
	bluez->registered = TRUE;
	bluez->retry_ms = 0;
	g_message("registered with bluetoothd (%s) as the default agent, KeyboardDisplay", bluez->owner);
	bluez->handler->registered(bluez->user_data);
}

/* AlreadyExists: an earlier RegisterAgent of ours got through; go on. */
static gboolean already_registered(const GError *error)
{
	g_autofree char *remote = g_dbus_error_get_remote_error(error);
	return g_strcmp0(remote, "org.bluez.Error.AlreadyExists") == 0;
}

static void on_register_done(GObject *source, GAsyncResult *res, gpointer data)
{
	EarBluez *bluez = data;
	g_autoptr(GVariant) reply = finish_step(source, res, bluez, "RegisterAgent", already_registered);

	if (!reply)
		return;
	call_bluez(bluez, "/org/bluez", IFACE_AGENT_MANAGER, "RequestDefaultAgent",
		g_variant_new("(o)", bluez->agent_path), on_default_done, bluez);
}

static void on_objects_done(GObject *source, GAsyncResult *res, gpointer data)
{
	EarBluez *bluez = data;
	g_autoptr(GVariant) reply = finish_step(source, res, bluez, "GetManagedObjects", NULL);

	if (!reply)
		return;
	g_autoptr(GVariant) managed = g_variant_get_child_value(reply, 0);
	bluez->enumerated = TRUE;
	ear_objects_load(bluez->objects, managed); /* applies the adapter mode to each adapter */
	call_bluez(bluez, "/org/bluez", IFACE_AGENT_MANAGER, "RegisterAgent",
		g_variant_new("(os)", bluez->agent_path, "KeyboardDisplay"), on_register_done, bluez);
}

/* Reads bluetoothd's objects, then registers: the device mirror is complete before any request. */
static void start(EarBluez *bluez)
{
	if (!bluez->owner)
		return;
	bluez->enumerated = FALSE;
	g_dbus_connection_call(bluez->connection, bluez->owner, "/", IFACE_OBJECT_MANAGER,
		"GetManagedObjects", NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
		G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, bluez->cancel, on_objects_done, bluez);
}

static void forget_owner(EarBluez *bluez)
{
	g_cancellable_cancel(bluez->cancel);
	g_clear_object(&bluez->cancel);
	g_clear_handle_id(&bluez->retry, g_source_remove);
	g_clear_pointer(&bluez->owner, g_free);
	bluez->retry_ms = 0;
	bluez->registered = FALSE;
	bluez->enumerated = FALSE;
	ear_objects_clear(bluez->objects);
}

static void on_name_appeared(GDBusConnection *conn, const char *name, const char *owner,
	gpointer data)
{
	EarBluez *bluez = data;
	if (g_strcmp0(owner, bluez->owner) == 0)
		return;
	if (bluez->owner) {
		forget_owner(bluez);
		bluez->handler->vanished(bluez->user_data);
	}
	bluez->owner = g_strdup(owner);
	bluez->cancel = g_cancellable_new();
	g_info("bluetoothd is on the bus as %s", owner);
	start(bluez);
}

static void on_name_vanished(GDBusConnection *conn, const char *name, gpointer data)
{
	EarBluez *bluez = data;
	if (!bluez->owner)
		return;
	forget_owner(bluez);
	g_message("bluetoothd left the bus; waiting for it to come back");
	bluez->handler->vanished(bluez->user_data);
}

/* --- objects --- */

/* Signals from anyone but the current bluetoothd are ignored: they could fake a pairing. */
static void on_signal(GDBusConnection *conn, const char *sender, const char *path,
	const char *iface, const char *member, GVariant *body, gpointer data)
{
	EarBluez *bluez = data;

	if (!bluez->owner || g_strcmp0(sender, bluez->owner) != 0)
		return;
	if (g_str_equal(member, "InterfacesAdded"))
		ear_objects_interfaces_added(bluez->objects, body);
	else if (g_str_equal(member, "InterfacesRemoved"))
		ear_objects_interfaces_removed(bluez->objects, body);
	else if (g_str_equal(member, "PropertiesChanged"))
		ear_objects_properties_changed(bluez->objects, path, body);
}

static void subscribe(EarBluez *bluez)
{
	static const struct {
		const char *iface, *member, *path;
	} subs[] = {
		{ IFACE_OBJECT_MANAGER, "InterfacesAdded", "/" },
		{ IFACE_OBJECT_MANAGER, "InterfacesRemoved", "/" },
		{ IFACE_PROPERTIES, "PropertiesChanged", NULL },
	};
	G_STATIC_ASSERT(G_N_ELEMENTS(subs) == G_N_ELEMENTS(((EarBluez *)0)->signals));
	for (guint i = 0; i < G_N_ELEMENTS(subs); i++)
		bluez->signals[i] = g_dbus_connection_signal_subscribe(bluez->connection, BLUEZ_NAME,
			subs[i].iface, subs[i].member, subs[i].path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
			on_signal, bluez, NULL);
}

EarObjects *ear_bluez_objects(EarBluez *bluez)
{
	return bluez->objects;
}

const EarDeviceInfo *ear_bluez_device(EarBluez *bluez, const char *path)
{
	return ear_objects_device(bluez->objects, path);
}

static void on_call_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	g_autofree char *what = data;
	if (!reply && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_warning("cannot %s: %s", what, error->message);
}

static void set_adapter_flag(EarBluez *bluez, const char *path, const char *property, gboolean on)
{
	char *what = g_strdup_printf("set %s on %s", property, path);
	call_bluez(bluez, path, IFACE_PROPERTIES, "Set",
		g_variant_new("(ssv)", IFACE_ADAPTER, property, g_variant_new_boolean(on)), on_call_done,
		what);
}

static void apply_adapter(EarBluez *bluez, const char *path)
{
	if (!bluez->owner || bluez->adapters == EAR_ADAPTERS_UNMANAGED)
		return;
	gboolean open = bluez->adapters == EAR_ADAPTERS_OPEN;
	/* Pairable before discoverable, so nobody finds an adapter that cannot pair. */
	set_adapter_flag(bluez, path, open ? "Pairable" : "Discoverable", open);
	set_adapter_flag(bluez, path, open ? "Discoverable" : "Pairable", open);
}

void ear_bluez_set_adapters(EarBluez *bluez, EarAdapterMode mode)
{
	bluez->adapters = mode;
	if (!bluez->enumerated)
		return; /* applied when the objects are read */
	GList *adapters = ear_objects_adapters(bluez->objects);
	for (GList *l = adapters; l; l = l->next)
		apply_adapter(bluez, l->data);
	g_list_free(adapters);
}

void ear_bluez_cancel_pairing(EarBluez *bluez, const char *path)
{
	if (!bluez->owner || !ear_objects_device(bluez->objects, path))
		return;
	call_bluez(bluez, path, IFACE_DEVICE, "CancelPairing", NULL, on_call_done,
		g_strdup("cancel a pairing"));
}

static void on_adapter_added(const char *path, gpointer data)
{
	apply_adapter(data, path);
}

static void on_device_changed(const char *path, gpointer data)
{
	EarBluez *bluez = data;
	bluez->handler->device_changed(path, bluez->user_data);
}

static void on_device_bonded(const char *path, gpointer data)
{
	EarBluez *bluez = data;
	bluez->handler->device_bonded(path, bluez->user_data);
}

static void on_device_removed(const char *path, gpointer data)
{
	EarBluez *bluez = data;
	bluez->handler->device_removed(path, bluez->user_data);
}

static const EarObjectsHandler objects_handler = {
	.adapter_added = on_adapter_added,
	.device_changed = on_device_changed,
	.device_bonded = on_device_bonded,
	.device_removed = on_device_removed,
};

EarBluez *ear_bluez_new(GDBusConnection *connection, const char *agent_path,
	const EarBluezHandler *handler, gpointer user_data)
{
	EarBluez *bluez = g_new0(EarBluez, 1);
	bluez->connection = g_object_ref(connection);
	bluez->agent_path = g_strdup(agent_path);
	bluez->handler = handler;
	bluez->user_data = user_data;
	bluez->objects = ear_objects_new(&objects_handler, bluez);
	subscribe(bluez);
	bluez->watch = g_bus_watch_name_on_connection(connection, BLUEZ_NAME,
		G_BUS_NAME_WATCHER_FLAGS_NONE, on_name_appeared, on_name_vanished, bluez, NULL);
	return bluez;
}

const char *ear_bluez_owner(EarBluez *bluez)
{
	return bluez->owner;
}

gboolean ear_bluez_registered(EarBluez *bluez)
{
	return bluez->registered;
}

typedef struct {
	GSourceFunc done;
	gpointer user_data;
	guint timeout;
} Unregister;

static gboolean unregister_finish(gpointer data)
{
	Unregister *u = data;
	g_clear_handle_id(&u->timeout, g_source_remove);
	u->done(u->user_data);
	g_free(u);
	return G_SOURCE_REMOVE;
}

static void on_unregister_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	Unregister *u = data;
	if (!reply)
		g_debug("UnregisterAgent: %s", error->message);
	if (u->timeout)
		unregister_finish(u);
	else
		g_free(u); /* the timeout already reported */
}

static gboolean on_unregister_timeout(gpointer data)
{
	Unregister *u = data;
	u->timeout = 0;
	g_warning("bluetoothd did not answer UnregisterAgent within 1 s");
	u->done(u->user_data);
	u->done = NULL;
	return G_SOURCE_REMOVE;
}

void ear_bluez_unregister(EarBluez *bluez, GSourceFunc done, gpointer user_data)
{
	Unregister *u = g_new0(Unregister, 1);
	u->done = done;
	u->user_data = user_data;
	if (!bluez->registered) {
		g_idle_add(unregister_finish, u);
		return;
	}
	u->timeout = g_timeout_add(UNREGISTER_WAIT_MS, on_unregister_timeout, u);
	g_dbus_connection_call(bluez->connection, bluez->owner, "/org/bluez", IFACE_AGENT_MANAGER,
		"UnregisterAgent", g_variant_new("(o)", bluez->agent_path), NULL,
		G_DBUS_CALL_FLAGS_NO_AUTO_START, UNREGISTER_WAIT_MS, NULL, on_unregister_done, u);
	bluez->registered = FALSE;
}

void ear_bluez_free(EarBluez *bluez)
{
	if (!bluez)
		return;
	g_clear_handle_id(&bluez->watch, g_bus_unwatch_name);
	for (guint i = 0; i < G_N_ELEMENTS(bluez->signals); i++)
		if (bluez->signals[i])
			g_dbus_connection_signal_unsubscribe(bluez->connection, bluez->signals[i]);
	forget_owner(bluez);
	g_clear_pointer(&bluez->objects, ear_objects_free);
	g_clear_object(&bluez->connection);
	g_free(bluez->agent_path);
	g_free(bluez);
}
