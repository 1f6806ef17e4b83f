// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: Agent1 argument handling, driven by the agent's method
 * table (ear_agent_methods()).
 *
 * Input: byte 0 picks a table entry (modulo the table's length), byte 1 the
 * GVariant type the rest is read as (0: the entry's own arguments; 1..n: the
 * arguments of table entry n-1; above: an entry of near_misses[]), bytes 2..
 * are the serialized body. A request goes through ear_agent_parse(), Cancel
 * and Release through ear_agent_method_check_args(). GDBus only ever
 * delivers normal-form variants of the method's signature, so each is tried
 * on the normal form, and, because GVariant promises safe access to any
 * serialized bytes, on the raw variant too.
 */
#include "fuzz-common.h"

#include <string.h>

#include "earshot/agent-methods.h"

/* Shapes a confused or hostile caller could send that no Agent1 method takes. */
static const char *const near_misses[] = {
	"(s)", "(su)", "(ouu)", "(oq)", "(oy)", "(ot)", "(oi)", "(ouqq)", "(oo)", "(ss)",
	"(ouy)", "(ov)", "(oas)", "(oay)", "(u)", "(o(u))", "(ms)", "(mo)", "(osu)", "(sos)",
	"(ouv)", "o", "u", "s", "v", "as", "a{sv}",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	return 0;
}

static gboolean is_normal_uuid(const char *u)
{
	if (strlen(u) != 36)
		return FALSE;
	for (int i = 0; i < 36; i++) {
		gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? u[i] != '-' : !(g_ascii_isdigit(u[i]) || (u[i] >= 'a' && u[i] <= 'f')))
			return FALSE;
	}
	return TRUE;
}

static gboolean is_printable_pin(const char *pin)
{
	gsize len = strlen(pin);
	for (gsize i = 0; i < len; i++)
		if (pin[i] < 0x21 || pin[i] > 0x7e)
			return FALSE;
	return len >= 1 && len <= 16;
}

static void check_success(const EarAgentMethod *m, GVariant *v, const EarRequest *req,
	const char *uuid)
{
	FUZZ_ASSERT(g_variant_is_of_type(v, G_VARIANT_TYPE(m->in)), "the table's type");
	FUZZ_ASSERT(req->kind == m->kind, "kind kept");
	FUZZ_ASSERT(req->device != NULL && g_variant_is_object_path(req->device), "device path");
	FUZZ_ASSERT(req->passkey <= 999999, "passkey <= 999999");
	FUZZ_ASSERT(req->entered <= 6, "entered <= 6");
	FUZZ_ASSERT(!req->pincode || is_printable_pin(req->pincode), "PIN 1-16 printable ASCII");
	FUZZ_ASSERT((m->kind == EAR_REQ_DISPLAY_PIN) == (req->pincode != NULL),
		"PIN only for DisplayPinCode");
	FUZZ_ASSERT((m->kind == EAR_REQ_SERVICE) == (uuid != NULL),
		"UUID only for AuthorizeService");
	FUZZ_ASSERT(req->uuid == uuid, "req->uuid is the returned UUID");
	FUZZ_ASSERT(!uuid || is_normal_uuid(uuid), "UUID normalised");
}

/* A refusal says why, and it is about the types exactly when they are not the table's. */
static void check_failure(const EarAgentMethod *m, GVariant *v, const GError *error)
{
	gboolean right_type = g_variant_is_of_type(v, G_VARIANT_TYPE(m->in));

	FUZZ_ASSERT(error != NULL && error->domain == EAR_AGENT_ERROR && *error->message,
		"a reason on failure");
	FUZZ_ASSERT((error->code == EAR_AGENT_ERROR_SIGNATURE) == !right_type,
		"a type error exactly for a type other than the table's");
}

static void parse_one(const EarAgentMethod *m, GVariant *v)
{
	EarRequest req;
	g_autofree char *uuid = NULL;
	g_autoptr(GError) error = NULL;

	if (m->call != EAR_AGENT_CALL_REQUEST) {
		gboolean ok = ear_agent_method_check_args(m, v, &error);
		if (!ok)
			check_failure(m, v, error);
		FUZZ_ASSERT(!ok || g_variant_is_of_type(v, G_VARIANT_TYPE(m->in)),
			"the table's type");
	} else if (ear_agent_parse(m->kind, v, &req, &uuid, &error)) {
		FUZZ_ASSERT(error == NULL, "no error on success");
		check_success(m, v, &req, uuid);
	} else {
		FUZZ_ASSERT(uuid == NULL, "no UUID on failure");
		check_failure(m, v, error);
	}
}

static const char *pick_type(const EarAgentMethod *table, gsize n, const EarAgentMethod *m,
	guint8 byte)
{
	if (byte == 0)
		return m->in;
	if (byte - 1u < n)
		return table[byte - 1].in;
	return near_misses[(byte - 1u - n) % G_N_ELEMENTS(near_misses)];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gsize n;
	const EarAgentMethod *table = ear_agent_methods(&n);

	if (size < 2)
		return 0;
	const EarAgentMethod *m = &table[data[0] % n];
	const char *type = pick_type(table, n, m, data[1]);
	g_autoptr(GBytes) body = g_bytes_new(data + 2, size - 2);
	g_autoptr(GVariant) raw = g_variant_ref_sink(
		g_variant_new_from_bytes(G_VARIANT_TYPE(type), body, FALSE));
	g_autoptr(GVariant) normal = g_variant_get_normal_form(raw);

	parse_one(m, normal);
	parse_one(m, raw);
	return 0;
}
