// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Agent1 method table and the exported agent on its own: the table
 * against the interface XML GDBus is given, parsing driven by the table
 * (every method's own types accepted, every other type refused), and on a
 * private bus every table entry dispatched to the handler, wrong types and
 * strangers refused without reaching it.
 */
#include <check.h>
#include <string.h>

#include "agent-samples.h"
#include "check-main.h"
#include "earshot/agent.h"
#include "fake-bluez.h"

#define AGENT_PATH "/org/earshot/test/agent"
#define REJECTED "org.bluez.Error.Rejected"
#define CANCELED "org.bluez.Error.Canceled"
#define INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"

static const EarAgentMethod *method_at(gsize i)
{
	gsize n;
	const EarAgentMethod *table = ear_agent_methods(&n);
	ck_assert_uint_lt(i, n);
	return &table[i];
}

static gsize n_methods(void)
{
	gsize n;
	ear_agent_methods(&n);
	return n;
}

/* --- the table --- */

static char *args_type(GDBusArgInfo **args)
{
	GString *s = g_string_new("(");
	for (; args && *args; args++)
		g_string_append(s, (*args)->signature);
	g_string_append_c(s, ')');
	return g_string_free(s, FALSE);
}

START_TEST(test_table_matches_xml)
{
	g_autofree char *xml = NULL;
	g_autoptr(GError) error = NULL;
	ck_assert_msg(g_file_get_contents(AGENT1_XML, &xml, NULL, &error), "%s",
		error ? error->message : "");
	g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(xml, &error);
	ck_assert_msg(node != NULL, "%s", error ? error->message : "");
	GDBusInterfaceInfo *iface = g_dbus_node_info_lookup_interface(node, "org.bluez.Agent1");
	ck_assert_ptr_nonnull(iface);

	gsize in_xml = 0;
	for (GDBusMethodInfo **m = iface->methods; m && *m; m++, in_xml++) {
		const EarAgentMethod *t = ear_agent_method_lookup((*m)->name);
		g_autofree char *in = args_type((*m)->in_args);
		g_autofree char *out = args_type((*m)->out_args);
		ck_assert_msg(t != NULL, "%s is in the XML, not in the table", (*m)->name);
		ck_assert_str_eq(t->in, in);
		ck_assert_str_eq(t->out, out);
	}
	ck_assert_uint_eq(in_xml, n_methods()); /* and nothing in the table but the XML's */
}
END_TEST

START_TEST(test_every_kind_once)
{
	static const EarRequestKind kinds[] = { EAR_REQ_CONFIRMATION, EAR_REQ_DISPLAY_PASSKEY,
		EAR_REQ_PIN_CODE, EAR_REQ_DISPLAY_PIN, EAR_REQ_PASSKEY, EAR_REQ_AUTHORIZATION,
		EAR_REQ_SERVICE };
	guint requests = 0;

	for (gsize i = 0; i < n_methods(); i++) {
		const EarAgentMethod *m = method_at(i);
		ck_assert_ptr_eq(ear_agent_method_lookup(m->name), m); /* names unique */
		if (m->call == EAR_AGENT_CALL_REQUEST)
			requests++;
	}
	ck_assert_uint_eq(requests, G_N_ELEMENTS(kinds));
	for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
		const EarAgentMethod *m = ear_agent_method_of_kind(kinds[k]);
		ck_assert_int_eq(m->call, EAR_AGENT_CALL_REQUEST);
		ck_assert_int_eq(m->kind, kinds[k]);
		ck_assert_str_eq(ear_request_kind_name(kinds[k]), m->name);
	}
	ck_assert_str_eq(ear_request_kind_name(EAR_REQ_SERVICE), "AuthorizeService");
	ck_assert_ptr_null(ear_agent_method_lookup("Introspect"));
}
END_TEST

