/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A mirror of bluetoothd's adapters and devices (and the A2DP transports and
 * AVRCP players of the devices, for music.c), fed with what its
 * ObjectManager says (GetManagedObjects, InterfacesAdded/Removed) and with
 * PropertiesChanged. It tells its owner what changed, and when a device
 * becomes bonded, whatever caused it. No D-Bus here: the caller feeds it.
 */
#ifndef EARSHOT_BLUEZ_OBJECTS_H
#define EARSHOT_BLUEZ_OBJECTS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct EarObjects EarObjects;

/*
 * A device that shows up already paired this soon after its adapter is one
 * bluetoothd read from its storage, not a new bond.
 */
#define EAR_STORED_DEVICE_GRACE_MS 2000

/* What Earshot needs of an org.bluez.Device1. Strings are never NULL. */
typedef struct {
	gboolean paired;
	gboolean connected;
	char *alias;        /* untrusted: chosen by the remote device */
	char *address;      /* "11:22:33:44:55:66", "" if unknown */
	char *address_type; /* "public" or "random", "" if unknown */
} EarDeviceInfo;

/*
 * An A2DP transport (org.bluez.MediaTransport1) or an AVRCP player
 * (org.bluez.MediaPlayer1) of a connected device: the music it plays here.
 * Strings are never NULL.
 */
typedef struct {
	gboolean player; /* a MediaPlayer1; otherwise a MediaTransport1 */
	char *device;    /* its Device1 object path, "" if unknown */
	char *state;     /* transport State ("idle", "pending", "active") or player Status */
	gint volume;     /* transport Volume 0..127, -1 if it has none (or is a player) */
} EarMediaInfo;

typedef struct {
	void (*adapter_added)(const char *path, gpointer user_data);
	/* A device appeared (after the snapshot), or its Connected or Paired changed. */
	void (*device_changed)(const char *path, gpointer user_data);
	/*
	 * A device's Paired became true, or a device appeared already paired after
	 * the snapshot and more than EAR_STORED_DEVICE_GRACE_MS after its adapter.
	 * Called before device_changed for the same change.
	 */
	void (*device_bonded)(const char *path, gpointer user_data);
	void (*device_removed)(const char *path, gpointer user_data);
} EarObjectsHandler;

EarObjects *ear_objects_new(const EarObjectsHandler *handler, gpointer user_data);
void ear_objects_free(EarObjects *objects);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarObjects, ear_objects_free)

/*
 * Replaces everything with a GetManagedObjects reply (a{oa{sa{sv}}}). This is
 * an enumeration: devices already paired in it are not "new bonds". Calls
 * adapter_added for every adapter; nothing else.
 */
void ear_objects_load(EarObjects *objects, GVariant *managed);
/* bluetoothd went away: forget everything, report nothing. */
void ear_objects_clear(EarObjects *objects);

/*
 * The signals, with their bodies as received. Malformed bodies are ignored, and
 * so is everything before the first snapshot: bluetoothd sends its reply after
 * the signals it sent earlier, so the snapshot already holds their effect.
 */
void ear_objects_interfaces_added(EarObjects *objects, GVariant *body);   /* (oa{sa{sv}}) */
void ear_objects_interfaces_removed(EarObjects *objects, GVariant *body); /* (oas) */
void ear_objects_properties_changed(EarObjects *objects, const char *path, GVariant *body);

/* NULL if bluetoothd has no such device. Valid until the next feed. */
const EarDeviceInfo *ear_objects_device(EarObjects *objects, const char *path);
/* Adapter object paths (transfer container: free the list, not the strings). */
GList *ear_objects_adapters(EarObjects *objects);
/* Transport and player object paths (transfer container), in no order. */
GList *ear_objects_media(EarObjects *objects);
/* NULL if there is no such transport or player. Valid until the next feed. */
const EarMediaInfo *ear_objects_media_info(EarObjects *objects, const char *path);

G_END_DECLS

#endif /* EARSHOT_BLUEZ_OBJECTS_H */
