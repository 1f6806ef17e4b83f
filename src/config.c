// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * earshot.conf → EarConfig. GKeyFile does the parsing; a line index of our
 * own gives every message a "FILE:LINE:" and catches duplicate keys, which
 * GKeyFile would silently merge.
 */
#include "earshot/config.h"

#include <errno.h>
#include <string.h>

#include "ear-build-config.h"
#include "earshot/button.h"
#include "earshot/uuid.h"
#include "earshot/wav.h"

#define CONFIG_MAX_BYTES (256 * 1024)
#define PROMPT_MAX_CHARS 200

G_DEFINE_QUARK(earshot-config-error-quark, ear_config_error)

typedef struct {
	EarConfig *config;
	GKeyFile *file;
	const char *path;
	GHashTable *lines; /* "group\nkey" → line number */
	const char *group;
	const char *key;
} Parse;

typedef gboolean (*KeyParser)(Parse *p, const char *value, const char **expected);

typedef struct {
	const char *group;
	const char *key;
	KeyParser parse;
} KeySpec;

static gboolean is_plain_text(const char *s, gsize max_chars);

static const char *const default_services[] = {
	"110a", "110b", "110d", /* A2DP source, sink, profile */
	"110c", "110e", "110f", /* AVRCP target, profile, controller */
	NULL,
};