/* Each method's own types, with valid values, are accepted. */
START_TEST(test_parse_own_signature)
{
	const EarAgentMethod *m = method_at(_i);
	g_autoptr(GVariant) args = g_variant_ref_sink(agent_sample_args(m->in));
	g_autoptr(GError) error = NULL;

	if (m->call != EAR_AGENT_CALL_REQUEST) {
		ck_assert(ear_agent_method_check_args(m, args, &error));
		return;
	}
	EarRequest req;
	g_autofree char *uuid = NULL;
	ck_assert_msg(ear_agent_parse(m->kind, args, &req, &uuid, &error), "%s: %s", m->name,
		error ? error->message : "");
	ck_assert_int_eq(req.kind, m->kind);
	ck_assert_str_eq(req.device, SAMPLE_DEVICE);
	ck_assert_ptr_eq(req.uuid, uuid);
	ck_assert(m->kind != EAR_REQ_SERVICE ||
		g_str_equal(uuid, "0000110b-0000-1000-8000-00805f9b34fb"));
	ck_assert(m->kind != EAR_REQ_DISPLAY_PIN || g_str_equal(req.pincode, SAMPLE_STRING));
}
END_TEST

/* Every other method's types, and a few more, are refused by name. */
START_TEST(test_parse_wrong_signature)
{
	const EarAgentMethod *m = method_at(_i);
	g_autoptr(GPtrArray) wrong = g_ptr_array_new();
	static const char *const extra[] = { "(s)", "(so)", "(ouqq)", "(uo)" };

	for (gsize j = 0; j < n_methods(); j++)
		if (!g_str_equal(method_at(j)->in, m->in))
			g_ptr_array_add(wrong, (gpointer)method_at(j)->in);
	for (gsize j = 0; j < G_N_ELEMENTS(extra); j++)
		g_ptr_array_add(wrong, (gpointer)extra[j]);
	ck_assert_uint_ge(wrong->len, G_N_ELEMENTS(extra) + 2);

	for (guint j = 0; j < wrong->len; j++) {
		const char *sig = g_ptr_array_index(wrong, j);
		g_autoptr(GVariant) args = g_variant_ref_sink(agent_sample_args(sig));
		g_autoptr(GError) error = NULL;
		g_autofree char *want = g_strdup_printf("%s takes %s, not %s", m->name, m->in, sig);
		EarRequest req;
		g_autofree char *uuid = NULL;
		gboolean ok = m->call == EAR_AGENT_CALL_REQUEST ?
			ear_agent_parse(m->kind, args, &req, &uuid, &error) :
			ear_agent_method_check_args(m, args, &error);

		ck_assert_msg(!ok, "%s accepted %s", m->name, sig);
		ck_assert(g_error_matches(error, EAR_AGENT_ERROR, EAR_AGENT_ERROR_SIGNATURE));
		ck_assert_str_eq(error->message, want);
		ck_assert_ptr_null(uuid);
	}
}
END_TEST

typedef struct {
	EarRequestKind kind;
	const char *args; /* GVariant text format */
	const char *why;
} BadValue;

#define DEV "objectpath '" SAMPLE_DEVICE "', "

static const BadValue bad_values[] = {
	{ EAR_REQ_CONFIRMATION, "(" DEV "uint32 1000000)",
		"RequestConfirmation: passkey out of range" },
	{ EAR_REQ_DISPLAY_PASSKEY, "(" DEV "uint32 1, uint16 7)",
		"DisplayPasskey: more than 6 digits entered" },
	{ EAR_REQ_DISPLAY_PIN, "(" DEV "'12 34')",
		"DisplayPinCode: PIN must be 1 to 16 printable ASCII characters" },
	{ EAR_REQ_DISPLAY_PIN, "(" DEV "'')",
		"DisplayPinCode: PIN must be 1 to 16 printable ASCII characters" },
	{ EAR_REQ_SERVICE, "(" DEV "'0000110b-0000-1000-8000+00805f9b34fb')",
		"AuthorizeService: malformed UUID" },
};

static GVariant *bad_args(const BadValue *b)
{
	return g_variant_new_parsed(b->args);
}

START_TEST(test_parse_bad_values)
{
	const BadValue *b = &bad_values[_i];
	g_autoptr(GVariant) args = g_variant_ref_sink(bad_args(b));
	g_autoptr(GError) error = NULL;
	EarRequest req;
	g_autofree char *uuid = NULL;

	ck_assert(!ear_agent_parse(b->kind, args, &req, &uuid, &error));
	ck_assert(g_error_matches(error, EAR_AGENT_ERROR, EAR_AGENT_ERROR_VALUE));
	ck_assert_str_eq(error->message, b->why);
	ck_assert_ptr_null(uuid);
}
END_TEST

