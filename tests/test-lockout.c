// SPDX-License-Identifier: GPL-2.0-or-later
/* Lockout bookkeeping, with the clock in the test's hands. */
#include <check.h>

#include "check-main.h"
#include "earshot/lockout.h"

#define S ((gint64)G_USEC_PER_SEC)
static const EarLockoutConfig cfg = { 3, 10, 600, 600 };

START_TEST(test_three_from_one_device)
{
	g_autoptr(EarLockout) l = ear_lockout_new();
	gint64 t = 1000 * S;
	ear_lockout_record(l, &cfg, "a", TRUE, t);
	ear_lockout_record(l, &cfg, "a", TRUE, t + 60 * S);
	ck_assert(!ear_lockout_is_locked(l, "a", t + 61 * S));
	ear_lockout_record(l, &cfg, "a", TRUE, t + 120 * S);
	ck_assert(ear_lockout_is_locked(l, "a", t + 121 * S));
	ck_assert(!ear_lockout_is_locked(l, "b", t + 121 * S)); /* others may still pair */
	ck_assert(ear_lockout_is_locked(l, "a", t + 719 * S));
	ck_assert(!ear_lockout_is_locked(l, "a", t + 721 * S)); /* 10 minutes later */
}
END_TEST

START_TEST(test_spread_out_failures_do_not_lock)
{
	g_autoptr(EarLockout) l = ear_lockout_new();
	for (int i = 0; i < 10; i++)
		ear_lockout_record(l, &cfg, "a", TRUE, (gint64)i * 301 * S); /* 2 within any 10 min */
	ck_assert(!ear_lockout_is_locked(l, "a", 10 * 301 * S));
}
END_TEST

START_TEST(test_ten_from_anywhere)
{
	g_autoptr(EarLockout) l = ear_lockout_new();
	char name[8];
	for (int i = 0; i < 9; i++) {
		g_snprintf(name, sizeof(name), "d%d", i);
		ear_lockout_record(l, &cfg, name, TRUE, i * S);
	}
	ck_assert(!ear_lockout_is_locked(l, "new", 10 * S));
	ear_lockout_record(l, &cfg, "d9", TRUE, 10 * S);
	ck_assert(ear_lockout_is_locked(l, "new", 11 * S)); /* everyone */
	ck_assert(!ear_lockout_is_locked(l, "new", 611 * S));
}
END_TEST

/* Failures that consumed no spoken number (Just Works accepted, then dropped) cost a
 * stranger nothing: from fresh addresses they must never lock everyone out. */
START_TEST(test_unspoken_never_lock_everyone)
{
	g_autoptr(EarLockout) l = ear_lockout_new();
	char name[8];
	for (int i = 0; i < 100; i++) {
		g_snprintf(name, sizeof(name), "d%d", i);
		ear_lockout_record(l, &cfg, name, FALSE, i * S);
	}
	ck_assert(!ear_lockout_is_locked(l, "owner", 101 * S));
	/* ... but they still count against the device that made them */
	for (int i = 0; i < 3; i++)
		ear_lockout_record(l, &cfg, "x", FALSE, (200 + i) * S);
	ck_assert(ear_lockout_is_locked(l, "x", 203 * S));
	ck_assert(!ear_lockout_is_locked(l, "owner", 203 * S));
	/* spoken ones among them still reach the all-devices limit */
	for (int i = 0; i < 10; i++) {
		g_snprintf(name, sizeof(name), "s%d", i);
		ear_lockout_record(l, &cfg, name, TRUE, (300 + i) * S);
	}
	ck_assert(ear_lockout_is_locked(l, "owner", 310 * S));
}
END_TEST

START_TEST(test_announced_once_per_lockout)
{
	g_autoptr(EarLockout) l = ear_lockout_new();
	for (int i = 0; i < 3; i++)
		ear_lockout_record(l, &cfg, "a", TRUE, i * S);
	ck_assert(ear_lockout_take_announcement(l, "a", 5 * S));
	ck_assert(!ear_lockout_take_announcement(l, "a", 6 * S));
	ck_assert(!ear_lockout_take_announcement(l, "b", 6 * S)); /* b is not locked */
	/* after it ends, a new lockout is announced again */
	for (int i = 0; i < 3; i++)
		ear_lockout_record(l, &cfg, "a", TRUE, (700 + i) * S);
	ck_assert(ear_lockout_take_announcement(l, "a", 705 * S));
}
END_TEST

START_TEST(test_configurable)
{
	const EarLockoutConfig strict = { 1, 2, 60, 5 };
	g_autoptr(EarLockout) l = ear_lockout_new();
	ear_lockout_record(l, &strict, "a", TRUE, 0);
	ck_assert(ear_lockout_is_locked(l, "a", 1 * S));
	ck_assert(!ear_lockout_is_locked(l, "a", 6 * S));
}
END_TEST

START_TEST(test_clear)
{
	g_autoptr(EarLockout) l = ear_lockout_new();
	char name[8];
	for (int i = 0; i < 10; i++) {
		g_snprintf(name, sizeof(name), "d%d", i);
		ear_lockout_record(l, &cfg, name, TRUE, i * S);
	}
	ck_assert(ear_lockout_is_locked(l, "b", 11 * S));
	ear_lockout_clear(l);
	ck_assert(!ear_lockout_is_locked(l, "a", 12 * S));
	ck_assert(!ear_lockout_is_locked(l, "b", 12 * S));
	ear_lockout_record(l, &cfg, "a", TRUE, 13 * S); /* counting starts afresh */
	ck_assert(!ear_lockout_is_locked(l, "a", 14 * S));
}
END_TEST

static Suite *lockout_suite(void)
{
	Suite *s = suite_create("lockout");
	TCase *tc = tcase_create("lockout");
	tcase_add_test(tc, test_three_from_one_device);
	tcase_add_test(tc, test_spread_out_failures_do_not_lock);
	tcase_add_test(tc, test_ten_from_anywhere);
	tcase_add_test(tc, test_unspoken_never_lock_everyone);
	tcase_add_test(tc, test_announced_once_per_lockout);
	tcase_add_test(tc, test_configurable);
	tcase_add_test(tc, test_clear);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(lockout_suite)
