/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The built earshot as a child process on a private system bus: start, stop, clean up. */
#ifndef EARSHOT_TESTS_EARSHOT_PROCESS_H
#define EARSHOT_TESTS_EARSHOT_PROCESS_H

#include <check.h>
#include <gio/gio.h>
#include <stdlib.h>

#include "earshot-argv.h"
#include "fake-bluez.h"

/* A launcher for earshot on the bus at @bus_address, its log in @log_path. */
static inline GSubprocessLauncher *earshot_launcher(const char *bus_address, const char *log_path)
{
	GSubprocessLauncher *l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_subprocess_launcher_setenv(l, "DBUS_SYSTEM_BUS_ADDRESS", bus_address, TRUE);
	g_subprocess_launcher_set_stderr_file_path(l, log_path);
	g_subprocess_launcher_set_stdout_file_path(l, "/dev/null");
	return l;
}

/* Starts earshot --config @conf. */
static inline GSubprocess *earshot_spawn(GSubprocessLauncher *l, const char *conf)
{
	g_autoptr(GError) error = NULL;
	const char *const args[] = { "--config", conf, NULL };
	g_auto(GStrv) argv = earshot_argv(args);
	GSubprocess *proc = g_subprocess_launcher_spawnv(l, (const char *const *)argv, &error);
	ck_assert_msg(proc != NULL, "%s", error ? error->message : "");
	return proc;
}

/* TRUE once the child has exited and been reaped. */
static inline gboolean child_gone(GSubprocess *proc)
{
	return g_subprocess_get_identifier(proc) == NULL;
}

static inline gboolean child_gone_cond(gpointer data)
{
	return child_gone(data);
}

/* Kills the child if it still runs, waits for it, and drops it. */
static inline void child_stop(GSubprocess **proc)
{
	if (*proc && !child_gone(*proc)) {
		g_subprocess_force_exit(*proc);
		fake_wait_until(child_gone_cond, *proc, 5000);
	}
	g_clear_object(proc);
}

/* Removes the directory @dir and all in it, and frees the name. */
static inline void remove_tree(char **dir)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", *dir);
	ck_assert(system(cmd) == 0);
	g_clear_pointer(dir, g_free);
}

#endif
