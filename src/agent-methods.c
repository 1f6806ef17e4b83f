// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Agent1 table and the parsing of a request's arguments. GDBus already
 * refuses calls whose types differ from the introspection data; the parser
 * checks them again against the table because it is also fed directly (by
 * the fuzzer) and must never trust its input.
 */
#include "earshot/agent-methods.h"

#include <string.h>

#include "earshot/uuid.h"

G_DEFINE_QUARK(earshot-agent-error-quark, ear_agent_error)

#define REQUEST(n, k, i, o)                                                                        \
	{ .name = (n), .call = EAR_AGENT_CALL_REQUEST, .kind = (k), .in = (i), .out = (o) }

/* BlueZ doc/agent-api.txt; the order of the request kinds is that of EarRequestKind. */
static const EarAgentMethod methods[] = {
	REQUEST("RequestConfirmation", EAR_REQ_CONFIRMATION, "(ou)", "()"),
	REQUEST("DisplayPasskey", EAR_REQ_DISPLAY_PASSKEY, "(ouq)", "()"),
	REQUEST("RequestPinCode", EAR_REQ_PIN_CODE, "(o)", "(s)"),
	REQUEST("DisplayPinCode", EAR_REQ_DISPLAY_PIN, "(os)", "()"),
	REQUEST("RequestPasskey", EAR_REQ_PASSKEY, "(o)", "(u)"),
	REQUEST("RequestAuthorization", EAR_REQ_AUTHORIZATION, "(o)", "()"),
	REQUEST("AuthorizeService", EAR_REQ_SERVICE, "(os)", "()"),
	{ .name = "Cancel", .call = EAR_AGENT_CALL_CANCEL, .in = "()", .out = "()" },
	{ .name = "Release", .call = EAR_AGENT_CALL_RELEASE, .in = "()", .out = "()" },
};

const EarAgentMethod *ear_agent_methods(gsize *n_methods)
{
	*n_methods = G_N_ELEMENTS(methods);
	return methods;
}

const EarAgentMethod *ear_agent_method_lookup(const char *name)
{
	for (gsize i = 0; name && i < G_N_ELEMENTS(methods); i++)
		if (g_str_equal(methods[i].name, name))
			return &methods[i];
	return NULL;
}

const EarAgentMethod *ear_agent_method_of_kind(EarRequestKind kind)
{
	for (gsize i = 0; i < G_N_ELEMENTS(methods); i++)
		if (methods[i].call == EAR_AGENT_CALL_REQUEST && methods[i].kind == kind)
			return &methods[i];
	g_assert_not_reached(); /* a kind without an entry: the table is incomplete */
}

const char *ear_request_kind_name(EarRequestKind kind)
{
	return ear_agent_method_of_kind(kind)->name;
}

gboolean ear_agent_method_check_args(const EarAgentMethod *method, GVariant *params,
	GError **error)
{
	const char *got = params ? g_variant_get_type_string(params) : "()";

	if (g_str_equal(got, method->in))
		return TRUE;
	g_set_error(error, EAR_AGENT_ERROR, EAR_AGENT_ERROR_SIGNATURE, "%s takes %s, not %s",
		method->name, method->in, got);
	return FALSE;
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
static const char *check_values(EarRequest *req, const char *uuid, char **uuid_out)
{
	if (req->passkey > 999999)
		return "passkey out of range";
	if (req->entered > 6)
		return "more than 6 digits entered";
	if (req->pincode && !valid_pin(req->pincode))
		return "PIN must be 1 to 16 printable ASCII characters";
	if (uuid && !(*uuid_out = ear_uuid_normalize(uuid)))
		return "malformed UUID";
	req->uuid = *uuid_out;
	return NULL;
}

/* Reads the arguments of a request whose types have been checked. */
static void get_args(EarRequest *req, GVariant *params, const char **uuid)
{
	switch (req->kind) {
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
		g_variant_get(params, "(&o&s)", &req->device, uuid);
		break;
	case EAR_REQ_PIN_CODE:
	case EAR_REQ_PASSKEY:
	case EAR_REQ_AUTHORIZATION:
		g_variant_get(params, "(&o)", &req->device);
		break;
	}
}

gboolean ear_agent_parse(EarRequestKind kind, GVariant *params, EarRequest *req, char **uuid_out,
	GError **error)
{
	const EarAgentMethod *method = ear_agent_method_of_kind(kind);
	const char *uuid = NULL;
	const char *why;

	*req = (EarRequest){ .kind = kind };
	*uuid_out = NULL;
	if (!ear_agent_method_check_args(method, params, error))
		return FALSE;
	get_args(req, params, &uuid);
	why = check_values(req, uuid, uuid_out);
	if (!why)
		return TRUE;
	g_set_error(error, EAR_AGENT_ERROR, EAR_AGENT_ERROR_VALUE, "%s: %s", method->name, why);
	return FALSE;
}
