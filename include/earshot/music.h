/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Music that plays while Earshot speaks: before the first prompt it lowers the
 * playing A2DP transport's Volume (org.bluez.MediaTransport1) or pauses the
 * phone (org.bluez.MediaPlayer1.Pause), as music-policy.c decides, and holds
 * the player until bluetoothd has answered; after the last prompt it puts
 * each back exactly once. It hooks itself into the player (player.h). All
 * calls are asynchronous. Main loop only.
 */
#ifndef EARSHOT_MUSIC_H
#define EARSHOT_MUSIC_H

#include <gio/gio.h>

#include "earshot/bluez.h"
#include "earshot/config.h"
#include "earshot/player.h"

G_BEGIN_DECLS

typedef struct EarMusic EarMusic;

/* How long the first prompt waits for bluetoothd to answer before it is spoken anyway. */
#define EAR_MUSIC_HOLD_MS 1000

/* @connection, @bluez and @player are borrowed and must outlive it; sets the player's hooks. */
EarMusic *ear_music_new(GDBusConnection *connection, EarBluez *bluez, EarPlayer *player);
/* Puts back what is owed (without waiting for answers). Accepts NULL. */
void ear_music_free(EarMusic *music);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarMusic, ear_music_free)

/* [music] duck and duck-db; also forgets that the card was found busy. */
void ear_music_configure(EarMusic *music, EarDuck duck, guint duck_db);

/* Puts back now whatever was lowered or paused (Earshot is stopping). */
void ear_music_restore(EarMusic *music);

/* bluetoothd went away: its transports and players are gone, and nothing is owed. */
void ear_music_forget(EarMusic *music);

G_END_DECLS

#endif /* EARSHOT_MUSIC_H */
