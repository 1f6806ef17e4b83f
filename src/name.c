// SPDX-License-Identifier: GPL-2.0-or-later
/* Turns an untrusted device name into short plain text that is safe to speak. */
#include "earshot/name.h"

#include <string.h>

/* Characters that mean something to a markup or phoneme reader. */
static const char markup_chars[] = "<>&[]{}\\/|`^_*#@=";

static gboolean is_dropped(gunichar c)
{
	switch (g_unichar_type(c)) {
	case G_UNICODE_CONTROL:
	case G_UNICODE_FORMAT: /* includes bidi overrides and zero-width characters */
	case G_UNICODE_UNASSIGNED:
	case G_UNICODE_PRIVATE_USE:
	case G_UNICODE_SURROGATE:
	case G_UNICODE_LINE_SEPARATOR:
	case G_UNICODE_PARAGRAPH_SEPARATOR:
		return TRUE;
	default:
		return c < 0x80 && strchr(markup_chars, (int)c) != NULL;
	}
}

char *ear_name_sanitize(const char *raw)
{
	g_autofree char *valid = g_utf8_make_valid(raw ? raw : "", -1);
	GString *out = g_string_new(NULL);
	guint chars = 0;
	gboolean space = FALSE;

	for (const char *p = valid; *p && chars < EAR_NAME_MAX_CHARS; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isspace(c) || c == 0xfffd) {
			space = out->len > 0;
			continue;
		}
		if (is_dropped(c))
			continue;
		if (space && chars + 1 < EAR_NAME_MAX_CHARS) {
			g_string_append_c(out, ' ');
			chars++;
		}
		space = FALSE;
		g_string_append_unichar(out, c);
		chars++;
	}
	return g_string_free(out, FALSE);
}
