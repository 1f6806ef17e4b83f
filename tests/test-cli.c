// SPDX-License-Identifier: GPL-2.0-or-later
/* The built `earshot` binary's one-shot commands: --check-config, --list-config-keys, usage. */
#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check-main.h"
#include "earshot-argv.h"

static int run(const char *const *argv, char **out, char **err)
{
	g_autoptr(GError) error = NULL;
	int status = -1;
	g_auto(GStrv) full = earshot_argv(argv + 1); /* argv[0] is EARSHOT */
	ck_assert(g_spawn_sync(NULL, full, NULL, err ? 0 : G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
		out, err, &status, &error));
	return g_spawn_check_wait_status(status, NULL) ? 0 : WEXITSTATUS(status);
}

START_TEST(test_check_config)
{
	g_autofree char *out = NULL;
	const char *const good[] = { EARSHOT, "--check-config", "--config", SAMPLE_CONFIG, NULL };
	const char *const missing[] = { EARSHOT, "--check-config", "--config", "/nonexistent", NULL };
	const char *const usage[] = { EARSHOT, "--no-such-option", NULL };
	const char *const version[] = { EARSHOT, "--version", NULL };
	ck_assert_int_eq(run(good, NULL, NULL), 0); /* the installed sample is valid as shipped */
	ck_assert_int_eq(run(missing, NULL, NULL), 2);
	ck_assert_int_eq(run(usage, NULL, NULL), 2);
	ck_assert_int_eq(run(version, &out, NULL), 0);
	ck_assert(g_str_has_prefix(out, "earshot "));
}
END_TEST

/* A syntax error names its line like any other mistake in the file. */
START_TEST(test_check_config_syntax)
{
	g_autofree char *dir = g_dir_make_tmp("earshot-cli-XXXXXX", NULL);
	g_autofree char *bad = g_build_filename(dir, "bad.conf", NULL);
	g_autofree char *err = NULL;
	g_autofree char *expected = g_strdup_printf("earshot: %s:1: expected a group name in "
		"brackets such as [pairing], got \"[nonsense\"\n", bad);
	const char *const check[] = { EARSHOT, "--check-config", "--config", bad, NULL };

	ck_assert(g_file_set_contents(bad, "[nonsense\nwindow = 5\n", -1, NULL));
	ck_assert_int_eq(run(check, NULL, &err), 2);
	g_unlink(bad);
	g_rmdir(dir);
	ck_assert_str_eq(err, expected);
}
END_TEST

START_TEST(test_list_config_keys)
{
	g_autofree char *out = NULL;
	const char *const list[] = { EARSHOT, "--list-config-keys", NULL };

	ck_assert_int_eq(run(list, &out, NULL), 0);
	ck_assert(g_str_has_prefix(out, "pairing.window\tinteger 1..86400\t180\n"));
	ck_assert(strstr(out, "\nprompts.failed\ttext\tPairing failed\n"));
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");
	tcase_add_test(tc, test_check_config);
	tcase_add_test(tc, test_check_config_syntax);
	tcase_add_test(tc, test_list_config_keys);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(cli_suite)
