/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A physical button: one key on an evdev input device (a GPIO button through
 * the gpio-keys overlay, a USB keyboard or remote, the Pi 5 power button).
 * The device may be missing at start, vanish and come back: it is looked for
 * again every second. Main loop only.
 */
#ifndef EARSHOT_BUTTON_H
#define EARSHOT_BUTTON_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct EarButton EarButton;

/* Called on the main loop each time the key goes down. */
typedef void (*EarButtonFunc)(gpointer user_data);

/* @device: an absolute path, or a name under /dev/input ("by-path/…", "event3"). */
EarButton *ear_button_new(const char *device, guint key_code, EarButtonFunc pressed,
	gpointer user_data);
void ear_button_free(EarButton *button);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EarButton, ear_button_free)

/* TRUE while the device is open. */
gboolean ear_button_is_present(EarButton *button);

/* The code of a key name such as "KEY_ENTER", or -1. */
int ear_button_key_code(const char *name);

/* The device path that @device names. */
char *ear_button_device_path(const char *device);

G_END_DECLS

#endif /* EARSHOT_BUTTON_H */
