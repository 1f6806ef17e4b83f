/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lockout: after too many failed pairings from one device, or too many failed
 * pairings that consumed a spoken number from all of them, pairing is refused
 * for a while. State lives in memory only.
 * Pure bookkeeping: the caller passes the time.
 */
#ifndef EARSHOT_LOCKOUT_H
#define EARSHOT_LOCKOUT_H

#include <glib.h>

#include "earshot/config.h"

G_BEGIN_DECLS

typedef struct EarLockout EarLockout;

EarLockout *ear_lockout_new(void);
void ear_lockout_free(EarLockout *lockout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarLockout, ear_lockout_free)

/*
 * Counts one failed pairing of @device (its key) at @now_us; may start a
 * lockout. Only @spoken failures (a number was read to the room) count
 * towards the all-devices limit.
 */
void ear_lockout_record(EarLockout *lockout, const EarLockoutConfig *config, const char *device,
	gboolean spoken, gint64 now_us);

/* TRUE if @device (or every device) may not pair at @now_us. */
gboolean ear_lockout_is_locked(EarLockout *lockout, const char *device, gint64 now_us);

/*
 * TRUE the first time it is asked during a given lockout, so "Pairing locked"
 * is said once per lockout, not once per request.
 */
gboolean ear_lockout_take_announcement(EarLockout *lockout, const char *device, gint64 now_us);

/* When the lockout of every device ends (0: there is none at @now_us). */
gint64 ear_lockout_all_until(EarLockout *lockout, gint64 now_us);

/* Forgets every failure and lock: the owner opened the window on purpose. */
void ear_lockout_clear(EarLockout *lockout);

G_END_DECLS

#endif /* EARSHOT_LOCKOUT_H */
