// SPDX-License-Identifier: GPL-2.0-or-later
/* The whole daemon on a private bus with a fake bluetoothd: the fixture. */
#include "daemon-fixture.h"

#include <check.h>
#include <string.h>

GTestDBus *bus;
FakeBluez *fb;
GDBusConnection *conn;
EarConfig *config;
EarDaemon *daemon_;
const char *phone;
void (*before_start)(void);

/* --- helpers --- */

typedef struct {
	const char *needle;
	guint count;
} Said;

static gboolean said_cond(gpointer data)
{
	Said *s = data;
	return fake_voice_count(s->needle) >= s->count;
}

/* Waits until @needle has been spoken @count times. */
gboolean wait_said(const char *needle, guint count, guint timeout_ms)
{
	Said s = { needle, count };
	return fake_wait_until(said_cond, &s, timeout_ms);
}

static gboolean registered_cond(gpointer data)
{
	return fake_bluez_agent_is_default(data) && ear_daemon_is_registered(daemon_);
}

gboolean wait_registered(FakeBluez *f, guint timeout_ms)
{
	return fake_wait_until(registered_cond, f, timeout_ms);
}

gboolean discoverable_cond(gpointer data)
{
	return fake_bluez_adapter_get_bool(fb, "Discoverable") == GPOINTER_TO_INT(data) &&
		fake_bluez_adapter_get_bool(fb, "Pairable") == GPOINTER_TO_INT(data);
}

void settle(guint ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	while (g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
}

FakeCall *call(const char *method, GVariant *params)
{
	return fake_bluez_call_agent(fb, method, params, FALSE);
}

/* Calls, waits for the reply, and returns the error name or "" for success. */
char *call_now(const char *method, GVariant *params)
{
	g_autoptr(FakeCall) c = call(method, params);
	ck_assert_msg(fake_call_wait(c, 10000), "%s: no reply", method);
	return g_strdup(fake_call_error_name(c) ? fake_call_error_name(c) : "");
}

void start_daemon(void)
{
	g_autoptr(GError) error = NULL;
	daemon_ = ear_daemon_new(conn, config, fake_synth_ops(), fake_sink_ops(), &error);
	ck_assert_msg(daemon_ != NULL, "%s", error ? error->message : "");
	ear_daemon_open_window(daemon_);
	ck_assert(wait_registered(fb, 5000));
}

void setup_with(const char *extra_config)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = g_strdup_printf("[speech]\npaired-chime=\nfailed-chime=\n%s",
		extra_config);

	fake_voice_reset();
	bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(bus);
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	ck_assert_ptr_nonnull(fb);
	conn = fake_bus_connect(g_test_dbus_get_bus_address(bus), &error);
	ck_assert_ptr_nonnull(conn);
	config = ear_config_load_data("test.conf", text, strlen(text), &error);
	ck_assert_msg(config != NULL, "%s", error ? error->message : "");
	phone = fake_bluez_add_device(fb, PHONE, "Anna's phone", FALSE, TRUE);
	if (before_start)
		before_start();
	start_daemon();
}

void setup(void)
{
	setup_with("");
}

void teardown(void)
{
	g_clear_pointer(&daemon_, ear_daemon_free);
	g_clear_pointer(&fb, fake_bluez_free);
	g_clear_pointer(&config, ear_config_unref);
	if (conn)
		g_dbus_connection_close_sync(conn, NULL, NULL);
	g_clear_object(&conn);
	g_test_dbus_down(bus);
	g_clear_object(&bus);
}

void set_paired(const char *path)
{
	GVariantDict d;
	g_variant_dict_init(&d, NULL);
	g_variant_dict_insert(&d, "Paired", "b", TRUE);
	g_variant_dict_insert(&d, "Bonded", "b", TRUE);
	fake_bluez_set_properties(fb, path, g_variant_dict_end(&d));
}

/* --- registration --- */
