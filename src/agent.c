// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * org.bluez.Agent1, exported. Only the current owner of org.bluez may call;
 * one request may be pending; finish() is the one place a reply is sent.
 */
#include "earshot/agent.h"

#include <string.h>

#include "earshot/uuid.h"
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
	EarRequestKind pending_kind;
	guint64 serial;
	guint deadline;
	GHashTable *warned; /* senders already warned about */
};

typedef void (*MethodFunc)(EarAgent *agent, GVariant *params, GDBusMethodInvocation *inv);

/* A request (kind) or, when func is set, a notification from bluetoothd. */
typedef struct {
	const char *name;
	EarRequestKind kind;
	MethodFunc func;
} Method;

/* The one place a pending request is answered. @reply is consumed. */
static gboolean finish(EarAgent *agent, guint64 serial, GVariant *reply, const char *error_name,
	const char *why)
{
	if (!agent->pending || serial != agent->serial) {
		if (reply)
			g_variant_unref(g_variant_ref_sink(reply));
		return FALSE;
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
	if (agent->pending && agent->serial == serial && agent->pending_kind != EAR_REQ_PIN_CODE)
		return finish(agent, serial, NULL, ERROR_REJECTED, "no PIN was asked for");
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
	g_warning("%s not answered within %d s; refusing it", ear_request_kind_name(agent->pending_kind),
		EAR_AGENT_DEADLINE_MS / 1000);
	finish(agent, agent->serial, NULL, ERROR_REJECTED, "no answer in time");
	if (agent->handler->expired)
		agent->handler->expired(agent->user_data);
	return G_SOURCE_REMOVE;
}

static void refuse_now(GDBusMethodInvocation *inv, const char *why)
{
	g_warning("refused a request from bluetoothd: %s", why);
	g_dbus_method_invocation_return_dbus_error(inv, ERROR_REJECTED, why);
}

/* Makes @inv the pending request and hands it to the handler. */
static void dispatch(EarAgent *agent, EarRequest *req, GDBusMethodInvocation *inv)
{
	if (agent->pending) {
		refuse_now(inv, "another request is still pending");
		return;
	}
	agent->pending = inv; /* the return_* call that finishes it takes this reference */
	agent->pending_kind = req->kind;
	req->serial = ++agent->serial;
	agent->deadline = g_timeout_add(EAR_AGENT_DEADLINE_MS, on_deadline, agent);
	agent->handler->request(req, agent->user_data);
}

static gboolean valid_pin(const char *pin)
{
	gsize len = strlen(pin);
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isgraph(pin[i]))
			return FALSE;
	return len >= 1 && len <= 16;
}

/* Checks the values GDBus cannot: ranges, PIN characters, UUID syntax. */
static gboolean check_values(EarRequest *req, const char *uuid, char **uuid_out, const char **why)
{
	if (req->passkey > 999999)
		*why = "passkey out of range";
	else if (req->entered > 6)
		*why = "more than 6 digits entered";
	else if (req->pincode && !valid_pin(req->pincode))
		*why = "PIN must be 1 to 16 printable ASCII characters";
	else if (uuid && !(*uuid_out = ear_uuid_normalize(uuid)))
		*why = "malformed UUID";
	req->uuid = *uuid_out;
	return *why == NULL;
}

gboolean ear_agent_parse(EarRequestKind kind, GVariant *params, EarRequest *req, char **uuid_out,
	const char **why)
{
	const char *uuid = NULL;
	static const char *const types[] = {
		[EAR_REQ_CONFIRMATION] = "(ou)", [EAR_REQ_DISPLAY_PASSKEY] = "(ouq)",
		[EAR_REQ_PIN_CODE] = "(o)", [EAR_REQ_DISPLAY_PIN] = "(os)", [EAR_REQ_PASSKEY] = "(o)",
		[EAR_REQ_AUTHORIZATION] = "(o)", [EAR_REQ_SERVICE] = "(os)",
	};

	*req = (EarRequest){ .kind = kind };
	*uuid_out = NULL;
	*why = NULL;
	if (!g_variant_is_of_type(params, G_VARIANT_TYPE(types[kind]))) {
		*why = "wrong argument types";
		return FALSE;
	}
	switch (kind) {
	case EAR_REQ_CONFIRMATION:
		g_variant_get(params, "(&ou)", &req->device, &req->passkey);
		break;
	case EAR_REQ_DISPLAY_PASSKEY:
		g_variant_get(params, "(&ouq)", &req->device, &req->passkey, &req->entered);
		break;
	case EAR_REQ_DISPLAY_PIN:
		g_variant_get(params, "(&o&s)", &req->device, &req->pincode);
		break;
	case EAR_REQ_SERVICE:
		g_variant_get(params, "(&o&s)", &req->device, &uuid);
		break;
	case EAR_REQ_PIN_CODE:
	case EAR_REQ_PASSKEY:
	case EAR_REQ_AUTHORIZATION:
		g_variant_get(params, "(&o)", &req->device);
		break;
	}
	return check_values(req, uuid, uuid_out, why);
}

static void on_request(EarAgent *agent, EarRequestKind kind, GVariant *params,
	GDBusMethodInvocation *inv)
{
	EarRequest req;
	g_autofree char *uuid = NULL;
	const char *why;

	if (ear_agent_parse(kind, params, &req, &uuid, &why))
		dispatch(agent, &req, inv);
	else
		refuse_now(inv, why);
}

static void on_cancel(EarAgent *agent, GVariant *params, GDBusMethodInvocation *inv)
{
	g_info("bluetoothd cancelled the request");
	ear_agent_cancel(agent, agent->serial, "cancelled by bluetoothd");
	g_dbus_method_invocation_return_value(inv, NULL);
	agent->handler->cancel(agent->user_data);
}

static void on_release(EarAgent *agent, GVariant *params, GDBusMethodInvocation *inv)
{
	g_info("bluetoothd released the agent");
	ear_agent_cancel(agent, agent->serial, "agent released");
	g_dbus_method_invocation_return_value(inv, NULL);
	agent->handler->release(agent->user_data);
}

static const Method methods[] = {
	{ "RequestConfirmation", EAR_REQ_CONFIRMATION, NULL },
	{ "DisplayPasskey", EAR_REQ_DISPLAY_PASSKEY, NULL },
	{ "RequestPinCode", EAR_REQ_PIN_CODE, NULL },
	{ "DisplayPinCode", EAR_REQ_DISPLAY_PIN, NULL },
	{ "RequestPasskey", EAR_REQ_PASSKEY, NULL },
	{ "RequestAuthorization", EAR_REQ_AUTHORIZATION, NULL },
	{ "AuthorizeService", EAR_REQ_SERVICE, NULL },
	{ "Cancel", 0, on_cancel },
	{ "Release", 0, on_release },
};

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

	if (!sender_allowed(agent, inv))
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(methods); i++) {
		if (!g_str_equal(methods[i].name, method))
			continue;
		if (methods[i].func)
			methods[i].func(agent, params, inv);
		else
			on_request(agent, methods[i].kind, params, inv);
		return;
	}
	g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.DBus.Error.UnknownMethod",
		"no such method");
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
