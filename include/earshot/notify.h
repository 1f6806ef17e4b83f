/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd's readiness protocol (sd_notify(3)), without libsystemd: one
 * datagram per change to the socket named by $NOTIFY_SOCKET. READY=1 goes
 * once, when Earshot is first registered with bluetoothd; a STATUS= line
 * (what `systemctl status earshot` shows) whenever it changes. Sent only on
 * the daemon's changes: no timer. Main loop only.
 */
#ifndef EARSHOT_NOTIFY_H
#define EARSHOT_NOTIFY_H

#include "earshot/daemon.h"

G_BEGIN_DECLS

typedef struct EarNotify EarNotify;

/*
 * Follows @daemon (borrowed; it must outlive the notifier) and tells
 * @socket_path ($NOTIFY_SOCKET: a path, or "@name" for an abstract socket).
 * NULL or "": nothing is ever sent.
 */
EarNotify *ear_notify_new(EarDaemon *daemon, const char *socket_path);
void ear_notify_free(EarNotify *notify);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarNotify, ear_notify_free)

/* Sends STOPPING=1. */
void ear_notify_stopping(EarNotify *notify);

/* The STATUS= text for @state (pure; @now_us: monotonic now). Free with g_free(). */
char *ear_notify_status(const EarDaemonState *state, gint64 now_us);

G_END_DECLS

#endif /* EARSHOT_NOTIFY_H */
