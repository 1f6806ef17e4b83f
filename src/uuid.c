// SPDX-License-Identifier: GPL-2.0-or-later
/* Bluetooth UUIDs: 16-, 32- and 128-bit spellings to one 128-bit form. */
#include "earshot/uuid.h"

#include <string.h>

/* The Bluetooth Base UUID after its first 32 bits. */
static const char base_uuid_tail[] = "-0000-1000-8000-00805f9b34fb";

char *ear_uuid_normalize(const char *uuid)
{
	gsize len = uuid ? strlen(uuid) : 0;
	if (len == 4 || len == 8) {
		for (gsize i = 0; i < len; i++)
			if (!g_ascii_isxdigit(uuid[i]))
				return NULL;
		g_autofree char *lower = g_ascii_strdown(uuid, -1);
		return g_strdup_printf("%s%s%s", len == 4 ? "0000" : "", lower, base_uuid_tail);
	}
	if (len != 36)
		return NULL;
	for (gsize i = 0; i < len; i++) {
		gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? uuid[i] != '-' : !g_ascii_isxdigit(uuid[i]))
			return NULL;
	}
	return g_ascii_strdown(uuid, -1);
}
