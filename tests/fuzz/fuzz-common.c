// SPDX-License-Identifier: GPL-2.0-or-later
/* Logging for the fuzz targets: see fuzz-common.h. */
#include "fuzz-common.h"

#include <stdio.h>
#include <stdlib.h>

static GLogWriterOutput write_log(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
	gpointer user_data)
{
	if (!(level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)))
		return G_LOG_WRITER_HANDLED;
	g_log_writer_standard_streams(level, fields, n_fields, user_data);
	abort(); /* a critical is a programming error: let libFuzzer record the input */
}

void fuzz_quiet_logs(void)
{
	static gsize done;
	if (g_once_init_enter(&done)) {
		g_log_set_writer_func(write_log, NULL, NULL);
		g_once_init_leave(&done, 1);
	}
}

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz assertion failed: %s\n", file, line, what);
	abort();
}
