// SPDX-License-Identifier: GPL-2.0-or-later
/* Who holds the sound cards (card-holder.h). Files only: no ALSA here. */
#include "earshot/card-holder.h"

#include <string.h>

/* The owner_pid line of one substream's status file; 0 when it is closed or unreadable. */
static guint64 owner_pid(const char *status_path)
{
	g_autofree char *text = NULL;
	guint64 pid = 0;

	if (!g_file_get_contents(status_path, &text, NULL, NULL))
		return 0;
	const char *line = strstr(text, "owner_pid");
	const char *colon = line ? strchr(line, ':') : NULL;
	if (!colon)
		return 0;
	g_autofree char *value = g_strndup(colon + 1, strcspn(colon + 1, "\n"));
	g_ascii_string_to_unsigned(g_strstrip(value), 10, 1, G_MAXINT32, &pid, NULL);
	return pid;
}

static char *describe(const char *proc_root, guint64 pid)
{
	g_autofree char *path = g_strdup_printf("%s/%" G_GUINT64_FORMAT "/comm", proc_root, pid);
	g_autofree char *comm = NULL;

	if (!g_file_get_contents(path, &comm, NULL, NULL))
		return g_strdup_printf("pid %" G_GUINT64_FORMAT, pid);
	return g_strdup_printf("%s (pid %" G_GUINT64_FORMAT ")", g_strstrip(comm), pid);
}

/* Calls @func for each entry of @dir whose name starts with @prefix (and ends in 'p', if asked). */
static void each_entry(const char *dir, const char *prefix, gboolean playback,
	void (*func)(const char *path, gpointer data), gpointer data)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		if (!g_str_has_prefix(name, prefix) || (playback && !g_str_has_suffix(name, "p")))
			continue;
		g_autofree char *path = g_build_filename(dir, name, NULL);
		func(path, data);
	}
}

typedef struct {
	const char *proc_root;
	GHashTable *pids; /* pid → itself, to name a program once */
	GString *out;
} Scan;

static void on_substream(const char *path, gpointer data)
{
	Scan *scan = data;
	g_autofree char *status = g_build_filename(path, "status", NULL);
	guint64 pid = owner_pid(status);

	if (!pid || g_hash_table_contains(scan->pids, GSIZE_TO_POINTER(pid)))
		return;
	g_hash_table_add(scan->pids, GSIZE_TO_POINTER(pid));
	g_autofree char *who = describe(scan->proc_root, pid);
	g_string_append_printf(scan->out, "%s%s", scan->out->len ? ", " : "", who);
}

static void on_pcm(const char *path, gpointer data)
{
	each_entry(path, "sub", FALSE, on_substream, data);
}

static void on_card(const char *path, gpointer data)
{
	each_entry(path, "pcm", TRUE, on_pcm, data);
}

char *ear_card_holders(const char *proc_root)
{
	g_autofree char *asound = g_build_filename(proc_root, "asound", NULL);
	g_autoptr(GHashTable) pids = g_hash_table_new(g_direct_hash, g_direct_equal);
	Scan scan = { proc_root, pids, g_string_new(NULL) };

	each_entry(asound, "card", FALSE, on_card, &scan);
	if (!scan.out->len) {
		g_string_free(scan.out, TRUE);
		return NULL;
	}
	return g_string_free(scan.out, FALSE);
}
