// SPDX-License-Identifier: GPL-2.0-or-later
/* earshot.conf: good files give the values, broken ones give FILE:LINE messages. */
#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "check-main.h"
#include "earshot/config.h"

static EarConfig *load(const char *text, GError **error)
{
	return ear_config_load_data("earshot.conf", text, strlen(text), error);
}

START_TEST(test_defaults)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EarConfig) c = load("", &error);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->window_s, 180);
	ck_assert(c->close_after_pairing);
	ck_assert(c->manage_adapter);
	ck_assert_int_eq(c->legacy_pin, EAR_LEGACY_PIN_SPOKEN);
	ck_assert_int_eq(c->just_works, EAR_JUST_WORKS_REJECT);
	ck_assert_uint_eq(g_strv_length(c->allowed_services), 6);
	ck_assert_str_eq(c->device, "default");
	ck_assert_str_eq(c->voice, "en");
	ck_assert_uint_eq(c->rate, 150);
	ck_assert(c->speak_names);
	ck_assert_str_eq(c->prompts[EAR_PROMPT_CLOSED], "Pairing is closed");
	ck_assert_int_eq(c->confirm, EAR_CONFIRM_SPEAK);
	ck_assert_ptr_null(c->button_device);
	ck_assert_uint_eq(c->lockout.per_device, 3);
	ck_assert_uint_eq(c->lockout.any_device, 10);
	ck_assert_uint_eq(c->lockout.period_s, 600);
	ck_assert_uint_eq(c->lockout.duration_s, 600);
	ck_assert_int_eq(c->duck, EAR_DUCK_AUTO);
	ck_assert_uint_eq(c->duck_db, 20);
}
END_TEST

START_TEST(test_good_file)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EarConfig) c = load("# a comment\n"
				      "[pairing]\n"
				      "window = 60\n"
				      "close-after-pairing = false\n"
				      "manage-adapter=false\n"
				      "legacy-pin = reject\n"
				      "just-works = accept\n"
				      "confirm = key\n"
				      "allowed-services = 110b; 0000110E-0000-1000-8000-00805F9B34FB\n"
				      "[speech]\n"
				      "device = plughw:CARD=Headphones\n"
				      "voice = de\n"
				      "rate = 120\n"
				      "volume = 0\n"
				      "speak-names = false\n"
				      "paired-chime =\n"
				      "failed-chime =\n"
				      "[button]\n"
				      "device = by-path/platform-gpio-keys-event\n"
				      "key = KEY_POWER\n"
				      "window-key = false\n"
				      "[lockout]\n"
				      "per-device = 5\n"
				      "any-device = 20\n"
				      "period = 60\n"
				      "duration = 30\n"
				      "[music]\n"
				      "duck = pause\n"
				      "duck-db = 12\n"
				      "[prompts]\n"
				      "ready = Bereit\n"
				      "paired = Verbunden mit {name}\n",
		&error);
	ck_assert_msg(c != NULL, "%s", error ? error->message : "");
	ck_assert_uint_eq(c->window_s, 60);
	ck_assert(!c->close_after_pairing);
	ck_assert(!c->manage_adapter);
	ck_assert_int_eq(c->legacy_pin, EAR_LEGACY_PIN_REJECT);
	ck_assert_int_eq(c->just_works, EAR_JUST_WORKS_ACCEPT);
	ck_assert_uint_eq(g_strv_length(c->allowed_services), 2);
	ck_assert(ear_config_service_allowed(c, "110e"));
	ck_assert(!ear_config_service_allowed(c, "110d"));
	ck_assert_str_eq(c->device, "plughw:CARD=Headphones");
	ck_assert_str_eq(c->voice, "de");
	ck_assert_uint_eq(c->rate, 120);
	ck_assert_uint_eq(c->volume, 0);
	ck_assert(!c->speak_names);
	ck_assert_ptr_null(c->paired_chime.samples);
	ck_assert_str_eq(c->prompts[EAR_PROMPT_READY], "Bereit");
	ck_assert_str_eq(c->prompts[EAR_PROMPT_PAIRED], "Verbunden mit {name}");
	ck_assert_str_eq(c->prompts[EAR_PROMPT_FAILED], "Pairing failed");
	ck_assert_int_eq(c->confirm, EAR_CONFIRM_KEY);
	ck_assert_str_eq(c->button_device, "by-path/platform-gpio-keys-event");
	ck_assert_uint_eq(c->button_key, 116); /* KEY_POWER */
	ck_assert(!c->window_key);
	ck_assert_uint_eq(c->lockout.per_device, 5);
	ck_assert_uint_eq(c->lockout.duration_s, 30);
	ck_assert_int_eq(c->duck, EAR_DUCK_PAUSE);
	ck_assert_uint_eq(c->duck_db, 12);
}
END_TEST

typedef struct {
	const char *text;
	const char *message; /* expected error text */
} BadCase;

