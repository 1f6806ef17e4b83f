// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon over time: the pairing window, what bluetoothd reports about
 * devices, how each attempt ends, and every new bond, whoever caused it.
 * The requests themselves are handled in requests.c.
 */
#include "daemon-private.h"

#include "earshot/announce.h"
#include "earshot/name.h"

void ear_daemon_say(EarDaemon *d, const EarChime *chime, const char *prompt)
{
	EarUtterance *u = ear_utterance_new();
	g_autofree char *text = ear_announce_sentence(prompt);
	ear_utterance_add_chime(u, chime);
	ear_utterance_add_text(u, text);
	ear_player_play(d->player, u, NULL, NULL, NULL);
}

static EarAdapterMode adapter_mode(EarDaemon *d)
{
	if (!d->config->manage_adapter)
		return EAR_ADAPTERS_UNMANAGED;
	return ear_window_is_open(d->window) ? EAR_ADAPTERS_OPEN : EAR_ADAPTERS_CLOSED;
}

/* --- outcomes --- */

/* Every attempt ends here, exactly once (ledger.h). */
static void on_attempt_ended(EarAttempt *a, EarEnd end, const char *why, gpointer data)
{
	EarDaemon *d = data;
	EarCount count = ear_policy_failure_count(end, a->answered, a->spoken);

	ear_reader_stop(d->reader);
	if (a->serial)
		ear_agent_reject(d->agent, a->serial, why);
	if (end == EAR_END_PAIRED) {
		g_message("pairing succeeded");
		return; /* announced by on_bonded() */
	}
	if (count != EAR_COUNT_NONE)
		ear_lockout_record(d->lockout, &d->config->lockout, a->key, count == EAR_COUNT_ALL,
			g_get_monotonic_time());
	g_message("pairing failed: %s", why);
	ear_daemon_say(d, &d->config->failed_chime, d->config->prompts[EAR_PROMPT_FAILED]);
	ear_daemon_outcome(d, EAR_OUTCOME_FAILED, a->device, why);
	if (count != EAR_COUNT_NONE)
		ear_daemon_changed(d);
}

static void announce_bond(EarDaemon *d, const char *path)
{
	const EarDeviceInfo *dev = ear_bluez_device(d->bluez, path);
	g_autofree char *name = d->config->speak_names && dev ? ear_name_sanitize(dev->alias) : NULL;
	g_autofree char *text = ear_announce_paired(d->config->prompts, name);
	EarUtterance *u = ear_utterance_new();

	ear_utterance_add_chime(u, &d->config->paired_chime);
	ear_utterance_add_text(u, text);
	ear_player_play(d->player, u, NULL, NULL, NULL);
}

/*
 * A new bond, whatever caused it: the room always hears it. That is the
 * safety net when a stranger was quicker than the owner, or when something
 * other than Earshot let a device pair.
 */
static void on_bonded(const char *path, gpointer data)
{
	EarDaemon *d = data;
	gboolean ours = ear_ledger_find(d->ledger, path) != NULL;

	g_debug("%s paired", path);
	if (!ours && !ear_window_is_open(d->window))
		g_warning("a device paired while the pairing window was closed");
	else if (!ours)
		g_message("a device paired without a pairing request to Earshot");
	ear_ledger_end(d->ledger, path, EAR_END_PAIRED, "paired");
	announce_bond(d, path);
	ear_daemon_outcome(d, EAR_OUTCOME_PAIRED, path, "paired");
	if (d->config->close_after_pairing)
		ear_window_close(d->window, "a device paired");
}

static void on_device_changed(const char *path, gpointer data)
{
	EarDaemon *d = data;
	const EarDeviceInfo *dev = ear_bluez_device(d->bluez, path);

	if (!dev || dev->paired)
		return;
	if (dev->connected) {
		ear_daemon_offer_pin(d, path);
		return;
	}
	g_hash_table_remove(d->asked, path);
	if (g_strcmp0(path, d->pin_due_device) == 0) {
		g_clear_handle_id(&d->pin_timer, g_source_remove);
		g_clear_pointer(&d->pin_due_device, g_free);
	}
	ear_ledger_end(d->ledger, path, EAR_END_FAILED, "the device disconnected");
}

