// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's logic over time: the pairing window, the number being spoken,
 * the pairing attempt being watched, and the legacy PIN on offer.
 */
#include "earshot/daemon.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "earshot/agent.h"
#include "earshot/announce.h"
#include "earshot/bluez.h"
#include "earshot/button.h"
#include "earshot/lockout.h"
#include "earshot/name.h"
#include "earshot/policy.h"

/* What is being read aloud, again and again, until it is no longer needed. */
typedef struct {
	guint id; /* 0: nothing */
	EarRequestKind kind;
	guint32 passkey;
	char pin[17];
	char *device;
	gint64 until_us;
	guint64 confirm_serial; /* RequestConfirmation waiting for the first reading */
} Speech;

/* The device whose pairing we answered, watched until it pairs or fails. */
typedef struct {
	char *device;
	guint timer;
} Attempt;

struct EarDaemon {
	GDBusConnection *connection;
	EarConfig *config;
	EarPlayer *player;
	EarAgent *agent;
	EarBluez *bluez;
	EarLockout *lockout;
	EarButton *button;
	guint64 key_serial; /* RequestConfirmation waiting for the button (confirm = key) */
	gboolean window_open;
	guint window_timer;
	gint64 closed_said_us;
	guint speech_ids;
	Speech speech;
	Attempt attempt;
	char *pin_device; /* the device a legacy PIN was announced for */
	char pin[7];
	char *pin_pending_device; /* connected, PIN announcement scheduled */
	guint pin_timer;
	GHashTable *asked; /* devices that sent a pairing request on their current connection */
};

typedef struct {
	EarDaemon *daemon;
	guint id;
	gboolean first;
} Ticket;

static void start_attempt(EarDaemon *d, const char *device, guint timeout_s);

/* --- saying things --- */

static void say(EarDaemon *d, EarUtterance *u)
{
	ear_player_play(d->player, u, NULL, NULL, NULL);
}

static void say_prompt(EarDaemon *d, const EarChime *chime, const char *prompt)
{
	EarUtterance *u = ear_utterance_new();
	g_autofree char *text = ear_announce_sentence(prompt);
	ear_utterance_add_chime(u, chime);
	ear_utterance_add_text(u, text);
	say(d, u);
}

static void stop_speech(EarDaemon *d)
{
	d->speech.id = 0;
	g_clear_pointer(&d->speech.device, g_free);
	ear_player_stop(d->player);
}

EarUtterance *ear_code_utterance(const EarConfig *config, guint32 passkey, guint readings)
{
	EarUtterance *u = ear_utterance_new();
	for (guint i = 0; i < readings; i++) {
		g_autofree char *text = ear_announce_code(&config->prompts, passkey, i > 0);
		if (i > 0)
			ear_utterance_add_pause(u, EAR_REPEAT_PAUSE_MS);
		ear_utterance_add_text(u, text);
	}
	return u;
}

static EarUtterance *reading(EarDaemon *d, gboolean again)
{
	const Speech *s = &d->speech;
	EarUtterance *u;
	g_autofree char *text = NULL;

	if (s->kind == EAR_REQ_PIN_CODE || s->kind == EAR_REQ_DISPLAY_PIN) {
		u = ear_utterance_new();
		text = ear_announce_pin(&d->config->prompts, s->pin, again);
		if (again)
			ear_utterance_add_pause(u, EAR_REPEAT_PAUSE_MS);
		ear_utterance_add_text(u, text);
		return u;
	}
	if (!again) {
		u = ear_code_utterance(d->config, s->passkey, 1);
		if (s->kind == EAR_REQ_CONFIRMATION && d->config->confirm == EAR_CONFIRM_KEY) {
			text = ear_announce_sentence(d->config->prompts.press);
			ear_utterance_add_text(u, text);
		}
		return u;
	}
	u = ear_utterance_new();
	text = ear_announce_code(&d->config->prompts, s->passkey, TRUE);
	ear_utterance_add_pause(u, EAR_REPEAT_PAUSE_MS);
	ear_utterance_add_text(u, text);
	return u;
}

