// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * org.bluez.Agent1, exported. Only the current owner of org.bluez may call;
 * the method table (agent-methods.c) says what each call is and what its
 * arguments and reply look like; one request may be pending; finish() is the
 * one place a reply to it is sent.
 */
#include "earshot/agent.h"

#include "agent1-iface.h"

#define ERROR_REJECTED "org.bluez.Error.Rejected"
#define ERROR_CANCELED "org.bluez.Error.Canceled"
#define MAX_WARNED_SENDERS 64

struct EarAgent {
	GDBusConnection *connection;
	char *path;
	guint registration;
	const EarAgentHandler *handler;
	gpointer user_data;
	GDBusMethodInvocation *pending;
	const EarAgentMethod *pending_method;
	guint64 serial;
	guint deadline;
	GHashTable *warned; /* senders already warned about */
};

static void drop_reply(GVariant **reply)
{
	if (*reply)
		g_variant_unref(g_variant_ref_sink(g_steal_pointer(reply)));
}

/*
 * TRUE if @reply (NULL: no values) has the reply type of the pending method.
 * Anything else is a bug in Earshot, e.g. a PIN given to a confirmation.
 */
static gboolean reply_fits(EarAgent *agent, GVariant *reply)
{
	const char *type = reply ? g_variant_get_type_string(reply) : "()";

	if (g_str_equal(type, agent->pending_method->out))
		return TRUE;
	g_critical("answering %s with %s, but it expects %s", agent->pending_method->name, type,
		agent->pending_method->out);
	return FALSE;
}

/* The one place a pending request is answered. @reply is consumed. */
static gboolean finish(EarAgent *agent, guint64 serial, GVariant *reply, const char *error_name,
	const char *why)
{
	if (!agent->pending || serial != agent->serial) {
		drop_reply(&reply);
		return FALSE;
	}
	if (!error_name && !reply_fits(agent, reply)) {
		drop_reply(&reply);
		error_name = ERROR_REJECTED;
		why = "no answer of that kind";
	}
	GDBusMethodInvocation *inv = g_steal_pointer(&agent->pending);
	g_clear_handle_id(&agent->deadline, g_source_remove);
	if (error_name)
		g_dbus_method_invocation_return_dbus_error(inv, error_name, why);
	else
		g_dbus_method_invocation_return_value(inv, reply);
	return TRUE;
}

gboolean ear_agent_accept(EarAgent *agent, guint64 serial)
{
	return finish(agent, serial, NULL, NULL, NULL);
}

gboolean ear_agent_give_pin(EarAgent *agent, guint64 serial, const char *pin)
{
	return finish(agent, serial, g_variant_new("(s)", pin), NULL, NULL);
}

gboolean ear_agent_reject(EarAgent *agent, guint64 serial, const char *why)
{
	return finish(agent, serial, NULL, ERROR_REJECTED, why);
}

gboolean ear_agent_cancel(EarAgent *agent, guint64 serial, const char *why)
{
	return finish(agent, serial, NULL, ERROR_CANCELED, why);
}

guint64 ear_agent_pending(EarAgent *agent)
{
	return agent->pending ? agent->serial : 0;
}

const char *ear_agent_path(EarAgent *agent)
{
	return agent->path;
}

static gboolean on_deadline(gpointer data)
{
	EarAgent *agent = data;
	agent->deadline = 0;
	g_warning("%s not answered within %d s; refusing it", agent->pending_method->name,
		EAR_AGENT_DEADLINE_MS / 1000);
	finish(agent, agent->serial, NULL, ERROR_REJECTED, "no answer in time");
	if (agent->handler->expired)
		agent->handler->expired(agent->user_data);
	return G_SOURCE_REMOVE;
}

/*
 * Refuses a call that cannot become the pending request, and says why once:
 * types other than the table's are InvalidArgs, as GDBus itself answers
 * them; anything else is Rejected.
 */
static void refuse_now(GDBusMethodInvocation *inv, const GError *error)
{
	const char *name = g_error_matches(error, EAR_AGENT_ERROR, EAR_AGENT_ERROR_SIGNATURE) ?
		"org.freedesktop.DBus.Error.InvalidArgs" : ERROR_REJECTED;

	g_warning("refused a call from bluetoothd: %s", error->message);
	g_dbus_method_invocation_return_dbus_error(inv, name, error->message);
}

/* Makes @inv the pending request and hands it to the handler. */
static void dispatch(EarAgent *agent, EarRequest *req, GDBusMethodInvocation *inv)
{
	if (agent->pending) {
		g_autoptr(GError) busy = g_error_new(EAR_AGENT_ERROR, EAR_AGENT_ERROR_VALUE,
			"%s: another request is still pending", ear_request_kind_name(req->kind));
		refuse_now(inv, busy);
		return;
	}
	agent->pending = inv; /* the return_* call that finishes it takes this reference */
	agent->pending_method = ear_agent_method_of_kind(req->kind);
	req->serial = ++agent->serial;
	agent->deadline = g_timeout_add(EAR_AGENT_DEADLINE_MS, on_deadline, agent);
	agent->handler->request(req, agent->user_data);
}