static char **normalize_services(const char *const *list)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (; list && *list; list++) {
		g_autofree char *item = g_strstrip(g_strdup(*list));
		char *u = ear_uuid_normalize(item);
		if (!u) {
			g_ptr_array_free(out, TRUE);
			return NULL;
		}
		g_ptr_array_add(out, u);
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static void set_default_prompts(EarPrompts *p)
{
	p->ready = g_strdup("Ready to pair");
	p->code = g_strdup("Pairing code");
	p->again = g_strdup("Again");
	p->pin = g_strdup("PIN code");
	p->paired = g_strdup("Paired with {name}");
	p->paired_unnamed = g_strdup("Paired with a new device");
	p->failed = g_strdup("Pairing failed");
	p->closed = g_strdup("Pairing is closed");
	p->locked = g_strdup("Pairing locked");
	p->press = g_strdup("Press the button to accept");
}

EarConfig *ear_config_new_default(void)
{
	EarConfig *c = g_atomic_rc_box_new0(EarConfig);
	c->window_s = 180;
	c->close_after_pairing = TRUE;
	c->manage_adapter = TRUE;
	c->legacy_pin = EAR_LEGACY_PIN_SPOKEN;
	c->just_works = EAR_JUST_WORKS_REJECT;
	c->lockout = (EarLockoutConfig){ 3, 10, 600, 600 };
	c->confirm = EAR_CONFIRM_SPEAK;
	c->button_key = (guint)ear_button_key_code("KEY_ENTER");
	c->window_key = TRUE;
	c->allowed_services = normalize_services((const char *const *)default_services);
	c->device = g_strdup("default");
	c->voice = g_strdup("en");
	c->rate = 150;
	c->volume = 100;
	c->speak_names = TRUE;
	c->paired_chime_path = g_strdup(EAR_SOUNDS_DIR "/paired.wav");
	c->failed_chime_path = g_strdup(EAR_SOUNDS_DIR "/failed.wav");
	set_default_prompts(&c->prompts);
	return c;
}

static void clear_config(EarConfig *c)
{
	EarPrompts *p = &c->prompts;
	g_strfreev(c->allowed_services);
	g_free(c->device);
	g_free(c->voice);
	g_free(c->paired_chime_path);
	g_free(c->failed_chime_path);
	g_clear_pointer(&c->paired_chime.samples, g_bytes_unref);
	g_clear_pointer(&c->failed_chime.samples, g_bytes_unref);
	g_free(p->ready);
	g_free(p->code);
	g_free(p->again);
	g_free(p->pin);
	g_free(p->paired);
	g_free(p->paired_unnamed);
	g_free(p->failed);
	g_free(p->closed);
	g_free(p->locked);
	g_free(p->press);
	g_free(c->button_device);
}

EarConfig *ear_config_ref(EarConfig *config)
{
	return g_atomic_rc_box_acquire(config);
}

void ear_config_unref(EarConfig *config)
{
	if (config)
		g_atomic_rc_box_release_full(config, (GDestroyNotify)clear_config);
}

gboolean ear_config_service_allowed(const EarConfig *config, const char *uuid)
{
	g_autofree char *norm = ear_uuid_normalize(uuid);
	return norm && g_strv_contains((const char *const *)config->allowed_services, norm);
}

/* --- value parsers: each returns FALSE and names what it expected --- */

static gboolean parse_uint(const char *value, guint min, guint max, guint *out)
{
	guint64 v;
	if (!g_ascii_string_to_unsigned(value, 10, min, max, &v, NULL))
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

static gboolean parse_window(Parse *p, const char *value, const char **expected)
{
	guint64 v;
	*expected = g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &v, NULL) ?
		"a number of seconds from 1 to 86400" : "a number of seconds";
	return parse_uint(value, 1, 86400, &p->config->window_s);
}

static gboolean parse_bool(const char *value, gboolean *out, const char **expected)
{
	*expected = "true or false";
	if (g_str_equal(value, "true") || g_str_equal(value, "yes") || g_str_equal(value, "1"))
		*out = TRUE;
	else if (g_str_equal(value, "false") || g_str_equal(value, "no") || g_str_equal(value, "0"))
		*out = FALSE;
	else
		return FALSE;
	return TRUE;
}

static gboolean parse_close_after(Parse *p, const char *value, const char **expected)
{
	return parse_bool(value, &p->config->close_after_pairing, expected);
}

static gboolean parse_manage_adapter(Parse *p, const char *value, const char **expected)
{
	return parse_bool(value, &p->config->manage_adapter, expected);
}

static gboolean parse_speak_names(Parse *p, const char *value, const char **expected)
{
	return parse_bool(value, &p->config->speak_names, expected);
}

static gboolean parse_legacy_pin(Parse *p, const char *value, const char **expected)
{
	*expected = "spoken or reject";
	if (g_str_equal(value, "spoken"))
		p->config->legacy_pin = EAR_LEGACY_PIN_SPOKEN;
	else if (g_str_equal(value, "reject"))
		p->config->legacy_pin = EAR_LEGACY_PIN_REJECT;
	else
		return FALSE;
	return TRUE;
}

static gboolean parse_just_works(Parse *p, const char *value, const char **expected)
{
	*expected = "reject or accept";
	if (g_str_equal(value, "reject"))
		p->config->just_works = EAR_JUST_WORKS_REJECT;
	else if (g_str_equal(value, "accept"))
		p->config->just_works = EAR_JUST_WORKS_ACCEPT;
	else
		return FALSE;
	return TRUE;
}

static gboolean parse_confirm(Parse *p, const char *value, const char **expected)
{
	*expected = "speak or key";
	if (g_str_equal(value, "speak"))
		p->config->confirm = EAR_CONFIRM_SPEAK;
	else if (g_str_equal(value, "key"))
		p->config->confirm = EAR_CONFIRM_KEY;
	else
		return FALSE;
	return TRUE;
}

static gboolean parse_button_device(Parse *p, const char *value, const char **expected)
{
	*expected = "an input device path such as /dev/input/event0 or by-path/platform-gpio-keys-event";
	if (!is_plain_text(value, 4096) || strstr(value, ".."))
		return FALSE;
	g_free(p->config->button_device);
	p->config->button_device = *value ? g_strdup(value) : NULL;
	return TRUE;
}

static gboolean parse_button_key(Parse *p, const char *value, const char **expected)
{
	int code = ear_button_key_code(value);
	*expected = "a key name such as KEY_ENTER, KEY_POWER or BTN_0";
	if (code < 0)
		return FALSE;
	p->config->button_key = (guint)code;
	return TRUE;
}

static gboolean parse_window_key(Parse *p, const char *value, const char **expected)
{
	return parse_bool(value, &p->config->window_key, expected);
}

static gboolean parse_services(Parse *p, const char *value, const char **expected)
{
	g_auto(GStrv) list = g_key_file_get_string_list(p->file, p->group, p->key, NULL, NULL);
	char **norm = list ? normalize_services((const char *const *)list) : NULL;
	*expected = "a ';'-separated list of UUIDs such as 110a or 0000110a-0000-1000-8000-00805f9b34fb";
	if (!norm)
		return FALSE;
	g_strfreev(p->config->allowed_services);
	p->config->allowed_services = norm;
	return TRUE;
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

static gboolean parse_string(Parse *p, const char *value, char **out, gboolean may_be_empty,
	const char **expected)
{
	*expected = may_be_empty ? "a line of plain text" : "a non-empty line of plain text";
	if ((!may_be_empty && !*value) || !is_plain_text(value, PROMPT_MAX_CHARS))
		return FALSE;
	g_free(*out);
	*out = g_strdup(value);
	return TRUE;
}

static gboolean parse_device(Parse *p, const char *value, const char **expected)
{
	return parse_string(p, value, &p->config->device, FALSE, expected);
}

static gboolean parse_voice(Parse *p, const char *value, const char **expected)
{
	*expected = "an espeak-ng voice name such as en, en-us or de";
	for (const char *c = value; *c; c++)
		if (!g_ascii_isalnum(*c) && !strchr("+-_/", *c))
			return FALSE;
	return *value && strlen(value) <= 40 && parse_string(p, value, &p->config->voice, FALSE,
		expected);
}

static gboolean parse_rate(Parse *p, const char *value, const char **expected)
{
	*expected = "words per minute from 80 to 450";
	return parse_uint(value, 80, 450, &p->config->rate);
}

static gboolean parse_volume(Parse *p, const char *value, const char **expected)
{
	*expected = "a volume from 0 to 200";
	return parse_uint(value, 0, 200, &p->config->volume);
}

static gboolean parse_chime(Parse *p, const char *value, char **path, const char **expected)
{
	*expected = "the path of a WAV file, or nothing";
	if (!is_plain_text(value, 4096))
		return FALSE;
	g_free(*path);
	*path = g_strdup(value);
	return TRUE;
}

static gboolean parse_paired_chime(Parse *p, const char *value, const char **expected)
{
	return parse_chime(p, value, &p->config->paired_chime_path, expected);
}

static gboolean parse_failed_chime(Parse *p, const char *value, const char **expected)
{
	return parse_chime(p, value, &p->config->failed_chime_path, expected);
}

static gboolean parse_lockout_count(const char *value, guint *out, const char **expected)
{
	*expected = "a number of pairings from 1 to 1000";
	return parse_uint(value, 1, 1000, out);
}

static gboolean parse_lockout_seconds(const char *value, guint *out, const char **expected)
{
	*expected = "a number of seconds from 1 to 86400";
	return parse_uint(value, 1, 86400, out);
}

static gboolean parse_per_device(Parse *p, const char *value, const char **expected)
{
	return parse_lockout_count(value, &p->config->lockout.per_device, expected);
}

static gboolean parse_any_device(Parse *p, const char *value, const char **expected)
{
	return parse_lockout_count(value, &p->config->lockout.any_device, expected);
}

static gboolean parse_period(Parse *p, const char *value, const char **expected)
{
	return parse_lockout_seconds(value, &p->config->lockout.period_s, expected);
}

static gboolean parse_duration(Parse *p, const char *value, const char **expected)
{
	return parse_lockout_seconds(value, &p->config->lockout.duration_s, expected);
}

#define PROMPT_PARSER(field)                                                                       \
	static gboolean parse_prompt_##field(Parse *p, const char *value, const char **expected)  \
	{                                                                                          \
		return parse_string(p, value, &p->config->prompts.field, FALSE, expected);         \
	}
PROMPT_PARSER(ready)
PROMPT_PARSER(code)
PROMPT_PARSER(again)
PROMPT_PARSER(pin)
PROMPT_PARSER(paired)
PROMPT_PARSER(paired_unnamed)
PROMPT_PARSER(failed)
PROMPT_PARSER(closed)
PROMPT_PARSER(locked)
PROMPT_PARSER(press)

static const KeySpec key_specs[] = {
	{ "pairing", "window", parse_window },
	{ "pairing", "close-after-pairing", parse_close_after },
	{ "pairing", "manage-adapter", parse_manage_adapter },
	{ "pairing", "legacy-pin", parse_legacy_pin },
	{ "pairing", "just-works", parse_just_works },
	{ "pairing", "allowed-services", parse_services },
	{ "pairing", "confirm", parse_confirm },
	{ "button", "device", parse_button_device },
	{ "button", "key", parse_button_key },
	{ "button", "window-key", parse_window_key },
	{ "lockout", "per-device", parse_per_device },
	{ "lockout", "any-device", parse_any_device },
	{ "lockout", "period", parse_period },
	{ "lockout", "duration", parse_duration },
	{ "speech", "device", parse_device },
	{ "speech", "voice", parse_voice },
	{ "speech", "rate", parse_rate },
	{ "speech", "volume", parse_volume },
	{ "speech", "speak-names", parse_speak_names },
	{ "speech", "paired-chime", parse_paired_chime },
	{ "speech", "failed-chime", parse_failed_chime },
	{ "prompts", "ready", parse_prompt_ready },
	{ "prompts", "code", parse_prompt_code },
	{ "prompts", "again", parse_prompt_again },
	{ "prompts", "pin", parse_prompt_pin },
	{ "prompts", "paired", parse_prompt_paired },
	{ "prompts", "paired-unnamed", parse_prompt_paired_unnamed },
	{ "prompts", "failed", parse_prompt_failed },
	{ "prompts", "closed", parse_prompt_closed },
	{ "prompts", "locked", parse_prompt_locked },
	{ "prompts", "press", parse_prompt_press },
};

static const KeySpec *find_spec(const char *group, const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(key_specs); i++)
		if (g_str_equal(key_specs[i].group, group) && (!key || g_str_equal(key_specs[i].key, key)))
			return &key_specs[i];
	return NULL;
}

static guint line_of(Parse *p, const char *group, const char *key)
{
	g_autofree char *id = g_strconcat(group, "\n", key ? key : "", NULL);
	return GPOINTER_TO_UINT(g_hash_table_lookup(p->lines, id));
}

/* Records where each group and key is; fails on a key given twice. */
static gboolean index_lines(Parse *p, const char *data, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
	g_autofree char *group = g_strdup("");
	for (guint i = 0; lines[i]; i++) {
		const char *line = g_strstrip(lines[i]);
		const char *eq = strchr(line, '=');
		if (line[0] == '[' && strchr(line, ']')) {
			g_free(group);
			group = g_strndup(line + 1, strchr(line, ']') - line - 1);
			g_hash_table_insert(p->lines, g_strconcat(group, "\n", NULL), GUINT_TO_POINTER(i + 1));
			continue;
		}
		if (line[0] == '#' || !eq)
			continue;
		g_autofree char *key = g_strstrip(g_strndup(line, eq - line));
		char *id = g_strconcat(group, "\n", key, NULL);
		guint first = GPOINTER_TO_UINT(g_hash_table_lookup(p->lines, id));
		if (first) {
			g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_INVALID,
				"%s:%u: %s: given twice (first on line %u)", p->path, i + 1, key, first);
			g_free(id);
			return FALSE;
		}
		g_hash_table_insert(p->lines, id, GUINT_TO_POINTER(i + 1));
	}
	return TRUE;
}

