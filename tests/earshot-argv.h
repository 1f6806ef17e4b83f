/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line that starts a built program (earshot, earshotctl), for the tests that run it. */
#ifndef EARSHOT_TESTS_EARSHOT_ARGV_H
#define EARSHOT_TESTS_EARSHOT_ARGV_H

#include <check.h>
#include <glib.h>

/*
 * A cross build runs the tests under an emulator (meson's exe_wrapper, e.g.
 * "qemu-aarch64-static -L SYSROOT"), which meson also exports as
 * MESON_EXE_WRAPPER: the target earshot has to be started through it too.
 * Returns the wrapper's words, @program, then @args.
 */
static inline GStrv target_argv(const char *program, const char *const *args)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) wrapper = NULL;
	const char *w = g_getenv("MESON_EXE_WRAPPER");

	if (w && *w)
		ck_assert_msg(g_shell_parse_argv(w, NULL, &wrapper, NULL), "MESON_EXE_WRAPPER: %s", w);
	if (wrapper) {
		/* g_spawn_sync() without G_SPAWN_SEARCH_PATH needs a path */
		char *path = g_find_program_in_path(wrapper[0]);
		ck_assert_msg(path != NULL, "MESON_EXE_WRAPPER: %s not found", wrapper[0]);
		g_free(wrapper[0]);
		wrapper[0] = path;
		g_strv_builder_addv(b, (const char **)wrapper);
	}
	g_strv_builder_add(b, program);
	g_strv_builder_addv(b, (const char **)args);
	return g_strv_builder_end(b);
}

#ifdef EARSHOT
/* The wrapper's words, EARSHOT, then @args. */
static inline GStrv earshot_argv(const char *const *args)
{
	return target_argv(EARSHOT, args);
}
#endif

#endif
