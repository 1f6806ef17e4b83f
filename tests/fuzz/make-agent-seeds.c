// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the seed corpus of fuzz-agent-args (not built by meson):
 *   cc make-agent-seeds.c $(pkg-config --cflags --libs glib-2.0) -o /tmp/seeds
 *   /tmp/seeds corpus/fuzz-agent-args
 * Each file: kind byte, signature byte (0 = the kind's own), serialized body.
 */
#include <stdio.h>

#include <glib.h>

#define DEV "/org/bluez/hci0/dev_00_11_22_33_44_55"

static void put(const char *dir, const char *name, guint8 kind, guint8 sig, GVariant *v)
{
	g_autoptr(GVariant) sunk = g_variant_ref_sink(v);
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree char *path = g_build_filename(dir, name, NULL);
	guint8 head[2] = { kind, sig };

	g_byte_array_append(out, head, 2);
	g_byte_array_append(out, g_variant_get_data(sunk), (guint)g_variant_get_size(sunk));
	if (!g_file_set_contents(path, (const char *)out->data, out->len, NULL))
		g_error("cannot write %s", path);
}

int main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : ".";
	/* kinds: 0 Confirmation (ou), 1 DisplayPasskey (ouq), 2 PinCode (o), 3 DisplayPin (os),
	 * 4 Passkey (o), 5 Authorization (o), 6 Service (os) */
	put(d, "confirmation", 0, 0, g_variant_new("(ou)", DEV, 123456));
	put(d, "confirmation-zero", 0, 0, g_variant_new("(ou)", DEV, 0));
	put(d, "confirmation-max", 0, 0, g_variant_new("(ou)", DEV, 999999));
	put(d, "confirmation-too-big", 0, 0, g_variant_new("(ou)", DEV, 1000000));
	put(d, "display-passkey", 1, 0, g_variant_new("(ouq)", DEV, 42, 3));
	put(d, "display-passkey-entered-7", 1, 0, g_variant_new("(ouq)", DEV, 42, 7));
	put(d, "pin-code", 2, 0, g_variant_new("(o)", DEV));
	put(d, "display-pin", 3, 0, g_variant_new("(os)", DEV, "0000"));
	put(d, "display-pin-16", 3, 0, g_variant_new("(os)", DEV, "abcdefghijklmnop"));
	put(d, "display-pin-17", 3, 0, g_variant_new("(os)", DEV, "abcdefghijklmnopq"));
	put(d, "display-pin-space", 3, 0, g_variant_new("(os)", DEV, "12 34"));
	put(d, "display-pin-empty", 3, 0, g_variant_new("(os)", DEV, ""));
	put(d, "passkey", 4, 0, g_variant_new("(o)", DEV));
	put(d, "authorization", 5, 0, g_variant_new("(o)", "/"));
	put(d, "service-short", 6, 0, g_variant_new("(os)", DEV, "110b"));
	put(d, "service-32", 6, 0, g_variant_new("(os)", DEV, "0000110B"));
	put(d, "service-full", 6, 0, g_variant_new("(os)", DEV, "0000110A-0000-1000-8000-00805F9B34FB"));
	put(d, "service-bad", 6, 0, g_variant_new("(os)", DEV, "0000110a-0000-1000-8000+00805f9b34fb"));
	/* Wrong shapes: signature bytes index fuzz-agent-args.c's signatures[]. */
	put(d, "confirmation-as-su", 0, 5, g_variant_new("(su)", "not a path", 123456));
	put(d, "confirmation-as-ouq", 0, 1, g_variant_new("(ouq)", DEV, 123456, 2));
	put(d, "display-passkey-as-ou", 1, 36, g_variant_new("(ou)", DEV, 7));
	put(d, "service-as-ov", 6, 17, g_variant_new("(ov)", DEV, g_variant_new_string("110a")));
	put(d, "pin-as-as", 3, 18, g_variant_new("(o^as)", DEV, (const char *const[]){ "1", "2", NULL }));
	/* The kind's own type, read from the bytes of another shape. */
	put(d, "confirmation-body-of-os", 0, 0, g_variant_new("(os)", DEV, "0000110a"));
	put(d, "display-pin-body-of-ouq", 3, 0, g_variant_new("(ouq)", DEV, 123456, 6));
	put(d, "service-body-of-ou", 6, 0, g_variant_new("(ou)", DEV, 0x30303131));
	return 0;
}
