// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Music while Earshot speaks (music.h): the D-Bus side of music-policy.c.
 * What is owed back is kept in two lists, emptied by one function.
 */
#include "earshot/music.h"

#include "earshot/card-holder.h"
#include "earshot/music-policy.h"

#define IFACE_TRANSPORT "org.bluez.MediaTransport1"
#define IFACE_PLAYER "org.bluez.MediaPlayer1"
#define CALL_TIMEOUT_MS 5000

typedef struct {
	char *transport;
	guint16 before;
	guint16 lowered;
} Lowered;

struct EarMusic {
	GDBusConnection *connection;
	EarBluez *bluez;
	EarPlayer *player;
	EarDuck duck;
	guint duck_db;
	GPtrArray *lowered; /* Lowered *: a restore owed for each */
	GPtrArray *paused;  /* char *, player paths: a Play owed for each */
	guint pending;      /* calls the first prompt waits for */
	gboolean holding;   /* the player is held until they are answered */
	gboolean restore_due; /* the last prompt ended while calls were pending */
	guint hold_timer;
	gboolean exclusive; /* the card was found busy while music played */
	gboolean extended;  /* the busy hook has let the player wait longer this time */
	GCancellable *cancel;
};

/* One phone's music: its transport and its player. */
typedef struct {
	const char *transport;
	const char *player;
	EarMusicState state;
	guint16 volume;
} PhoneMusic;

static void lowered_free(gpointer data)
{
	Lowered *l = data;
	g_free(l->transport);
	g_free(l);
}

/* --- what plays, from the mirror --- */

static PhoneMusic *phone_of(GHashTable *phones, const char *device)
{
	PhoneMusic *p = g_hash_table_lookup(phones, device);
	if (!p) {
		p = g_new0(PhoneMusic, 1);
		g_hash_table_insert(phones, (gpointer)device, p);
	}
	return p;
}

/* device path → PhoneMusic *; the strings belong to the mirror, valid until it is fed. */
static GHashTable *collect(EarMusic *m)
{
	EarObjects *objects = ear_bluez_objects(m->bluez);
	GHashTable *phones = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	g_autoptr(GList) paths = ear_objects_media(objects);

	for (GList *l = paths; l; l = l->next) {
		const EarMediaInfo *info = ear_objects_media_info(objects, l->data);
		PhoneMusic *p = phone_of(phones, info->device);
		if (info->player) {
			p->player = l->data;
			p->state.playing = g_str_equal(info->state, "playing");
			continue;
		}
		p->transport = l->data;
		p->state.streaming = g_str_equal(info->state, "active");
		p->state.has_volume = info->volume >= 0;
		p->volume = info->volume >= 0 ? (guint16)info->volume : 0;
	}
	return phones;
}

/* --- calls --- */

static void call(EarMusic *m, const char *path, const char *iface, const char *method,
	GVariant *params, GAsyncReadyCallback done)
{
	g_dbus_connection_call(m->connection, ear_bluez_owner(m->bluez), path, iface, method,
		params, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS,
		done ? m->cancel : NULL, done, done ? m : NULL);
}

static void set_volume(EarMusic *m, const char *transport, guint16 volume,
	GAsyncReadyCallback done)
{
	call(m, transport, "org.freedesktop.DBus.Properties", "Set",
		g_variant_new("(ssv)", IFACE_TRANSPORT, "Volume", g_variant_new_uint16(volume)), done);
}

static void restore_now(EarMusic *m);

static void stop_holding(EarMusic *m)
{
	g_clear_handle_id(&m->hold_timer, g_source_remove);
	if (m->holding)
		ear_player_proceed(m->player);
	m->holding = FALSE;
}

static void on_hold_call_done(GObject *source, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res,
		&error);
	EarMusic *m = data;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* m is gone */
	if (error)
		g_warning("cannot lower or pause the music: %s", error->message);
	if (--m->pending > 0)
		return;
	stop_holding(m);
	if (m->restore_due)
		restore_now(m);
}

