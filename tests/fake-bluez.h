/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake bluetoothd (BlueZ 5.66 as an agent sees it) for D-Bus tests on a
 * private bus (GTestDBus). It owns org.bluez on its own connection and serves
 * the ObjectManager at "/", org.bluez.AgentManager1 at /org/bluez, one adapter
 * /org/bluez/hci0 and the devices a test adds. It calls org.bluez.Agent1 on the
 * registered agent asynchronously, so the agent under test may live in the
 * same process and main context.
 *
 * Threading: everything runs on the thread-default main context of the thread
 * that called fake_bluez_new() (the default main context in tests); the wait
 * helpers iterate the default main context.
 *
 * Faithful details worth knowing (checked against BlueZ 5.66 src/agent.c,
 * src/adapter.c, gdbus/object.c):
 *  - The first agent to register becomes default without asking (agent_create
 *    puts it at the head of the default queue); later ones queue behind it and
 *    move to the head on RequestDefaultAgent. When the head leaves, the next one
 *    becomes default. fake_bluez_agent_*() describe the head of that queue:
 *    the agent bluetoothd would call.
 *  - UnregisterAgent and an agent leaving the bus send no Release; Release is
 *    sent only on a clean shutdown (fake_bluez_stop()).
 *  - A property that is set to the value it already has emits nothing.
 *  - PropertiesChanged is sent after the reply to the Set that caused it.
 *
 * Not modelled: pairing itself (a test plays it with fake_bluez_call_agent()
 * and property changes), bluetoothd's one-request-per-agent EBUSY rule (the
 * fake sends whatever the test asks), ProfileManager1 and the adapter's other
 * interfaces. GDBus answers a call with wrong argument types with
 * org.freedesktop.DBus.Error.InvalidArgs where bluetoothd says UnknownMethod.
 */
#ifndef EARSHOT_TESTS_FAKE_BLUEZ_H
#define EARSHOT_TESTS_FAKE_BLUEZ_H

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct FakeBluez FakeBluez;
typedef struct FakeCall FakeCall;

#define FAKE_BLUEZ_ADAPTER_PATH "/org/bluez/hci0"
#define FAKE_BLUEZ_ADAPTER_ADDRESS "00:AA:01:00:00:01"
#define FAKE_BLUEZ_REQUEST_TIMEOUT_MS (60 * 1000) /* bluetoothd's REQUEST_TIMEOUT */

/*
 * Opens its own new connection to the bus at @address, exports the objects,
 * then requests org.bluez (DO_NOT_QUEUE, like bluetoothd) and iterates the
 * default main context until it owns it. Returns NULL (with a g_warning) if the
 * bus cannot be reached or the name is taken. Creates adapter /org/bluez/hci0
 * (Address "00:AA:01:00:00:01", Alias "speaker", Powered true, Discoverable
 * false, Pairable false, DiscoverableTimeout 180, PairableTimeout 0).
 */
FakeBluez *fake_bluez_new(const char *address);
/*
 * Like fake_bluez_new(), but the first @count calls of method @member (e.g.
 * "GetManagedObjects") on any object fail with org.freedesktop.DBus.Error.Failed,
 * as when bluetoothd is starting up or overloaded. They are still counted.
 */
FakeBluez *fake_bluez_new_failing(const char *address, const char *member, guint count);
/*
 * Like bluetoothd being killed: no Release. Releases the name, unexports
 * everything, flushes and closes the connection, so that watchers see org.bluez
 * vanish. Accepts NULL. Outstanding FakeCalls stay valid (they complete with
 * org.freedesktop.DBus.Error.Disconnected unless already done).
 */
void fake_bluez_free(FakeBluez *fb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeBluez, fake_bluez_free)
/*
 * Like bluetoothd exiting cleanly (agent_cleanup, agent_release): sends Cancel
 * for every fake_bluez_call_agent() request still pending, then Release to every
 * registered agent (both flagged no-reply), then does what fake_bluez_free()
 * does. Accepts NULL.
 */
void fake_bluez_stop(FakeBluez *fb);

const char *fake_bluez_unique_name(FakeBluez *fb);
GDBusConnection *fake_bluez_get_connection(FakeBluez *fb); /* transfer none */

