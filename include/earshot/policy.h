/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pairing policy: given one Agent1 request and the state it arrives in,
 * decide what Earshot answers and what the room hears. Pure: no I/O.
 */
#ifndef EARSHOT_POLICY_H
#define EARSHOT_POLICY_H

#include <glib.h>

#include "earshot/agent-methods.h"
#include "earshot/config.h"

G_BEGIN_DECLS

typedef enum {
	EAR_VERDICT_REJECT,            /* reply org.bluez.Error.Rejected */
	EAR_VERDICT_ACCEPT,            /* reply success at once, say nothing */
	EAR_VERDICT_SPEAK_THEN_ACCEPT, /* speak the number; accept once it has been heard */
	EAR_VERDICT_SPEAK,             /* reply at once and keep speaking the number */
	EAR_VERDICT_GIVE_PIN,          /* return the PIN announced when the device connected */
} EarVerdict;

typedef enum {
	EAR_REASON_NONE,
	EAR_REASON_WINDOW_CLOSED,
	EAR_REASON_CANNOT_TYPE,
	EAR_REASON_JUST_WORKS,
	EAR_REASON_LEGACY_PIN_OFF,
	EAR_REASON_NO_PIN,
	EAR_REASON_NOT_PAIRED,
	EAR_REASON_SERVICE,
	EAR_REASON_LOCKED,
	EAR_REASON_UNKNOWN_DEVICE,
	EAR_REASON_BUSY,
} EarReason;

/*
 * What the room hears after a refusal. A refusal never consumes a spoken
 * number, so CLOSED and FAILED share one rate limit (see
 * ear_policy_refusal_prompt_due): a stranger cannot make the speaker talk on.
 */
typedef enum {
	EAR_SAY_NOTHING,
	EAR_SAY_CLOSED, /* "Pairing is closed", rate-limited by the caller */
	EAR_SAY_FAILED, /* failure chime + "Pairing failed", rate-limited by the caller */
	EAR_SAY_LOCKED, /* "Pairing locked", once per lockout */
} EarRefusalPrompt;

typedef struct {
	EarRequestKind kind;
	gboolean device_known; /* bluetoothd has this device object */
	gboolean busy;         /* another device's number is being read or its pairing runs */
	gboolean window_open;
	gboolean device_paired;
	gboolean have_pin; /* a PIN was announced for this device */
	gboolean locked;   /* too many failures: this device, or all, are locked out */
	const char *uuid;  /* AuthorizeService only */
} EarPolicyInput;

typedef struct {
	EarVerdict verdict;
	EarReason reason;          /* why a request is refused */
	EarRefusalPrompt prompt;   /* what to say when refused */
} EarDecision;

EarDecision ear_policy_decide(const EarConfig *config, const EarPolicyInput *in);

/* How an attempt that Earshot took on ended. */
typedef enum {
	EAR_END_PAIRED,  /* the device bonded */
	EAR_END_FAILED,  /* the device did not complete it: gone, Cancel, too slow, no press */
	EAR_END_ABORTED, /* Earshot or bluetoothd ended it: window closed, cannot speak, restart */
} EarEnd;

/* What a failed attempt counts towards. */
typedef enum {
	EAR_COUNT_NONE,
	EAR_COUNT_DEVICE, /* that device's limit only */
	EAR_COUNT_ALL,    /* that device's limit and the all-devices limit */
} EarCount;

/*
 * The lockout rule. Only attempts Earshot answered or spoke for can count; a
 * refusal never does. Only an attempt that consumed a spoken number counts
 * towards the all-devices limit: each of those was heard by the room, while
 * silent ones cost a stranger nothing and must not lock the owner out.
 */
EarCount ear_policy_failure_count(EarEnd end, gboolean answered, gboolean spoken);

/*
 * The key a device's failures are counted under: its identity address where
 * bluetoothd knows it (a public address, or an LE identity once bonded), its
 * current address otherwise. An unpaired LE phone with privacy uses random
 * addresses that change, so a per-device limit cannot follow it; only the
 * all-devices limit bounds such a device. Returns a new string.
 */
char *ear_policy_device_key(const char *path, const char *address, const char *address_type);

/* The most legacy PINs announced in one opening of the window. */
#define EAR_PIN_OFFERS_PER_WINDOW 3

/*
 * TRUE if a device that just connected unpaired (@address_type as bluetoothd
 * reports it) should be offered a spoken legacy PIN. Only classic Bluetooth
 * uses PINs: an LE address (random, changing at will) never gets one.
 */
gboolean ear_policy_offer_pin(const EarConfig *config, gboolean window_open, gboolean busy,
	gboolean locked, const char *address_type, guint offers_made);

/* A short, log-friendly explanation ("the pairing window is closed"). */
const char *ear_reason_describe(EarReason reason);

/* TRUE if a refusal prompt may be said at @now_us, the last said at @last_us (0 = never). */
gboolean ear_policy_refusal_prompt_due(gint64 last_us, gint64 now_us);

#define EAR_REFUSAL_PROMPT_INTERVAL_US (30 * G_USEC_PER_SEC)

G_END_DECLS

#endif /* EARSHOT_POLICY_H */
