/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's state, shared by daemon.c (life cycle, the window, what
 * bluetoothd reports, outcomes), requests.c (what bluetoothd asks) and
 * daemon-state.c (what observers are told).
 * Main loop only.
 */
#ifndef EARSHOT_DAEMON_PRIVATE_H
#define EARSHOT_DAEMON_PRIVATE_H

#include "earshot/agent.h"
#include "earshot/bluez.h"
#include "earshot/button.h"
#include "earshot/daemon.h"
#include "earshot/ledger.h"
#include "earshot/lockout.h"
#include "earshot/music.h"
#include "earshot/reader.h"
#include "earshot/window.h"

struct EarDaemon {
	GDBusConnection *connection;
	EarConfig *config;
	EarPlayer *player;
	EarReader *reader;
	EarWindow *window;
	EarLedger *ledger;
	EarAgent *agent;
	EarBluez *bluez;
	EarLockout *lockout;
	EarButton *button;
	EarMusic *music;
	gint64 refusal_said_us; /* last "Pairing is closed" or "Pairing failed" for a refusal */
	GHashTable *asked;      /* devices that sent a pairing request on their current connection */
	char *pin_due_device;   /* connected unpaired; a PIN offer is scheduled */
	guint pin_timer;
	GArray *observers;      /* of Watch (daemon-state.c) */
	guint lock_timer;       /* when the all-devices lockout ends */
};

/* daemon.c */
void ear_daemon_say(EarDaemon *d, const EarChime *chime, const char *prompt);

/* daemon-state.c */
GArray *ear_daemon_observers_new(void);
/* Tells the observers the state may have changed. */
void ear_daemon_changed(EarDaemon *d);
/* Tells the observers how a pairing of @device (may be NULL) ended. */
void ear_daemon_outcome(EarDaemon *d, EarOutcome outcome, const char *device, const char *why);

/* requests.c */
extern const EarAgentHandler ear_daemon_agent_handler;
void ear_daemon_offer_pin(EarDaemon *d, const char *device);
/* The reading of the current attempt's number ended (callback of EarReader). */
void ear_daemon_first_reading_done(EarPlayResult result, const GError *error, gpointer data);

#endif /* EARSHOT_DAEMON_PRIVATE_H */