/*
 * Agent manager state (org.bluez.AgentManager1 at /org/bluez). Strings are
 * owned by fb and valid until that agent goes away.
 */
const char *fake_bluez_agent_sender(FakeBluez *fb); /* NULL if none registered */
const char *fake_bluez_agent_path(FakeBluez *fb);
const char *fake_bluez_agent_capability(FakeBluez *fb); /* as passed, "" allowed */
/* TRUE if the current agent has called RequestDefaultAgent successfully (see above). */
gboolean fake_bluez_agent_is_default(FakeBluez *fb);
guint fake_bluez_agent_count(FakeBluez *fb);   /* agents registered right now */
guint fake_bluez_register_count(FakeBluez *fb); /* successful RegisterAgent calls */
guint fake_bluez_unregister_count(FakeBluez *fb); /* successful UnregisterAgent calls */
/* Calls received for a method name on any object (e.g. "RequestDefaultAgent",
 * "Set", "RemoveDevice", "Disconnect"), successful or not. */
guint fake_bluez_method_count(FakeBluez *fb, const char *member);

/* Adapter */
/* "Discoverable", "Pairable", "Powered" (any boolean property) */
gboolean fake_bluez_adapter_get_bool(FakeBluez *fb, const char *property);
/* Properties.Set calls received on the adapter, failed ones too */
guint fake_bluez_adapter_set_count(FakeBluez *fb);
/*
 * Changes an adapter property as if the kernel did (e.g. another tool): no
 * checks, no errors, but the side effects of a Set (the discoverable/pairable
 * timers restart, powering off clears a timed discoverable mode and drops every
 * connection); emits on change. Value sunk if floating.
 */
void fake_bluez_set_adapter_property(FakeBluez *fb, const char *name, GVariant *value);

/*
 * Devices under /org/bluez/hci0/dev_XX_XX_XX_XX_XX_XX; returns the object path
 * (an interned string: valid for ever, even after removal). Emits
 * InterfacesAdded. Properties: Address, AddressType "public", Name (= alias),
 * Alias, Class 0x5a020c, Icon "phone", Paired, Bonded (= paired), Trusted
 * false, Blocked false, LegacyPairing false, Connected, UUIDs [], Adapter,
 * ServicesResolved false. Adding an address twice returns the existing path.
 */
const char *fake_bluez_add_device(FakeBluez *fb, const char *address, const char *alias,
	gboolean paired, gboolean connected);
/*
 * Sets a property of the Adapter1/Device1 (or transport/player) interface at @path and emits
 * org.freedesktop.DBus.Properties.PropertiesChanged if the value changed (value
 * is sunk/consumed if floating). A new name adds the property; a type change of
 * an existing one is refused with g_critical.
 */
void fake_bluez_set_device_property(FakeBluez *fb, const char *path, const char *name,
	GVariant *value);
/* Same for several at once (@changes is a{sv}, sunk if floating): one signal, as
 * bluetoothd coalesces e.g. Paired and Bonded. */
void fake_bluez_set_properties(FakeBluez *fb, const char *path, GVariant *changes);
/* Current value (transfer none) or NULL. */
GVariant *fake_bluez_get_property(FakeBluez *fb, const char *path, const char *name);
gboolean fake_bluez_device_get_bool(FakeBluez *fb, const char *path, const char *name);
/* Removes the device object; emits InterfacesRemoved. */
void fake_bluez_remove_device(FakeBluez *fb, const char *path);

/*
 * Music (bluetoothd 5.66 on the speaker while a phone streams to it). An A2DP
 * transport at @device/fd0 (org.bluez.MediaTransport1: Device, UUID A2DP
 * source, Codec 0, State, and Volume when @volume >= 0; a Set of Volume takes
 * 0..127, is answered, then changed and signalled) and an AVRCP player at
 * @device/player0 (org.bluez.MediaPlayer1: Device, Name, Status; Pause() and
 * Play() are answered, then Status becomes "paused" or "playing"). Both emit
 * InterfacesAdded and return the interned path. Change their properties with
 * fake_bluez_set_device_property(); count Pause/Play/Set with
 * fake_bluez_method_count().
 */
const char *fake_bluez_add_transport(FakeBluez *fb, const char *device, const char *state,
	gint volume);