static void play_reading(EarDaemon *d, gboolean first);

static void first_reading_done(EarDaemon *d, EarPlayResult result, const GError *error)
{
	guint64 serial = d->speech.confirm_serial;
	d->speech.confirm_serial = 0;
	if (!serial)
		return;
	if (result == EAR_PLAY_DONE && d->config->confirm == EAR_CONFIRM_KEY) {
		g_info("number spoken; waiting for the button");
		d->key_serial = serial; /* the agent's deadline still applies */
		return;
	}
	if (result == EAR_PLAY_DONE) {
		if (ear_agent_accept(d->agent, serial))
			start_attempt(d, d->speech.device, EAR_OUTCOME_TIMEOUT_S);
		return;
	}
	/* Nobody heard the number, so nobody can compare it: refuse. */
	ear_agent_reject(d->agent, serial, "the number could not be spoken");
}

static void on_reading_done(EarPlayResult result, const GError *error, gpointer data)
{
	Ticket *t = data;
	EarDaemon *d = t->daemon;

	if (t->id != d->speech.id)
		return; /* superseded */
	if (result == EAR_PLAY_FAILED)
		g_warning("cannot speak the number: %s", error->message);
	if (t->first)
		first_reading_done(d, result, error);
	if (result != EAR_PLAY_DONE || g_get_monotonic_time() >= d->speech.until_us) {
		d->speech.id = 0;
		g_clear_pointer(&d->speech.device, g_free);
		return;
	}
	play_reading(d, FALSE);
}

static void play_reading(EarDaemon *d, gboolean first)
{
	Ticket *t = g_new0(Ticket, 1);
	t->daemon = d;
	t->id = d->speech.id;
	t->first = first;
	ear_player_play(d->player, reading(d, !first), on_reading_done, t, g_free);
}

/* Starts reading a number or PIN for @device, cutting off whatever was being said. */
static void start_speech(EarDaemon *d, EarRequestKind kind, const char *device, guint32 passkey,
	const char *pin, guint limit_s)
{
	stop_speech(d);
	d->speech.id = ++d->speech_ids ? d->speech_ids : ++d->speech_ids;
	d->speech.kind = kind;
	d->speech.passkey = passkey;
	g_strlcpy(d->speech.pin, pin ? pin : "", sizeof(d->speech.pin));
	d->speech.device = g_strdup(device);
	d->speech.until_us = g_get_monotonic_time() + (gint64)limit_s * G_USEC_PER_SEC;
	d->speech.confirm_serial = 0;
	play_reading(d, TRUE);
}

static void say_closed(EarDaemon *d)
{
	gint64 now = g_get_monotonic_time();
	if (!ear_policy_closed_prompt_due(d->closed_said_us, now))
		return;
	d->closed_said_us = now;
	say_prompt(d, NULL, d->config->prompts.closed);
}

/* --- the pairing attempt and its outcome --- */

static void end_attempt(EarDaemon *d)
{
	g_clear_handle_id(&d->attempt.timer, g_source_remove);
	g_clear_pointer(&d->attempt.device, g_free);
}

static void close_window(EarDaemon *d, const char *why);

static void announce_failure(EarDaemon *d, const char *why)
{
	g_message("pairing failed: %s", why);
	end_attempt(d);
	stop_speech(d);
	say_prompt(d, &d->config->failed_chime, d->config->prompts.failed);
}

/* A pairing of @device failed after we answered it: count it, tell the room. */
static void fail_attempt(EarDaemon *d, const char *why)
{
	ear_lockout_record(d->lockout, &d->config->lockout, d->attempt.device,
		g_get_monotonic_time());
	announce_failure(d, why);
}

static void announce_success(EarDaemon *d, const char *device)
{
	g_autofree char *raw = ear_bluez_device_alias(d->bluez, device);
	g_autofree char *name = d->config->speak_names ? ear_name_sanitize(raw) : NULL;
	g_autofree char *text = ear_announce_paired(&d->config->prompts, name);
	EarUtterance *u = ear_utterance_new();

	g_message("pairing succeeded");
	g_debug("%s paired", device);
	end_attempt(d);
	stop_speech(d);
	ear_utterance_add_chime(u, &d->config->paired_chime);
	ear_utterance_add_text(u, text);
	say(d, u);
	if (d->config->close_after_pairing)
		close_window(d, "a device paired");
}

