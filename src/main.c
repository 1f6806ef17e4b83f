// SPDX-License-Identifier: GPL-2.0-or-later
/* earshot: options, configuration, signals and the main loop. Wiring only. */
#include <glib-unix.h>
#include <grp.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ear-build-config.h"
#include "earshot/config.h"
#include "earshot/daemon.h"
#include "earshot/notify.h"
#include "earshot/player.h"
#include "earshot/service.h"

#define EXIT_CONFIG 2
#define EAR_GROUP "earshot" /* may open and close the window over D-Bus */

typedef struct {
	char *config_path;
	gboolean check_config;
	gboolean list_keys;
	char *say_passkey;
	char *say_text;
	char *device;
	gboolean version;
	gboolean debug;
} Options;

static void options_clear(Options *o)
{
	g_free(o->config_path);
	g_free(o->say_passkey);
	g_free(o->say_text);
	g_free(o->device);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

typedef struct {
	Options *opts;
	GMainLoop *loop;
	EarConfig *config;
	EarDaemon *daemon;
	EarService *service;
	EarNotify *notify;
	EarCallerRule rule;
	int status;
} App;

static EarConfig *load_config(const Options *o, GError **error)
{
	return ear_config_load(o->config_path ? o->config_path : EAR_CONFIG_FILE,
		o->config_path == NULL, error);
}

static void on_said(EarPlayResult result, const GError *error, gpointer data)
{
	App *app = data;
	if (result == EAR_PLAY_FAILED)
		g_printerr("earshot: %s\n", error->message);
	app->status = result == EAR_PLAY_DONE ? EXIT_SUCCESS : EXIT_FAILURE;
	g_main_loop_quit(app->loop);
}

/* --say-passkey / --say: speak once through the configured device and exit. */
static int say_once(App *app)
{
	const Options *o = app->opts;
	guint64 passkey = 0;
	EarUtterance *u;

	if (o->say_passkey && (strlen(o->say_passkey) > 6 ||
		!g_ascii_string_to_unsigned(o->say_passkey, 10, 0, 999999, &passkey, NULL))) {
		g_printerr("earshot: --say-passkey: expected 1 to 6 digits, got \"%s\"\n", o->say_passkey);
		return EXIT_CONFIG;
	}
	g_autoptr(EarPlayer) player = ear_player_new(ear_tts_ops(), ear_alsa_sink_ops());
	EarVoice voice = { app->config->voice, app->config->rate, app->config->volume };
	ear_player_configure(player, o->device ? o->device : app->config->device, &voice);
	if (o->say_passkey) {
		u = ear_code_utterance(app->config, (guint32)passkey, 2);
	} else {
		u = ear_utterance_new();
		ear_utterance_add_text(u, o->say_text);
	}
	ear_player_play(player, u, on_said, app, NULL);
	g_main_loop_run(app->loop);
	return app->status;
}

static gboolean on_term(gpointer data);

static gboolean on_usr1(gpointer data)
{
	App *app = data;
	if (app->daemon)
		ear_daemon_open_window(app->daemon);
	return G_SOURCE_CONTINUE;
}

static gboolean on_hup(gpointer data)
{
	App *app = data;
	g_autoptr(GError) error = NULL;
	ear_alsa_reread_config(); /* asound.conf may define the PCM a new device = names */
	EarConfig *config = load_config(app->opts, &error);
	if (!config) {
		g_warning("reload failed, keeping the current configuration: %s", error->message);
		return G_SOURCE_CONTINUE;
	}
	g_message("configuration reloaded");
	ear_config_unref(app->config);
	app->config = config;
	if (app->daemon)
		ear_daemon_reload(app->daemon, config);
	return G_SOURCE_CONTINUE;
}

static gboolean on_unregistered(gpointer data)
{
	App *app = data;
	g_main_loop_quit(app->loop);
	return G_SOURCE_REMOVE;
}

static gboolean on_term(gpointer data)
{
	App *app = data;
	g_message("stopping");
	if (app->notify)
		ear_notify_stopping(app->notify);
	if (app->daemon)
		ear_daemon_shutdown(app->daemon, on_unregistered, app);
	else
		g_main_loop_quit(app->loop);
	return G_SOURCE_REMOVE;
}

static void on_bus_closed(GDBusConnection *c, gboolean remote, GError *error, gpointer data)
{
	App *app = data;
	g_warning("lost the system bus%s%s; exiting", error ? ": " : "", error ? error->message : "");
	app->status = EXIT_FAILURE;
	g_main_loop_quit(app->loop);
}

static void on_bus(GObject *source, GAsyncResult *res, gpointer data)
{
	App *app = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = g_bus_get_finish(res, &error);

	if (bus) {
		g_dbus_connection_set_exit_on_close(bus, FALSE);
		g_signal_connect(bus, "closed", G_CALLBACK(on_bus_closed), app);
		app->daemon = ear_daemon_new(bus, app->config, ear_tts_ops(), ear_alsa_sink_ops(),
			&error);
	}
	if (app->daemon)
		app->service = ear_service_new(bus, app->daemon, &app->rule, &error);
	if (!app->service) {
		g_warning("cannot start: %s", error->message);
		app->status = EXIT_FAILURE;
		g_main_loop_quit(app->loop);
		return;
	}
	app->notify = ear_notify_new(app->daemon, g_getenv("NOTIFY_SOCKET"));
	ear_daemon_open_window(app->daemon);
}

/* Who may use org.earshot.Earshot1's methods: root and the group earshot, if it exists. */
static EarCallerRule caller_rule(void)
{
	const struct group *g = getgrnam(EAR_GROUP);
	if (!g)
		g_message("no group %s: only root may open or close the window over D-Bus", EAR_GROUP);
	return (EarCallerRule){ 0, g ? g->gr_gid : EAR_CALLER_NO_GROUP };
}

static int run_daemon(App *app)
{
	g_unix_signal_add(SIGTERM, on_term, app);
	g_unix_signal_add(SIGINT, on_term, app);
	g_unix_signal_add(SIGHUP, on_hup, app);
	g_unix_signal_add(SIGUSR1, on_usr1, app);
	g_message("Earshot %s starting", EAR_VERSION);
	app->rule = caller_rule();
	g_bus_get(G_BUS_TYPE_SYSTEM, NULL, on_bus, app);
	g_main_loop_run(app->loop);
	g_clear_pointer(&app->notify, ear_notify_free);
	g_clear_pointer(&app->service, ear_service_free);
	g_clear_pointer(&app->daemon, ear_daemon_free);
	return app->status;
}

static gboolean parse_options(int *argc, char ***argv, Options *o)
{
	const GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config_path,
			"Read PATH instead of " EAR_CONFIG_FILE, "PATH" },
		{ "check-config", 0, 0, G_OPTION_ARG_NONE, &o->check_config,
			"Validate the configuration and exit (0 good, 2 bad)", NULL },
		{ "list-config-keys", 0, 0, G_OPTION_ARG_NONE, &o->list_keys,
			"Print every configuration key with its type and default, and exit", NULL },
		{ "say-passkey", 0, 0, G_OPTION_ARG_STRING, &o->say_passkey,
			"Speak CODE as during pairing and exit", "CODE" },
		{ "say", 0, 0, G_OPTION_ARG_STRING, &o->say_text, "Speak TEXT and exit", "TEXT" },
		{ "device", 'd', 0, G_OPTION_ARG_STRING, &o->device,
			"ALSA PCM for --say and --say-passkey", "PCM" },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL },
		{ "debug", 0, 0, G_OPTION_ARG_NONE, &o->debug, "Log debug messages", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
	g_autoptr(GError) error = NULL;
	g_option_context_set_summary(ctx, "Speaks Bluetooth pairing codes aloud, so only people in "
		"the room can pair.\nSignals: SIGUSR1 opens the pairing window, SIGHUP reloads the "
		"configuration,\nSIGTERM stops. D-Bus: org.earshot.Earshot1 on the system bus "
		"(earshotctl).\nExit status: 0 ok, 1 runtime failure, 2 bad configuration or usage.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &error) || *argc > 1) {
		g_printerr("earshot: %s\n", error ? error->message : "unexpected argument");
		return FALSE;
	}
	return TRUE;
}