static const BadCase bad_cases[] = {
	{ "[pairing]\nwindow = abc\n", "earshot.conf:2: window: expected a number of seconds from 1 to 86400, got \"abc\"" },
	{ "\n\n[pairing]\nwindow = 0\n", "earshot.conf:4: window: expected a number of seconds from 1 to 86400, got \"0\"" },
	{ "[pairing]\nwindow = 86401\n", "earshot.conf:2: window: expected a number of seconds from 1 to 86400" },
	{ "[pairing]\nwindow = -5\n", "earshot.conf:2: window: expected a number of seconds from 1 to 86400, got \"-5\"" },
	{ "[pairing]\nclose-after-pairing = maybe\n", "earshot.conf:2: close-after-pairing: expected true or false, got \"maybe\"" },
	{ "[pairing]\nlegacy-pin = typed\n", "earshot.conf:2: legacy-pin: expected spoken or reject" },
	{ "[pairing]\njust-works = yes\n", "earshot.conf:2: just-works: expected reject or accept" },
	{ "[pairing]\nallowed-services = 110a;hid\n", "earshot.conf:2: allowed-services: expected a ';'-separated list of UUIDs" },
	{ "[speech]\nrate = 1000\n", "earshot.conf:2: rate: expected words per minute from 80 to 450, got \"1000\"" },
	{ "[speech]\nvolume = loud\n", "earshot.conf:2: volume: expected a volume from 0 to 200" },
	{ "[speech]\ndevice =\n", "earshot.conf:2: device: expected a non-empty line of plain text" },
	{ "[speech]\nvoice = en;rm -rf\n", "earshot.conf:2: voice: expected an espeak-ng voice name" },
	{ "[speech]\nspeak-names = 2\n", "earshot.conf:2: speak-names: expected true or false" },
	{ "[speech]\npaired-chime = /nonexistent/chime.wav\n", "earshot.conf:2: paired-chime: cannot use /nonexistent/chime.wav" },
	{ "[prompts]\nfailed =\n", "earshot.conf:2: failed: expected a non-empty line of plain text" },
	{ "[pairing]\nwindow = 10\nwindow = 20\n", "earshot.conf:3: window: given twice (first on line 2)" },
	/* syntax: every error names its line */
	{ "this is not a key file\n", "earshot.conf:1: expected a [group], a key = value or a # comment, got \"this is not a key file\"" },
	{ "[nonsense\n", "earshot.conf:1: expected a group name in brackets such as [pairing], got \"[nonsense\"" },
	{ "[pairing]\nwindow = 5\n\n[speech\n", "earshot.conf:4: expected a group name in brackets such as [pairing], got \"[speech\"" },
	{ "# c\n[pairing]\nwindow = 5\nwindow: 6\n", "earshot.conf:4: expected a [group], a key = value or a # comment, got \"window: 6\"" },
	{ "[pairing]\n= 5\n", "earshot.conf:2: expected a [group], a key = value or a # comment" },
	{ "\nwindow = 5\n[pairing]\n", "earshot.conf:2: expected a [group] line before the first key, got \"window = 5\"" },
	{ "[pairing]\nwindow = 5\nfoo[ = 1\n", "earshot.conf:3: " }, /* GKeyFile's own message */
	{ "[pairing]\n[a[b]\n", "earshot.conf:2: expected a group name in brackets" },
	{ "[prompts]\nready = a\\qb\n", "earshot.conf:2: ready: expected no backslash escape other than \\s \\n \\t \\r \\\\, got \"a\\\\qb\"" },
	/* values: wrong enum, out of range, each on its line */
	{ "[pairing]\n\n# c\nconfirm = maybe\n", "earshot.conf:4: confirm: expected speak or key, got \"maybe\"" },
	{ "[speech]\nrate = 100\nvolume = 201\n", "earshot.conf:3: volume: expected a volume from 0 to 200, got \"201\"" },
	{ "[pairing]\nwindow = 1\n[lockout]\nany-device = 1001\n", "earshot.conf:4: any-device: expected a number of pairings from 1 to 1000, got \"1001\"" },
	{ "[pairing]\nconfirm = key\n", "earshot.conf:2: confirm: expected a [button] device when confirm = key" },
	{ "[pairing]\nconfirm = button\n", "earshot.conf:2: confirm: expected speak or key" },
	{ "[button]\nkey = KEY_NOPE\n", "earshot.conf:2: key: expected a key name such as KEY_ENTER" },
	{ "[lockout]\nper-device = 0\n", "earshot.conf:2: per-device: expected a number of pairings from 1 to 1000" },
	{ "[lockout]\nduration = forever\n", "earshot.conf:2: duration: expected a number of seconds from 1 to 86400" },
	{ "[music]\nduck = loud\n", "earshot.conf:2: duck: expected auto, volume, pause or off, got \"loud\"" },
	{ "[music]\nduck-db = 0\n", "earshot.conf:2: duck-db: expected a number of decibels from 1 to 60, got \"0\"" },
	{ "[music]\nduck-db = 61\n", "earshot.conf:2: duck-db: expected a number of decibels from 1 to 60" },
	{ "[pairing]\nwindow = 1\0\n", "earshot.conf: contains NUL bytes" },
	{ "[prompts]\nready = \xff\xfe\n", "earshot.conf: is not valid UTF-8 text" },
};