static gboolean on_attempt_timeout(gpointer data)
{
	EarDaemon *d = data;
	d->attempt.timer = 0;
	fail_attempt(d, "the device did not pair in time");
	return G_SOURCE_REMOVE;
}

/* Watches @device until it pairs, disconnects, vanishes or @timeout_s pass (0: not yet). */
static void start_attempt(EarDaemon *d, const char *device, guint timeout_s)
{
	if (g_strcmp0(d->attempt.device, device) != 0) {
		end_attempt(d);
		d->attempt.device = g_strdup(device);
	}
	g_clear_handle_id(&d->attempt.timer, g_source_remove);
	if (timeout_s)
		d->attempt.timer = g_timeout_add_seconds(timeout_s, on_attempt_timeout, d);
}

/* --- legacy PIN: announced when an unpaired device connects --- */

static void make_pin(char pin[7])
{
	guint32 v;
	do {
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			g_error("getrandom failed: %s", g_strerror(errno));
	} while (v >= 4294000000u); /* 4294000000 = 4294 * 10^6: no modulo bias */
	g_snprintf(pin, 7, "%06u", v % 1000000);
}

static void forget_pin(EarDaemon *d)
{
	g_clear_pointer(&d->pin_device, g_free);
	explicit_bzero(d->pin, sizeof(d->pin));
}

static gboolean on_pin_due(gpointer data)
{
	EarDaemon *d = data;
	g_autofree char *device = g_steal_pointer(&d->pin_pending_device);
	d->pin_timer = 0;
	/* An SSP request (or another pairing) came first: no PIN needed. */
	if (!d->window_open || ear_agent_pending(d->agent) || d->attempt.device || d->speech.id)
		return G_SOURCE_REMOVE;
	forget_pin(d);
	make_pin(d->pin);
	d->pin_device = g_strdup(device);
	g_info("an unpaired device connected; announcing a PIN for legacy pairing");
	start_speech(d, EAR_REQ_PIN_CODE, device, 0, d->pin, EAR_REPEAT_LIMIT_S);
	return G_SOURCE_REMOVE;
}

static void maybe_offer_pin(EarDaemon *d, const char *device)
{
	if (!d->window_open || d->config->legacy_pin != EAR_LEGACY_PIN_SPOKEN)
		return;
	/* bluetoothd may report Connected after the (SSP) request itself: no PIN then */
	if (g_hash_table_contains(d->asked, device))
		return;
	if (g_strcmp0(device, d->pin_device) == 0 || g_strcmp0(device, d->pin_pending_device) == 0)
		return;
	g_free(d->pin_pending_device);
	d->pin_pending_device = g_strdup(device);
	g_clear_handle_id(&d->pin_timer, g_source_remove);
	d->pin_timer = g_timeout_add(EAR_PIN_ANNOUNCE_DELAY_MS, on_pin_due, d);
}

static void on_device_changed(const char *path, gpointer data)
{
	EarDaemon *d = data;
	gboolean paired = ear_bluez_device_flag(d->bluez, path, "Paired");
	gboolean connected = ear_bluez_device_flag(d->bluez, path, "Connected");

	if (g_strcmp0(path, d->attempt.device) == 0) {
		if (paired)
			announce_success(d, path);
		else if (!connected)
			fail_attempt(d, "the device disconnected");
		return;
	}
	if (connected && !paired)
		maybe_offer_pin(d, path);
	if (!connected)
		g_hash_table_remove(d->asked, path);
	if (!connected && g_strcmp0(path, d->pin_device) == 0) {
		forget_pin(d); /* a PIN is good for one connection */
		if (d->speech.id && d->speech.kind == EAR_REQ_PIN_CODE)
			stop_speech(d);
	}
}

