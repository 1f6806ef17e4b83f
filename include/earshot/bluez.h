/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client side of bluetoothd: watches org.bluez, registers the agent (and
 * again whenever bluetoothd comes back), mirrors adapters and devices, and
 * switches adapters discoverable/pairable. No call here blocks.
 */
#ifndef EARSHOT_BLUEZ_H
#define EARSHOT_BLUEZ_H

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct EarBluez EarBluez;

typedef struct {
	/* The agent is registered and the default agent. */
	void (*registered)(gpointer user_data);
	/* bluetoothd left the bus (crash, stop or restart). */
	void (*vanished)(gpointer user_data);
	/* A device appeared, or its Paired or Connected property changed. */
	void (*device_changed)(const char *path, gpointer user_data);
	/* A device object was removed. */
	void (*device_removed)(const char *path, gpointer user_data);
} EarBluezHandler;

EarBluez *ear_bluez_new(GDBusConnection *connection, const char *agent_path,
	const EarBluezHandler *handler, gpointer user_data);
void ear_bluez_free(EarBluez *bluez);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarBluez, ear_bluez_free)

/* Unique bus name of bluetoothd, or NULL while it is not running. */
const char *ear_bluez_owner(EarBluez *bluez);
gboolean ear_bluez_registered(EarBluez *bluez);

/* From the cache of bluetoothd's objects; no D-Bus round trip. */
gboolean ear_bluez_device_exists(EarBluez *bluez, const char *path);
gboolean ear_bluez_device_flag(EarBluez *bluez, const char *path, const char *property);
/* The raw (untrusted) Alias, or NULL. */
char *ear_bluez_device_alias(EarBluez *bluez, const char *path);

/* Makes every adapter (also ones that appear later) discoverable and pairable, or neither. */
void ear_bluez_open_adapters(EarBluez *bluez, gboolean open);

/* Sends UnregisterAgent; @done runs when it is answered or after 1 s. */
void ear_bluez_unregister(EarBluez *bluez, GSourceFunc done, gpointer user_data);

G_END_DECLS

#endif /* EARSHOT_BLUEZ_H */