START_TEST(test_bad_file)
{
	const BadCase *c = &bad_cases[_i];
	g_autoptr(GError) error = NULL;
	gsize len = strlen(c->text);
	if (strstr(c->message, "NUL"))
		len += 3; /* past the NUL */
	g_autoptr(EarConfig) config = ear_config_load_data("earshot.conf", c->text, len, &error);
	ck_assert_ptr_null(config);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(g_str_has_prefix(error->message, c->message), "case %d: got \"%s\"", _i,
		error->message);
}
END_TEST

static void keep_warning(const char *domain, GLogLevelFlags level, const char *message,
	gpointer data)
{
	g_ptr_array_add(data, g_strdup(message));
}

static gboolean warned(GPtrArray *warnings, const char *message)
{
	for (guint i = 0; i < warnings->len; i++)
		if (g_str_equal(g_ptr_array_index(warnings, i), message))
			return TRUE;
	return FALSE;
}

START_TEST(test_unknown_keys_warn)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	guint handler = g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, keep_warning, warnings);
	g_autoptr(EarConfig) c = load("[pairing]\nwindow = 5\nwindw = 5\n\n[colours]\nred = 1\n",
		&error);

	g_log_remove_handler(G_LOG_DOMAIN, handler);
	ck_assert_ptr_nonnull(c); /* a warning, not an error */
	ck_assert_uint_eq(c->window_s, 5);
	ck_assert(warned(warnings, "earshot.conf:3: unknown key windw in [pairing] ignored"));
	ck_assert(warned(warnings, "earshot.conf:5: unknown group [colours] ignored"));
}
END_TEST

/* What a message quotes from the file is cut, so one bad line cannot flood the log. */
START_TEST(test_long_value_cut)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *value = g_strnfill(300, '7');
	g_autofree char *text = g_strdup_printf("[pairing]\nwindow = %s\n", value);
	g_autofree char *shown = g_strnfill(80, '7');
	g_autofree char *expected = g_strdup_printf("earshot.conf:2: window: expected a number of "
		"seconds from 1 to 86400, got \"%s...\"", shown);
	g_autoptr(EarConfig) c = load(text, &error);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(error->message, expected);
}
END_TEST

/* Each default, written in the file as --list-config-keys prints it, is accepted. */
START_TEST(test_defaults_as_written)
{
	g_autofree char *list = ear_config_describe_keys();
	g_auto(GStrv) lines = g_strsplit(list, "\n", -1);
	guint checked = 0;

	for (guint i = 0; lines[i] && *lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], "\t", 3);
		g_autoptr(GError) error = NULL;
		char *dot = strchr(f[0], '.');
		if (g_str_equal(f[1], "wav-path"))
			continue; /* the installed chimes need not exist in the build tree */
		*dot = '\0';
		g_autofree char *text = g_strdup_printf("[%s]\n%s = %s\n", f[0], dot + 1, f[2]);
		g_autoptr(EarConfig) c = load(text, &error);
		ck_assert_msg(c != NULL, "%s: %s", text, error ? error->message : "");
		checked++;
	}
	ck_assert_uint_eq(checked, 31);
}
END_TEST

START_TEST(test_huge_file)
{
	g_autoptr(GError) error = NULL;
	gsize len = 300 * 1024;
	g_autofree char *text = g_strnfill(len, '#');
	g_autoptr(EarConfig) c = ear_config_load_data("earshot.conf", text, len, &error);
	ck_assert_ptr_null(c);
	ck_assert(strstr(error->message, "larger than"));
}
END_TEST

START_TEST(test_files_on_disk)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("earshot-config-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "earshot.conf", NULL);
	g_autofree char *missing = g_build_filename(dir, "missing.conf", NULL);
	g_autofree char *wav = g_build_filename(SOUNDS_DIR, "paired.wav", NULL);
	g_autofree char *text = g_strdup_printf("[speech]\npaired-chime = %s\n", wav);

	ck_assert(g_file_set_contents(path, text, -1, NULL));
	EarConfig *c = ear_config_load(path, FALSE, &error);
	ck_assert_msg(c != NULL, "%s", error ? error->message : "");
	ck_assert_ptr_nonnull(c->paired_chime.samples);
	ck_assert_uint_gt(g_bytes_get_size(c->paired_chime.samples), 1000);
	ear_config_unref(c);

	c = ear_config_load(missing, TRUE, &error); /* the default path may be absent */
	ck_assert_ptr_nonnull(c);
	ear_config_unref(c);
	c = ear_config_load(missing, FALSE, &error); /* --config must exist */
	ck_assert_ptr_null(c);
	ck_assert(strstr(error->message, "missing.conf"));
	g_unlink(path);
	g_rmdir(dir);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_good_file);
	tcase_add_loop_test(tc, test_bad_file, 0, G_N_ELEMENTS(bad_cases));
	tcase_add_test(tc, test_unknown_keys_warn);
	tcase_add_test(tc, test_long_value_cut);
	tcase_add_test(tc, test_defaults_as_written);
	tcase_add_test(tc, test_huge_file);
	tcase_add_test(tc, test_files_on_disk);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(config_suite)