static void on_device_removed(const char *path, gpointer data)
{
	EarDaemon *d = data;
	g_hash_table_remove(d->asked, path);
	ear_ledger_end(d->ledger, path, EAR_END_FAILED, "the device went away");
}

/* --- the window --- */

static void on_window_closed(const char *why, gpointer data)
{
	EarDaemon *d = data;
	EarAttempt *a = ear_ledger_current(d->ledger);

	g_message("pairing window closed: %s", why);
	g_clear_handle_id(&d->pin_timer, g_source_remove);
	g_clear_pointer(&d->pin_due_device, g_free);
	ear_bluez_set_adapters(d->bluez, adapter_mode(d));
	/*
	 * What is in flight ends: a request awaiting its reply is refused, a number
	 * or PIN being read stops. A pairing already answered and only awaiting
	 * Paired is bluetoothd's to finish.
	 */
	if (a && (a->serial || a->pin_offer || ear_reader_is_reading(d->reader))) {
		if (!a->serial)
			ear_bluez_cancel_pairing(d->bluez, a->device);
		ear_ledger_end(d->ledger, a->device, EAR_END_ABORTED, "the pairing window closed");
	}
	ear_daemon_changed(d);
}

void ear_daemon_open_window_for(EarDaemon *d, guint seconds)
{
	/* Opening the window is a deliberate act of the owner: it lifts any lockout. */
	ear_lockout_clear(d->lockout);
	if (ear_window_open(d->window, seconds))
		ear_daemon_say(d, NULL, d->config->prompts[EAR_PROMPT_READY]);
	g_message("pairing window open for %u s", seconds);
	ear_bluez_set_adapters(d->bluez, adapter_mode(d));
	d->refusal_said_us = 0;
	ear_daemon_changed(d);
}

void ear_daemon_open_window(EarDaemon *d)
{
	ear_daemon_open_window_for(d, d->config->window_s);
}

void ear_daemon_close_window(EarDaemon *d, const char *why)
{
	ear_window_close(d->window, why);
}

gboolean ear_daemon_window_is_open(EarDaemon *d)
{
	return ear_window_is_open(d->window);
}

guint ear_daemon_window_seconds(EarDaemon *d)
{
	return d->config->window_s;
}

/* --- bluetoothd coming and going --- */

static void on_registered(gpointer data)
{
	ear_daemon_changed(data);
}

static void on_vanished(gpointer data)
{
	EarDaemon *d = data;
	EarAttempt *a = ear_ledger_current(d->ledger);

	if (a && a->serial)
		ear_agent_cancel(d->agent, a->serial, "bluetoothd went away");
	if (a)
		a->serial = 0;
	g_clear_handle_id(&d->pin_timer, g_source_remove);
	g_clear_pointer(&d->pin_due_device, g_free);
	g_hash_table_remove_all(d->asked);
	ear_music_forget(d->music);
	ear_ledger_end(d->ledger, NULL, EAR_END_ABORTED, "bluetoothd went away");
	ear_daemon_changed(d);
}

static const EarBluezHandler bluez_handler = {
	.registered = on_registered,
	.vanished = on_vanished,
	.device_changed = on_device_changed,
	.device_bonded = on_bonded,
	.device_removed = on_device_removed,
};

/* --- life cycle --- */

