// SPDX-License-Identifier: GPL-2.0-or-later
/* The mirror of bluetoothd's adapters, devices, A2DP transports and AVRCP players. */
#include "earshot/bluez-objects.h"

#include <string.h>

#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_TRANSPORT "org.bluez.MediaTransport1"
#define IFACE_PLAYER "org.bluez.MediaPlayer1"
/* A transport for this endpoint role carries music into this box (A2DP sink). */
#define UUID_A2DP_SINK "0000110b-0000-1000-8000-00805f9b34fb"

struct EarObjects {
	const EarObjectsHandler *handler;
	gpointer user_data;
	GHashTable *devices;  /* path → EarDeviceInfo * */
	GHashTable *adapters; /* path → gint64 *, when it appeared (monotonic µs) */
	GHashTable *media;    /* path → EarMediaInfo *: A2DP transports and AVRCP players */
	gboolean loaded;      /* a snapshot was read since bluetoothd appeared */
};

static void device_free(gpointer data)
{
	EarDeviceInfo *dev = data;
	g_free(dev->alias);
	g_free(dev->address);
	g_free(dev->address_type);
	g_free(dev);
}

static EarDeviceInfo *device_new(void)
{
	EarDeviceInfo *dev = g_new0(EarDeviceInfo, 1);
	dev->alias = g_strdup("");
	dev->address = g_strdup("");
	dev->address_type = g_strdup("");
	return dev;
}

static void media_free(gpointer data)
{
	EarMediaInfo *m = data;
	g_free(m->device);
	g_free(m->state);
	g_free(m);
}

EarObjects *ear_objects_new(const EarObjectsHandler *handler, gpointer user_data)
{
	EarObjects *o = g_new0(EarObjects, 1);
	o->handler = handler;
	o->user_data = user_data;
	o->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, device_free);
	o->adapters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	o->media = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, media_free);
	return o;
}

void ear_objects_free(EarObjects *o)
{
	if (!o)
		return;
	g_hash_table_unref(o->devices);
	g_hash_table_unref(o->adapters);
	g_hash_table_unref(o->media);
	g_free(o);
}

void ear_objects_clear(EarObjects *o)
{
	g_hash_table_remove_all(o->devices);
	g_hash_table_remove_all(o->adapters);
	g_hash_table_remove_all(o->media);
	o->loaded = FALSE;
}

static void take_string(char **field, GVariant *value)
{
	if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
		return;
	g_free(*field);
	*field = g_variant_dup_string(value, NULL);
}

static void take_string_of(char **field, GVariant *value)
{
	g_free(*field);
	*field = g_variant_dup_string(value, NULL);
}

static void take_bool(gboolean *field, GVariant *value)
{
	if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
		*field = g_variant_get_boolean(value);
}

/* TRUE if @alias is @address (AA:BB:…) written with dashes, as bluetoothd writes it. */
static gboolean is_dashed_address(const char *alias, const char *address)
{
	if (strlen(alias) != strlen(address) || !*address)
		return FALSE;
	for (gsize i = 0; address[i]; i++) {
		char want = address[i] == ':' ? '-' : g_ascii_toupper(address[i]);
		if (g_ascii_toupper(alias[i]) != want)
			return FALSE;
	}
	return TRUE;
}

/* Applies an a{sv} of Device1 properties; unknown names and wrong types are ignored. */
static void device_update(EarDeviceInfo *dev, GVariant *props)
{
	GVariantIter iter;
	const char *name;
	GVariant *value;

	g_variant_iter_init(&iter, props);
	while (g_variant_iter_loop(&iter, "{&sv}", &name, &value)) {
		if (g_str_equal(name, "Paired"))
			take_bool(&dev->paired, value);
		else if (g_str_equal(name, "Connected"))
			take_bool(&dev->connected, value);
		else if (g_str_equal(name, "Alias"))
			take_string(&dev->alias, value);
		else if (g_str_equal(name, "Address"))
			take_string(&dev->address, value);
		else if (g_str_equal(name, "AddressType"))
			take_string(&dev->address_type, value);
	}
	/*
	 * A device that has not told its name has its address as Alias (over LE
	 * the name is often read only after the bond): that is no name, and
	 * reading it out takes six seconds of "C zero dash twenty-two…".
	 */
	if (is_dashed_address(dev->alias, dev->address)) {
		g_free(dev->alias);
		dev->alias = g_strdup("");
	}
}