static void on_device_removed(const char *path, gpointer data)
{
	EarDaemon *d = data;
	if (g_strcmp0(path, d->attempt.device) == 0)
		fail_attempt(d, "the device went away");
	if (g_strcmp0(path, d->pin_device) == 0)
		forget_pin(d);
	g_hash_table_remove(d->asked, path);
}

/* --- the window --- */

static gboolean on_window_timeout(gpointer data)
{
	EarDaemon *d = data;
	d->window_timer = 0;
	close_window(d, "time is up");
	return G_SOURCE_REMOVE;
}

void ear_daemon_open_window(EarDaemon *d)
{
	/* Opening the window is a deliberate act of the owner: it lifts any lockout. */
	ear_lockout_clear(d->lockout);
	g_clear_handle_id(&d->window_timer, g_source_remove);
	d->window_timer = g_timeout_add_seconds(d->config->window_s, on_window_timeout, d);
	g_message("pairing window open for %u s", d->config->window_s);
	if (d->config->manage_adapter)
		ear_bluez_open_adapters(d->bluez, TRUE);
	if (!d->window_open)
		say_prompt(d, NULL, d->config->prompts.ready);
	d->window_open = TRUE;
	d->closed_said_us = 0;
}

static void close_window(EarDaemon *d, const char *why)
{
	if (!d->window_open)
		return;
	d->window_open = FALSE;
	g_clear_handle_id(&d->window_timer, g_source_remove);
	g_clear_handle_id(&d->pin_timer, g_source_remove);
	g_clear_pointer(&d->pin_pending_device, g_free);
	forget_pin(d);
	g_message("pairing window closed: %s", why);
	if (d->config->manage_adapter)
		ear_bluez_open_adapters(d->bluez, FALSE);
}

gboolean ear_daemon_window_is_open(EarDaemon *d)
{
	return d->window_open;
}

/* --- requests from bluetoothd --- */

static void refuse(EarDaemon *d, const EarRequest *req, EarDecision dec)
{
	const char *why = ear_reason_describe(dec.reason);

	gint64 now = g_get_monotonic_time();

	ear_agent_reject(d->agent, req->serial, why);
	if (req->kind == EAR_REQ_SERVICE)
		g_message("refused service %s: %s", req->uuid, why);
	else
		g_message("refused %s: %s", ear_request_kind_name(req->kind), why);
	/* Every refused pairing counts towards a lockout, except refusals during one. */
	if (req->kind != EAR_REQ_SERVICE && dec.reason != EAR_REASON_LOCKED)
		ear_lockout_record(d->lockout, &d->config->lockout, req->device, now);
	switch (dec.prompt) {
	case EAR_SAY_NOTHING:
		break;
	case EAR_SAY_CLOSED:
		say_closed(d);
		break;
	case EAR_SAY_FAILED:
		announce_failure(d, why);
		break;
	case EAR_SAY_LOCKED:
		if (ear_lockout_take_announcement(d->lockout, req->device, now))
			say_prompt(d, NULL, d->config->prompts.locked);
		break;
	}
}

static void speak_for(EarDaemon *d, const EarRequest *req)
{
	gboolean same = d->speech.id && d->speech.kind == req->kind &&
		d->speech.passkey == req->passkey && g_strcmp0(d->speech.device, req->device) == 0;

	ear_agent_accept(d->agent, req->serial);
	if (req->kind == EAR_REQ_DISPLAY_PIN) {
		start_speech(d, req->kind, req->device, 0, req->pincode, EAR_REPEAT_LIMIT_S);
		start_attempt(d, req->device, EAR_REPEAT_LIMIT_S);
		return;
	}
	/* DisplayPasskey comes again at each key press: keep reading, do not restart. */
	if (req->entered >= 6) {
		if (same)
			stop_speech(d);
		return;
	}
	if (!same)
		start_speech(d, req->kind, req->device, req->passkey, NULL, EAR_REPEAT_LIMIT_S);
	if (!same || !d->attempt.device)
		start_attempt(d, req->device, EAR_REPEAT_LIMIT_S);
}

