// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every key of earshot.conf in one table: its group, its type, the field it
 * fills, its range and its default as it would be written in the file. The
 * defaults, the parsing, the error messages and `earshot --list-config-keys`
 * (which the man page test reads) all come from this table.
 */
#include "config-private.h"

#include <stddef.h>
#include <string.h>

#include "ear-build-config.h"
#include "earshot/button.h"

#define TEXT_MAX_CHARS 200
#define PATH_MAX_CHARS 4096
#define VOICE_MAX_CHARS 40

#define FIELD(f) offsetof(EarConfig, f)
#define AT(config, key, type) ((type *)(void *)((char *)(config) + (key)->offset))

/* Enum fields are written through an int. */
G_STATIC_ASSERT(sizeof(EarLegacyPin) == sizeof(int));
G_STATIC_ASSERT(sizeof(EarJustWorks) == sizeof(int));
G_STATIC_ASSERT(sizeof(EarConfirm) == sizeof(int));
G_STATIC_ASSERT(sizeof(EarDuck) == sizeof(int));

/* In the order of the enums in config.h. */
static const char *const legacy_pin_names[] = { "spoken", "reject", NULL };
static const char *const just_works_names[] = { "reject", "accept", NULL };
static const char *const confirm_names[] = { "speak", "key", NULL };
static const char *const duck_names[] = { "auto", "volume", "pause", "off", NULL };

#define PROMPT(name, id, text) \
	{ "prompts", name, EAR_KEY_TEXT, FIELD(prompts[id]), .fallback = text }

static const EarConfigKey keys[] = {
	{ "pairing", "window", EAR_KEY_UINT, FIELD(window_s), 1, 86400, "a number of seconds",
		.fallback = "180" },
	{ "pairing", "close-after-pairing", EAR_KEY_BOOL, FIELD(close_after_pairing),
		.fallback = "true" },
	{ "pairing", "manage-adapter", EAR_KEY_BOOL, FIELD(manage_adapter), .fallback = "true" },
	{ "pairing", "legacy-pin", EAR_KEY_ENUM, FIELD(legacy_pin), .names = legacy_pin_names,
		.fallback = "spoken" },
	{ "pairing", "just-works", EAR_KEY_ENUM, FIELD(just_works), .names = just_works_names,
		.fallback = "reject" },
	/* A2DP source, sink, profile; AVRCP target, profile, controller. */
	{ "pairing", "allowed-services", EAR_KEY_SERVICES, FIELD(allowed_services),
		.fallback = "110a;110b;110d;110c;110e;110f" },
	{ "pairing", "confirm", EAR_KEY_ENUM, FIELD(confirm), .names = confirm_names,
		.fallback = "speak" },
	{ "button", "device", EAR_KEY_INPUT, FIELD(button_device), .fallback = "" },
	{ "button", "key", EAR_KEY_KEY_CODE, FIELD(button_key), .fallback = "KEY_ENTER" },
	{ "button", "window-key", EAR_KEY_BOOL, FIELD(window_key), .fallback = "true" },
	{ "lockout", "per-device", EAR_KEY_UINT, FIELD(lockout.per_device), 1, 1000,
		"a number of pairings", .fallback = "3" },
	{ "lockout", "any-device", EAR_KEY_UINT, FIELD(lockout.any_device), 1, 1000,
		"a number of pairings", .fallback = "10" },
	{ "lockout", "period", EAR_KEY_UINT, FIELD(lockout.period_s), 1, 86400,
		"a number of seconds", .fallback = "600" },
	{ "lockout", "duration", EAR_KEY_UINT, FIELD(lockout.duration_s), 1, 86400,
		"a number of seconds", .fallback = "600" },
	{ "speech", "device", EAR_KEY_TEXT, FIELD(device), .fallback = "default" },
	{ "speech", "voice", EAR_KEY_VOICE, FIELD(voice), .fallback = "en" },
	{ "speech", "rate", EAR_KEY_UINT, FIELD(rate), 80, 450, "words per minute",
		.fallback = "150" },
	{ "speech", "volume", EAR_KEY_UINT, FIELD(volume), 0, 200, "a volume", .fallback = "100" },
	{ "speech", "speak-names", EAR_KEY_BOOL, FIELD(speak_names), .fallback = "true" },
	{ "speech", "paired-chime", EAR_KEY_CHIME, FIELD(paired_chime_path),
		.fallback = EAR_SOUNDS_DIR "/paired.wav" },
	{ "speech", "failed-chime", EAR_KEY_CHIME, FIELD(failed_chime_path),
		.fallback = EAR_SOUNDS_DIR "/failed.wav" },
	/*
	 * auto: bluez-alsa (Pi OS Lite) scales the music by the A2DP transport's
	 * Volume, so lowering that is heard at once; a card that stays busy gets
	 * the phone paused instead.
	 */
	{ "music", "duck", EAR_KEY_ENUM, FIELD(duck), .names = duck_names, .fallback = "auto" },
	{ "music", "duck-db", EAR_KEY_UINT, FIELD(duck_db), 1, 60, "a number of decibels",
		.fallback = "20" },
	PROMPT("ready", EAR_PROMPT_READY, "Ready to pair"),
	PROMPT("code", EAR_PROMPT_CODE, "Pairing code"),
	PROMPT("again", EAR_PROMPT_AGAIN, "Again"),
	PROMPT("pin", EAR_PROMPT_PIN, "PIN code"),
	PROMPT("paired", EAR_PROMPT_PAIRED, "Paired with {name}"),
	PROMPT("paired-unnamed", EAR_PROMPT_PAIRED_UNNAMED, "Paired with a new device"),
	PROMPT("failed", EAR_PROMPT_FAILED, "Pairing failed"),
	PROMPT("closed", EAR_PROMPT_CLOSED, "Pairing is closed"),
	PROMPT("locked", EAR_PROMPT_LOCKED, "Pairing locked"),
	PROMPT("press", EAR_PROMPT_PRESS, "Press the button to accept"),
};