static void warn_unknown(Parse *p)
{
	g_auto(GStrv) groups = g_key_file_get_groups(p->file, NULL);
	for (guint g = 0; groups[g]; g++) {
		if (!find_spec(groups[g], NULL)) {
			g_warning("%s:%u: unknown group [%s] ignored", p->path,
				line_of(p, groups[g], NULL), groups[g]);
			continue;
		}
		g_auto(GStrv) keys = g_key_file_get_keys(p->file, groups[g], NULL, NULL);
		for (guint k = 0; keys && keys[k]; k++)
			if (!find_spec(groups[g], keys[k]))
				g_warning("%s:%u: unknown key %s in [%s] ignored", p->path,
					line_of(p, groups[g], keys[k]), keys[k], groups[g]);
	}
}

static gboolean apply_key(Parse *p, const KeySpec *spec, GError **error)
{
	const char *expected = "a valid value";
	if (!g_key_file_has_key(p->file, spec->group, spec->key, NULL))
		return TRUE;
	p->group = spec->group;
	p->key = spec->key;
	g_autoptr(GError) local = NULL;
	g_autofree char *value = g_key_file_get_string(p->file, spec->group, spec->key, &local);
	if (value && spec->parse(p, g_strstrip(value), &expected))
		return TRUE;
	g_autofree char *raw = g_key_file_get_value(p->file, spec->group, spec->key, NULL);
	g_autofree char *shown = g_strescape(raw ? g_strstrip(raw) : "", NULL);
	g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_INVALID, "%s:%u: %s: expected %s, got \"%s\"",
		p->path, line_of(p, spec->group, spec->key), spec->key, expected, shown);
	return FALSE;
}