static void act(EarDaemon *d, const EarRequest *req, EarDecision dec)
{
	switch (dec.verdict) {
	case EAR_VERDICT_REJECT:
		refuse(d, req, dec);
		break;
	case EAR_VERDICT_ACCEPT:
		ear_agent_accept(d->agent, req->serial);
		if (req->kind == EAR_REQ_AUTHORIZATION)
			start_attempt(d, req->device, EAR_OUTCOME_TIMEOUT_S);
		break;
	case EAR_VERDICT_SPEAK_THEN_ACCEPT:
		start_attempt(d, req->device, 0);
		start_speech(d, req->kind, req->device, req->passkey, NULL,
			EAR_AGENT_DEADLINE_MS / 1000);
		d->speech.confirm_serial = req->serial;
		break;
	case EAR_VERDICT_SPEAK:
		speak_for(d, req);
		break;
	case EAR_VERDICT_GIVE_PIN:
		ear_agent_give_pin(d->agent, req->serial, d->pin);
		forget_pin(d); /* one attempt per PIN */
		stop_speech(d);
		start_attempt(d, req->device, EAR_OUTCOME_TIMEOUT_S);
		break;
	}
}

static void on_request(const EarRequest *req, gpointer data)
{
	EarDaemon *d = data;
	EarPolicyInput in = {
		.kind = req->kind,
		.window_open = d->window_open,
		.device_paired = ear_bluez_device_flag(d->bluez, req->device, "Paired"),
		.have_pin = g_strcmp0(req->device, d->pin_device) == 0,
		.locked = ear_lockout_is_locked(d->lockout, req->device, g_get_monotonic_time()),
		.uuid = req->uuid,
	};

	g_debug("%s for %s", ear_request_kind_name(req->kind), req->device); /* not a secret; personal */
	if (!ear_bluez_device_exists(d->bluez, req->device)) {
		g_warning("refused %s: bluetoothd has no device %s", ear_request_kind_name(req->kind),
			req->device);
		ear_agent_reject(d->agent, req->serial, "unknown device");
		return;
	}
	if (req->kind != EAR_REQ_SERVICE && req->kind != EAR_REQ_PIN_CODE) {
		g_clear_handle_id(&d->pin_timer, g_source_remove); /* an SSP request pre-empts the PIN */
		g_clear_pointer(&d->pin_pending_device, g_free);
		g_hash_table_add(d->asked, g_strdup(req->device));
	}
	act(d, req, ear_policy_decide(d->config, &in));
}

void ear_daemon_button_pressed(EarDaemon *d)
{
	guint64 serial = d->key_serial;

	d->key_serial = 0;
	if (serial && ear_agent_pending(d->agent) == serial) {
		g_message("button pressed: pairing accepted");
		ear_agent_accept(d->agent, serial);
		start_attempt(d, d->speech.device, EAR_OUTCOME_TIMEOUT_S);
		return;
	}
	if (d->speech.confirm_serial) {
		g_info("button pressed before the number was read out; ignored");
		return;
	}
	if (d->config->window_key) {
		g_message("button pressed: opening the pairing window");
		ear_daemon_open_window(d);
	}
}

static void on_button(gpointer data)
{
	ear_daemon_button_pressed(data);
}

static void setup_button(EarDaemon *d)
{
	g_clear_pointer(&d->button, ear_button_free);
	if (d->config->button_device)
		d->button = ear_button_new(d->config->button_device, d->config->button_key,
			on_button, d);
}

static void on_cancel(gpointer data)
{
	EarDaemon *d = data;
	d->key_serial = 0;
	gboolean was_pairing = d->attempt.device || d->speech.id;
	d->speech.confirm_serial = 0;
	stop_speech(d);
	if (was_pairing)
		fail_attempt(d, "bluetoothd cancelled the request");
}

static void on_expired(gpointer data)
{
	EarDaemon *d = data;
	d->key_serial = 0;
	d->speech.confirm_serial = 0;
	fail_attempt(d, "no answer in time");
}

static void on_release(gpointer data)
{
	EarDaemon *d = data;
	stop_speech(d);
	end_attempt(d);
}

