/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client side of bluetoothd: watches org.bluez, reads its objects, then
 * registers the agent (and all of it again whenever bluetoothd comes back,
 * retrying failed steps with a growing delay), mirrors adapters and devices,
 * and switches adapters discoverable/pairable. No call here blocks.
 */
#ifndef EARSHOT_BLUEZ_H
#define EARSHOT_BLUEZ_H

#include <gio/gio.h>

#include "earshot/bluez-objects.h"

G_BEGIN_DECLS

typedef struct EarBluez EarBluez;

typedef struct {
	/* The agent is registered and the default agent. */
	void (*registered)(gpointer user_data);
	/* bluetoothd left the bus (crash, stop or restart). */
	void (*vanished)(gpointer user_data);
	/* A device appeared, or its Paired or Connected property changed. */
	void (*device_changed)(const char *path, gpointer user_data);
	/* A device became bonded while we watched (see bluez-objects.h). */
	void (*device_bonded)(const char *path, gpointer user_data);
	/* A device object was removed. */
	void (*device_removed)(const char *path, gpointer user_data);
} EarBluezHandler;

/* What Earshot does with the adapters' Discoverable and Pairable. */
typedef enum {
	EAR_ADAPTERS_UNMANAGED, /* never touch them */
	EAR_ADAPTERS_OPEN,      /* both on, also on adapters that appear later */
	EAR_ADAPTERS_CLOSED,    /* both off, likewise */
} EarAdapterMode;

EarBluez *ear_bluez_new(GDBusConnection *connection, const char *agent_path,
	const EarBluezHandler *handler, gpointer user_data);
void ear_bluez_free(EarBluez *bluez);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarBluez, ear_bluez_free)

/* Unique bus name of bluetoothd, or NULL while it is not running. */
const char *ear_bluez_owner(EarBluez *bluez);
gboolean ear_bluez_registered(EarBluez *bluez);

/* From the mirror of bluetoothd's objects; no D-Bus round trip. NULL: no such device. */
const EarDeviceInfo *ear_bluez_device(EarBluez *bluez, const char *path);

/* The mirror itself (transports and players too); valid until the bluez object is freed. */
EarObjects *ear_bluez_objects(EarBluez *bluez);

/* Applies @mode now, and to adapters that appear or come back later. */
void ear_bluez_set_adapters(EarBluez *bluez, EarAdapterMode mode);

/* Asks bluetoothd to abort a pairing in progress with @path (Device1.CancelPairing). */
void ear_bluez_cancel_pairing(EarBluez *bluez, const char *path);

/* Sends UnregisterAgent; @done runs when it is answered or after 1 s. */
void ear_bluez_unregister(EarBluez *bluez, GSourceFunc done, gpointer user_data);

G_END_DECLS

#endif /* EARSHOT_BLUEZ_H */