static gboolean on_hold_timeout(gpointer data)
{
	EarMusic *m = data;
	m->hold_timer = 0;
	g_warning("bluetoothd did not answer within %d ms; speaking over the music",
		EAR_MUSIC_HOLD_MS);
	stop_holding(m);
	return G_SOURCE_REMOVE;
}

/* --- lowering, pausing, putting back --- */

static void lower(EarMusic *m, const PhoneMusic *p)
{
	Lowered *l = g_new0(Lowered, 1);
	l->transport = g_strdup(p->transport);
	l->before = p->volume;
	l->lowered = ear_music_lowered_volume(p->volume, m->duck_db);
	g_ptr_array_add(m->lowered, l);
	g_debug("%s: volume %u -> %u", l->transport, l->before, l->lowered);
	g_message("music lowered by %u dB while Earshot speaks", m->duck_db);
	set_volume(m, l->transport, l->lowered, on_hold_call_done);
	m->pending++;
}

static void pause_player(EarMusic *m, const char *player, GAsyncReadyCallback done)
{
	g_ptr_array_add(m->paused, g_strdup(player));
	g_debug("%s: Pause", player);
	g_message("music paused (AVRCP) while Earshot speaks");
	call(m, player, IFACE_PLAYER, "Pause", NULL, done);
}

static void restore_volume(EarMusic *m, const Lowered *l)
{
	const EarMediaInfo *info = ear_objects_media_info(ear_bluez_objects(m->bluez), l->transport);

	if (!info || info->volume < 0 ||
		!ear_music_should_restore(l->before, l->lowered, (guint16)info->volume)) {
		g_message("music volume not restored: %s", info ? "changed since" : "the stream ended");
		return;
	}
	set_volume(m, l->transport, l->before, NULL);
	g_message("music volume restored");
}

static void resume(EarMusic *m, const char *player)
{
	const EarMediaInfo *info = ear_objects_media_info(ear_bluez_objects(m->bluez), player);

	if (!ear_music_should_resume(info ? info->state : NULL)) {
		g_message("music not resumed: %s", info ? "not paused any more" : "the player is gone");
		return;
	}
	call(m, player, IFACE_PLAYER, "Play", NULL, NULL);
	g_message("music resumed");
}

/* Everything owed, once: the lists are emptied here and nowhere else. */
static void restore_now(EarMusic *m)
{
	g_autoptr(GPtrArray) lowered = g_steal_pointer(&m->lowered);
	g_autoptr(GPtrArray) paused = g_steal_pointer(&m->paused);

	m->lowered = g_ptr_array_new_with_free_func(lowered_free);
	m->paused = g_ptr_array_new_with_free_func(g_free);
	m->restore_due = FALSE;
	m->extended = FALSE;
	if (!ear_bluez_owner(m->bluez))
		return;
	for (guint i = 0; i < lowered->len; i++)
		restore_volume(m, g_ptr_array_index(lowered, i));
	for (guint i = 0; i < paused->len; i++)
		resume(m, g_ptr_array_index(paused, i));
}

/* --- the player's hooks --- */

static gboolean paused_already(EarMusic *m, const char *player)
{
	for (guint i = 0; i < m->paused->len; i++)
		if (g_str_equal(g_ptr_array_index(m->paused, i), player))
			return TRUE;
	return FALSE;
}

/* Still owed from the last time (its answers were late): it stays lowered or paused. */
static gboolean owed_already(EarMusic *m, const PhoneMusic *p)
{
	for (guint i = 0; i < m->lowered->len; i++)
		if (g_strcmp0(((Lowered *)g_ptr_array_index(m->lowered, i))->transport,
			p->transport) == 0)
			return TRUE;
	return p->player && paused_already(m, p->player);
}

