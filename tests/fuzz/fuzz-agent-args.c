// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: Agent1 argument handling (ear_agent_parse).
 *
 * Input: byte 0 picks the request kind (modulo 7), byte 1 picks the GVariant
 * type the rest is read as (0: the kind's own signature; otherwise any entry of
 * signatures[], most of them wrong for the kind), bytes 2.. are the serialized
 * body. GDBus only ever delivers normal-form variants of the method's
 * signature, so the parser is tried on the normal form, and, because GVariant
 * promises safe access to any serialized bytes, on the raw variant too.
 */
#include "fuzz-common.h"

#include <string.h>

#include "earshot/agent.h"

#define N_KINDS 7

static const char *const kind_signature[N_KINDS] = {
	[EAR_REQ_CONFIRMATION] = "(ou)", [EAR_REQ_DISPLAY_PASSKEY] = "(ouq)",
	[EAR_REQ_PIN_CODE] = "(o)", [EAR_REQ_DISPLAY_PIN] = "(os)", [EAR_REQ_PASSKEY] = "(o)",
	[EAR_REQ_AUTHORIZATION] = "(o)", [EAR_REQ_SERVICE] = "(os)",
};

/* The right shapes plus near misses a confused or hostile caller could send. */
static const char *const signatures[] = {
	"(ou)", "(ouq)", "(o)", "(os)",
	"(s)", "(su)", "(ouu)", "(oq)", "(oy)", "(ot)", "(oi)", "(ouqq)", "(os)", "(oo)", "(ss)",
	"(ouq)", "(ouy)", "(ov)", "(oas)", "(oay)", "(u)", "()", "(o(u))", "(ms)", "(mo)",
	"(osu)", "(sos)", "(os)", "(ouv)", "o", "u", "s", "v", "as", "a{sv}", "(ou)",
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

static void check_success(EarRequestKind kind, GVariant *v, const EarRequest *req,
	const char *uuid)
{
	FUZZ_ASSERT(g_variant_is_of_type(v, G_VARIANT_TYPE(kind_signature[kind])), "right type");
	FUZZ_ASSERT(req->kind == kind, "kind kept");
	FUZZ_ASSERT(req->device != NULL && g_variant_is_object_path(req->device), "device path");
	FUZZ_ASSERT(req->passkey <= 999999, "passkey <= 999999");
	FUZZ_ASSERT(req->entered <= 6, "entered <= 6");
	FUZZ_ASSERT(!req->pincode || is_printable_pin(req->pincode), "PIN 1-16 printable ASCII");
	FUZZ_ASSERT((kind == EAR_REQ_DISPLAY_PIN) == (req->pincode != NULL), "PIN only for DisplayPinCode");
	FUZZ_ASSERT((kind == EAR_REQ_SERVICE) == (uuid != NULL), "UUID only for AuthorizeService");
	FUZZ_ASSERT(req->uuid == uuid, "req->uuid is the returned UUID");
	FUZZ_ASSERT(!uuid || is_normal_uuid(uuid), "UUID normalised");
}

static void parse_one(EarRequestKind kind, GVariant *v)
{
	EarRequest req;
	g_autofree char *uuid = NULL;
	const char *why = NULL;

	if (ear_agent_parse(kind, v, &req, &uuid, &why)) {
		FUZZ_ASSERT(why == NULL, "no reason on success");
		check_success(kind, v, &req, uuid);
	} else {
		FUZZ_ASSERT(why != NULL && *why, "a reason on failure");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	EarRequestKind kind = (EarRequestKind)(data[0] % N_KINDS);
	const char *signature = data[1] ? signatures[data[1] % G_N_ELEMENTS(signatures)] :
		kind_signature[kind];
	g_autoptr(GBytes) body = g_bytes_new(data + 2, size - 2);
	g_autoptr(GVariant) raw = g_variant_ref_sink(
		g_variant_new_from_bytes(G_VARIANT_TYPE(signature), body, FALSE));
	g_autoptr(GVariant) normal = g_variant_get_normal_form(raw);

	parse_one(kind, normal);
	parse_one(kind, raw);
	return 0;
}
