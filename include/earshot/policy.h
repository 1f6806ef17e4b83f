/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pairing policy: given one Agent1 request and the state it arrives in,
 * decide what Earshot answers and what the room hears. Pure: no I/O.
 */
#ifndef EARSHOT_POLICY_H
#define EARSHOT_POLICY_H

#include <glib.h>

#include "earshot/config.h"

G_BEGIN_DECLS

typedef enum {
	EAR_REQ_CONFIRMATION,    /* RequestConfirmation(o, u) */
	EAR_REQ_DISPLAY_PASSKEY, /* DisplayPasskey(o, u, q) */
	EAR_REQ_PIN_CODE,        /* RequestPinCode(o) -> s */
	EAR_REQ_DISPLAY_PIN,     /* DisplayPinCode(o, s) */
	EAR_REQ_PASSKEY,         /* RequestPasskey(o) -> u */
	EAR_REQ_AUTHORIZATION,   /* RequestAuthorization(o) */
	EAR_REQ_SERVICE,         /* AuthorizeService(o, s) */
} EarRequestKind;

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
} EarReason;

/* What the room hears after a refusal. */
typedef enum {
	EAR_SAY_NOTHING,
	EAR_SAY_CLOSED, /* "Pairing is closed", rate-limited by the caller */
	EAR_SAY_FAILED, /* failure chime + "Pairing failed" */
	EAR_SAY_LOCKED, /* "Pairing locked", once per lockout */
} EarRefusalPrompt;

typedef struct {
	EarRequestKind kind;
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

/* A short, log-friendly explanation ("the pairing window is closed"). */
const char *ear_reason_describe(EarReason reason);

/* The method name of a request kind, for logs. */
const char *ear_request_kind_name(EarRequestKind kind);

/* TRUE if "Pairing is closed" may be said at @now_us, last said at @last_us (0 = never). */
gboolean ear_policy_closed_prompt_due(gint64 last_us, gint64 now_us);

#define EAR_CLOSED_PROMPT_INTERVAL_US (30 * G_USEC_PER_SEC)

G_END_DECLS

#endif /* EARSHOT_POLICY_H */