/* Applies MediaTransport1 (Device, State, Volume) or MediaPlayer1 (Device, Status) properties. */
static void media_update(EarMediaInfo *m, GVariant *props)
{
	GVariantIter iter;
	const char *name;
	GVariant *value;

	g_variant_iter_init(&iter, props);
	while (g_variant_iter_loop(&iter, "{&sv}", &name, &value)) {
		if (g_str_equal(name, "Device") && g_variant_is_of_type(value, G_VARIANT_TYPE_OBJECT_PATH))
			take_string_of(&m->device, value);
		else if (g_str_equal(name, m->player ? "Status" : "State"))
			take_string(&m->state, value);
		else if (!m->player && g_str_equal(name, "Volume") &&
			g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16))
			m->volume = MIN(g_variant_get_uint16(value), 127);
	}
}

/* Adds or updates a transport or player at @path from its interface's a{sv}. */
static void media_add(EarObjects *o, const char *path, GVariant *props, gboolean player)
{
	EarMediaInfo *m = g_hash_table_lookup(o->media, path);
	if (!m) {
		m = g_new0(EarMediaInfo, 1);
		m->device = g_strdup("");
		m->state = g_strdup("");
		m->volume = -1;
		m->player = player;
		g_hash_table_insert(o->media, g_strdup(path), m);
	}
	media_update(m, props);
}

/*
 * TRUE if a device at @path that shows up already paired is one bluetoothd
 * read from its storage: its adapter appeared less than
 * EAR_STORED_DEVICE_GRACE_MS ago. bluetoothd registers an adapter, then adds
 * the devices it has stored for it, and Earshot's snapshot may fall between
 * the two. A pairing that completes creates no new object: bluetoothd made
 * the device when it connected and then flips its Paired property.
 */
static gboolean is_from_storage(EarObjects *o, const char *path)
{
	g_autofree char *adapter = g_path_get_dirname(path);
	const gint64 *appeared = g_hash_table_lookup(o->adapters, adapter);

	return !appeared ||
		g_get_monotonic_time() - *appeared < EAR_STORED_DEVICE_GRACE_MS * G_TIME_SPAN_MILLISECOND;
}

/*
 * TRUE if the transport's UUID says it brings music to this box: bluetoothd
 * gives a transport the UUID of the local endpoint, A2DP sink on a speaker.
 * A transport sending audio from here (A2DP source, e.g. to headphones) is
 * not the music in the room and is left alone.
 */
static gboolean is_music_in(GVariant *props)
{
	const char *uuid = NULL;
	return g_variant_lookup(props, "UUID", "&s", &uuid) &&
		g_ascii_strcasecmp(uuid, UUID_A2DP_SINK) == 0;
}

/* Adds the interfaces of @ifaces (a{sa{sv}}) at @path; @report: tell the handler. */
static void add_interfaces(EarObjects *o, const char *path, GVariant *ifaces, gboolean report)
{
	g_autoptr(GVariant) adapter = g_variant_lookup_value(ifaces, IFACE_ADAPTER, NULL);
	g_autoptr(GVariant) props = g_variant_lookup_value(ifaces, IFACE_DEVICE,
		G_VARIANT_TYPE_VARDICT);
	g_autoptr(GVariant) transport = g_variant_lookup_value(ifaces, IFACE_TRANSPORT,
		G_VARIANT_TYPE_VARDICT);
	g_autoptr(GVariant) player = g_variant_lookup_value(ifaces, IFACE_PLAYER,
		G_VARIANT_TYPE_VARDICT);

	if (adapter && !g_hash_table_contains(o->adapters, path)) {
		gint64 *appeared = g_new(gint64, 1);
		*appeared = g_get_monotonic_time();
		g_hash_table_insert(o->adapters, g_strdup(path), appeared);
		o->handler->adapter_added(path, o->user_data);
	}
	if (transport && !is_music_in(transport))
		g_clear_pointer(&transport, g_variant_unref);
	if (transport || player)
		media_add(o, path, transport ? transport : player, player != NULL);
	if (!props)
		return;
	EarDeviceInfo *dev = g_hash_table_lookup(o->devices, path);
	gboolean was_paired = dev && dev->paired;
	if (!dev) {
		dev = device_new();
		g_hash_table_insert(o->devices, g_strdup(path), dev);
	}
	device_update(dev, props);
	if (!report)
		return;
	if (dev->paired && !was_paired && !is_from_storage(o, path))
		o->handler->device_bonded(path, o->user_data);
	if (g_hash_table_contains(o->devices, path))
		o->handler->device_changed(path, o->user_data);
}

