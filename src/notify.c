// SPDX-License-Identifier: GPL-2.0-or-later
/* READY=1 and STATUS= to systemd: the notification socket protocol, by hand. */
#include "earshot/notify.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct EarNotify {
	EarDaemon *daemon;
	int fd;                 /* -1: not under systemd, or the socket is unusable */
	struct sockaddr_un addr;
	socklen_t addr_len;
	gboolean ready_sent;
	char *status;           /* last STATUS= sent */
};

static void send_message(EarNotify *n, const char *message)
{
	if (n->fd < 0)
		return;
	if (sendto(n->fd, message, strlen(message), MSG_NOSIGNAL | MSG_DONTWAIT,
		    (struct sockaddr *)&n->addr, n->addr_len) < 0)
		g_warning("cannot notify systemd: %s", g_strerror(errno));
}

/* TRUE if @path fits a sockaddr_un: "/..." on the file system, "@..." abstract. */
static gboolean set_address(EarNotify *n, const char *path)
{
	size_t len = strlen(path);

	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->addr.sun_path))
		return FALSE;
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	return TRUE;
}

static char *clock_time(gint64 until_us, gint64 now_us)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autoptr(GDateTime) then = g_date_time_add(now, until_us - now_us);
	return g_date_time_format(then, "%H:%M:%S");
}

char *ear_notify_status(const EarDaemonState *state, gint64 now_us)
{
	g_autofree char *closes = state->window_open ?
		clock_time(state->window_until_us, now_us) : NULL;
	g_autofree char *unlocks = state->locked_until_us ?
		clock_time(state->locked_until_us, now_us) : NULL;
	g_autofree char *window = closes ? g_strdup_printf("pairing window open until %s", closes) :
		g_strdup("pairing window closed");
	g_autofree char *lock = unlocks ? g_strdup_printf("pairing locked until %s", unlocks) :
		g_strdup("not locked");

	return g_strdup_printf("%s; %s; %s", state->registered ? "registered with bluetoothd" :
		"waiting for bluetoothd", window, lock);
}

static void on_changed(gpointer data)
{
	EarNotify *n = data;
	EarDaemonState state;

	ear_daemon_get_state(n->daemon, &state);
	g_autofree char *status = ear_notify_status(&state, g_get_monotonic_time());
	gboolean ready = state.registered && !n->ready_sent;
	if (!ready && g_strcmp0(status, n->status) == 0)
		return;
	/* Ready once registered: from then on a start has done what it is for. */
	g_autofree char *message = g_strdup_printf("%sSTATUS=%s", ready ? "READY=1\n" : "", status);
	send_message(n, message);
	n->ready_sent |= ready;
	g_free(n->status);
	n->status = g_steal_pointer(&status);
}

static const EarDaemonObserver observer = { .changed = on_changed };

EarNotify *ear_notify_new(EarDaemon *daemon, const char *socket_path)
{
	EarNotify *n = g_new0(EarNotify, 1);
	n->daemon = daemon;
	n->fd = -1;
	if (!socket_path || !*socket_path)
		return n;
	if (!set_address(n, socket_path)) {
		g_warning("NOTIFY_SOCKET is not a socket address: %s", socket_path);
		return n;
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		g_warning("cannot make a socket to notify systemd: %s", g_strerror(errno));
		return n;
	}
	ear_daemon_watch(daemon, &observer, n);
	on_changed(n); /* the first STATUS= now; READY=1 if registered already */
	return n;
}

void ear_notify_stopping(EarNotify *n)
{
	send_message(n, "STOPPING=1\nSTATUS=stopping");
}

void ear_notify_free(EarNotify *n)
{
	if (!n)
		return;
	if (n->fd >= 0) {
		ear_daemon_unwatch(n->daemon, n);
		close(n->fd);
	}
	g_free(n->status);
	g_free(n);
}
