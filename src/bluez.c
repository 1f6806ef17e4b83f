// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bluetoothd, seen from the agent. Registration is retried until it works
 * because bluetoothd takes its bus name before it exports AgentManager1.
 */
#include "earshot/bluez.h"

#define BLUEZ_NAME "org.bluez"
#define IFACE_AGENT_MANAGER "org.bluez.AgentManager1"
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define CALL_TIMEOUT_MS 5000
#define RETRY_MS 250
#define UNREGISTER_WAIT_MS 1000

typedef enum {
	ADAPTERS_UNMANAGED,
	ADAPTERS_OPEN,
	ADAPTERS_CLOSED,
} AdapterState;

struct EarBluez {
	GDBusConnection *connection;
	char *agent_path;
	const EarBluezHandler *handler;
	gpointer user_data;
	char *owner;
	gboolean registered;
	guint retry;
	GCancellable *cancel; /* of the registration calls for the current owner */
	GDBusObjectManager *objects;
	GCancellable *objects_cancel;
	AdapterState adapters;
};

static void register_agent(EarBluez *bluez);

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
	register_agent(bluez);
	return G_SOURCE_REMOVE;
}

static void retry_later(EarBluez *bluez, const char *step, const GError *error)
{
	g_debug("%s failed (%s); retrying", step, error->message);
	if (bluez->owner && !bluez->retry)
		bluez->retry = g_timeout_add(RETRY_MS, on_retry, bluez);
}

static void apply_adapter(EarBluez *bluez, const char *path);

static void on_default_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	EarBluez *bluez = data;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (!reply) {
		retry_later(bluez, "RequestDefaultAgent", error);
		return;
	}
	bluez->registered = TRUE;
	g_message("registered with bluetoothd (%s) as the default agent, KeyboardDisplay", bluez->owner);
	bluez->handler->registered(bluez->user_data);
}

static void on_register_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	EarBluez *bluez = data;
	g_autofree char *remote = error ? g_dbus_error_get_remote_error(error) : NULL;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	/* AlreadyExists: our earlier attempt got through; go on to RequestDefaultAgent. */
	if (!reply && g_strcmp0(remote, "org.bluez.Error.AlreadyExists") != 0) {
		retry_later(bluez, "RegisterAgent", error);
		return;
	}
	call_bluez(bluez, "/org/bluez", IFACE_AGENT_MANAGER, "RequestDefaultAgent",
		g_variant_new("(o)", bluez->agent_path), on_default_done, bluez);
}

static void register_agent(EarBluez *bluez)
{
	if (!bluez->owner)
		return;
	call_bluez(bluez, "/org/bluez", IFACE_AGENT_MANAGER, "RegisterAgent",
		g_variant_new("(os)", bluez->agent_path, "KeyboardDisplay"), on_register_done, bluez);
}

static void forget_owner(EarBluez *bluez)
{
	g_cancellable_cancel(bluez->cancel);
	g_clear_object(&bluez->cancel);
	g_clear_handle_id(&bluez->retry, g_source_remove);
	g_clear_pointer(&bluez->owner, g_free);
	bluez->registered = FALSE;
}

static void on_appeared(EarBluez *bluez, const char *owner)
{
	forget_owner(bluez);
	bluez->owner = g_strdup(owner);
	bluez->cancel = g_cancellable_new();
	g_info("bluetoothd is on the bus as %s", owner);
	register_agent(bluez);
}

static void on_vanished(EarBluez *bluez)
{
	gboolean was_there = bluez->owner != NULL;
	forget_owner(bluez);
	if (!was_there)
		return;
	g_message("bluetoothd left the bus; waiting for it to come back");
	bluez->handler->vanished(bluez->user_data);
}

/*
 * The object manager client reloads bluetoothd's objects before it announces
 * a new owner, so by the time we register, every device is known.
 */
static void on_name_owner(GObject *objects, GParamSpec *pspec, gpointer data)
{
	EarBluez *bluez = data;
	g_autofree char *owner =
		g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(objects));
	if (owner && g_strcmp0(owner, bluez->owner) == 0)
		return;
	if (bluez->owner)
		on_vanished(bluez);
	if (owner)
		on_appeared(bluez, owner);
	if (owner && bluez->adapters != ADAPTERS_UNMANAGED)
		ear_bluez_open_adapters(bluez, bluez->adapters == ADAPTERS_OPEN);
}

/* --- objects --- */

static GDBusProxy *find_proxy(EarBluez *bluez, const char *path, const char *iface)
{
	if (!bluez->objects || !path || !g_variant_is_object_path(path))
		return NULL;
	return G_DBUS_PROXY(g_dbus_object_manager_get_interface(bluez->objects, path, iface));
}

gboolean ear_bluez_device_exists(EarBluez *bluez, const char *path)
{
	g_autoptr(GDBusProxy) proxy = find_proxy(bluez, path, IFACE_DEVICE);
	return proxy != NULL;
}

gboolean ear_bluez_device_flag(EarBluez *bluez, const char *path, const char *property)
{
	g_autoptr(GDBusProxy) proxy = find_proxy(bluez, path, IFACE_DEVICE);
	g_autoptr(GVariant) value = proxy ? g_dbus_proxy_get_cached_property(proxy, property) : NULL;
	return value && g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN) &&
		g_variant_get_boolean(value);
}

