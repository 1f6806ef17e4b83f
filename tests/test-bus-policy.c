// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The D-Bus policy file as a real dbus-daemon applies it, with system-bus
 * defaults (everything not allowed is denied), and earshotctl run as another
 * user (nobody): the bus refuses Open and Close with AccessDenied before
 * Earshot sees them, and lets anyone read the state. With a policy that lets
 * everyone call, Earshot's own check of the caller's uid and groups refuses
 * anyway. Needs root (to run a client as nobody): skipped (77) otherwise.
 */
#include <check.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-main.h"
#include "earshot-process.h"

#define NOBODY 65534

/* System-bus defaults, in short (Debian's system.conf); root stands in for
 * the user earshot (owning org.earshot) and for bluetoothd (BlueZ's policy). */
static const char bus_conf[] =
	"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
	" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
	"<busconfig><type>system</type><listen>unix:path=%s/bus</listen><auth>EXTERNAL</auth>\n"
	"<policy context=\"default\"><allow user=\"*\"/><deny own=\"*\"/>\n"
	"<deny send_type=\"method_call\"/><allow send_type=\"signal\"/>\n"
	"<allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
	"<allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
	"<allow receive_type=\"method_call\"/><allow receive_type=\"method_return\"/>\n"
	"<allow receive_type=\"error\"/><allow receive_type=\"signal\"/>\n"
	"<allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
	"</policy>\n"
	"<policy user=\"root\"><allow own=\"org.bluez\"/><allow send_destination=\"org.bluez\"/>\n"
	"<allow send_interface=\"org.bluez.Agent1\"/><allow own=\"org.earshot\"/></policy>\n"
	"%s</busconfig>\n";

static char *tmp;
static char *address;
static char *log_path;
static char *ctl_copy; /* earshotctl where nobody may run it */
static GSubprocess *bus_daemon;
static GSubprocess *proc;
static FakeBluez *fb;

static gboolean default_cond(gpointer data)
{
	return fake_bluez_agent_is_default(fb);
}

static gboolean socket_cond(gpointer data)
{
	return g_file_test(data, G_FILE_TEST_EXISTS);
}

static void start_bus(const char *policy)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = g_build_filename(tmp, "bus.conf", NULL);
	g_autofree char *text = g_strdup_printf(bus_conf, tmp, policy);
	g_autofree char *socket_path = g_build_filename(tmp, "bus", NULL);

	ck_assert(g_file_set_contents(conf, text, -1, NULL));
	bus_daemon = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, "dbus-daemon", "--nofork",
		"--nopidfile", "--nosyslog", "--config-file", conf, NULL);
	ck_assert_msg(bus_daemon != NULL, "%s", error ? error->message : "");
	ck_assert(fake_wait_until(socket_cond, socket_path, 10000));
	address = g_strdup_printf("unix:path=%s", socket_path);
}

static void become_nobody(gpointer data)
{
	if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
		_exit(99);
}

/* earshotctl @command [@arg] as root or as nobody; its exit status. */
static int ctl(gboolean as_nobody, const char *command, const char *arg)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
	const char *const args[] = { command, arg, NULL };
	g_auto(GStrv) argv = target_argv(ctl_copy, args);
	int status = -1;

	ck_assert(g_spawn_sync(tmp, argv, env, G_SPAWN_STDOUT_TO_DEV_NULL |
		G_SPAWN_STDERR_TO_DEV_NULL, as_nobody ? become_nobody : NULL, NULL, NULL, NULL,
		&status, &error));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 99, "cannot run as nobody");
	return WEXITSTATUS(status);
}