static gboolean on_starting(gpointer data)
{
	EarMusic *m = data;
	g_autoptr(GHashTable) phones = NULL;
	GHashTableIter iter;
	PhoneMusic *p;

	m->restore_due = FALSE; /* what is still owed carries on into this speech */
	if (m->duck == EAR_DUCK_OFF || !ear_bluez_owner(m->bluez))
		return FALSE;
	phones = collect(m);
	g_hash_table_iter_init(&iter, phones);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&p)) {
		if (owed_already(m, p))
			continue;
		switch (ear_music_decide(m->duck, &p->state, m->exclusive)) {
		case EAR_MUSIC_LEAVE:
			break;
		case EAR_MUSIC_LOWER:
			lower(m, p);
			break;
		case EAR_MUSIC_PAUSE:
			pause_player(m, p->player, on_hold_call_done);
			m->pending++;
			break;
		}
	}
	if (!m->pending)
		return FALSE;
	m->holding = TRUE;
	m->hold_timer = g_timeout_add(EAR_MUSIC_HOLD_MS, on_hold_timeout, m);
	return TRUE;
}

static void on_finished(gpointer data)
{
	EarMusic *m = data;

	m->holding = FALSE; /* the player lifts its hold itself */
	g_clear_handle_id(&m->hold_timer, g_source_remove);
	if (m->pending)
		m->restore_due = TRUE; /* after the answers: a Pause still in flight must be undone */
	else
		restore_now(m);
}

static void pause_busy(EarMusic *m)
{
	g_autoptr(GHashTable) phones = collect(m);
	GHashTableIter iter;
	PhoneMusic *p;

	g_hash_table_iter_init(&iter, phones);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&p))
		if (p->player && ear_music_pause_when_busy(m->duck, &p->state,
			paused_already(m, p->player)))
			pause_player(m, p->player, NULL);
}

/* The card stayed busy: pause what plays, once, and wait for the card; else name who holds it. */
static gboolean on_busy(gpointer data)
{
	EarMusic *m = data;
	g_autofree char *who = NULL;

	if (m->duck != EAR_DUCK_OFF && ear_bluez_owner(m->bluez))
		pause_busy(m);
	if (m->paused->len && !m->extended) {
		m->extended = TRUE;
		m->exclusive = TRUE;
		g_message("the sound card is busy: waiting up to %d ms for the paused player to let it go",
			EAR_PLAYER_RELEASE_WAIT_MS);
		return TRUE;
	}
	who = ear_card_holders("/proc");
	g_warning("cannot speak: the sound card is held by %s (README: \"Music while pairing\")",
		who ? who : "another program");
	return FALSE;
}

static const EarPlayerHooks hooks = {
	.starting = on_starting,
	.finished = on_finished,
	.busy = on_busy,
};

/* --- life cycle --- */

EarMusic *ear_music_new(GDBusConnection *connection, EarBluez *bluez, EarPlayer *player)
{
	EarMusic *m = g_new0(EarMusic, 1);
	m->connection = g_object_ref(connection);
	m->bluez = bluez;
	m->player = player;
	m->lowered = g_ptr_array_new_with_free_func(lowered_free);
	m->paused = g_ptr_array_new_with_free_func(g_free);
	m->cancel = g_cancellable_new();
	m->duck = EAR_DUCK_AUTO;
	m->duck_db = 20;
	ear_player_set_hooks(player, &hooks, m);
	return m;
}

void ear_music_configure(EarMusic *m, EarDuck duck, guint duck_db)
{
	m->duck = duck;
	m->duck_db = duck_db;
	m->exclusive = FALSE;
}

void ear_music_restore(EarMusic *m)
{
	g_cancellable_cancel(m->cancel); /* no answer is waited for any more */
	g_clear_object(&m->cancel);
	m->cancel = g_cancellable_new();
	m->pending = 0;
	stop_holding(m);
	restore_now(m);
}

void ear_music_forget(EarMusic *m)
{
	g_ptr_array_set_size(m->lowered, 0);
	g_ptr_array_set_size(m->paused, 0);
	ear_music_restore(m); /* lifts a hold; nothing is left to put back */
}

void ear_music_free(EarMusic *m)
{
	if (!m)
		return;
	g_clear_handle_id(&m->hold_timer, g_source_remove);
	g_cancellable_cancel(m->cancel);
	m->holding = FALSE; /* the player may be gone: it is not touched */
	restore_now(m);
	g_clear_object(&m->cancel);
	g_ptr_array_unref(m->lowered);
	g_ptr_array_unref(m->paused);
	g_object_unref(m->connection);
	g_free(m);
}