char *ear_bluez_device_alias(EarBluez *bluez, const char *path)
{
	g_autoptr(GDBusProxy) proxy = find_proxy(bluez, path, IFACE_DEVICE);
	g_autoptr(GVariant) value = proxy ? g_dbus_proxy_get_cached_property(proxy, "Alias") : NULL;
	if (!value || !g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
		return NULL;
	return g_variant_dup_string(value, NULL);
}

static void on_set_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	g_autofree char *what = data;
	if (!reply && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_warning("cannot set %s: %s", what, error->message);
}

static void set_adapter_flag(EarBluez *bluez, const char *path, const char *property, gboolean on)
{
	char *what = g_strdup_printf("%s on %s", property, path);
	call_bluez(bluez, path, "org.freedesktop.DBus.Properties", "Set",
		g_variant_new("(ssv)", IFACE_ADAPTER, property, g_variant_new_boolean(on)), on_set_done,
		what);
}

static void apply_adapter(EarBluez *bluez, const char *path)
{
	if (!bluez->owner || bluez->adapters == ADAPTERS_UNMANAGED)
		return;
	gboolean open = bluez->adapters == ADAPTERS_OPEN;
	/* Pairable before discoverable, so nobody finds an adapter that cannot pair. */
	set_adapter_flag(bluez, path, open ? "Pairable" : "Discoverable", open);
	set_adapter_flag(bluez, path, open ? "Discoverable" : "Pairable", open);
}

void ear_bluez_open_adapters(EarBluez *bluez, gboolean open)
{
	bluez->adapters = open ? ADAPTERS_OPEN : ADAPTERS_CLOSED;
	if (!bluez->objects)
		return;
	GList *objects = g_dbus_object_manager_get_objects(bluez->objects);
	for (GList *l = objects; l; l = l->next) {
		g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface(l->data, IFACE_ADAPTER);
		if (iface)
			apply_adapter(bluez, g_dbus_object_get_object_path(l->data));
	}
	g_list_free_full(objects, g_object_unref);
}

static void on_interface_added(GDBusObjectManager *m, GDBusObject *object, GDBusInterface *iface,
	gpointer data)
{
	EarBluez *bluez = data;
	const char *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));
	const char *path = g_dbus_object_get_object_path(object);
	if (g_str_equal(name, IFACE_ADAPTER))
		apply_adapter(bluez, path);
	else if (g_str_equal(name, IFACE_DEVICE))
		bluez->handler->device_changed(path, bluez->user_data);
}

static void on_object_added(GDBusObjectManager *m, GDBusObject *object, gpointer data)
{
	GList *ifaces = g_dbus_object_get_interfaces(object);
	for (GList *l = ifaces; l; l = l->next)
		on_interface_added(m, object, l->data, data);
	g_list_free_full(ifaces, g_object_unref);
}

static void on_interface_removed(GDBusObjectManager *m, GDBusObject *object, GDBusInterface *iface,
	gpointer data)
{
	EarBluez *bluez = data;
	if (g_str_equal(g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface)), IFACE_DEVICE))
		bluez->handler->device_removed(g_dbus_object_get_object_path(object), bluez->user_data);
}

static void on_object_removed(GDBusObjectManager *m, GDBusObject *object, gpointer data)
{
	GList *ifaces = g_dbus_object_get_interfaces(object);
	for (GList *l = ifaces; l; l = l->next)
		on_interface_removed(m, object, l->data, data);
	g_list_free_full(ifaces, g_object_unref);
}

static void on_properties_changed(GDBusObjectManagerClient *m, GDBusObjectProxy *object,
	GDBusProxy *proxy, GVariant *changed, const char *const *invalidated, gpointer data)
{
	EarBluez *bluez = data;
	gboolean b;
	if (!g_str_equal(g_dbus_proxy_get_interface_name(proxy), IFACE_DEVICE))
		return;
	if (g_variant_lookup(changed, "Paired", "b", &b) ||
		g_variant_lookup(changed, "Connected", "b", &b))
		bluez->handler->device_changed(g_dbus_proxy_get_object_path(proxy), bluez->user_data);
}

static void on_objects_ready(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	GDBusObjectManager *objects = g_dbus_object_manager_client_new_finish(res, &error);
	EarBluez *bluez = data;

	if (!objects) {
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("cannot follow bluetoothd's objects: %s", error->message);
		return;
	}
	bluez->objects = objects;
	g_signal_connect(objects, "object-added", G_CALLBACK(on_object_added), bluez);
	g_signal_connect(objects, "object-removed", G_CALLBACK(on_object_removed), bluez);
	g_signal_connect(objects, "interface-added", G_CALLBACK(on_interface_added), bluez);
	g_signal_connect(objects, "interface-removed", G_CALLBACK(on_interface_removed), bluez);
	g_signal_connect(objects, "interface-proxy-properties-changed",
		G_CALLBACK(on_properties_changed), bluez);
	g_signal_connect(objects, "notify::name-owner", G_CALLBACK(on_name_owner), bluez);
	on_name_owner(G_OBJECT(objects), NULL, bluez);
}

EarBluez *ear_bluez_new(GDBusConnection *connection, const char *agent_path,
	const EarBluezHandler *handler, gpointer user_data)
{
	EarBluez *bluez = g_new0(EarBluez, 1);
	bluez->connection = g_object_ref(connection);
	bluez->agent_path = g_strdup(agent_path);
	bluez->handler = handler;
	bluez->user_data = user_data;
	bluez->objects_cancel = g_cancellable_new();
	g_dbus_object_manager_client_new(connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
		BLUEZ_NAME, "/", NULL, NULL, NULL, bluez->objects_cancel, on_objects_ready, bluez);
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
	forget_owner(bluez);
	g_cancellable_cancel(bluez->objects_cancel);
	g_clear_object(&bluez->objects_cancel);
	if (bluez->objects)
		g_signal_handlers_disconnect_by_data(bluez->objects, bluez);
	g_clear_object(&bluez->objects);
	g_clear_object(&bluez->connection);
	g_free(bluez->agent_path);
	g_free(bluez);
}
