// SPDX-License-Identifier: GPL-2.0-or-later
/* The caller's uid and groups from the bus, against who may call. */
#include "earshot/caller.h"

#define CALL_TIMEOUT_MS 5000

static gboolean has_group(GVariant *credentials, gid_t gid)
{
	g_autoptr(GVariant) groups = g_variant_lookup_value(credentials, "UnixGroupIDs",
		G_VARIANT_TYPE("au"));
	gsize n = 0;
	const guint32 *ids = groups ? g_variant_get_fixed_array(groups, &n, sizeof(guint32)) : NULL;

	for (gsize i = 0; i < n; i++)
		if (ids[i] == gid)
			return TRUE;
	return FALSE;
}

gboolean ear_caller_allowed(const EarCallerRule *rule, GVariant *credentials)
{
	guint32 uid;

	if (!g_variant_lookup(credentials, "UnixUserID", "u", &uid))
		return FALSE;
	if (uid == rule->uid)
		return TRUE;
	return rule->gid != EAR_CALLER_NO_GROUP && has_group(credentials, rule->gid);
}

static void on_credentials(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GTask) task = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res,
		&error);
	g_autoptr(GVariant) credentials = NULL;

	if (!reply) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	credentials = g_variant_get_child_value(reply, 0);
	if (!ear_caller_allowed(g_task_get_task_data(task), credentials)) {
		g_task_return_new_error(task, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
			"only root and the group earshot may do this");
		return;
	}
	g_task_return_boolean(task, TRUE);
}

void ear_caller_check(GDBusConnection *connection, const char *sender, const EarCallerRule *rule,
	GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(connection, cancellable, callback, user_data);

	g_task_set_task_data(task, g_memdup2(rule, sizeof(*rule)), g_free);
	if (!sender) { /* a peer-to-peer connection: no bus to vouch for anyone */
		g_task_return_new_error(task, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
			"the caller is unknown");
		g_object_unref(task);
		return;
	}
	g_dbus_connection_call(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus", "GetConnectionCredentials", g_variant_new("(s)", sender),
		G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, cancellable,
		on_credentials, task);
}

gboolean ear_caller_check_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_boolean(G_TASK(result), error);
}
