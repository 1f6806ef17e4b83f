// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * earshot.conf → EarConfig. GKeyFile does the parsing and config-keys.c's
 * table says what each key takes. A pass over the lines of our own gives every
 * message a "FILE:LINE:": GKeyFile reports neither the line of a syntax error
 * nor a key given twice (it silently keeps the last).
 */
#include "config-private.h"

#include <string.h>

#define CONFIG_MAX_BYTES (256 * 1024)
#define SHOWN_MAX_CHARS 80

G_DEFINE_QUARK(earshot-config-error-quark, ear_config_error)

typedef struct {
	EarConfig *config;
	GKeyFile *file;
	const char *path;
	GHashTable *lines; /* "group\nkey" (or "group\n") → line number */
} Parse;

static void clear_config(EarConfig *c)
{
	gsize n;
	const EarConfigKey *keys = ear_config_keys(&n);

	for (gsize i = 0; i < n; i++)
		ear_config_key_clear(&keys[i], c);
	g_clear_pointer(&c->paired_chime.samples, g_bytes_unref);
	g_clear_pointer(&c->failed_chime.samples, g_bytes_unref);
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

/* Text from the file as a message shows it: escaped, and cut if long. */
static char *shown(const char *text)
{
	gboolean longer = g_utf8_strlen(text, -1) > SHOWN_MAX_CHARS;
	/* g_utf8_substring() reads past the end of a shorter string */
	g_autofree char *cut = longer ? g_utf8_substring(text, 0, SHOWN_MAX_CHARS) : g_strdup(text);
	g_autofree char *escaped = g_strescape(cut, NULL);
	return g_strconcat(escaped, longer ? "..." : "", NULL);
}

static guint line_of(Parse *p, const char *group, const char *key)
{
	g_autofree char *id = g_strconcat(group, "\n", key ? key : "", NULL);
	return GPOINTER_TO_UINT(g_hash_table_lookup(p->lines, id));
}

/* "[name]" with a name GKeyFile takes: not empty, no brackets, no control characters. */
static char *group_name(const char *line)
{
	gsize len = strlen(line);
	if (len < 3 || line[0] != '[' || line[len - 1] != ']')
		return NULL;
	for (gsize i = 1; i < len - 1; i++)
		if (line[i] == '[' || line[i] == ']' || g_ascii_iscntrl(line[i]))
			return NULL;
	return g_strndup(line + 1, len - 2);
}

/* What a line that is no comment, no group and no key = value was meant to be. */
static const char *line_expected(const char *line)
{
	if (line[0] == '[')
		return "expected a group name in brackets such as [pairing]";
	return "expected a [group], a key = value or a # comment";
}

static gboolean line_error(Parse *p, guint n, const char *what, const char *line, GError **error)
{
	g_autofree char *text = shown(line);
	g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_READ, "%s:%u: %s, got \"%s\"", p->path,
		n, what, text);
	return FALSE;
}

/* Records the line of a key; fails on a key given twice in a group. */
static gboolean index_key(Parse *p, const char *group, const char *line, guint n, GError **error)
{
	const char *eq = strchr(line, '=');
	g_autofree char *key = g_strstrip(g_strndup(line, eq - line));
	char *id = g_strconcat(group, "\n", key, NULL);
	guint first = GPOINTER_TO_UINT(g_hash_table_lookup(p->lines, id));

	if (first) {
		g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_INVALID,
			"%s:%u: %s: given twice (first on line %u)", p->path, n, key, first);
		g_free(id);
		return FALSE;
	}
	g_hash_table_insert(p->lines, id, GUINT_TO_POINTER(n));
	return TRUE;
}

/*
 * One pass over the lines: each must be blank, a # comment, a [group] or a
 * key = value inside a group. Records where each group and key is.
 */
static gboolean index_lines(Parse *p, const char *data, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
	g_autofree char *group = NULL;

	for (guint i = 0; lines[i]; i++) {
		const char *line = g_strstrip(lines[i]);
		char *name;
		if (!*line || *line == '#')
			continue;
		if (*line == '[' && (name = group_name(line))) {
			g_free(group);
			group = name;
			g_hash_table_insert(p->lines, g_strconcat(group, "\n", NULL),
				GUINT_TO_POINTER(i + 1));
			continue;
		}
		if (*line == '[' || *line == '=' || !strchr(line, '='))
			return line_error(p, i + 1, line_expected(line), line, error);
		if (!group)
			return line_error(p, i + 1, "expected a [group] line before the first key",
				line, error);
		if (!index_key(p, group, line, i + 1, error))
			return FALSE;
	}
	return TRUE;
}

