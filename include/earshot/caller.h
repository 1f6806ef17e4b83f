/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who is calling Earshot's own interface. The bus policy file already lets
 * only root and the group "earshot" call the methods; this is the second
 * check, in case that file is missing or was made too broad: the caller's
 * uid and groups, as the bus daemon saw them when it connected
 * (org.freedesktop.DBus.GetConnectionCredentials), asked without blocking.
 * Main loop only.
 */
#ifndef EARSHOT_CALLER_H
#define EARSHOT_CALLER_H

#include <gio/gio.h>
#include <sys/types.h>

G_BEGIN_DECLS

#define EAR_CALLER_NO_GROUP ((gid_t)-1)

/* Who may: one user (root, in earshot) and the members of one group. */
typedef struct {
	uid_t uid;
	gid_t gid; /* EAR_CALLER_NO_GROUP: no group */
} EarCallerRule;

/*
 * TRUE if @credentials (the a{sv} GetConnectionCredentials returns) name
 * @rule's user, or @rule's group among UnixGroupIDs. Without UnixUserID: FALSE.
 */
gboolean ear_caller_allowed(const EarCallerRule *rule, GVariant *credentials);

/*
 * Asks the bus for @sender's credentials and checks them against @rule
 * (copied). Finish with ear_caller_check_finish() in @callback.
 */
void ear_caller_check(GDBusConnection *connection, const char *sender, const EarCallerRule *rule,
	GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/*
 * TRUE if allowed. FALSE with G_DBUS_ERROR_ACCESS_DENIED when not, or with
 * the error of the bus call (G_IO_ERROR_CANCELLED when cancelled).
 */
gboolean ear_caller_check_finish(GAsyncResult *result, GError **error);

G_END_DECLS

#endif /* EARSHOT_CALLER_H */
