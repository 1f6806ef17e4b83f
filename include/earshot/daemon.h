/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon: ties the agent, bluetoothd, the pairing window, the policy and
 * the player together. One instance per process; main loop only.
 */
#ifndef EARSHOT_DAEMON_H
#define EARSHOT_DAEMON_H

#include <gio/gio.h>

#include "earshot/config.h"
#include "earshot/player.h"
#include "earshot/reader.h"
#include "earshot/voice.h"

G_BEGIN_DECLS

typedef struct EarDaemon EarDaemon;

#define EAR_AGENT_PATH "/org/earshot/agent"

/* How long we wait for Paired after answering, before calling it a failure. */
#define EAR_OUTCOME_TIMEOUT_S 30
/* How long a number shown for typing (DisplayPasskey, a PIN) is repeated. */
#define EAR_REPEAT_LIMIT_S 60
/* Delay before a legacy PIN is announced, so an SSP request can come first. */
#define EAR_PIN_ANNOUNCE_DELAY_MS 750

/* @config is referenced; @synth and @sink are borrowed and must outlive the daemon. */
EarDaemon *ear_daemon_new(GDBusConnection *connection, EarConfig *config,
	const EarSynthOps *synth, const EarSinkOps *sink, GError **error);
void ear_daemon_free(EarDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarDaemon, ear_daemon_free)

/*
 * Opens the pairing window (again) for window seconds and says "Ready to
 * pair". The owner's act (SIGUSR1, the button, start-up): lifts any lockout.
 */
void ear_daemon_open_window(EarDaemon *daemon);
/* The same, for @seconds (1 up to the configured window; the caller checks). */
void ear_daemon_open_window_for(EarDaemon *daemon, guint seconds);
/* Closes the pairing window; @why is for the log. */
void ear_daemon_close_window(EarDaemon *daemon, const char *why);
gboolean ear_daemon_window_is_open(EarDaemon *daemon);
/* The configured window, in seconds: the longest a window may be opened for. */
guint ear_daemon_window_seconds(EarDaemon *daemon);

/* What the daemon's state looks like from outside (D-Bus, systemd). */
typedef struct {
	gboolean registered;     /* with bluetoothd, as the default agent */
	gboolean window_open;
	gint64 window_until_us;  /* monotonic; 0 while closed */
	gint64 locked_until_us;  /* monotonic end of the all-devices lockout; 0 if none */
} EarDaemonState;

void ear_daemon_get_state(EarDaemon *daemon, EarDaemonState *state);

/* How a pairing ended, as told to observers. Never with a passkey or PIN. */
typedef enum {
	EAR_OUTCOME_PAIRED,  /* a device became paired */
	EAR_OUTCOME_FAILED,  /* an attempt Earshot took on did not complete */
	EAR_OUTCOME_REFUSED, /* a pairing request was refused at once */
} EarOutcome;

typedef struct {
	/* Something in EarDaemonState may have changed (compare to know what). */
	void (*changed)(gpointer user_data);
	/* @name: the device's sanitised name, or NULL; @why: for people. */
	void (*outcome)(EarOutcome outcome, const char *name, const char *why, gpointer user_data);
} EarDaemonObserver;

/* Adds an observer; @observer is borrowed. Remove it before @user_data goes. */
void ear_daemon_watch(EarDaemon *daemon, const EarDaemonObserver *observer, gpointer user_data);
void ear_daemon_unwatch(EarDaemon *daemon, gpointer user_data);

/* Takes a new configuration (SIGHUP). */
void ear_daemon_reload(EarDaemon *daemon, EarConfig *config);

/* Stops speech and unregisters the agent; @done runs when that is over. */
void ear_daemon_shutdown(EarDaemon *daemon, GSourceFunc done, gpointer user_data);

gboolean ear_daemon_is_registered(EarDaemon *daemon);

/*
 * The button was pressed (called by the button watcher; tests call it too):
 * accepts a RequestConfirmation waiting for it (confirm = key), otherwise
 * opens the pairing window (window-key).
 */
void ear_daemon_button_pressed(EarDaemon *daemon);

G_END_DECLS

#endif /* EARSHOT_DAEMON_H */
