// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed corpus of fuzz-agent-args from the agent's method table:
 *   meson compile -C build-fuzz tests/fuzz/make-agent-seeds
 *   build-fuzz/tests/fuzz/make-agent-seeds tests/fuzz/corpus/fuzz-agent-args
 * Each file: table index byte, type byte (0 = the entry's own arguments,
 * n = those of table entry n-1), serialized body. Per entry: its own
 * arguments, each other argument type of the table, a request's own type
 * read from the bytes of another, and the edge values of the requests that
 * have them.
 */
#include <string.h>

#include <glib.h>

#include "../agent-samples.h"
#include "earshot/agent-methods.h"

static const char *dir;

static void put(const char *name, gsize index, gsize type, GVariant *v)
{
	g_autoptr(GVariant) sunk = g_variant_ref_sink(v);
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree char *path = g_build_filename(dir, name, NULL);
	guint8 head[2] = { (guint8)index, (guint8)type };

	g_byte_array_append(out, head, 2);
	g_byte_array_append(out, g_variant_get_data(sunk), (guint)g_variant_get_size(sunk));
	if (!g_file_set_contents(path, (const char *)out->data, out->len, NULL))
		g_error("cannot write %s", path);
}

/* "(ouq)" → "ouq", "()" → "none": the part of a file name that names a type. */
static char *type_label(const char *type)
{
	gsize len = strlen(type);
	return len > 2 ? g_strndup(type + 1, len - 2) : g_strdup("none");
}

/* Table index of request @kind. */
static gsize index_of(const EarAgentMethod *table, EarRequestKind kind)
{
	return (gsize)(ear_agent_method_of_kind(kind) - table);
}

/* Values at and beyond the limits ear_agent_parse() checks. */
static void put_edges(const EarAgentMethod *t)
{
	const char *dev = SAMPLE_DEVICE;
	gsize conf = index_of(t, EAR_REQ_CONFIRMATION), disp = index_of(t, EAR_REQ_DISPLAY_PASSKEY);
	gsize pin = index_of(t, EAR_REQ_DISPLAY_PIN), svc = index_of(t, EAR_REQ_SERVICE);

	put("RequestConfirmation-zero", conf, 0, g_variant_new("(ou)", dev, 0));
	put("RequestConfirmation-999999", conf, 0, g_variant_new("(ou)", dev, 999999));
	put("RequestConfirmation-1000000", conf, 0, g_variant_new("(ou)", dev, 1000000));
	put("DisplayPasskey-entered-7", disp, 0, g_variant_new("(ouq)", dev, 42, 7));
	put("DisplayPinCode-16", pin, 0, g_variant_new("(os)", dev, "abcdefghijklmnop"));
	put("DisplayPinCode-17", pin, 0, g_variant_new("(os)", dev, "abcdefghijklmnopq"));
	put("DisplayPinCode-space", pin, 0, g_variant_new("(os)", dev, "12 34"));
	put("DisplayPinCode-empty", pin, 0, g_variant_new("(os)", dev, ""));
	put("RequestAuthorization-root", index_of(t, EAR_REQ_AUTHORIZATION), 0,
		g_variant_new("(o)", "/"));
	put("AuthorizeService-32", svc, 0, g_variant_new("(os)", dev, "0000110B"));
	put("AuthorizeService-128", svc, 0,
		g_variant_new("(os)", dev, "0000110A-0000-1000-8000-00805F9B34FB"));
	put("AuthorizeService-bad", svc, 0,
		g_variant_new("(os)", dev, "0000110a-0000-1000-8000+00805f9b34fb"));
}

/* Entry @i given each argument type of the table but its own, once per type. */
static void put_wrong_types(const EarAgentMethod *t, gsize n, gsize i)
{
	g_autoptr(GHashTable) done = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_add(done, (gpointer)t[i].in);
	for (gsize j = 0; j < n; j++) {
		if (!g_hash_table_add(done, (gpointer)t[j].in))
			continue;
		g_autofree char *label = type_label(t[j].in);
		g_autofree char *name = g_strdup_printf("%s-as-%s", t[i].name, label);
		put(name, i, j + 1, agent_sample_args(t[j].in));
		if (t[i].call != EAR_AGENT_CALL_REQUEST)
			continue; /* "()" reads the same from any bytes */
		/* and its own type read from those bytes */
		g_autofree char *body = g_strdup_printf("%s-body-of-%s", t[i].name, label);
		put(body, i, 0, agent_sample_args(t[j].in));
	}
}

int main(int argc, char **argv)
{
	gsize n;
	const EarAgentMethod *table = ear_agent_methods(&n);

	dir = argc > 1 ? argv[1] : ".";
	for (gsize i = 0; i < n; i++) {
		put(table[i].name, i, 0, agent_sample_args(table[i].in));
		put_wrong_types(table, n, i);
	}
	put_edges(table);
	return 0;
}