static void on_request(EarAgent *agent, const EarAgentMethod *method, GVariant *params,
	GDBusMethodInvocation *inv)
{
	EarRequest req;
	g_autofree char *uuid = NULL;
	g_autoptr(GError) error = NULL;

	if (ear_agent_parse(method->kind, params, &req, &uuid, &error))
		dispatch(agent, &req, inv);
	else
		refuse_now(inv, error);
}

static void on_cancel(EarAgent *agent, GDBusMethodInvocation *inv)
{
	g_info("bluetoothd cancelled the request");
	ear_agent_cancel(agent, agent->serial, "cancelled by bluetoothd");
	g_dbus_method_invocation_return_value(inv, NULL);
	agent->handler->cancel(agent->user_data);
}

static void on_release(EarAgent *agent, GDBusMethodInvocation *inv)
{
	g_info("bluetoothd released the agent");
	ear_agent_cancel(agent, agent->serial, "agent released");
	g_dbus_method_invocation_return_value(inv, NULL);
	agent->handler->release(agent->user_data);
}

/* Only bluetoothd may ask us anything; anyone else is refused and named once. */
static gboolean sender_allowed(EarAgent *agent, GDBusMethodInvocation *inv)
{
	const char *sender = g_dbus_method_invocation_get_sender(inv);
	const char *owner = agent->handler->bluez_owner(agent->user_data);

	if (sender && owner && g_str_equal(sender, owner))
		return TRUE;
	if (!g_hash_table_contains(agent->warned, sender ? sender : "")) {
		g_warning("refused %s from %s: only bluetoothd (%s) may call the agent",
			g_dbus_method_invocation_get_method_name(inv), sender ? sender : "(unknown)",
			owner ? owner : "not running");
		if (g_hash_table_size(agent->warned) >= MAX_WARNED_SENDERS)
			g_hash_table_remove_all(agent->warned);
		g_hash_table_add(agent->warned, g_strdup(sender ? sender : ""));
	}
	g_dbus_method_invocation_return_dbus_error(inv, ERROR_REJECTED, "not bluetoothd");
	return FALSE;
}

static void on_method_call(GDBusConnection *connection, const char *sender, const char *path,
	const char *interface, const char *method, GVariant *params, GDBusMethodInvocation *inv,
	gpointer user_data)
{
	EarAgent *agent = user_data;
	const EarAgentMethod *m = ear_agent_method_lookup(method);
	g_autoptr(GError) error = NULL;

	if (!sender_allowed(agent, inv))
		return;
	if (!m) { /* GDBus answers methods missing from the XML; the table misses this one */
		g_critical("Agent1.%s is in the interface but not in the method table", method);
		g_dbus_method_invocation_return_dbus_error(inv,
			"org.freedesktop.DBus.Error.UnknownMethod", "no such method");
		return;
	}
	if (m->call != EAR_AGENT_CALL_REQUEST && !ear_agent_method_check_args(m, params, &error)) {
		refuse_now(inv, error);
		return;
	}
	switch (m->call) {
	case EAR_AGENT_CALL_REQUEST:
		on_request(agent, m, params, inv);
		break;
	case EAR_AGENT_CALL_CANCEL:
		on_cancel(agent, inv);
		break;
	case EAR_AGENT_CALL_RELEASE:
		on_release(agent, inv);
		break;
	}
}

static const GDBusInterfaceVTable vtable = { .method_call = on_method_call };

EarAgent *ear_agent_new(GDBusConnection *connection, const char *path,
	const EarAgentHandler *handler, gpointer user_data, GError **error)
{
	g_autoptr(EarAgent) agent = g_new0(EarAgent, 1);
	agent->connection = g_object_ref(connection);
	agent->path = g_strdup(path);
	agent->handler = handler;
	agent->user_data = user_data;
	agent->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	agent->registration = g_dbus_connection_register_object(connection, path,
		(GDBusInterfaceInfo *)&ear_agent1_interface, &vtable, agent, NULL, error);
	if (!agent->registration)
		return NULL;
	return g_steal_pointer(&agent);
}

void ear_agent_free(EarAgent *agent)
{
	if (!agent)
		return;
	ear_agent_cancel(agent, agent->serial, "Earshot is stopping");
	g_clear_handle_id(&agent->deadline, g_source_remove);
	if (agent->registration)
		g_dbus_connection_unregister_object(agent->connection, agent->registration);
	g_clear_pointer(&agent->warned, g_hash_table_unref);
	g_clear_object(&agent->connection);
	g_free(agent->path);
	g_free(agent);
}
