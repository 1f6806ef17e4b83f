/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The main() of every Check program: run one suite, exit 1 if anything failed. */
#ifndef EARSHOT_TESTS_CHECK_MAIN_H
#define EARSHOT_TESTS_CHECK_MAIN_H

#include <check.h>

static inline int ear_check_run(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#define EAR_CHECK_MAIN(suite_func)                                                                 \
	int main(void)                                                                             \
	{                                                                                          \
		return ear_check_run(suite_func());                                                \
	}

#endif