void ear_objects_load(EarObjects *o, GVariant *managed)
{
	GVariantIter iter;
	const char *path;
	GVariant *ifaces;

	ear_objects_clear(o);
	if (!g_variant_is_of_type(managed, G_VARIANT_TYPE("a{oa{sa{sv}}}")))
		return;
	g_variant_iter_init(&iter, managed);
	while (g_variant_iter_loop(&iter, "{&o@a{sa{sv}}}", &path, &ifaces))
		add_interfaces(o, path, ifaces, FALSE);
	o->loaded = TRUE;
}

void ear_objects_interfaces_added(EarObjects *o, GVariant *body)
{
	const char *path;
	g_autoptr(GVariant) ifaces = NULL;

	if (!o->loaded || !g_variant_is_of_type(body, G_VARIANT_TYPE("(oa{sa{sv}})")))
		return;
	g_variant_get(body, "(&o@a{sa{sv}})", &path, &ifaces);
	add_interfaces(o, path, ifaces, TRUE);
}

void ear_objects_interfaces_removed(EarObjects *o, GVariant *body)
{
	const char *path;
	g_autofree const char **ifaces = NULL;

	if (!o->loaded || !g_variant_is_of_type(body, G_VARIANT_TYPE("(oas)")))
		return;
	g_variant_get(body, "(&o^a&s)", &path, &ifaces);
	for (guint i = 0; ifaces[i]; i++) {
		if (g_str_equal(ifaces[i], IFACE_ADAPTER))
			g_hash_table_remove(o->adapters, path);
		if (g_str_equal(ifaces[i], IFACE_TRANSPORT) || g_str_equal(ifaces[i], IFACE_PLAYER))
			g_hash_table_remove(o->media, path);
		if (g_str_equal(ifaces[i], IFACE_DEVICE) && g_hash_table_remove(o->devices, path))
			o->handler->device_removed(path, o->user_data);
	}
}

void ear_objects_properties_changed(EarObjects *o, const char *path, GVariant *body)
{
	const char *iface;
	g_autoptr(GVariant) changed = NULL;
	EarDeviceInfo *dev = g_hash_table_lookup(o->devices, path);
	EarMediaInfo *media = g_hash_table_lookup(o->media, path);
	gboolean was_paired, was_connected;

	if (!o->loaded || !g_variant_is_of_type(body, G_VARIANT_TYPE("(sa{sv}as)")))
		return;
	g_variant_get(body, "(&s@a{sv}as)", &iface, &changed, NULL);
	if (media && g_str_equal(iface, media->player ? IFACE_PLAYER : IFACE_TRANSPORT))
		media_update(media, changed);
	if (!dev || !g_str_equal(iface, IFACE_DEVICE))
		return;
	was_paired = dev->paired;
	was_connected = dev->connected;
	device_update(dev, changed);
	if (dev->paired && !was_paired)
		o->handler->device_bonded(path, o->user_data);
	/* The handler may not remove devices, so dev is still valid here. */
	if (dev->paired != was_paired || dev->connected != was_connected)
		o->handler->device_changed(path, o->user_data);
}

const EarDeviceInfo *ear_objects_device(EarObjects *o, const char *path)
{
	return path ? g_hash_table_lookup(o->devices, path) : NULL;
}

GList *ear_objects_adapters(EarObjects *o)
{
	return g_hash_table_get_keys(o->adapters);
}

GList *ear_objects_media(EarObjects *o)
{
	return g_hash_table_get_keys(o->media);
}

const EarMediaInfo *ear_objects_media_info(EarObjects *o, const char *path)
{
	return path ? g_hash_table_lookup(o->media, path) : NULL;
}
