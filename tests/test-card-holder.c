// SPDX-License-Identifier: GPL-2.0-or-later
/* Naming the program that holds a sound card, from a directory laid out like /proc. */
#include <check.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "earshot/card-holder.h"

static char *root;

static void put(const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(root, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(path);
	ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
	ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static void setup(void)
{
	root = g_dir_make_tmp("earshot-proc-XXXXXX", NULL);
	ck_assert_ptr_nonnull(root);
}

static void teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
	g_clear_pointer(&root, g_free);
}

/* What the kernel writes for an open substream (sound/core/pcm.c). */
#define OPEN_STATUS(pid) "state: RUNNING\nowner_pid   : " pid "\ntrigger_time: 1.0\n"

START_TEST(test_names_the_holder)
{
	put("asound/card0/pcm0p/sub0/status", OPEN_STATUS("812"));
	put("asound/card0/pcm0p/sub1/status", "closed\n");
	put("812/comm", "bluealsa-aplay\n");
	g_autofree char *who = ear_card_holders(root);
	ck_assert_str_eq(who, "bluealsa-aplay (pid 812)");
}
END_TEST

START_TEST(test_hidden_name_and_several)
{
	put("asound/card1/pcm0p/sub0/status", OPEN_STATUS("77"));
	put("asound/card1/pcm3p/sub0/status", OPEN_STATUS("77"));  /* named once */
	put("asound/card1/pcm0c/sub0/status", OPEN_STATUS("99"));  /* capture: not in the way */
	put("asound/card2/pcm0p/sub0/status", OPEN_STATUS("1234"));
	put("1234/comm", "pipewire\n");
	g_autofree char *who = ear_card_holders(root);
	ck_assert_ptr_nonnull(who);
	ck_assert_ptr_nonnull(strstr(who, "pid 77"));
	ck_assert_ptr_null(strstr(who, "99"));
	ck_assert_ptr_nonnull(strstr(who, "pipewire (pid 1234)"));
	ck_assert_ptr_null(strstr(strstr(who, "pid 77") + 1, "pid 77"));
}
END_TEST

START_TEST(test_nobody)
{
	put("asound/card0/pcm0p/sub0/status", "closed\n");
	ck_assert_ptr_null(ear_card_holders(root));
	ck_assert_ptr_null(ear_card_holders("/nonexistent"));
}
END_TEST

static Suite *card_holder_suite(void)
{
	Suite *s = suite_create("card-holder");
	TCase *tc = tcase_create("proc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names_the_holder);
	tcase_add_test(tc, test_hidden_name_and_several);
	tcase_add_test(tc, test_nobody);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(card_holder_suite)
