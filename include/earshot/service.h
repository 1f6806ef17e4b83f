/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Earshot's own D-Bus interface, org.earshot.Earshot1 (src/dbus/ holds its
 * introspection XML, which says what each member means): the object
 * EAR_SERVICE_PATH under the bus name EAR_SERVICE_NAME. It opens and closes
 * the pairing window for root and the group "earshot", shows the daemon's
 * state as properties (with PropertiesChanged) and each outcome as a
 * signal. Main loop only.
 */
#ifndef EARSHOT_SERVICE_H
#define EARSHOT_SERVICE_H

#include <gio/gio.h>

#include "earshot/caller.h"
#include "earshot/daemon.h"

G_BEGIN_DECLS

#define EAR_SERVICE_NAME "org.earshot"
#define EAR_SERVICE_PATH "/org/earshot"
#define EAR_SERVICE_INTERFACE "org.earshot.Earshot1"

typedef struct EarService EarService;

/*
 * Exports the object and asks for the name (not owning it is logged, and
 * the agent works on). @daemon is borrowed and must outlive the service;
 * @rule (copied) says who may open and close the window and read names.
 */
EarService *ear_service_new(GDBusConnection *connection, EarDaemon *daemon,
	const EarCallerRule *rule, GError **error);
/* Unexports; calls still waiting for the caller check are answered with an error. */
void ear_service_free(EarService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarService, ear_service_free)

G_END_DECLS

#endif /* EARSHOT_SERVICE_H */
