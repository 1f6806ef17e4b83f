/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pairing window: open for a while after the owner's act (power-on, the
 * button, SIGUSR1), closed otherwise. It only keeps time and counts what one
 * opening allows; what opening and closing mean is the daemon's business.
 * Main loop only.
 */
#ifndef EARSHOT_WINDOW_H
#define EARSHOT_WINDOW_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct EarWindow EarWindow;

/* Called when the window closes, by time or by ear_window_close(); @why is for logs. */
typedef void (*EarWindowClosed)(const char *why, gpointer user_data);

EarWindow *ear_window_new(EarWindowClosed closed, gpointer user_data);
void ear_window_free(EarWindow *window);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarWindow, ear_window_free)

/* Opens the window, or restarts its clock, for @seconds. TRUE if it was closed. */
gboolean ear_window_open(EarWindow *window, guint seconds);
/* Closes it (nothing if closed already); the closed callback runs before this returns. */
void ear_window_close(EarWindow *window, const char *why);
gboolean ear_window_is_open(EarWindow *window);
/* Seconds until it closes, rounded up; 0 when closed. */
guint ear_window_seconds_left(EarWindow *window);
/* When it closes by itself (monotonic time, microseconds); 0 while closed. */
gint64 ear_window_until(EarWindow *window);

/* Takes one legacy PIN offer from this opening's allowance of @max: FALSE if none is left. */
gboolean ear_window_take_pin_offer(EarWindow *window, guint max);
/* How many PIN offers this opening made. */
guint ear_window_pin_offers(EarWindow *window);

G_END_DECLS

#endif /* EARSHOT_WINDOW_H */
