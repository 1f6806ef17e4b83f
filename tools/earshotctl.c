// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * earshotctl: Earshot's state, its pairing window and its outcomes, from a
 * shell. It speaks only org.earshot.Earshot1 on the system bus (see
 * src/dbus/org.earshot.Earshot1.xml); exit codes are in earshotctl(1).
 */
#include <gio/gio.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "ear-build-config.h"

#define NAME "org.earshot"
#define PATH "/org/earshot"
#define IFACE "org.earshot.Earshot1"
#define PROPERTIES "org.freedesktop.DBus.Properties"
#define TIMEOUT_MS 10000

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,       /* Earshot refused the arguments, or the bus failed */
	EXIT_USAGE = 2,
	EXIT_DENIED = 3,      /* not root nor in the group earshot */
	EXIT_NOT_RUNNING = 4, /* nobody owns org.earshot */
};

static int fail(const char *what, GError *error)
{
	g_dbus_error_strip_remote_error(error);
	if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
		g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)) {
		g_printerr("earshotctl: Earshot is not running (nobody owns %s on the system bus)\n",
			NAME);
		return EXIT_NOT_RUNNING;
	}
	if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED)) {
		g_printerr("earshotctl: %s: not allowed: only root and members of the group "
			"earshot may (%s)\n", what, error->message);
		return EXIT_DENIED;
	}
	g_printerr("earshotctl: %s: %s\n", what, error->message);
	return EXIT_ERROR;
}

static GVariant *call(GDBusConnection *bus, const char *iface, const char *method,
	GVariant *args, const char *reply_type, GError **error)
{
	return g_dbus_connection_call_sync(bus, NAME, PATH, iface, method, args,
		G_VARIANT_TYPE(reply_type), G_DBUS_CALL_FLAGS_NO_AUTO_START, TIMEOUT_MS, NULL, error);
}

static GVariant *get_all(GDBusConnection *bus, GError **error)
{
	g_autoptr(GVariant) reply = call(bus, PROPERTIES, "GetAll", g_variant_new("(s)", IFACE),
		"(a{sv})", error);
	return reply ? g_variant_get_child_value(reply, 0) : NULL;
}

/* --- status --- */

static gboolean flag(GVariant *props, const char *key)
{
	gboolean v = FALSE;
	g_variant_lookup(props, key, "b", &v);
	return v;
}

static guint64 number(GVariant *props, const char *key)
{
	guint64 t = 0;
	guint32 u;
	if (g_variant_lookup(props, key, "u", &u))
		return u;
	g_variant_lookup(props, key, "t", &t);
	return t;
}

static const char *text(GVariant *props, const char *key)
{
	const char *s = "";
	g_variant_lookup(props, key, "&s", &s);
	return s;
}

/* Local time of @t (seconds since the epoch), "%Y-%m-%d %H:%M:%S". */
static char *local_time(guint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local((gint64)t);
	return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
}

static void print_human(GVariant *p)
{
	g_autofree char *closes = local_time(number(p, "WindowClosesAt"));
	g_autofree char *unlocks = local_time(number(p, "LockedUntil"));
	g_autofree char *at = local_time(number(p, "LastOutcomeAt"));
	const char *outcome = text(p, "LastOutcome");
	const char *name = text(p, "LastName");

	printf("bluetoothd:     %s\n", flag(p, "Registered") ? "registered" : "waiting for it");
	if (flag(p, "WindowOpen"))
		printf("pairing window: open, %u s left (until %s)\n",
			(guint)number(p, "WindowSecondsLeft"), closes);
	else
		printf("pairing window: closed\n");
	if (flag(p, "LockedOut"))
		printf("lockout:        pairing locked until %s\n", unlocks);
	else
		printf("lockout:        none\n");
	if (!*outcome)
		printf("last outcome:   none since Earshot started\n");
	else
		printf("last outcome:   %s%s%s%s at %s\n", outcome, *name ? " (" : "", name,
			*name ? ")" : "", at);
}

