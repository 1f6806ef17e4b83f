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
	if (!in->device_known)
		return refuse(EAR_REASON_UNKNOWN_DEVICE, EAR_SAY_NOTHING);
	if (in->kind == EAR_REQ_SERVICE)
		return decide_service(config, in);
	/* First come, first served: nothing may cut into another device's number. */
	if (in->busy)
		return refuse(EAR_REASON_BUSY, EAR_SAY_NOTHING);
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
	case EAR_REASON_UNKNOWN_DEVICE:
		return "bluetoothd has no such device";
	case EAR_REASON_BUSY:
		return "another device is pairing";
	}
	return "unknown";
}

gboolean ear_policy_refusal_prompt_due(gint64 last_us, gint64 now_us)
{
	return last_us == 0 || now_us - last_us >= EAR_REFUSAL_PROMPT_INTERVAL_US;
}

EarCount ear_policy_failure_count(EarEnd end, gboolean answered, gboolean spoken)
{
	switch (end) {
	case EAR_END_PAIRED:
	case EAR_END_ABORTED:
		return EAR_COUNT_NONE;
	case EAR_END_FAILED:
		break;
	}
	if (spoken)
		return EAR_COUNT_ALL;
	return answered ? EAR_COUNT_DEVICE : EAR_COUNT_NONE;
}

char *ear_policy_device_key(const char *path, const char *address, const char *address_type)
{
	if (!address || !*address)
		return g_strdup(path ? path : "");
	return g_strdup_printf("%s/%s", address_type && *address_type ? address_type : "?",
		address);
}

gboolean ear_policy_offer_pin(const EarConfig *config, gboolean window_open, gboolean busy,
	gboolean locked, const char *address_type, guint offers_made)
{
	return window_open && !busy && !locked && config->legacy_pin == EAR_LEGACY_PIN_SPOKEN &&
		g_strcmp0(address_type, "public") == 0 && offers_made < EAR_PIN_OFFERS_PER_WINDOW;
}
