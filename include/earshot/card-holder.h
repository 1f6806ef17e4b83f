/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who holds the sound cards: read from the kernel's
 * /proc/asound/cardN/pcmMp/subK/status (owner_pid) and /proc/PID/comm, so the
 * log line of a refused pairing can name the program in the way.
 */
#ifndef EARSHOT_CARD_HOLDER_H
#define EARSHOT_CARD_HOLDER_H

#include <glib.h>

G_BEGIN_DECLS

/*
 * Every program with a playback substream open, as "bluealsa-aplay (pid 812)"
 * joined by ", ", or NULL if there is none. A name /proc hides (systemd's
 * ProtectProc=invisible) is given as "pid 812". @proc_root is "/proc" (tests
 * pass a directory laid out like it). Free with g_free().
 */
char *ear_card_holders(const char *proc_root);

G_END_DECLS

#endif /* EARSHOT_CARD_HOLDER_H */
