// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built earshot and earshotctl as processes, on a private system bus
 * with the fake bluetoothd: systemd's readiness (READY=1 only once
 * registered, read from a NOTIFY_SOCKET the test binds) and every
 * earshotctl command with its exit codes.
 */
#include <check.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check-main.h"
#include "earshot-process.h"
#include "fake-bluez.h"

#define PHONE "11:22:33:44:55:66"

static GTestDBus *bus;
static FakeBluez *fb;
static char *tmp;
static GSubprocess *proc;
static GSocket *notify;       /* what earshot tells systemd */
static GPtrArray *notes;      /* the datagrams received, in order */
static const char *phone;

/* --- the notification socket --- */

static void receive_notes(void)
{
	char buf[4096];
	gssize n;
	while ((n = g_socket_receive(notify, buf, sizeof(buf) - 1, NULL, NULL)) > 0) {
		buf[n] = '\0';
		g_ptr_array_add(notes, g_strdup(buf));
	}
}

static guint notes_seen; /* note_cond looks at the datagrams from this one on */

/* The first datagram from notes_seen on holding @needle, or NULL. */
static const char *note_with(const char *needle)
{
	receive_notes();
	for (guint i = notes_seen; i < notes->len; i++)
		if (strstr(notes->pdata[i], needle))
			return notes->pdata[i];
	return NULL;
}

static gboolean note_cond(gpointer data)
{
	return note_with(data) != NULL;
}

/* --- the processes --- */

static gboolean default_cond(gpointer data)
{
	return fake_bluez_agent_is_default(fb);
}

static gboolean exited_cond(gpointer data)
{
	return child_gone(proc);
}

static void start_earshot(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = g_build_filename(tmp, "earshot.conf", NULL);
	g_autofree char *log = g_build_filename(tmp, "log", NULL);
	g_autofree char *socket_path = g_build_filename(tmp, "notify", NULL);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(socket_path);

	ck_assert(g_file_set_contents(conf, "[speech]\ndevice = null\npaired-chime =\n"
		"failed-chime =\n", -1, NULL));
	notify = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, 0, &error);
	ck_assert_msg(notify && g_socket_bind(notify, addr, FALSE, &error), "%s",
		error ? error->message : "");
	g_socket_set_blocking(notify, FALSE);
	notes = g_ptr_array_new_with_free_func(g_free);
	notes_seen = 0;

	g_autoptr(GSubprocessLauncher) l = earshot_launcher(g_test_dbus_get_bus_address(bus), log);
	g_subprocess_launcher_setenv(l, "NOTIFY_SOCKET", socket_path, TRUE);
	proc = earshot_spawn(l, conf);
}

static void start_bluez(void)
{
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	phone = fake_bluez_add_device(fb, PHONE, "Anna's phone", FALSE, TRUE);
}

/* earshot before bluetoothd: readiness has something to wait for. */
static void setup_alone(void)
{
	tmp = g_dir_make_tmp("earshot-ctl-XXXXXX", NULL);
	bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(bus);
	start_earshot();
}

static void setup(void)
{
	setup_alone();
	start_bluez();
	ck_assert_msg(fake_wait_until(default_cond, NULL, 10000), "earshot did not register");
	ck_assert(fake_wait_until(note_cond, "READY=1", 10000));
}

static void teardown(void)
{
	child_stop(&proc);
	g_clear_pointer(&fb, fake_bluez_free);
	g_clear_object(&notify);
	g_clear_pointer(&notes, g_ptr_array_unref);
	if (bus)
		g_test_dbus_down(bus);
	g_clear_object(&bus);
	remove_tree(&tmp);
}

/* --- readiness --- */

