// SPDX-License-Identifier: GPL-2.0-or-later
/* The words of every announcement. */
#include "earshot/announce.h"

#include <string.h>

char *ear_announce_digits(guint32 passkey)
{
	char digits[7];
	GString *s = g_string_new(NULL);

	g_snprintf(digits, sizeof(digits), "%06u", passkey % 1000000);
	for (int i = 0; i < 6; i++)
		g_string_append_printf(s, i ? ", %c" : "%c", digits[i]);
	return g_string_free(s, FALSE);
}

char *ear_announce_code(char *const *prompts, guint32 passkey, gboolean again)
{
	g_autofree char *digits = ear_announce_digits(passkey);
	const char *lead = prompts[again ? EAR_PROMPT_AGAIN : EAR_PROMPT_CODE];
	return g_strdup_printf("%s: %s.", lead, digits);
}

char *ear_announce_pin(char *const *prompts, const char *pin, gboolean again)
{
	GString *s = g_string_new(prompts[again ? EAR_PROMPT_AGAIN : EAR_PROMPT_PIN]);

	g_string_append_c(s, ':');
	for (const char *p = pin; *p; p = g_utf8_next_char(p)) {
		if (p != pin)
			g_string_append_c(s, ',');
		g_string_append_c(s, ' ');
		g_string_append_unichar(s, g_utf8_get_char(p));
	}
	g_string_append_c(s, '.');
	return g_string_free(s, FALSE);
}

char *ear_announce_paired(char *const *prompts, const char *name)
{
	const char *paired = prompts[EAR_PROMPT_PAIRED];
	const char *slot = strstr(paired, "{name}");

	if (!name || !*name || !slot)
		return ear_announce_sentence(name && *name ? paired : prompts[EAR_PROMPT_PAIRED_UNNAMED]);
	g_autofree char *text = g_strdup_printf("%.*s%s%s", (int)(slot - paired), paired, name,
		slot + strlen("{name}"));
	return ear_announce_sentence(text);
}

char *ear_announce_sentence(const char *prompt)
{
	gsize len = strlen(prompt);
	gboolean ends = len > 0 && strchr(".!?", prompt[len - 1]);
	return g_strdup_printf("%s%s", prompt, ends ? "" : ".");
}
