/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The whole daemon on a private bus (GTestDBus), driven by a fake bluetoothd,
 * speaking through the recording synthesiser and a real-time sink
 * (fake-voice.h). Shared by the daemon's test programs; one daemon per test,
 * made by setup()/setup_with() and freed by teardown().
 */
#ifndef EARSHOT_TESTS_DAEMON_FIXTURE_H
#define EARSHOT_TESTS_DAEMON_FIXTURE_H

#include "earshot/daemon.h"
#include "fake-bluez.h"
#include "fake-voice.h"

#define PHONE "11:22:33:44:55:66"
#define REJECTED "org.bluez.Error.Rejected"
#define CANCELED "org.bluez.Error.Canceled"

extern GTestDBus *bus;
extern FakeBluez *fb;
extern GDBusConnection *conn;
extern EarConfig *config;
extern EarDaemon *daemon_;
extern const char *phone; /* "Anna's phone", unpaired, connected */

/* When set, setup_with() calls it after the fake bluetoothd has its objects and before the
 * daemon starts (so that they are in its first snapshot). */
extern void (*before_start)(void);

/* A daemon with the window open, registered; @extra_config is appended to the test config. */
void setup_with(const char *extra_config);
void setup(void);
void teardown(void);
/* Creates the daemon on the fixture's bus, opens the window, waits for registration. */
void start_daemon(void);

/* Waits until @needle has been spoken @count times. */
gboolean wait_said(const char *needle, guint count, guint timeout_ms);
gboolean wait_registered(FakeBluez *f, guint timeout_ms);
/* Condition for fake_wait_until: Discoverable and Pairable both equal GPOINTER_TO_INT(data). */
gboolean discoverable_cond(gpointer data);
/* Iterates the main context for @ms. */
void settle(guint ms);
/* An Agent1 call from bluetoothd, answered later. */
FakeCall *call(const char *method, GVariant *params);
/* Calls, waits for the reply, and returns the error name or "" for success. */
char *call_now(const char *method, GVariant *params);
/* Paired and Bonded become true in one PropertiesChanged, as bluetoothd does. */
void set_paired(const char *path);


#endif