START_TEST(test_ready_only_when_registered)
{
	/* up, on the bus, telling systemd it waits: not ready */
	ck_assert(fake_wait_until(note_cond, "STATUS=waiting for bluetoothd", 10000));
	ck_assert_ptr_null(note_with("READY=1"));
	const char *first = notes->pdata[0];
	ck_assert_msg(strstr(first, "pairing window") != NULL, "%s", first);

	start_bluez();
	ck_assert(fake_wait_until(note_cond, "READY=1", 10000));
	/* by then bluetoothd had made it the default agent */
	ck_assert(fake_bluez_agent_is_default(fb));
	const char *ready = note_with("READY=1");
	ck_assert_msg(strstr(ready, "STATUS=registered with bluetoothd; pairing window open until "),
		"%s", ready);
	ck_assert_msg(strstr(ready, "; not locked"), "%s", ready);

	/* ready once: bluetoothd going and coming back changes only the status */
	notes_seen = notes->len;
	g_clear_pointer(&fb, fake_bluez_free);
	ck_assert(fake_wait_until(note_cond, "STATUS=waiting for bluetoothd", 10000));
	start_bluez();
	ck_assert(fake_wait_until(note_cond, "STATUS=registered", 10000));
	ck_assert_ptr_null(note_with("READY=1"));

	g_subprocess_send_signal(proc, SIGTERM);
	ck_assert(fake_wait_until(note_cond, "STOPPING=1", 10000));
}
END_TEST

/* --- earshotctl --- */

/* Runs earshotctl with the NULL-terminated arguments; its exit status, its output in *@out. */
static int ctl(char **out, ...)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "DBUS_SYSTEM_BUS_ADDRESS",
		g_test_dbus_get_bus_address(bus), TRUE);
	g_autofree char *ignored = NULL;
	int status = -1;
	va_list ap;

	va_start(ap, out);
	for (const char *a; (a = va_arg(ap, const char *));)
		g_strv_builder_add(b, a);
	va_end(ap);
	g_auto(GStrv) args = g_strv_builder_end(b);
	g_auto(GStrv) argv = target_argv(EARSHOTCTL, (const char *const *)args);
	ck_assert(g_spawn_sync(NULL, argv, env, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
		out ? out : &ignored, NULL, &status, &error));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static gboolean discoverable_cond(gpointer data)
{
	return fake_bluez_adapter_get_bool(fb, "Discoverable") == GPOINTER_TO_INT(data);
}

START_TEST(test_status)
{
	g_autofree char *human = NULL;
	g_autofree char *json = NULL;

	ck_assert_int_eq(ctl(&human, "status", NULL), 0);
	ck_assert_msg(g_str_has_prefix(human, "bluetoothd:     registered\n"
		"pairing window: open, "), "%s", human);
	ck_assert_msg(strstr(human, "lockout:        none\nlast outcome:   none since"), "%s", human);
	ck_assert_int_eq(ctl(&json, "status", "--json", NULL), 0);
	ck_assert_msg(g_str_has_prefix(json, "{\"registered\": true, \"window_open\": true, "
		"\"window_seconds_left\": "), "%s", json);
	ck_assert_msg(strstr(json, "\"locked_out\": false, \"locked_until\": 0, \"last_outcome\": \"\", "
		"\"last_outcome_at\": 0, \"last_name\": \"\"}\n"), "%s", json);
}
END_TEST

START_TEST(test_open_close)
{
	g_autofree char *json = NULL;

	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(TRUE), 5000));
	ck_assert_int_eq(ctl(NULL, "close", NULL), 0);
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(FALSE), 5000));
	ck_assert_int_eq(ctl(&json, "status", "--json", NULL), 0);
	ck_assert_msg(strstr(json, "\"window_open\": false, \"window_seconds_left\": 0,"), "%s", json);

	ck_assert_int_eq(ctl(NULL, "open", "30", NULL), 0);
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(TRUE), 5000));
	g_free(json);
	ck_assert_int_eq(ctl(&json, "status", "--json", NULL), 0);
	const char *left = strstr(json, "\"window_seconds_left\": ");
	ck_assert_ptr_nonnull(left);
	guint64 n = g_ascii_strtoull(left + strlen("\"window_seconds_left\": "), NULL, 10);
	ck_assert_msg(n > 0 && n <= 30, "%s", json);
	ck_assert_int_eq(ctl(NULL, "open", NULL), 0);
}
END_TEST

