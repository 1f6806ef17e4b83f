// SPDX-License-Identifier: GPL-2.0-or-later
/* The only file that reads input devices, through libevdev. */
#include "earshot/button.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <libevdev/libevdev.h>
#include <unistd.h>

#define BUTTON_RETRY_S 1

struct EarButton {
	char *path;
	guint code;
	EarButtonFunc pressed;
	gpointer user_data;
	struct libevdev *dev;
	int fd;
	guint watch;
	guint retry;
	gboolean waiting_logged;
};

static void try_open(EarButton *b);

int ear_button_key_code(const char *name)
{
	return name ? libevdev_event_code_from_name(EV_KEY, name) : -1;
}

char *ear_button_device_path(const char *device)
{
	return g_path_is_absolute(device) ? g_strdup(device) :
		g_build_filename("/dev/input", device, NULL);
}

static void close_device(EarButton *b)
{
	g_clear_handle_id(&b->watch, g_source_remove);
	g_clear_pointer(&b->dev, libevdev_free);
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

static gboolean on_retry(gpointer data)
{
	EarButton *b = data;
	try_open(b);
	return b->dev ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void wait_for_device(EarButton *b)
{
	close_device(b);
	if (!b->retry)
		b->retry = g_timeout_add_seconds(BUTTON_RETRY_S, on_retry, b);
}

/* Reads what is there; a key-down of our code presses the button. */
static gboolean read_events(EarButton *b)
{
	struct input_event ev;
	unsigned int flag = LIBEVDEV_READ_FLAG_NORMAL;
	int rc;

	while ((rc = libevdev_next_event(b->dev, flag, &ev)) >= 0) {
		/* after a SYN_DROPPED, libevdev replays the state: skip to the present */
		flag = rc == LIBEVDEV_READ_STATUS_SYNC ? LIBEVDEV_READ_FLAG_SYNC :
							 LIBEVDEV_READ_FLAG_NORMAL;
		if (rc == LIBEVDEV_READ_STATUS_SUCCESS && ev.type == EV_KEY && ev.code == b->code &&
			ev.value == 1)
			b->pressed(b->user_data);
	}
	return rc == -EAGAIN;
}

static gboolean on_input(int fd, GIOCondition cond, gpointer data)
{
	EarButton *b = data;
	if (!(cond & (G_IO_ERR | G_IO_HUP | G_IO_NVAL)) && read_events(b))
		return G_SOURCE_CONTINUE;
	g_warning("%s went away; waiting for it to come back", b->path);
	b->watch = 0;
	b->waiting_logged = TRUE;
	wait_for_device(b);
	return G_SOURCE_REMOVE;
}

static void try_open(EarButton *b)
{
	int fd = open(b->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int err = fd < 0 ? errno : 0;

	if (fd >= 0 && (err = -libevdev_new_from_fd(fd, &b->dev)) != 0)
		close(fd);
	if (err) {
		b->dev = NULL;
		if (!b->waiting_logged)
			g_warning("cannot open button %s: %s; trying again every %d s", b->path,
				g_strerror(err), BUTTON_RETRY_S);
		b->waiting_logged = TRUE;
		wait_for_device(b);
		return;
	}
	b->fd = fd;
	g_clear_handle_id(&b->retry, g_source_remove);
	b->waiting_logged = FALSE;
	if (!libevdev_has_event_code(b->dev, EV_KEY, b->code))
		g_warning("%s (%s) has no key %s", b->path, libevdev_get_name(b->dev),
			libevdev_event_code_get_name(EV_KEY, b->code));
	g_message("button: %s (%s)", b->path, libevdev_get_name(b->dev));
	b->watch = g_unix_fd_add(fd, G_IO_IN | G_IO_ERR | G_IO_HUP, on_input, b);
}

EarButton *ear_button_new(const char *device, guint key_code, EarButtonFunc pressed,
	gpointer user_data)
{
	EarButton *b = g_new0(EarButton, 1);
	b->path = ear_button_device_path(device);
	b->code = key_code;
	b->pressed = pressed;
	b->user_data = user_data;
	b->fd = -1;
	try_open(b);
	return b;
}

gboolean ear_button_is_present(EarButton *b)
{
	return b->dev != NULL;
}

void ear_button_free(EarButton *b)
{
	if (!b)
		return;
	close_device(b);
	g_clear_handle_id(&b->retry, g_source_remove);
	g_free(b->path);
	g_free(b);
}