/*
 * The line of a syntax error that index_lines() let through (an invalid key
 * name, say): GKeyFile reads line by line, so the shortest prefix of the file
 * it refuses ends with that line. Binary search over the line ends.
 */
static guint refused_line(const char *data, gsize len)
{
	g_autoptr(GArray) ends = g_array_new(FALSE, FALSE, sizeof(gsize));
	guint lo = 0, hi;

	for (gsize i = 0; i < len; i++)
		if (data[i] == '\n')
			g_array_append_val(ends, i);
	g_array_append_val(ends, len);
	hi = ends->len - 1; /* the whole file is refused */
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		g_autoptr(GKeyFile) file = g_key_file_new();
		if (g_key_file_load_from_data(file, data, g_array_index(ends, gsize, mid),
			G_KEY_FILE_NONE, NULL))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo + 1;
}

static gboolean load_key_file(Parse *p, const char *data, gsize len, GError **error)
{
	g_autoptr(GError) local = NULL;
	if (g_key_file_load_from_data(p->file, data, len, G_KEY_FILE_NONE, &local))
		return TRUE;
	g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_READ, "%s:%u: %s", p->path,
		refused_line(data, len), local->message);
	return FALSE;
}

static void warn_unknown(Parse *p)
{
	g_auto(GStrv) groups = g_key_file_get_groups(p->file, NULL);
	for (guint g = 0; groups[g]; g++) {
		if (!ear_config_key_find(groups[g], NULL)) {
			g_warning("%s:%u: unknown group [%s] ignored", p->path,
				line_of(p, groups[g], NULL), groups[g]);
			continue;
		}
		g_auto(GStrv) keys = g_key_file_get_keys(p->file, groups[g], NULL, NULL);
		for (guint k = 0; keys && keys[k]; k++)
			if (!ear_config_key_find(groups[g], keys[k]))
				g_warning("%s:%u: unknown key %s in [%s] ignored", p->path,
					line_of(p, groups[g], keys[k]), keys[k], groups[g]);
	}
}

static gboolean apply_key(Parse *p, const EarConfigKey *key, GError **error)
{
	g_autoptr(GError) escape = NULL;
	g_autofree char *expected = NULL;
	if (!g_key_file_has_key(p->file, key->group, key->key, NULL))
		return TRUE;
	/* An invalid escape such as "\q" sets @escape but still returns the text. */
	g_autofree char *value = g_key_file_get_string(p->file, key->group, key->key, &escape);
	if (escape)
		expected = g_strdup("no backslash escape other than \\s \\n \\t \\r \\\\");
	else if (ear_config_key_parse(key, g_strstrip(value), p->config, &expected))
		return TRUE;
	g_autofree char *raw = g_key_file_get_value(p->file, key->group, key->key, NULL);
	g_autofree char *text = shown(raw ? g_strstrip(raw) : "");
	g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_INVALID, "%s:%u: %s: expected %s, got \"%s\"",
		p->path, line_of(p, key->group, key->key), key->key, expected, text);
	return FALSE;
}

static gboolean apply_keys(Parse *p, GError **error)
{
	gsize n;
	const EarConfigKey *keys = ear_config_keys(&n);

	for (gsize i = 0; i < n; i++)
		if (!apply_key(p, &keys[i], error))
			return FALSE;
	if (p->config->confirm == EAR_CONFIRM_KEY && !p->config->button_device) {
		g_set_error(error, EAR_CONFIG_ERROR, EAR_CONFIG_ERROR_INVALID,
			"%s:%u: confirm: expected a [button] device when confirm = key", p->path,
			line_of(p, "pairing", "confirm"));
		return FALSE;
	}
	return TRUE;
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
	g_autoptr(EarConfig) config = ear_config_new_default();
	g_autoptr(GKeyFile) file = g_key_file_new();
	g_autoptr(GHashTable) lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	Parse p = { config, file, path, lines };

	if (!check_size_and_text(path, data, len, error))
		return NULL;
	g_autofree char *text = g_strndup(data, len);
	if (!index_lines(&p, text, error) || !load_key_file(&p, data, len, error))
		return NULL;
	warn_unknown(&p);
	if (!apply_keys(&p, error))
		return NULL;
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