START_TEST(test_exit_codes)
{
	ck_assert_int_eq(ctl(NULL, "open", "181", NULL), 1); /* the configured window is 180 */
	ck_assert_int_eq(ctl(NULL, "open", "soon", NULL), 2);
	ck_assert_int_eq(ctl(NULL, "open", "1", "2", NULL), 2);
	ck_assert_int_eq(ctl(NULL, "frobnicate", NULL), 2);
	ck_assert_int_eq(ctl(NULL, NULL), 2);
	ck_assert_int_eq(ctl(NULL, "close", "--json", NULL), 2);
	g_subprocess_send_signal(proc, SIGTERM);
	ck_assert(fake_wait_until(exited_cond, NULL, 10000));
	ck_assert_int_eq(ctl(NULL, "status", NULL), 4);
	ck_assert_int_eq(ctl(NULL, "open", NULL), 4);
}
END_TEST

static char *watch_log;

static gboolean watch_cond(gpointer data)
{
	g_autofree char *text = NULL;
	return g_file_get_contents(watch_log, &text, NULL, NULL) && strstr(text, data);
}

START_TEST(test_watch)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	const char *const args[] = { "watch", NULL };
	g_auto(GStrv) argv = target_argv(EARSHOTCTL, args);

	watch_log = g_build_filename(tmp, "watch", NULL);
	g_subprocess_launcher_setenv(l, "DBUS_SYSTEM_BUS_ADDRESS", g_test_dbus_get_bus_address(bus), TRUE);
	g_subprocess_launcher_set_stdout_file_path(l, watch_log);
	g_autoptr(GSubprocess) watch = g_subprocess_launcher_spawnv(l, (const char *const *)argv,
		&error);
	ck_assert_msg(watch != NULL, "%s", error ? error->message : "");
	ck_assert(fake_wait_until(watch_cond, "Earshot is running", 10000));

	g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestConfirmation",
		g_variant_new("(ou)", phone, 42713), FALSE);
	ck_assert(fake_call_wait(c, 26000));
	ck_assert_ptr_null(fake_call_error_name(c));
	fake_bluez_set_device_property(fb, phone, "Paired", g_variant_new_boolean(TRUE));
	ck_assert(fake_wait_until(watch_cond, " paired: Anna's phone\n", 10000));
	ck_assert(fake_wait_until(watch_cond, " pairing window closed\n", 10000));

	ck_assert_int_eq(ctl(NULL, "open", "20", NULL), 0);
	ck_assert(fake_wait_until(watch_cond, " pairing window open: until ", 10000));
	const char *other = fake_bluez_add_device(fb, "44:44:44:44:44:44", "Ben", FALSE, TRUE);
	ck_assert_int_eq(ctl(NULL, "close", NULL), 0);
	g_autoptr(FakeCall) r = fake_bluez_call_agent(fb, "RequestConfirmation",
		g_variant_new("(ou)", other, 1), FALSE);
	ck_assert(fake_call_wait(r, 10000));
	ck_assert(fake_wait_until(watch_cond, " pairing refused: ", 10000));

	g_subprocess_send_signal(watch, SIGTERM);
	ck_assert(g_subprocess_wait(watch, NULL, NULL));
	ck_assert(g_subprocess_get_if_exited(watch));
	ck_assert_int_eq(g_subprocess_get_exit_status(watch), 0);
	g_autofree char *text = NULL;
	ck_assert(g_file_get_contents(watch_log, &text, NULL, NULL));
	ck_assert_msg(!strstr(text, "42713") && !strstr(text, "4, 2, 7"), "%s", text);
	g_clear_pointer(&watch_log, g_free);
}
END_TEST

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("ready");
	tcase_add_checked_fixture(tc, setup_alone, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_ready_only_when_registered);
	suite_add_tcase(s, tc);
	tc = tcase_create("earshotctl");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_open_close);
	tcase_add_test(tc, test_exit_codes);
	tcase_add_test(tc, test_watch);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(ctl_suite)