static const char *bluez_owner(gpointer data)
{
	EarDaemon *d = data;
	return ear_bluez_owner(d->bluez);
}

static const EarAgentHandler agent_handler = {
	.request = on_request,
	.cancel = on_cancel,
	.release = on_release,
	.expired = on_expired,
	.bluez_owner = bluez_owner,
};

/* --- bluetoothd coming and going --- */

static void on_registered(gpointer data)
{
}

static void on_vanished(gpointer data)
{
	EarDaemon *d = data;
	guint64 pending = ear_agent_pending(d->agent);
	gboolean was_pairing = d->attempt.device || d->speech.id || pending;

	d->speech.confirm_serial = 0;
	d->key_serial = 0;
	ear_agent_cancel(d->agent, pending, "bluetoothd went away");
	forget_pin(d);
	if (was_pairing)
		announce_failure(d, "bluetoothd went away");
}

static const EarBluezHandler bluez_handler = {
	.registered = on_registered,
	.vanished = on_vanished,
	.device_changed = on_device_changed,
	.device_removed = on_device_removed,
};

/* --- life cycle --- */

static void configure_player(EarDaemon *d)
{
	EarVoice voice = { d->config->voice, d->config->rate, d->config->volume };
	ear_player_configure(d->player, d->config->device, &voice);
}

EarDaemon *ear_daemon_new(GDBusConnection *connection, EarConfig *config,
	const EarSynthOps *synth, const EarSinkOps *sink, GError **error)
{
	g_autoptr(EarDaemon) d = g_new0(EarDaemon, 1);
	d->connection = g_object_ref(connection);
	d->config = ear_config_ref(config);
	d->lockout = ear_lockout_new();
	d->asked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	d->player = ear_player_new(synth, sink);
	configure_player(d);
	d->agent = ear_agent_new(connection, EAR_AGENT_PATH, &agent_handler, d, error);
	if (!d->agent)
		return NULL;
	d->bluez = ear_bluez_new(connection, EAR_AGENT_PATH, &bluez_handler, d);
	setup_button(d);
	return g_steal_pointer(&d);
}

void ear_daemon_reload(EarDaemon *d, EarConfig *config)
{
	gboolean same_button = g_strcmp0(d->config->button_device, config->button_device) == 0 &&
		d->config->button_key == config->button_key;
	ear_config_unref(d->config);
	d->config = ear_config_ref(config);
	if (!same_button)
		setup_button(d);
	configure_player(d);
	if (d->window_open && !d->config->manage_adapter)
		ear_bluez_open_adapters(d->bluez, FALSE);
}

gboolean ear_daemon_is_registered(EarDaemon *d)
{
	return ear_bluez_registered(d->bluez);
}

void ear_daemon_shutdown(EarDaemon *d, GSourceFunc done, gpointer user_data)
{
	stop_speech(d);
	ear_agent_cancel(d->agent, ear_agent_pending(d->agent), "Earshot is stopping");
	if (d->window_open && d->config->manage_adapter)
		ear_bluez_open_adapters(d->bluez, FALSE);
	ear_bluez_unregister(d->bluez, done, user_data);
}

void ear_daemon_free(EarDaemon *d)
{
	if (!d)
		return;
	g_clear_handle_id(&d->window_timer, g_source_remove);
	g_clear_handle_id(&d->pin_timer, g_source_remove);
	end_attempt(d);
	g_clear_pointer(&d->button, ear_button_free);
	g_clear_pointer(&d->player, ear_player_free);
	g_clear_pointer(&d->agent, ear_agent_free);
	g_clear_pointer(&d->bluez, ear_bluez_free);
	g_clear_pointer(&d->config, ear_config_unref);
	g_clear_pointer(&d->lockout, ear_lockout_free);
	g_clear_pointer(&d->asked, g_hash_table_unref);
	g_clear_pointer(&d->speech.device, g_free);
	g_clear_pointer(&d->pin_pending_device, g_free);
	forget_pin(d);
	g_clear_object(&d->connection);
	g_free(d);
}
