/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ledger of pairing attempts. An attempt is one device's pairing that
 * Earshot took on: its request, its reading, its deadline and its outcome.
 * First come, first served: one attempt at a time holds the floor, and a
 * device's events reach an attempt only through that device's own path, so
 * another device can never replace, stop or end it. Each attempt ends exactly
 * once, through ear_ledger_end(). The request awaiting a reply, if any, is
 * held here and nowhere else. Main loop only.
 */
#ifndef EARSHOT_LEDGER_H
#define EARSHOT_LEDGER_H

#include "earshot/policy.h"

G_BEGIN_DECLS

typedef struct EarLedger EarLedger;

/* What the request held by an attempt is waiting for before it can be accepted. */
typedef enum {
	EAR_AWAIT_NONE,
	EAR_AWAIT_READING, /* the first full reading of the number */
	EAR_AWAIT_BUTTON,  /* the button, after the number was read */
} EarAwait;

typedef struct {
	char *device;       /* bluetoothd object path */
	char *key;          /* what its failures are counted under (ear_policy_device_key) */
	EarRequestKind kind;
	guint32 passkey;    /* of its last request: a secret until it ends */
	gboolean answered;  /* Earshot said yes to bluetoothd (accepted, or gave the PIN) */
	gboolean spoken;    /* a number or PIN was read to the room */
	gboolean pin_offer; /* a legacy PIN was announced; RequestPinCode not seen yet */
	char pin[7];        /* the offered PIN, zeroed when used or ended */
	guint64 serial;     /* the request awaiting a reply, 0 if none */
	EarAwait await;
	guint deadline;     /* outcome timer */
} EarAttempt;

/*
 * Called once per attempt, when it ends. The attempt has already left the
 * ledger and is freed when this returns; its serial, if set, still awaits a
 * reply (the callback refuses it).
 */
typedef void (*EarLedgerEnded)(EarAttempt *attempt, EarEnd end, const char *why,
	gpointer user_data);

EarLedger *ear_ledger_new(EarLedgerEnded ended, gpointer user_data);
/* Frees without ending anything: end the current attempt first. */
void ear_ledger_free(EarLedger *ledger);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarLedger, ear_ledger_free)

/* The attempt holding the floor, or NULL. */
EarAttempt *ear_ledger_current(EarLedger *ledger);
/* @device's attempt, or NULL if it holds none. */
EarAttempt *ear_ledger_find(EarLedger *ledger, const char *device);
/* TRUE if another device than @device holds the floor. */
gboolean ear_ledger_busy_for(EarLedger *ledger, const char *device);

/*
 * @device's attempt: the one it holds (now of @kind, with its PIN offer
 * dropped), or a new one. NULL (and nothing changes) if another device holds
 * the floor.
 */
EarAttempt *ear_ledger_take(EarLedger *ledger, const char *device, const char *key,
	EarRequestKind kind);

/* The current attempt ends as EAR_END_FAILED after @seconds (0: no deadline). */
void ear_ledger_set_deadline(EarLedger *ledger, guint seconds);

/* The current attempt holds request @serial until @await happens. */
void ear_ledger_hold(EarLedger *ledger, guint64 serial, EarAwait await);
/* If the current attempt's request waits for @await, hands its serial over; else 0. */
guint64 ear_ledger_release(EarLedger *ledger, EarAwait await);

/* Ends @device's attempt (nothing if it holds none; NULL: whatever attempt holds the floor). */
void ear_ledger_end(EarLedger *ledger, const char *device, EarEnd end, const char *why);

G_END_DECLS

#endif /* EARSHOT_LEDGER_H */
