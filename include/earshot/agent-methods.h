/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The org.bluez.Agent1 contract as one table: each method's name, what it
 * is to Earshot (a request of some kind, Cancel or Release) and the GVariant
 * types of its arguments and of its reply. The table drives the agent's
 * dispatch, its argument parsing, the request names in logs and the fuzzer;
 * a test checks it against src/dbus/org.bluez.Agent1.xml, from which GDBus
 * gets the same contract. Pure: no D-Bus traffic, no state.
 */
#ifndef EARSHOT_AGENT_METHODS_H
#define EARSHOT_AGENT_METHODS_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	EAR_REQ_CONFIRMATION,    /* RequestConfirmation(o, u) */
	EAR_REQ_DISPLAY_PASSKEY, /* DisplayPasskey(o, u, q) */
	EAR_REQ_PIN_CODE,        /* RequestPinCode(o) -> s */
	EAR_REQ_DISPLAY_PIN,     /* DisplayPinCode(o, s) */
	EAR_REQ_PASSKEY,         /* RequestPasskey(o) -> u */
	EAR_REQ_AUTHORIZATION,   /* RequestAuthorization(o) */
	EAR_REQ_SERVICE,         /* AuthorizeService(o, s) */
} EarRequestKind;

typedef enum {
	EAR_AGENT_CALL_REQUEST, /* a request: one may be pending, each gets exactly one reply */
	EAR_AGENT_CALL_CANCEL,  /* bluetoothd gave up the pending request */
	EAR_AGENT_CALL_RELEASE, /* bluetoothd no longer uses this agent */
} EarAgentCall;

typedef struct {
	const char *name; /* the D-Bus method name */
	EarAgentCall call;
	EarRequestKind kind; /* EAR_AGENT_CALL_REQUEST only */
	const char *in;      /* GVariant type of the arguments, e.g. "(ou)" */
	const char *out;     /* GVariant type of a successful reply, e.g. "()" */
} EarAgentMethod;

/* Every Agent1 method, each request kind exactly once; static, never freed. */
const EarAgentMethod *ear_agent_methods(gsize *n_methods);

/* The table entry of @name, or NULL if Agent1 has no such method. */
const EarAgentMethod *ear_agent_method_lookup(const char *name);

/* The table entry of a request kind; never NULL. */
const EarAgentMethod *ear_agent_method_of_kind(EarRequestKind kind);

/* The method name of a request kind, for logs. */
const char *ear_request_kind_name(EarRequestKind kind);

typedef struct {
	guint64 serial; /* identifies the pending request in the agent's answer functions */
	EarRequestKind kind;
	const char *device; /* object path */
	guint32 passkey;    /* RequestConfirmation, DisplayPasskey: 0..999999 */
	guint16 entered;    /* DisplayPasskey: 0..6 */
	const char *pincode; /* DisplayPinCode: 1..16 printable ASCII characters */
	const char *uuid;    /* AuthorizeService: normalised 128-bit UUID */
} EarRequest;

#define EAR_AGENT_ERROR (ear_agent_error_quark())
GQuark ear_agent_error_quark(void);

typedef enum {
	EAR_AGENT_ERROR_SIGNATURE, /* the arguments are not of the method's types */
	EAR_AGENT_ERROR_VALUE,     /* the types are right, a value is not */
} EarAgentError;

/*
 * Checks that @params has the argument types of @method; FALSE with @error
 * (EAR_AGENT_ERROR_SIGNATURE, naming both types) if not.
 */
gboolean ear_agent_method_check_args(const EarAgentMethod *method, GVariant *params,
	GError **error);

/*
 * Parses the arguments of an Agent1 request of @kind: checks their types
 * against the table, then their values. On success the strings in @req point
 * into @params, except req->uuid, which is *@uuid (the caller frees it). On
 * failure, @error says what is wrong (an EarAgentError) and *@uuid is NULL.
 */
gboolean ear_agent_parse(EarRequestKind kind, GVariant *params, EarRequest *req, char **uuid,
	GError **error);

G_END_DECLS

#endif /* EARSHOT_AGENT_METHODS_H */