const EarConfigKey *ear_config_keys(gsize *n)
{
	*n = G_N_ELEMENTS(keys);
	return keys;
}

const EarConfigKey *ear_config_key_find(const char *group, const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (g_str_equal(keys[i].group, group) && (!key || g_str_equal(keys[i].key, key)))
			return &keys[i];
	return NULL;
}

/* "110a; 110b;" → normalised UUIDs; a final ";" ends the list, as in any GKeyFile list. */
static char **parse_services(const char *value)
{
	g_auto(GStrv) items = g_strsplit(value, ";", -1);
	guint n = g_strv_length(items);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	if (n > 0 && !*items[n - 1])
		n--;
	for (guint i = 0; i < n; i++) {
		char *u = ear_uuid_normalize(g_strstrip(items[i]));
		if (!u) {
			g_ptr_array_free(out, TRUE);
			return NULL;
		}
		g_ptr_array_add(out, u);
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean is_plain_text(const char *s, gsize max_chars)
{
	if (!g_utf8_validate(s, -1, NULL) || g_utf8_strlen(s, -1) > (glong)max_chars)
		return FALSE;
	for (const char *c = s; *c; c = g_utf8_next_char(c))
		if (g_unichar_iscntrl(g_utf8_get_char(c)))
			return FALSE;
	return TRUE;
}

static gboolean is_voice_name(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!g_ascii_isalnum(*c) && !strchr("+-_/", *c))
			return FALSE;
	return *s && strlen(s) <= VOICE_MAX_CHARS;
}

static gboolean parse_bool(const char *value, gboolean *out)
{
	if (g_str_equal(value, "true") || g_str_equal(value, "yes") || g_str_equal(value, "1"))
		*out = TRUE;
	else if (g_str_equal(value, "false") || g_str_equal(value, "no") || g_str_equal(value, "0"))
		*out = FALSE;
	else
		return FALSE;
	return TRUE;
}

static gboolean parse_enum(const char *const *names, const char *value, int *out)
{
	for (int i = 0; names[i]; i++) {
		if (g_str_equal(names[i], value)) {
			*out = i;
			return TRUE;
		}
	}
	return FALSE;
}

/* "spoken or reject", "a, b or c". */
static char *enum_choices(const char *const *names, const char *sep, const char *last)
{
	GString *s = g_string_new(names[0]);
	for (guint i = 1; names[i]; i++) {
		g_string_append(s, names[i + 1] ? sep : last);
		g_string_append(s, names[i]);
	}
	return g_string_free(s, FALSE);
}

/* How --list-config-keys names each type, and what a bad value was expected to be. */
static const struct {
	const char *name;
	const char *expected;
} type_words[] = {
	[EAR_KEY_BOOL] = { "boolean", "true or false" },
	[EAR_KEY_UINT] = { NULL, NULL }, /* from the key's range */
	[EAR_KEY_ENUM] = { NULL, NULL }, /* from the key's names */
	[EAR_KEY_TEXT] = { "text", "a non-empty line of plain text" },
	[EAR_KEY_VOICE] = { "voice", "an espeak-ng voice name such as en, en-us or de" },
	[EAR_KEY_CHIME] = { "wav-path", "the path of a WAV file, or nothing" },
	[EAR_KEY_INPUT] = { "input-device", "an input device path such as /dev/input/event0 or "
		"by-path/platform-gpio-keys-event" },
	[EAR_KEY_KEY_CODE] = { "key-name", "a key name such as KEY_ENTER, KEY_POWER or BTN_0" },
	[EAR_KEY_SERVICES] = { "uuid-list", "a ';'-separated list of UUIDs such as 110a or "
		"0000110a-0000-1000-8000-00805f9b34fb" },
};
G_STATIC_ASSERT(G_N_ELEMENTS(type_words) == EAR_KEY_SERVICES + 1); /* one per type */

static char *expected(const EarConfigKey *key)
{
	if (key->type == EAR_KEY_UINT)
		return g_strdup_printf("%s from %u to %u", key->unit, key->min, key->max);
	if (key->type == EAR_KEY_ENUM)
		return enum_choices(key->names, ", ", " or ");
	return g_strdup(type_words[key->type].expected);
}

/* Replaces the string a field holds; "" becomes NULL when @empty_is_null. */
static gboolean set_string(char **field, const char *value, gboolean empty_is_null)
{
	g_free(*field);
	*field = empty_is_null && !*value ? NULL : g_strdup(value);
	return TRUE;
}

static gboolean parse_value(const EarConfigKey *key, const char *value, EarConfig *config)
{
	guint64 u;
	int code;
	char **list;

	switch (key->type) {
	case EAR_KEY_BOOL:
		return parse_bool(value, AT(config, key, gboolean));
	case EAR_KEY_UINT:
		if (!g_ascii_string_to_unsigned(value, 10, key->min, key->max, &u, NULL))
			return FALSE;
		*AT(config, key, guint) = (guint)u;
		return TRUE;
	case EAR_KEY_ENUM:
		return parse_enum(key->names, value, AT(config, key, int));
	case EAR_KEY_TEXT:
		return *value && is_plain_text(value, TEXT_MAX_CHARS) &&
			set_string(AT(config, key, char *), value, FALSE);
	case EAR_KEY_VOICE:
		return is_voice_name(value) && set_string(AT(config, key, char *), value, FALSE);
	case EAR_KEY_CHIME:
		return is_plain_text(value, PATH_MAX_CHARS) &&
			set_string(AT(config, key, char *), value, FALSE);
	case EAR_KEY_INPUT:
		return is_plain_text(value, PATH_MAX_CHARS) && !strstr(value, "..") &&
			set_string(AT(config, key, char *), value, TRUE);
	case EAR_KEY_KEY_CODE:
		code = ear_button_key_code(value);
		if (code < 0)
			return FALSE;
		*AT(config, key, guint) = (guint)code;
		return TRUE;
	case EAR_KEY_SERVICES:
		list = parse_services(value);
		if (!list)
			return FALSE;
		g_strfreev(*AT(config, key, char **));
		*AT(config, key, char **) = list;
		return TRUE;
	}
	g_return_val_if_reached(FALSE);
}

gboolean ear_config_key_parse(const EarConfigKey *key, const char *value, EarConfig *config,
	char **expect)
{
	if (parse_value(key, value, config))
		return TRUE;
	*expect = expected(key);
	return FALSE;
}

void ear_config_key_clear(const EarConfigKey *key, EarConfig *config)
{
	switch (key->type) {
	case EAR_KEY_BOOL:
	case EAR_KEY_UINT:
	case EAR_KEY_ENUM:
	case EAR_KEY_KEY_CODE:
		break;
	case EAR_KEY_TEXT:
	case EAR_KEY_VOICE:
	case EAR_KEY_CHIME:
	case EAR_KEY_INPUT:
		g_clear_pointer(AT(config, key, char *), g_free);
		break;
	case EAR_KEY_SERVICES:
		g_clear_pointer(AT(config, key, char **), g_strfreev);
		break;
	}
}

EarConfig *ear_config_new_default(void)
{
	EarConfig *c = g_atomic_rc_box_new0(EarConfig);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (!parse_value(&keys[i], keys[i].fallback, c))
			g_critical("the default of %s.%s is invalid", keys[i].group, keys[i].key);
	return c;
}

static char *type_name(const EarConfigKey *key)
{
	if (key->type == EAR_KEY_UINT)
		return g_strdup_printf("integer %u..%u", key->min, key->max);
	if (key->type == EAR_KEY_ENUM)
		return enum_choices(key->names, "|", "|");
	return g_strdup(type_words[key->type].name);
}

char *ear_config_describe_keys(void)
{
	GString *out = g_string_new(NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree char *type = type_name(&keys[i]);
		g_string_append_printf(out, "%s.%s\t%s\t%s\n", keys[i].group, keys[i].key, type,
			keys[i].fallback);
	}
	return g_string_free(out, FALSE);
}
