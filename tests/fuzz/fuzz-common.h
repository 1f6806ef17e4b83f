/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the libFuzzer targets: GLib logging that stays quiet for the
 * expected warnings (a fuzzer produces millions of them) and turns a
 * critical into a crash, because a g_return_if_fail() tripping is a bug.
 */
#ifndef EARSHOT_FUZZ_COMMON_H
#define EARSHOT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* Installs the log writer once; call from LLVMFuzzerInitialize. */
void fuzz_quiet_logs(void);

/* Aborts (a libFuzzer "crash") with @what when @ok is FALSE. */
#define FUZZ_ASSERT(ok, what)                                                                      \
	do {                                                                                       \
		if (!(ok))                                                                         \
			fuzz_fail(__FILE__, __LINE__, (what));                                     \
	} while (0)

G_NORETURN void fuzz_fail(const char *file, int line, const char *what);

/* The libFuzzer entry points, declared to satisfy -Wmissing-prototypes. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* EARSHOT_FUZZ_COMMON_H */