static void json_string(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const char *c = s; *c; c++) {
		if (*c == '"' || *c == '\\')
			g_string_append_printf(out, "\\%c", *c);
		else if ((guchar)*c < 0x20)
			g_string_append_printf(out, "\\u%04x", (guchar)*c);
		else
			g_string_append_c(out, *c);
	}
	g_string_append_c(out, '"');
}

/* One JSON object; the keys are the properties' names in snake case. */
static void print_json(GVariant *p)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "{\"registered\": %s, \"window_open\": %s, "
		"\"window_seconds_left\": %" G_GUINT64_FORMAT ", \"window_closes_at\": %"
		G_GUINT64_FORMAT ", \"locked_out\": %s, \"locked_until\": %" G_GUINT64_FORMAT
		", \"last_outcome\": ", flag(p, "Registered") ? "true" : "false",
		flag(p, "WindowOpen") ? "true" : "false", number(p, "WindowSecondsLeft"),
		number(p, "WindowClosesAt"), flag(p, "LockedOut") ? "true" : "false",
		number(p, "LockedUntil"));
	json_string(out, text(p, "LastOutcome"));
	g_string_append_printf(out, ", \"last_outcome_at\": %" G_GUINT64_FORMAT ", \"last_name\": ",
		number(p, "LastOutcomeAt"));
	json_string(out, text(p, "LastName"));
	printf("%s}\n", out->str);
}

static int cmd_status(GDBusConnection *bus, gboolean json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) props = get_all(bus, &error);

	if (!props)
		return fail("status", error);
	if (json)
		print_json(props);
	else
		print_human(props);
	return EXIT_OK;
}

/* --- open, close --- */

static int cmd_open(GDBusConnection *bus, const char *arg)
{
	g_autoptr(GError) error = NULL;
	guint64 seconds = 0;

	if (arg && !g_ascii_string_to_unsigned(arg, 10, 1, G_MAXUINT32, &seconds, &error)) {
		g_printerr("earshotctl: open: SECONDS: %s\n", error->message);
		return EXIT_USAGE;
	}
	g_autoptr(GVariant) reply = call(bus, IFACE, "Open", g_variant_new("(u)", (guint32)seconds),
		"()", &error);
	return reply ? EXIT_OK : fail("open", error);
}

static int cmd_close(GDBusConnection *bus)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = call(bus, IFACE, "Close", NULL, "()", &error);
	return reply ? EXIT_OK : fail("close", error);
}

/* --- watch --- */

static void print_line(guint64 at, const char *what, const char *detail)
{
	g_autofree char *when = local_time(at);
	printf("%s %s%s%s\n", when, what, detail && *detail ? ": " : "", detail ? detail : "");
	fflush(stdout);
}

static guint64 now_s(void)
{
	return (guint64)(g_get_real_time() / G_USEC_PER_SEC);
}

/* The name is a property only some callers may read: "" for the others. */
static char *last_name(GDBusConnection *bus)
{
	g_autoptr(GVariant) reply = call(bus, PROPERTIES, "Get",
		g_variant_new("(ss)", IFACE, "LastName"), "(v)", NULL);
	g_autoptr(GVariant) v = reply ? g_variant_get_child_value(reply, 0) : NULL;
	g_autoptr(GVariant) name = v ? g_variant_get_variant(v) : NULL;
	return g_strdup(name && g_variant_is_of_type(name, G_VARIANT_TYPE_STRING) ?
		g_variant_get_string(name, NULL) : "");
}

static void on_window_changed(GDBusConnection *bus, GVariant *params)
{
	g_autoptr(GVariant) changed = g_variant_get_child_value(params, 1);
	gboolean open;
	guint64 until = 0;

	if (!g_variant_lookup(changed, "WindowOpen", "b", &open) &&
		!g_variant_lookup(changed, "WindowClosesAt", "t", &until))
		return;
	g_autoptr(GVariant) props = get_all(bus, NULL);
	if (!props)
		return;
	g_autofree char *closes = local_time(number(props, "WindowClosesAt"));
	g_autofree char *detail = g_strdup_printf("until %s", closes);
	if (flag(props, "WindowOpen"))
		print_line(now_s(), "pairing window open", detail);
	else if (g_variant_lookup(changed, "WindowOpen", "b", &open))
		print_line(now_s(), "pairing window closed", NULL);
}

