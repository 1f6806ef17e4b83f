// SPDX-License-Identifier: GPL-2.0-or-later
#include "agent-samples.h"

#include <string.h>

static GVariant *sample_value(char type)
{
	switch (type) {
	case 'o':
		return g_variant_new_object_path(SAMPLE_DEVICE);
	case 'u':
		return g_variant_new_uint32(SAMPLE_PASSKEY);
	case 'q':
		return g_variant_new_uint16(SAMPLE_ENTERED);
	case 's':
		return g_variant_new_string(SAMPLE_STRING);
	}
	g_error("no sample for Agent1 argument type '%c'", type);
}

GVariant *agent_sample_args(const char *signature)
{
	GVariantBuilder b;
	gsize len = strlen(signature);

	g_assert(len >= 2 && signature[0] == '(' && signature[len - 1] == ')');
	g_variant_builder_init(&b, G_VARIANT_TYPE_TUPLE);
	for (gsize i = 1; i + 1 < len; i++)
		g_variant_builder_add_value(&b, sample_value(signature[i]));
	return g_variant_builder_end(&b);
}