/* --- the exported agent on a private bus --- */

typedef struct {
	EarAgent *agent;
	char *owner; /* who plays bluetoothd */
	gboolean hold; /* leave requests pending */
	guint requests, cancels, releases;
	EarRequestKind kind;
	char *device;
} Recorder;

static GTestDBus *bus;
static GDBusConnection *ours, *bluez, *stranger;
static Recorder rec;

static void on_request(const EarRequest *req, gpointer data)
{
	Recorder *r = data;
	r->requests++;
	r->kind = req->kind;
	g_free(r->device);
	r->device = g_strdup(req->device);
	if (r->hold)
		return;
	if (req->kind == EAR_REQ_PIN_CODE)
		ck_assert(ear_agent_give_pin(r->agent, req->serial, "0000"));
	else if (req->kind == EAR_REQ_PASSKEY) /* there is no call to give a passkey */
		ck_assert(ear_agent_reject(r->agent, req->serial, "cannot type"));
	else
		ck_assert(ear_agent_accept(r->agent, req->serial));
}

static void on_cancel(gpointer data)
{
	((Recorder *)data)->cancels++;
}

static void on_release(gpointer data)
{
	((Recorder *)data)->releases++;
}

static const char *owner(gpointer data)
{
	return ((Recorder *)data)->owner;
}

static const EarAgentHandler handler = {
	.request = on_request, .cancel = on_cancel, .release = on_release, .bluez_owner = owner,
};

static void setup(void)
{
	g_autoptr(GError) error = NULL;

	bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(bus);
	ours = fake_bus_connect(g_test_dbus_get_bus_address(bus), &error);
	bluez = fake_bus_connect(g_test_dbus_get_bus_address(bus), &error);
	stranger = fake_bus_connect(g_test_dbus_get_bus_address(bus), &error);
	ck_assert(ours && bluez && stranger);
	rec = (Recorder){ .owner = g_strdup(g_dbus_connection_get_unique_name(bluez)) };
	rec.agent = ear_agent_new(ours, AGENT_PATH, &handler, &rec, &error);
	ck_assert_msg(rec.agent != NULL, "%s", error ? error->message : "");
}

static void close_bus_connection(GDBusConnection **c)
{
	if (*c)
		g_dbus_connection_close_sync(*c, NULL, NULL);
	g_clear_object(c);
}

static void teardown(void)
{
	g_clear_pointer(&rec.agent, ear_agent_free);
	g_clear_pointer(&rec.owner, g_free);
	g_clear_pointer(&rec.device, g_free);
	close_bus_connection(&ours);
	close_bus_connection(&bluez);
	close_bus_connection(&stranger);
	g_test_dbus_down(bus);
	g_clear_object(&bus);
}

/* Calls @method on the agent from @from and waits for the reply. */
static FakeCall *call_agent(GDBusConnection *from, const char *method, GVariant *args)
{
	FakeCall *c = fake_call_new(from, g_dbus_connection_get_unique_name(ours), AGENT_PATH,
		method, args, FALSE);
	ck_assert(fake_call_wait(c, 5000));
	return c;
}

START_TEST(test_every_method_dispatches)
{
	const EarAgentMethod *m = method_at(_i);
	g_autoptr(FakeCall) c = call_agent(bluez, m->name, agent_sample_args(m->in));

	switch (m->call) {
	case EAR_AGENT_CALL_REQUEST:
		ck_assert_uint_eq(rec.requests, 1);
		ck_assert_int_eq(rec.kind, m->kind);
		ck_assert_str_eq(rec.device, SAMPLE_DEVICE);
		break;
	case EAR_AGENT_CALL_CANCEL:
		ck_assert_uint_eq(rec.cancels, 1);
		break;
	case EAR_AGENT_CALL_RELEASE:
		ck_assert_uint_eq(rec.releases, 1);
		break;
	}
	if (m->call == EAR_AGENT_CALL_REQUEST && m->kind == EAR_REQ_PASSKEY) {
		ck_assert_str_eq(fake_call_error_name(c), REJECTED);
		return;
	}
	ck_assert_msg(fake_call_error_name(c) == NULL, "%s: %s", m->name, fake_call_error_name(c));
	ck_assert_str_eq(g_variant_get_type_string(fake_call_reply(c)), m->out);
	ck_assert_uint_eq(ear_agent_pending(rec.agent), 0);
}
END_TEST