static void on_signal(GDBusConnection *bus, const char *sender, const char *path,
	const char *iface, const char *signal, GVariant *params, gpointer data)
{
	guint64 at = 0;
	const char *reason = "";

	if (g_str_equal(iface, PROPERTIES)) {
		if (g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
			on_window_changed(bus, params);
		return;
	}
	if (g_str_equal(signal, "Paired") && g_variant_is_of_type(params, G_VARIANT_TYPE("(t)"))) {
		g_variant_get(params, "(t)", &at);
		g_autofree char *name = last_name(bus);
		print_line(at, "paired", name);
	} else if (g_variant_is_of_type(params, G_VARIANT_TYPE("(ts)"))) {
		g_variant_get(params, "(t&s)", &at, &reason);
		print_line(at, g_str_equal(signal, "Failed") ? "pairing failed" : "pairing refused",
			reason);
	}
}

static void on_appeared(GDBusConnection *bus, const char *name, const char *owner, gpointer data)
{
	print_line(now_s(), "Earshot is running", NULL);
}

static void on_vanished(GDBusConnection *bus, const char *name, gpointer data)
{
	print_line(now_s(), "Earshot is not running", NULL);
}

static gboolean on_quit(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

/* Prints outcomes and the window opening and closing until SIGINT or SIGTERM. */
static int cmd_watch(GDBusConnection *bus)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	guint outcomes = g_dbus_connection_signal_subscribe(bus, NAME, IFACE, NULL, PATH, NULL,
		G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
	guint props = g_dbus_connection_signal_subscribe(bus, NAME, PROPERTIES,
		"PropertiesChanged", PATH, IFACE, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
	/* says "running" or "not running" first: the match rules are in place by then */
	guint watch = g_bus_watch_name_on_connection(bus, NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
		on_appeared, on_vanished, NULL, NULL);

	g_unix_signal_add(SIGINT, on_quit, loop);
	g_unix_signal_add(SIGTERM, on_quit, loop);
	g_main_loop_run(loop);
	g_bus_unwatch_name(watch);
	g_dbus_connection_signal_unsubscribe(bus, props);
	g_dbus_connection_signal_unsubscribe(bus, outcomes);
	return EXIT_OK;
}

/* --- the command line --- */

static int run(GDBusConnection *bus, int argc, char **argv, gboolean json)
{
	const char *cmd = argv[1];

	if (g_str_equal(cmd, "status") && argc == 2)
		return cmd_status(bus, json);
	if (json) {
		g_printerr("earshotctl: --json goes with status only\n");
		return EXIT_USAGE;
	}
	if (g_str_equal(cmd, "open") && argc <= 3)
		return cmd_open(bus, argc == 3 ? argv[2] : NULL);
	if (g_str_equal(cmd, "close") && argc == 2)
		return cmd_close(bus);
	if (g_str_equal(cmd, "watch") && argc == 2)
		return cmd_watch(bus);
	g_printerr("earshotctl: unknown command or extra arguments: try earshotctl --help\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	gboolean json = FALSE, version = FALSE;
	const GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &json, "status: print one JSON object", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND");
	g_autoptr(GError) error = NULL;

	setlocale(LC_ALL, "");
	g_option_context_set_summary(ctx, "Commands:\n  status [--json]  the pairing window, lockout, "
		"last outcome\n  open [SECONDS]   open the pairing window (lifts a lockout)\n"
		"  close            close it\n  watch            print outcomes as they happen");
	g_option_context_set_description(ctx, "Exit status: 0 done, 1 error, 2 usage, 3 not "
		"allowed (root and the group earshot only), 4 Earshot not running.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("earshotctl: %s\n", error->message);
		return EXIT_USAGE;
	}
	if (version) {
		printf("earshotctl %s\n", EAR_VERSION);
		return EXIT_OK;
	}
	if (argc < 2) {
		g_printerr("earshotctl: no command: try earshotctl --help\n");
		return EXIT_USAGE;
	}
	g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (!bus)
		return fail("system bus", error);
	return run(bus, argc, argv, json);
}