#define FAKE_UUID_A2DP_SINK "0000110b-0000-1000-8000-00805f9b34fb"
#define FAKE_UUID_A2DP_SOURCE "0000110a-0000-1000-8000-00805f9b34fb"
/* The same with the transport's UUID (the local endpoint's role) given. */
const char *fake_bluez_add_transport_uuid(FakeBluez *fb, const char *device, const char *uuid,
	const char *state, gint volume);
const char *fake_bluez_add_player(FakeBluez *fb, const char *device, const char *status);
/* Removes a transport or player (InterfacesRemoved), as when the phone disconnects. */
void fake_bluez_remove_media(FakeBluez *fb, const char *path);
/*
 * From now on, calls to the object at @path (any interface, Properties too)
 * are counted but never answered, as by a bluetoothd that hangs; NULL ends
 * that for later calls. The calls held are dropped when the fake is freed.
 */
void fake_bluez_set_silent(FakeBluez *fb, const char *path);
/* Monotonic time (µs) of the last Set of the transport's Volume that was answered, 0 if none. */
gint64 fake_bluez_volume_set_us(FakeBluez *fb, const char *path);

/*
 * Calls a method of org.bluez.Agent1 on the current agent (sender+path), from
 * the fake's connection, ASYNC, with timeout 60 s like bluetoothd. params may be
 * NULL or floating. If no_reply is TRUE the message is sent with
 * G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED (as bluetoothd does for Cancel and
 * Release) and the call is complete at once. bluetoothd 5.66 sends DisplayPasskey,
 * Cancel and Release no-reply, everything else with a reply. Like bluetoothd, a
 * RequestConfirmation, RequestAuthorization, AuthorizeService or DisplayPinCode
 * that times out makes the fake send Cancel (no-reply) to the agent; a timed-out
 * RequestPinCode or RequestPasskey does not. With no agent registered the call
 * is complete at once with org.bluez.Error.DoesNotExist and nothing is sent.
 * Free with fake_call_free().
 */
FakeCall *fake_bluez_call_agent(FakeBluez *fb, const char *method, GVariant *params,
	gboolean no_reply);
/* Reply timeout of later fake_bluez_call_agent() calls (default 60000 ms). */
void fake_bluez_set_request_timeout(FakeBluez *fb, guint timeout_ms);

/* Same but to an explicit destination/path from an explicit connection (used to
 * play a stranger that is not bluetoothd). Timeout 60 s, no automatic Cancel. */
FakeCall *fake_call_new(GDBusConnection *conn, const char *dest, const char *path,
	const char *method, GVariant *params, gboolean no_reply);
/* A call with a reply of any interface's @method (timeout 60 s). */
FakeCall *fake_call_new_iface(GDBusConnection *conn, const char *dest, const char *path,
	const char *iface, const char *method, GVariant *params);
/* Iterates the default main context until the reply arrives or timeout_ms
 * passes; TRUE if complete. */
gboolean fake_call_wait(FakeCall *call, guint timeout_ms);
gboolean fake_call_done(FakeCall *call);
/* Reply body (transfer none; "()" if empty), NULL on error, while pending, or no-reply. */
GVariant *fake_call_reply(FakeCall *call);
/* D-Bus error name e.g. "org.bluez.Error.Rejected", or NULL. Local failures map to
 * org.freedesktop.DBus.Error.NoReply (timeout) and ...Error.Disconnected (closed). */
const char *fake_call_error_name(FakeCall *call);
const char *fake_call_error_message(FakeCall *call); /* or NULL */
gint64 fake_call_elapsed_us(FakeCall *call); /* from send to reply; -1 while pending */
/* Accepts NULL. A pending call is abandoned: its reply is dropped. */
void fake_call_free(FakeCall *call);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeCall, fake_call_free)

/* A new connection to the bus at @address, as a client of the message bus. */
GDBusConnection *fake_bus_connect(const char *address, GError **error);

/* Helper: iterates the default main context until cond(user_data) is TRUE or
 * timeout_ms passes; returns cond's last value. */
gboolean fake_wait_until(gboolean (*cond)(gpointer), gpointer user_data, guint timeout_ms);

G_END_DECLS

#endif /* EARSHOT_TESTS_FAKE_BLUEZ_H */