static void setup_with(const char *policy)
{
	g_autofree char *conf = NULL;
	g_autofree char *bin = NULL;
	gsize len;

	tmp = g_dir_make_tmp("earshot-bus-policy-XXXXXX", NULL);
	ck_assert(g_chmod(tmp, 0755) == 0); /* nobody reaches the bus socket and earshotctl */
	ck_assert(g_file_get_contents(EARSHOTCTL, &bin, &len, NULL));
	ctl_copy = g_build_filename(tmp, "earshotctl", NULL);
	ck_assert(g_file_set_contents(ctl_copy, bin, (gssize)len, NULL));
	ck_assert(g_chmod(ctl_copy, 0755) == 0);
	start_bus(policy);
	/* Under an exe wrapper (qemu-user -L SYSROOT), nobody runs the target's
	 * loader from the sysroot: it must be readable by others too. */
	ck_assert_msg(ctl(TRUE, "--version", NULL) == 0,
		"nobody cannot run %s (with MESON_EXE_WRAPPER=%s: is its sysroot readable by others?)",
		ctl_copy, g_getenv("MESON_EXE_WRAPPER") ? g_getenv("MESON_EXE_WRAPPER") : "");
	fb = fake_bluez_new(address);
	ck_assert_ptr_nonnull(fb);
	conf = g_build_filename(tmp, "earshot.conf", NULL);
	log_path = g_build_filename(tmp, "log", NULL);
	ck_assert(g_file_set_contents(conf, "[speech]\ndevice = null\n", -1, NULL));
	g_autoptr(GSubprocessLauncher) l = earshot_launcher(address, log_path);
	proc = earshot_spawn(l, conf);
	ck_assert_msg(fake_wait_until(default_cond, NULL, 10000), "earshot did not register");
}

/* The policy file as installed. */
static void setup(void)
{
	g_autofree char *include = g_strdup_printf("<include>%s</include>\n", POLICY_FILE);
	setup_with(include);
}

/* A policy too broad: anyone may call anything of org.earshot. */
static void setup_broad(void)
{
	setup_with("<policy context=\"default\"><allow send_destination=\"org.earshot\"/></policy>\n");
}

static void teardown(void)
{
	child_stop(&proc);
	g_clear_pointer(&fb, fake_bluez_free);
	child_stop(&bus_daemon);
	remove_tree(&tmp);
	g_clear_pointer(&address, g_free);
	g_clear_pointer(&log_path, g_free);
	g_clear_pointer(&ctl_copy, g_free);
}

static gboolean log_has(const char *needle)
{
	g_autofree char *text = NULL;
	return g_file_get_contents(log_path, &text, NULL, NULL) && strstr(text, needle);
}

START_TEST(test_policy_refuses_nobody)
{
	ck_assert_int_eq(ctl(TRUE, "close", NULL), 3);
	ck_assert_int_eq(ctl(TRUE, "open", "10"), 3);
	ck_assert_int_eq(ctl(TRUE, "status", NULL), 0); /* reading is anyone's */
	ck_assert_int_eq(ctl(FALSE, "close", NULL), 0); /* root may */
	ck_assert_int_eq(ctl(FALSE, "open", "10"), 0);
	/* the bus refused them: Earshot never saw nobody's calls */
	ck_assert(!log_has("refused Close") && !log_has("refused Open"));
	ck_assert(log_has("pairing window opened over D-Bus"));
}
END_TEST

START_TEST(test_earshot_refuses_nobody)
{
	ck_assert_int_eq(ctl(TRUE, "close", NULL), 3);
	ck_assert(log_has("refused Close")); /* the bus let it through, Earshot did not */
	ck_assert_int_eq(ctl(TRUE, "open", "10"), 3);
	ck_assert(!log_has("pairing window closed"));
	ck_assert(!log_has("opened over D-Bus"));
	ck_assert_int_eq(ctl(FALSE, "close", NULL), 0);
}
END_TEST

static Suite *bus_policy_suite(void)
{
	Suite *s = suite_create("bus-policy");
	TCase *tc = tcase_create("policy-file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_policy_refuses_nobody);
	suite_add_tcase(s, tc);
	tc = tcase_create("too-broad");
	tcase_add_checked_fixture(tc, setup_broad, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_earshot_refuses_nobody);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (geteuid() != 0) {
		g_printerr("not root: cannot run earshotctl as another user; skipping\n");
		return 77;
	}
	return ear_check_run(bus_policy_suite());
}
