// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What bluetoothd asks of the agent, and the button that answers some of it.
 * Each request is decided by the policy, then either refused at once or taken
 * on as the attempt that holds the floor (ledger.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "daemon-private.h"

/* --- refusals --- */

static void say_refusal(EarDaemon *d, const EarChime *chime, const char *prompt)
{
	gint64 now = g_get_monotonic_time();
	if (!ear_policy_refusal_prompt_due(d->refusal_said_us, now))
		return;
	d->refusal_said_us = now;
	ear_daemon_say(d, chime, prompt);
}

/* A refusal never counts towards a lockout: it consumed no spoken number. */
static void refuse(EarDaemon *d, const EarRequest *req, EarDecision dec, const char *key)
{
	const char *why = ear_reason_describe(dec.reason);

	ear_agent_reject(d->agent, req->serial, why);
	if (req->kind == EAR_REQ_SERVICE) {
		g_message("refused service %s: %s", req->uuid, why);
	} else {
		g_message("refused %s: %s", ear_request_kind_name(req->kind), why);
		ear_daemon_outcome(d, EAR_OUTCOME_REFUSED, req->device, why);
	}
	switch (dec.prompt) {
	case EAR_SAY_NOTHING:
		break;
	case EAR_SAY_CLOSED:
		say_refusal(d, NULL, d->config->prompts[EAR_PROMPT_CLOSED]);
		break;
	case EAR_SAY_FAILED:
		say_refusal(d, &d->config->failed_chime, d->config->prompts[EAR_PROMPT_FAILED]);
		break;
	case EAR_SAY_LOCKED:
		if (ear_lockout_take_announcement(d->lockout, key, g_get_monotonic_time()))
			ear_daemon_say(d, NULL, d->config->prompts[EAR_PROMPT_LOCKED]);
		break;
	}
}

/* --- taking a request on --- */

void ear_daemon_first_reading_done(EarPlayResult result, const GError *error, gpointer data)
{
	EarDaemon *d = data;
	EarAttempt *a = ear_ledger_current(d->ledger);
	guint64 serial = ear_ledger_release(d->ledger, EAR_AWAIT_READING);

	if (!a)
		return;
	if (result != EAR_PLAY_DONE) {
		/* Nobody heard the number, so nobody can compare or type it: refuse. */
		if (serial)
			ear_agent_reject(d->agent, serial, "the number could not be spoken");
		else
			ear_bluez_cancel_pairing(d->bluez, a->device);
		ear_ledger_end(d->ledger, a->device, EAR_END_ABORTED, "the number could not be spoken");
		return;
	}
	a->spoken = TRUE;
	if (!serial)
		return;
	if (d->config->confirm == EAR_CONFIRM_KEY) {
		g_info("number spoken; waiting for the button");
		ear_ledger_hold(d->ledger, serial, EAR_AWAIT_BUTTON); /* the agent's deadline applies */
		return;
	}
	if (ear_agent_accept(d->agent, serial)) {
		a->answered = TRUE;
		ear_ledger_set_deadline(d->ledger, EAR_OUTCOME_TIMEOUT_S);
	}
}

static void read_for(EarDaemon *d, const EarRequest *req, const char *pin, guint limit_s)
{
	EarReading what = {
		.kind = req->kind,
		.passkey = req->passkey,
		.pin = pin,
		.press = req->kind == EAR_REQ_CONFIRMATION && d->config->confirm == EAR_CONFIRM_KEY,
	};
	ear_reader_start(d->reader, d->config, &what, limit_s, ear_daemon_first_reading_done, d);
}

/* RequestConfirmation: the number is read first; the reply waits for that (and the button). */
static void confirm(EarDaemon *d, const EarRequest *req, EarAttempt *a)
{
	ear_ledger_hold(d->ledger, req->serial, EAR_AWAIT_READING);
	ear_ledger_set_deadline(d->ledger, 0); /* the agent's own deadline applies */
	read_for(d, req, NULL, EAR_AGENT_DEADLINE_MS / 1000);
}

/* DisplayPasskey, DisplayPinCode: answered at once, read until typed, paired or timed out. */
static void display(EarDaemon *d, const EarRequest *req, EarAttempt *a, gboolean same)
{
	ear_agent_accept(d->agent, req->serial);
	a->answered = TRUE;
	/* DisplayPasskey comes again at each key press: keep reading, do not restart. */
	if (req->entered >= 6) {
		ear_reader_stop(d->reader);
		if (!same)
			ear_ledger_set_deadline(d->ledger, EAR_OUTCOME_TIMEOUT_S);
		return;
	}
	if (same)
		return;
	read_for(d, req, req->pincode, EAR_REPEAT_LIMIT_S);
	ear_ledger_set_deadline(d->ledger, EAR_REPEAT_LIMIT_S);
}

static void take_on(EarDaemon *d, const EarRequest *req, EarVerdict verdict, const char *key)
{
	EarAttempt *old = ear_ledger_find(d->ledger, req->device);
	gboolean same = old && old->kind == req->kind && old->passkey == req->passkey &&
		ear_reader_is_reading(d->reader);
	EarAttempt *a = ear_ledger_take(d->ledger, req->device, key, req->kind);

	g_assert(a); /* the policy refused a busy floor */
	if (!same && verdict != EAR_VERDICT_GIVE_PIN)
		ear_reader_stop(d->reader); /* e.g. an SSP request after a PIN offer */
	a->passkey = req->passkey;
	switch (verdict) {
	case EAR_VERDICT_SPEAK_THEN_ACCEPT:
		confirm(d, req, a);
		break;
	case EAR_VERDICT_SPEAK:
		display(d, req, a, same);
		break;
	case EAR_VERDICT_ACCEPT: /* Just Works, inside the window (just-works = accept) */
		ear_agent_accept(d->agent, req->serial);
		a->answered = TRUE;
		ear_ledger_set_deadline(d->ledger, EAR_OUTCOME_TIMEOUT_S);
		break;
	case EAR_VERDICT_GIVE_PIN:
		break; /* handled by give_pin() */
	case EAR_VERDICT_REJECT:
		g_assert_not_reached();
	}
}

/* RequestPinCode from the device a PIN was announced to: one attempt per PIN. */
static void give_pin(EarDaemon *d, const EarRequest *req)
{
	EarAttempt *a = ear_ledger_find(d->ledger, req->device);
	g_autofree char *pin = g_strdup(a->pin);

	ear_reader_stop(d->reader);
	a->pin_offer = FALSE;
	explicit_bzero(a->pin, sizeof(a->pin));
	if (ear_agent_give_pin(d->agent, req->serial, pin)) {
		a->answered = TRUE;
		ear_ledger_set_deadline(d->ledger, EAR_OUTCOME_TIMEOUT_S);
	}
	explicit_bzero(pin, strlen(pin));
}

static void on_request(const EarRequest *req, gpointer data)
{
	EarDaemon *d = data;
	const EarDeviceInfo *dev = ear_bluez_device(d->bluez, req->device);
	EarAttempt *mine = ear_ledger_find(d->ledger, req->device);
	g_autofree char *key = ear_policy_device_key(req->device, dev ? dev->address : NULL,
		dev ? dev->address_type : NULL);
	EarPolicyInput in = {
		.kind = req->kind,
		.device_known = dev != NULL,
		.busy = ear_ledger_busy_for(d->ledger, req->device),
		.window_open = ear_window_is_open(d->window),
		.device_paired = dev && dev->paired,
		.have_pin = mine && mine->pin_offer,
		.locked = ear_lockout_is_locked(d->lockout, key, g_get_monotonic_time()),
		.uuid = req->uuid,
	};

	g_debug("%s for %s", ear_request_kind_name(req->kind), req->device); /* not a secret; personal */
	if (dev && req->kind != EAR_REQ_SERVICE && req->kind != EAR_REQ_PIN_CODE) {
		g_hash_table_add(d->asked, g_strdup(req->device)); /* an SSP request: no PIN offer */
		if (g_strcmp0(d->pin_due_device, req->device) == 0) {
			g_clear_handle_id(&d->pin_timer, g_source_remove);
			g_clear_pointer(&d->pin_due_device, g_free);
		}
	}
	EarDecision dec = ear_policy_decide(d->config, &in);
	if (dec.verdict == EAR_VERDICT_REJECT)
		refuse(d, req, dec, key);
	else if (dec.verdict == EAR_VERDICT_GIVE_PIN)
		give_pin(d, req);
	else if (req->kind == EAR_REQ_SERVICE)
		ear_agent_accept(d->agent, req->serial);
	else
		take_on(d, req, dec.verdict, key);
}

/* --- legacy PIN: announced when an unpaired classic device connects --- */

static void make_pin(char pin[7])
{
	guint32 v;
	do {
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			g_error("getrandom failed: %s", g_strerror(errno));
	} while (v >= 4294000000u); /* 4294000000 = 4294 * 10^6: no modulo bias */
	g_snprintf(pin, 7, "%06u", v % 1000000);
}

/* ear_policy_offer_pin() on the daemon's state now; says so when only the
 * per-window count stands in the way. */
static gboolean pin_allowed(EarDaemon *d, const EarDeviceInfo *dev, const char *key)
{
	gboolean open = ear_window_is_open(d->window);
	gboolean busy = ear_ledger_current(d->ledger) != NULL;
	gboolean locked = ear_lockout_is_locked(d->lockout, key, g_get_monotonic_time());
	guint offers = ear_window_pin_offers(d->window);

	if (ear_policy_offer_pin(d->config, open, busy, locked, dev->address_type, offers))
		return TRUE;
	if (ear_policy_offer_pin(d->config, open, busy, locked, dev->address_type, 0))
		g_message("an unpaired device connected; no PIN offered: %u already in this window",
			offers);
	return FALSE;
}

static gboolean on_pin_due(gpointer data)
{
	EarDaemon *d = data;
	g_autofree char *device = g_steal_pointer(&d->pin_due_device);
	const EarDeviceInfo *dev = ear_bluez_device(d->bluez, device);
	EarRequest req = { .kind = EAR_REQ_PIN_CODE, .device = device };

	d->pin_timer = 0;
	/* An SSP request, another pairing or a disconnection came first, or the
	 * window, the lockout or the device's address type changed: no PIN. */
	if (!dev || !dev->connected || dev->paired || g_hash_table_contains(d->asked, device))
		return G_SOURCE_REMOVE;
	g_autofree char *key = ear_policy_device_key(device, dev->address, dev->address_type);
	if (!pin_allowed(d, dev, key) || !ear_window_take_pin_offer(d->window, EAR_PIN_OFFERS_PER_WINDOW))
		return G_SOURCE_REMOVE;
	EarAttempt *a = ear_ledger_take(d->ledger, device, key, EAR_REQ_PIN_CODE);
	a->pin_offer = TRUE;
	a->spoken = TRUE; /* a PIN on the air counts as a spoken number */
	make_pin(a->pin);
	g_message("an unpaired device connected; announcing a PIN for legacy pairing");
	read_for(d, &req, a->pin, EAR_REPEAT_LIMIT_S);
	ear_ledger_set_deadline(d->ledger, EAR_REPEAT_LIMIT_S);
	return G_SOURCE_REMOVE;
}

void ear_daemon_offer_pin(EarDaemon *d, const char *device)
{
	const EarDeviceInfo *dev = ear_bluez_device(d->bluez, device);

	/* bluetoothd may report Connected after the (SSP) request itself: no PIN then */
	if (!dev || g_hash_table_contains(d->asked, device) ||
		g_strcmp0(device, d->pin_due_device) == 0 || ear_ledger_find(d->ledger, device))
		return;
	g_autofree char *key = ear_policy_device_key(device, dev->address, dev->address_type);
	if (!pin_allowed(d, dev, key))
		return;
	g_free(d->pin_due_device);
	d->pin_due_device = g_strdup(device);
	g_clear_handle_id(&d->pin_timer, g_source_remove);
	d->pin_timer = g_timeout_add(EAR_PIN_ANNOUNCE_DELAY_MS, on_pin_due, d);
}

/* --- the button --- */

void ear_daemon_button_pressed(EarDaemon *d)
{
	guint64 serial = ear_ledger_release(d->ledger, EAR_AWAIT_BUTTON);
	EarAttempt *a = ear_ledger_current(d->ledger);

	if (serial) {
		g_message("button pressed: pairing accepted");
		if (ear_agent_accept(d->agent, serial)) {
			a->answered = TRUE;
			ear_ledger_set_deadline(d->ledger, EAR_OUTCOME_TIMEOUT_S);
		}
		return;
	}
	if (a && a->await == EAR_AWAIT_READING) {
		g_info("button pressed before the number was read out; ignored");
		return;
	}
	if (d->config->window_key) {
		g_message("button pressed: opening the pairing window");
		ear_daemon_open_window(d);
	}
}

/* --- the agent's other events --- */

static void on_cancel(gpointer data)
{
	EarDaemon *d = data;
	EarAttempt *a = ear_ledger_current(d->ledger);
	/* Cancel is about the pending request, which only the current attempt can hold. */
	if (a && a->serial)
		ear_ledger_end(d->ledger, a->device, EAR_END_FAILED, "bluetoothd cancelled the request");
}

static void on_expired(gpointer data)
{
	EarDaemon *d = data;
	EarAttempt *a = ear_ledger_current(d->ledger);
	if (a && a->serial)
		ear_ledger_end(d->ledger, a->device, EAR_END_FAILED, "no answer in time");
}

static void on_release(gpointer data)
{
	EarDaemon *d = data;
	ear_ledger_end(d->ledger, NULL, EAR_END_ABORTED, "bluetoothd released the agent");
}

static const char *bluez_owner(gpointer data)
{
	EarDaemon *d = data;
	return ear_bluez_owner(d->bluez);
}

const EarAgentHandler ear_daemon_agent_handler = {
	.request = on_request,
	.cancel = on_cancel,
	.release = on_release,
	.expired = on_expired,
	.bluez_owner = bluez_owner,
};