/* An explicitly configured chime must load; a missing default is only a warning. */
static gboolean load_chime(Parse *p, const char *key, const char *path, EarChime *chime,
	GError **error)
{
	g_autoptr(GError) local = NULL;
	gboolean is_default = !g_key_file_has_key(p->file, "speech", key, NULL);
	if (!*path || ear_wav_load(path, chime, &local))
		return TRUE;
	if (is_default) {
		g_warning("%s: %s (%s); playing no chime", path, local->message, key);
		return TRUE;
	}
	g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_INVALID, "%s:%u: %s: cannot use %s: %s",
		p->path, line_of(p, "speech", key), key, path, local->message);
	return FALSE;
}

static gboolean check_size_and_text(const char *path, const char *data, gsize len, GError **error)
{
	const char *why = NULL;
	if (len > CONFIG_MAX_BYTES)
		why = "larger than 256 KiB";
	else if (memchr(data, '\0', len))
		why = "contains NUL bytes (not a text file)";
	else if (!g_utf8_validate(data, (gssize)len, NULL))
		why = "is not valid UTF-8 text";
	if (why)
		g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_READ, "%s: %s", path, why);
	return why == NULL;
}

EarConfig *ear_config_load_data(const char *path, const char *data, gsize len, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(EarConfig) config = ear_config_new_default();
	g_autoptr(GKeyFile) file = g_key_file_new();
	g_autoptr(GHashTable) lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	Parse p = { config, file, path, lines, NULL, NULL };

	if (!check_size_and_text(path, data, len, error))
		return NULL;
	g_autofree char *text = g_strndup(data, len);
	if (!index_lines(&p, text, error))
		return NULL;
	if (!g_key_file_load_from_data(file, data, len, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_READ, "%s: %s", path, local->message);
		return NULL;
	}
	warn_unknown(&p);
	for (gsize i = 0; i < G_N_ELEMENTS(key_specs); i++)
		if (!apply_key(&p, &key_specs[i], error))
			return NULL;
	if (config->confirm == EAR_CONFIRM_KEY && !config->button_device) {
		g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_INVALID,
			"%s:%u: confirm: expected a [button] device when confirm = key", path,
			line_of(&p, "pairing", "confirm"));
		return NULL;
	}
	if (!load_chime(&p, "paired-chime", config->paired_chime_path, &config->paired_chime, error) ||
		!load_chime(&p, "failed-chime", config->failed_chime_path, &config->failed_chime, error))
		return NULL;
	return g_steal_pointer(&config);
}

EarConfig *ear_config_load(const char *path, gboolean missing_ok, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &local)) {
		if (missing_ok && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_info("%s not found; using the built-in defaults", path);
			return ear_config_load_data(path, "", 0, error);
		}
		g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_READ, "%s", local->message);
		return NULL;
	}
	return ear_config_load_data(path, data, len, error);
}
