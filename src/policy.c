// SPDX-License-Identifier: GPL-2.0-or-later
/* The pairing policy: pure decisions, no I/O. */
#include "earshot/policy.h"

static EarDecision accept(EarVerdict verdict)
{
	return (EarDecision){ verdict, EAR_REASON_NONE, EAR_SAY_NOTHING };
}

static EarDecision refuse(EarReason reason, EarRefusalPrompt prompt)
{
	return (EarDecision){ EAR_VERDICT_REJECT, reason, prompt };
}

/* AuthorizeService does not depend on the window: paired phones reconnect any time. */
static EarDecision decide_service(const EarConfig *config, const EarPolicyInput *in)
{
	if (!in->device_paired)
		return refuse(EAR_REASON_NOT_PAIRED, EAR_SAY_NOTHING);
	if (!in->uuid || !ear_config_service_allowed(config, in->uuid))
		return refuse(EAR_REASON_SERVICE, EAR_SAY_NOTHING);
	return accept(EAR_VERDICT_ACCEPT);
}

EarDecision ear_policy_decide(const EarConfig *config, const EarPolicyInput *in)
{
	if (in->kind == EAR_REQ_SERVICE)
		return decide_service(config, in);
	if (in->locked)
		return refuse(EAR_REASON_LOCKED, EAR_SAY_LOCKED);
	if (!in->window_open)
		return refuse(EAR_REASON_WINDOW_CLOSED, EAR_SAY_CLOSED);

	switch (in->kind) {
	case EAR_REQ_CONFIRMATION:
		return accept(EAR_VERDICT_SPEAK_THEN_ACCEPT);
	case EAR_REQ_DISPLAY_PASSKEY:
	case EAR_REQ_DISPLAY_PIN:
		return accept(EAR_VERDICT_SPEAK);
	case EAR_REQ_PIN_CODE:
		if (config->legacy_pin == EAR_LEGACY_PIN_REJECT)
			return refuse(EAR_REASON_LEGACY_PIN_OFF, EAR_SAY_FAILED);
		if (!in->have_pin)
			return refuse(EAR_REASON_NO_PIN, EAR_SAY_FAILED);
		return accept(EAR_VERDICT_GIVE_PIN);
	case EAR_REQ_PASSKEY:
		return refuse(EAR_REASON_CANNOT_TYPE, EAR_SAY_FAILED);
	case EAR_REQ_AUTHORIZATION:
		if (config->just_works == EAR_JUST_WORKS_REJECT)
			return refuse(EAR_REASON_JUST_WORKS, EAR_SAY_FAILED);
		return accept(EAR_VERDICT_ACCEPT);
	case EAR_REQ_SERVICE:
		break; /* handled above */
	}
	return refuse(EAR_REASON_NONE, EAR_SAY_FAILED);
}

const char *ear_reason_describe(EarReason reason)
{
	switch (reason) {
	case EAR_REASON_NONE:
		return "no reason";
	case EAR_REASON_WINDOW_CLOSED:
		return "the pairing window is closed";
	case EAR_REASON_CANNOT_TYPE:
		return "a speaker cannot type the number shown on the other device";
	case EAR_REASON_JUST_WORKS:
		return "Just Works pairing is refused (just-works = reject)";
	case EAR_REASON_LEGACY_PIN_OFF:
		return "legacy PIN pairing is refused (legacy-pin = reject)";
	case EAR_REASON_NO_PIN:
		return "no PIN was announced for this device since it connected";
	case EAR_REASON_NOT_PAIRED:
		return "the device is not paired";
	case EAR_REASON_SERVICE:
		return "the service is not in allowed-services";
	case EAR_REASON_LOCKED:
		return "too many failed pairings; locked out for now";
	}
	return "unknown";
}

const char *ear_request_kind_name(EarRequestKind kind)
{
	switch (kind) {
	case EAR_REQ_CONFIRMATION:
		return "RequestConfirmation";
	case EAR_REQ_DISPLAY_PASSKEY:
		return "DisplayPasskey";
	case EAR_REQ_PIN_CODE:
		return "RequestPinCode";
	case EAR_REQ_DISPLAY_PIN:
		return "DisplayPinCode";
	case EAR_REQ_PASSKEY:
		return "RequestPasskey";
	case EAR_REQ_AUTHORIZATION:
		return "RequestAuthorization";
	case EAR_REQ_SERVICE:
		return "AuthorizeService";
	}
	return "unknown";
}

gboolean ear_policy_closed_prompt_due(gint64 last_us, gint64 now_us)
{
	return last_us == 0 || now_us - last_us >= EAR_CLOSED_PROMPT_INTERVAL_US;
}