static void configure_player(EarDaemon *d)
{
	EarVoice voice = { d->config->voice, d->config->rate, d->config->volume };
	ear_player_configure(d->player, d->config->device, &voice);
	ear_music_configure(d->music, d->config->duck, d->config->duck_db);
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

EarDaemon *ear_daemon_new(GDBusConnection *connection, EarConfig *config,
	const EarSynthOps *synth, const EarSinkOps *sink, GError **error)
{
	g_autoptr(EarDaemon) d = g_new0(EarDaemon, 1);
	d->connection = g_object_ref(connection);
	d->config = ear_config_ref(config);
	d->lockout = ear_lockout_new();
	d->asked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	d->observers = ear_daemon_observers_new();
	d->player = ear_player_new(synth, sink);
	d->reader = ear_reader_new(d->player);
	d->window = ear_window_new(on_window_closed, d);
	d->ledger = ear_ledger_new(on_attempt_ended, d);
	d->agent = ear_agent_new(connection, EAR_AGENT_PATH, &ear_daemon_agent_handler, d, error);
	if (!d->agent)
		return NULL;
	d->bluez = ear_bluez_new(connection, EAR_AGENT_PATH, &bluez_handler, d);
	d->music = ear_music_new(connection, d->bluez, d->player);
	configure_player(d);
	ear_bluez_set_adapters(d->bluez, adapter_mode(d));
	setup_button(d);
	return g_steal_pointer(&d);
}

void ear_daemon_reload(EarDaemon *d, EarConfig *config)
{
	gboolean same_button = g_strcmp0(d->config->button_device, config->button_device) == 0 &&
		d->config->button_key == config->button_key;
	gboolean was_managed = d->config->manage_adapter;

	ear_config_unref(d->config);
	d->config = ear_config_ref(config);
	if (!same_button)
		setup_button(d);
	configure_player(d);
	if (was_managed && !config->manage_adapter)
		g_message("manage-adapter is off: adapters are left as they are");
	ear_bluez_set_adapters(d->bluez, adapter_mode(d));
}

gboolean ear_daemon_is_registered(EarDaemon *d)
{
	return ear_bluez_registered(d->bluez);
}

void ear_daemon_shutdown(EarDaemon *d, GSourceFunc done, gpointer user_data)
{
	EarAttempt *a = ear_ledger_current(d->ledger);
	if (a && a->serial)
		ear_agent_cancel(d->agent, a->serial, "Earshot is stopping");
	if (a)
		a->serial = 0;
	ear_ledger_end(d->ledger, NULL, EAR_END_ABORTED, "Earshot is stopping");
	ear_player_stop(d->player);
	ear_music_restore(d->music); /* sent before UnregisterAgent, so bluetoothd sees it first */
	if (ear_window_is_open(d->window) && d->config->manage_adapter)
		ear_bluez_set_adapters(d->bluez, EAR_ADAPTERS_CLOSED);
	ear_bluez_unregister(d->bluez, done, user_data);
}

void ear_daemon_free(EarDaemon *d)
{
	if (!d)
		return;
	g_clear_handle_id(&d->pin_timer, g_source_remove);
	g_clear_handle_id(&d->lock_timer, g_source_remove);
	g_clear_pointer(&d->button, ear_button_free);
	g_clear_pointer(&d->ledger, ear_ledger_free);
	g_clear_pointer(&d->window, ear_window_free);
	if (d->reader)
		ear_reader_stop(d->reader); /* cancels its utterance while the player exists */
	g_clear_pointer(&d->player, ear_player_free); /* no callback into the reader after this */
	g_clear_pointer(&d->reader, ear_reader_free); /* idle: does not touch the player */
	g_clear_pointer(&d->music, ear_music_free);   /* puts back what is owed; needs the mirror */
	g_clear_pointer(&d->agent, ear_agent_free);
	g_clear_pointer(&d->bluez, ear_bluez_free);
	g_clear_pointer(&d->config, ear_config_unref);
	g_clear_pointer(&d->lockout, ear_lockout_free);
	g_clear_pointer(&d->asked, g_hash_table_unref);
	g_clear_pointer(&d->observers, g_array_unref);
	g_clear_pointer(&d->pin_due_device, g_free);
	g_clear_object(&d->connection);
	g_free(d);
}
