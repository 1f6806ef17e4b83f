// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon as seen from outside: a snapshot of its state, and the
 * observers (the D-Bus service, systemd's notification) told when it changes
 * and how each pairing ends. No passkey or PIN ever passes through here.
 */
#include "daemon-private.h"

#include "earshot/name.h"

typedef struct {
	const EarDaemonObserver *observer;
	gpointer user_data;
} Watch;

GArray *ear_daemon_observers_new(void)
{
	return g_array_new(FALSE, FALSE, sizeof(Watch));
}

void ear_daemon_get_state(EarDaemon *d, EarDaemonState *state)
{
	*state = (EarDaemonState){
		.registered = ear_bluez_registered(d->bluez),
		.window_open = ear_window_is_open(d->window),
		.window_until_us = ear_window_until(d->window),
		.locked_until_us = ear_lockout_all_until(d->lockout, g_get_monotonic_time()),
	};
}

void ear_daemon_watch(EarDaemon *d, const EarDaemonObserver *observer, gpointer user_data)
{
	Watch w = { observer, user_data };
	g_array_append_val(d->observers, w);
}

void ear_daemon_unwatch(EarDaemon *d, gpointer user_data)
{
	for (guint i = d->observers->len; i > 0; i--)
		if (g_array_index(d->observers, Watch, i - 1).user_data == user_data)
			g_array_remove_index(d->observers, i - 1);
}

static gboolean on_lock_ended(gpointer data)
{
	EarDaemon *d = data;
	d->lock_timer = 0;
	ear_daemon_changed(d);
	return G_SOURCE_REMOVE;
}

/*
 * A lockout ends without any event, so one timer wakes us then (once: no
 * periodic wake-ups), to tell the observers.
 */
static void arm_lock_timer(EarDaemon *d, gint64 until_us)
{
	gint64 left_ms = (until_us - g_get_monotonic_time()) / 1000 + 1;

	g_clear_handle_id(&d->lock_timer, g_source_remove);
	if (until_us)
		d->lock_timer = g_timeout_add((guint)MIN(left_ms, G_MAXUINT), on_lock_ended, d);
}

void ear_daemon_changed(EarDaemon *d)
{
	EarDaemonState state;

	ear_daemon_get_state(d, &state);
	arm_lock_timer(d, state.locked_until_us);
	for (guint i = 0; i < d->observers->len; i++) {
		Watch *w = &g_array_index(d->observers, Watch, i);
		if (w->observer->changed)
			w->observer->changed(w->user_data);
	}
}

void ear_daemon_outcome(EarDaemon *d, EarOutcome outcome, const char *device, const char *why)
{
	const EarDeviceInfo *dev = device ? ear_bluez_device(d->bluez, device) : NULL;
	g_autofree char *name = dev ? ear_name_sanitize(dev->alias) : NULL;

	for (guint i = 0; i < d->observers->len; i++) {
		Watch *w = &g_array_index(d->observers, Watch, i);
		if (w->observer->outcome)
			w->observer->outcome(outcome, name && *name ? name : NULL, why, w->user_data);
	}
}