/* Wrong argument types never reach the handler, whichever layer catches them. */
START_TEST(test_wrong_signature_refused)
{
	const EarAgentMethod *m = method_at(_i);
	const char *wrong = g_str_equal(m->in, "(s)") ? "(u)" : "(s)";
	g_autoptr(FakeCall) c = call_agent(bluez, m->name, agent_sample_args(wrong));

	ck_assert_str_eq(fake_call_error_name(c), INVALID_ARGS);
	ck_assert_uint_eq(rec.requests + rec.cancels + rec.releases, 0);
}
END_TEST

START_TEST(test_stranger_refused)
{
	const EarAgentMethod *m = method_at(_i);
	g_autoptr(FakeCall) c = call_agent(stranger, m->name, agent_sample_args(m->in));

	ck_assert_str_eq(fake_call_error_name(c), REJECTED);
	ck_assert_uint_eq(rec.requests + rec.cancels + rec.releases, 0);
}
END_TEST

START_TEST(test_bad_value_rejected)
{
	const BadValue *b = &bad_values[_i];
	g_autoptr(FakeCall) c = call_agent(bluez, ear_request_kind_name(b->kind), bad_args(b));

	ck_assert_str_eq(fake_call_error_name(c), REJECTED);
	ck_assert_str_eq(fake_call_error_message(c), b->why);
	ck_assert_uint_eq(rec.requests, 0);
}
END_TEST

START_TEST(test_one_pending_then_cancel)
{
	const EarAgentMethod *m = ear_agent_method_of_kind(EAR_REQ_CONFIRMATION);
	rec.hold = TRUE;
	g_autoptr(FakeCall) first = fake_call_new(bluez, g_dbus_connection_get_unique_name(ours),
		AGENT_PATH, m->name, agent_sample_args(m->in), FALSE);
	g_autoptr(FakeCall) second = call_agent(bluez, m->name, agent_sample_args(m->in));

	ck_assert_str_eq(fake_call_error_name(second), REJECTED);
	ck_assert_str_eq(fake_call_error_message(second),
		"RequestConfirmation: another request is still pending");
	ck_assert_uint_eq(rec.requests, 1);
	ck_assert(!fake_call_done(first));
	ck_assert_uint_ne(ear_agent_pending(rec.agent), 0);
	g_autoptr(FakeCall) cancel = call_agent(bluez, "Cancel", NULL);
	ck_assert(fake_call_wait(first, 5000));
	ck_assert_str_eq(fake_call_error_name(first), CANCELED);
	ck_assert_uint_eq(rec.cancels, 1);
	ck_assert_uint_eq(ear_agent_pending(rec.agent), 0);
}
END_TEST

static Suite *agent_suite(void)
{
	Suite *s = suite_create("agent");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, test_table_matches_xml);
	tcase_add_test(tc, test_every_kind_once);
	tcase_add_loop_test(tc, test_parse_own_signature, 0, (int)n_methods());
	tcase_add_loop_test(tc, test_parse_wrong_signature, 0, (int)n_methods());
	tcase_add_loop_test(tc, test_parse_bad_values, 0, G_N_ELEMENTS(bad_values));
	suite_add_tcase(s, tc);

	tc = tcase_create("bus");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_every_method_dispatches, 0, (int)n_methods());
	tcase_add_loop_test(tc, test_wrong_signature_refused, 0, (int)n_methods());
	tcase_add_loop_test(tc, test_stranger_refused, 0, (int)n_methods());
	tcase_add_loop_test(tc, test_bad_value_rejected, 0, G_N_ELEMENTS(bad_values));
	tcase_add_test(tc, test_one_pending_then_cancel);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(agent_suite)
