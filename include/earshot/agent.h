/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exported org.bluez.Agent1 object. It checks who calls, parses the
 * arguments (agent-methods.h holds the method table), keeps at most one
 * request pending and guarantees that every call gets exactly one reply.
 * What to answer is decided by the handler. Everything here runs on the
 * main loop.
 */
#ifndef EARSHOT_AGENT_H
#define EARSHOT_AGENT_H

#include <gio/gio.h>

#include "earshot/agent-methods.h"

G_BEGIN_DECLS

typedef struct EarAgent EarAgent;

typedef struct {
	/* A new, valid request from bluetoothd; answer it with the functions below, now or later. */
	void (*request)(const EarRequest *request, gpointer user_data);
	/* bluetoothd sent Cancel; any pending request has already been answered Canceled. */
	void (*cancel)(gpointer user_data);
	/* bluetoothd sent Release. */
	void (*release)(gpointer user_data);
	/* The pending request was not answered in time and has been refused. */
	void (*expired)(gpointer user_data);
	/* Unique name of the current owner of org.bluez, or NULL. */
	const char *(*bluez_owner)(gpointer user_data);
} EarAgentHandler;

/* How long a request may stay pending: phones give up after ~35 s, bluetoothd after 60 s. */
#define EAR_AGENT_DEADLINE_MS 25000

EarAgent *ear_agent_new(GDBusConnection *connection, const char *path,
	const EarAgentHandler *handler, gpointer user_data, GError **error);
void ear_agent_free(EarAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarAgent, ear_agent_free)

const char *ear_agent_path(EarAgent *agent);

/* Serial of the pending request, or 0. */
guint64 ear_agent_pending(EarAgent *agent);

/* Each answers the pending request @serial; FALSE (and nothing sent) if it is no longer pending. */
gboolean ear_agent_accept(EarAgent *agent, guint64 serial);
gboolean ear_agent_give_pin(EarAgent *agent, guint64 serial, const char *pin);
gboolean ear_agent_reject(EarAgent *agent, guint64 serial, const char *why);
gboolean ear_agent_cancel(EarAgent *agent, guint64 serial, const char *why);

G_END_DECLS

#endif /* EARSHOT_AGENT_H */
