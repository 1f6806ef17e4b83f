/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bluetooth UUIDs in the one spelling Earshot compares: the 128-bit form in
 * lower case. Pure; used by the configuration (allowed-services) and by the
 * agent (AuthorizeService).
 */
#ifndef EARSHOT_UUID_H
#define EARSHOT_UUID_H

#include <glib.h>

G_BEGIN_DECLS

/*
 * Normalises a Bluetooth UUID: "110a", "0000110A" or the 128-bit form all
 * give "0000110a-0000-1000-8000-00805f9b34fb". Returns a new string, or NULL
 * if @uuid is malformed.
 */
char *ear_uuid_normalize(const char *uuid);

G_END_DECLS

#endif /* EARSHOT_UUID_H */