int main(int argc, char **argv)
{
	g_auto(Options) opts = { 0 };
	g_autoptr(GError) error = NULL;
	App app = { .opts = &opts, .status = EXIT_SUCCESS };

	setlocale(LC_ALL, "");
	if (!parse_options(&argc, &argv, &opts))
		return EXIT_CONFIG;
	if (opts.version) {
		printf("earshot %s\n", EAR_VERSION);
		return EXIT_SUCCESS;
	}
	if (opts.list_keys) {
		g_autofree char *keys = ear_config_describe_keys();
		fputs(keys, stdout);
		return EXIT_SUCCESS;
	}
	if (opts.debug)
		g_log_set_debug_enabled(TRUE);
	app.config = load_config(&opts, &error);
	if (!app.config) {
		g_printerr("earshot: %s\n", error->message);
		return EXIT_CONFIG;
	}
	if (opts.check_config) {
		printf("%s: OK\n", opts.config_path ? opts.config_path : EAR_CONFIG_FILE);
		ear_config_unref(app.config);
		return EXIT_SUCCESS;
	}
	app.loop = g_main_loop_new(NULL, FALSE);
	app.status = opts.say_passkey || opts.say_text ? say_once(&app) : run_daemon(&app);
	g_main_loop_unref(app.loop);
	ear_config_unref(app.config);
	return app.status;
}
