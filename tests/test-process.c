// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built `earshot` binary, whole: real espeak-ng, real libasound (file
 * plugin), a private system bus with the fake bluetoothd. Signals, reload,
 * shutdown, and losing the bus.
 */
#include <check.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "earshot-process.h"
#include "fake-bluez.h"

#define PHONE "11:22:33:44:55:66"

static GTestDBus *bus;
static FakeBluez *fb;
static char *tmp;
static char *conf;
static char *audio;
static char *log_path;
static GSubprocess *proc;
static const char *phone;
static const char *espeak_data; /* ESPEAK_DATA_PATH for the daemon, or NULL */
static const char *device = "cap"; /* the PCM earshot speaks on */
static const char *extra_config = ""; /* appended to the configuration */
static char *held; /* while this file exists, the PCM "held" is busy */
static gboolean with_music; /* a second phone plays music when earshot starts */
static const char *music_player;

static void add_music(void);

static gboolean default_cond(gpointer data)
{
	return fake_bluez_agent_is_default(fb);
}

static gboolean discoverable_cond(gpointer data)
{
	return fake_bluez_adapter_get_bool(fb, "Discoverable") == GPOINTER_TO_INT(data);
}

static gboolean exited_cond(gpointer data)
{
	return child_gone(proc);
}

static gboolean log_has(const char *needle)
{
	g_autofree char *text = NULL;
	return g_file_get_contents(log_path, &text, NULL, NULL) && strstr(text, needle);
}

static gboolean log_cond(gpointer data)
{
	return log_has(data);
}

static goffset audio_bytes(void)
{
	GStatBuf st;
	return g_stat(audio, &st) == 0 ? st.st_size : 0;
}

static void write_config(const char *extra)
{
	g_autofree char *text = g_strdup_printf("[speech]\ndevice = %s\n"
		"paired-chime = %s/paired.wav\nfailed-chime = %s/failed.wav\n%s",
		device, SOUNDS_DIR, SOUNDS_DIR, extra);
	ck_assert(g_file_set_contents(conf, text, -1, NULL));
}

static void setup(void)
{
	g_autoptr(GError) error = NULL;
	tmp = g_dir_make_tmp("earshot-process-XXXXXX", NULL);
	conf = g_build_filename(tmp, "earshot.conf", NULL);
	audio = g_build_filename(tmp, "audio.raw", NULL);
	log_path = g_build_filename(tmp, "log", NULL);
	g_autofree char *asound = g_build_filename(tmp, "asound.conf", NULL);
	/* "|cat >>FILE" keeps every utterance: a plain file is truncated at each open */
	held = g_build_filename(tmp, "held", NULL);
	/* "held" is a card another program holds: the test plugin answers EBUSY */
	g_autofree char *asound_text = g_strdup_printf("pcm.cap { type file slave.pcm { type null } "
		"file \"|cat >>%s\" format raw }\n"
		"pcm_type.busy { lib \"%s\" }\n"
		"pcm.held { type busy busyfile \"%s\" slave \"cap\" }\n",
		audio, BUSY_PLUGIN, held);
	ck_assert(g_file_set_contents(held, "", 0, NULL));
	ck_assert(g_file_set_contents(asound, asound_text, -1, NULL));
	write_config(extra_config);

	bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(bus);
	fb = fake_bluez_new(g_test_dbus_get_bus_address(bus));
	phone = fake_bluez_add_device(fb, PHONE, "Anna's phone", FALSE, TRUE);
	if (with_music)
		add_music();

	g_autoptr(GSubprocessLauncher) l = earshot_launcher(g_test_dbus_get_bus_address(bus), log_path);
	g_subprocess_launcher_setenv(l, "ALSA_CONFIG_PATH", asound, TRUE);
	if (espeak_data)
		g_subprocess_launcher_setenv(l, "ESPEAK_DATA_PATH", espeak_data, TRUE);
	proc = earshot_spawn(l, conf);
	ck_assert_msg(fake_wait_until(default_cond, NULL, 10000), "earshot did not register");
}

static void teardown(void)
{
	child_stop(&proc);
	g_clear_pointer(&fb, fake_bluez_free);
	if (bus)
		g_test_dbus_down(bus);
	g_clear_object(&bus);
	remove_tree(&tmp);
	if (espeak_data)
		g_rmdir(espeak_data);
	g_clear_pointer(&conf, g_free);
	g_clear_pointer(&audio, g_free);
	g_clear_pointer(&log_path, g_free);
	g_clear_pointer(&held, g_free);
	with_music = FALSE;
	extra_config = "";
}

static void send_signal(int sig)
{
	g_subprocess_send_signal(proc, sig);
}

START_TEST(test_pairs_speaks_and_stops)
{
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(TRUE), 5000));
	goffset before = audio_bytes();
	g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestConfirmation",
		g_variant_new("(ou)", phone, 42713), FALSE);
	ck_assert(fake_call_wait(c, 26000));
	ck_assert_msg(fake_call_error_name(c) == NULL, "%s", fake_call_error_name(c));
	ck_assert_int_lt(fake_call_elapsed_us(c), 25 * G_USEC_PER_SEC);
	/* "Pairing code: 0, 4, 2, 7, 1, 3." is more than a second of 22 kHz audio */
	ck_assert_int_gt(audio_bytes() - before, 22050 * 2);
	ck_assert(!log_has("42713") && !log_has("0, 4, 2")); /* the passkey is a secret */

	GVariantDict d;
	g_variant_dict_init(&d, NULL);
	g_variant_dict_insert(&d, "Paired", "b", TRUE);
	fake_bluez_set_properties(fb, phone, g_variant_dict_end(&d));
	ck_assert(fake_wait_until(log_cond, "pairing succeeded", 5000));
	/* close-after-pairing: the adapter is no longer discoverable */
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(FALSE), 5000));

	/* SIGUSR1 opens the window again */
	send_signal(SIGUSR1);
	ck_assert(fake_wait_until(discoverable_cond, GINT_TO_POINTER(TRUE), 5000));

	/* SIGTERM: unregister and exit 0 */
	send_signal(SIGTERM);
	ck_assert(fake_wait_until(exited_cond, NULL, 5000));
	ck_assert(g_subprocess_get_if_exited(proc));
	ck_assert_int_eq(g_subprocess_get_exit_status(proc), 0);
	ck_assert_uint_eq(fake_bluez_unregister_count(fb), 1);
}
END_TEST

/* The legacy PIN is spoken, given to bluetoothd once, and never written to the log. */
START_TEST(test_pin_not_logged)
{
	const char *old = fake_bluez_add_device(fb, "22:22:22:22:22:22", "Old car", FALSE, FALSE);
	fake_bluez_set_device_property(fb, old, "Connected", g_variant_new_boolean(TRUE));
	/* The PIN is announced (its log line, without the PIN, says so; the audio alone
	 * could still be "Ready to pair", which is slow to come under qemu). */
	ck_assert(fake_wait_until(log_cond, "announcing a PIN", 10000));
	g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestPinCode", g_variant_new("(o)", old), FALSE);
	ck_assert(fake_call_wait(c, 5000));
	ck_assert_ptr_null(fake_call_error_name(c));
	const char *pin;
	g_variant_get(fake_call_reply(c), "(&s)", &pin);
	ck_assert_uint_eq(strlen(pin), 6);
	ck_assert_msg(!log_has(pin), "the PIN %s is in the log", pin);
}
END_TEST

START_TEST(test_reload)
{
	write_config("[pairing]\nwindow = abc\n");
	send_signal(SIGHUP);
	ck_assert(fake_wait_until(log_cond, "keeping the current configuration", 5000));
	ck_assert(log_has("window: expected a number of seconds from 1 to 86400, got \"abc\""));
	ck_assert(!exited_cond(NULL));
	write_config("[pairing]\njust-works = accept\n");
	send_signal(SIGHUP);
	ck_assert(fake_wait_until(log_cond, "configuration reloaded", 5000));
	g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestAuthorization",
		g_variant_new("(o)", phone), FALSE);
	ck_assert(fake_call_wait(c, 5000));
	ck_assert_ptr_null(fake_call_error_name(c)); /* the new value is in force */
}
END_TEST

static glong daemon_rss_kib(void)
{
	g_autofree char *path = g_strdup_printf("/proc/%s/status", g_subprocess_get_identifier(proc));
	g_autofree char *status = NULL;
	ck_assert(g_file_get_contents(path, &status, NULL, NULL));
	const char *rss = strstr(status, "VmRSS:");
	ck_assert_ptr_nonnull(rss);
	return strtol(rss + strlen("VmRSS:"), NULL, 10);
}

/* The i-th hostile call: wrong signature, out-of-range values, unknown device, a stranger. */
static FakeCall *hostile_call(guint i, GDBusConnection *stranger, const char *earshot_name)
{
	const char *nodev = "/org/bluez/hci0/dev_00_00_00_00_00_00";
	switch (i % 5) {
	case 0:
		return fake_bluez_call_agent(fb, "RequestConfirmation", g_variant_new("(s)", "x"), FALSE);
	case 1:
		return fake_bluez_call_agent(fb, "RequestConfirmation",
			g_variant_new("(ou)", phone, 1000000 + i), FALSE);
	case 2:
		return fake_bluez_call_agent(fb, "DisplayPasskey",
			g_variant_new("(ouq)", phone, 1, 7 + i % 100), FALSE);
	case 3:
		return fake_bluez_call_agent(fb, "RequestConfirmation", g_variant_new("(ou)", nodev, i),
			FALSE);
	default:
		return fake_call_new(stranger, earshot_name, "/org/earshot/agent",
			"RequestConfirmation", g_variant_new("(ou)", phone, i), FALSE);
	}
}

static void hostile_burst(GDBusConnection *stranger, const char *earshot_name)
{
	FakeCall *calls[1000];
	for (guint i = 0; i < G_N_ELEMENTS(calls); i++)
		calls[i] = hostile_call(i, stranger, earshot_name);
	for (guint i = 0; i < G_N_ELEMENTS(calls); i++) {
		ck_assert(fake_call_wait(calls[i], 20000));
		ck_assert_msg(fake_call_error_name(calls[i]) != NULL, "call %u was accepted", i);
		fake_call_free(calls[i]);
	}
}

START_TEST(test_memory_flat_under_hostile_calls)
{
	g_autoptr(GDBusConnection) stranger = fake_bus_connect(g_test_dbus_get_bus_address(bus), NULL);
	const char *name = fake_bluez_agent_sender(fb);
	g_autofree char *earshot_name = g_strdup(name);
	goffset audio_before;

	/* warm-up: GLib's caches and malloc's arenas reach their size under load */
	for (int round = 0; round < 2; round++)
		hostile_burst(stranger, earshot_name);
	glong before = daemon_rss_kib();
	audio_before = audio_bytes();
	for (int round = 0; round < 5; round++)
		hostile_burst(stranger, earshot_name);
	glong grew = daemon_rss_kib() - before;
	g_printerr("earshot's RSS changed by %ld KiB over 5000 hostile calls\n", grew);
	/* a leak of 200 bytes a call would show as 1 MiB; under ASan (quarantine) RSS
	 * says nothing, and LeakSanitizer checks for leaks when earshot exits instead */
	if (!EAR_SANITIZED)
		ck_assert_msg(grew < 1024, "earshot grew by %ld KiB over 5000 hostile calls", grew);
	ck_assert_int_eq(audio_bytes(), audio_before); /* nothing spoken */
	ck_assert(!exited_cond(NULL));
	g_dbus_connection_close_sync(stranger, NULL, NULL);
}
END_TEST

START_TEST(test_bus_lost)
{
	g_clear_pointer(&fb, fake_bluez_free);
	g_test_dbus_down(bus);
	g_clear_object(&bus);
	ck_assert(fake_wait_until(exited_cond, NULL, 10000));
	ck_assert(g_subprocess_get_if_exited(proc));
	ck_assert_int_ne(g_subprocess_get_exit_status(proc), 0); /* so systemd restarts it */
}
END_TEST

/* An existing but empty data directory: espeak-ng takes it and finds no voices. */
static void setup_no_voice_data(void)
{
	static char *empty;
	if (!empty)
		empty = g_dir_make_tmp("earshot-no-espeak-data-XXXXXX", NULL);
	espeak_data = empty;
	setup();
}

static guint count_in_log(const char *needle)
{
	g_autofree char *text = NULL;
	guint n = 0;
	if (g_file_get_contents(log_path, &text, NULL, NULL))
		for (const char *p = text; (p = strstr(p, needle)); p++)
			n++;
	return n;
}

/* Without espeak-ng's data nobody can hear the number: refuse, say why once, keep running. */
START_TEST(test_no_voice_data)
{
	for (int i = 0; i < 2; i++) {
		g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestConfirmation",
			g_variant_new("(ou)", phone, 1), FALSE);
		ck_assert(fake_call_wait(c, 10000));
		ck_assert_str_eq(fake_call_error_name(c), "org.bluez.Error.Rejected");
		ck_assert_int_lt(fake_call_elapsed_us(c), 5 * G_USEC_PER_SEC);
	}
	ck_assert_uint_eq(count_in_log("Earshot cannot speak"), 1);
	ck_assert(!exited_cond(NULL));
}
END_TEST

static void setup_no_card(void)
{
	device = "nosuchcard";
	setup();
}

static void setup_busy_card(void)
{
	device = "held";
	setup();
}

/* No sound card, or one held by another program: refuse in time, say why once, keep going. */
START_TEST(test_cannot_play)
{
	for (int i = 0; i < 2; i++) {
		g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestConfirmation",
			g_variant_new("(ou)", phone, 1), FALSE);
		ck_assert(fake_call_wait(c, 10000));
		ck_assert_str_eq(fake_call_error_name(c), "org.bluez.Error.Rejected");
		/* EBUSY is retried for 2 s, then the answer goes out. The first call may
		 * also wait for "Ready to pair", queued before it and retried as long:
		 * about 4 s then, well inside bluetoothd's 25 s. */
		ck_assert_int_lt(fake_call_elapsed_us(c), 8 * G_USEC_PER_SEC);
	}
	ck_assert_uint_eq(count_in_log("cannot speak the number"), 2); /* one line per pairing */
	ck_assert(!exited_cond(NULL));
}
END_TEST

/* A second phone, paired before, plays music through the card Earshot needs. */
static void add_music(void)
{
	const char *dev = fake_bluez_add_device(fb, "22:22:22:22:22:22", "Bob's phone", TRUE, TRUE);
	fake_bluez_add_transport(fb, dev, "active", 127);
	music_player = fake_bluez_add_player(fb, dev, "playing");
}

static gboolean pause2_cond(gpointer data)
{
	return fake_bluez_method_count(fb, "Pause") >= 2;
}

static gboolean status_cond(gpointer data)
{
	GVariant *v = fake_bluez_get_property(fb, data, "Status");
	return v && g_str_equal(g_variant_get_string(v, NULL), "playing") &&
		fake_bluez_method_count(fb, "Play") > 0;
}

/*
 * A card the music holds (an exclusive card): the phone is paused over AVRCP,
 * the player lets the card go, the number is heard, the phone resumes.
 */
START_TEST(test_busy_card_pauses_the_music)
{
	/*
	 * "Ready to pair" finds the card busy: the phone is paused, but the card
	 * stays held here, so the prompt is given up and the phone resumed.
	 */
	ck_assert(fake_wait_until(log_cond, "music paused", 10000));
	ck_assert(fake_wait_until(log_cond, "the sound card is held by", 15000));
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Pause"), 1);
	ck_assert(fake_wait_until(status_cond, (gpointer)music_player, 10000));
	g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestConfirmation",
		g_variant_new("(ou)", phone, 42713), FALSE);
	ck_assert(fake_wait_until(pause2_cond, NULL, 10000));
	g_unlink(held); /* the paused player closes the card */
	ck_assert(fake_call_wait(c, 20000));
	ck_assert_ptr_null(fake_call_error_name(c));
	GVariantDict d;
	g_variant_dict_init(&d, NULL);
	g_variant_dict_insert(&d, "Paired", "b", TRUE);
	g_variant_dict_insert(&d, "Bonded", "b", TRUE);
	fake_bluez_set_properties(fb, phone, g_variant_dict_end(&d)); /* the reading stops */
	ck_assert(fake_wait_until(status_cond, (gpointer)music_player, 20000));
	ck_assert(log_has("music paused"));
	ck_assert(log_has("music resumed"));
}
END_TEST

/* duck = off and a busy card: refused as before, and the log says who and where to look. */
START_TEST(test_busy_card_off_refuses)
{
	ck_assert(fake_wait_until(log_cond, "README: \"Music while pairing\"", 10000));
	g_autoptr(FakeCall) c = fake_bluez_call_agent(fb, "RequestConfirmation",
		g_variant_new("(ou)", phone, 42713), FALSE);
	ck_assert(fake_call_wait(c, 20000));
	ck_assert_str_eq(fake_call_error_name(c), "org.bluez.Error.Rejected");
	ck_assert_uint_eq(fake_bluez_method_count(fb, "Pause"), 0);
	ck_assert_uint_eq(count_in_log("the sound card is held by"), 2);
}
END_TEST

static void setup_busy_off(void)
{
	extra_config = "[music]\nduck = off\n";
	with_music = TRUE;
	setup_busy_card();
}

static void setup_busy_music(void)
{
	with_music = TRUE;
	setup_busy_card();
}

static Suite *process_suite(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("daemon");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_pairs_speaks_and_stops);
	tcase_add_test(tc, test_reload);
	tcase_add_test(tc, test_pin_not_logged);
	tcase_add_test(tc, test_bus_lost);
	tcase_add_test(tc, test_memory_flat_under_hostile_calls);
	suite_add_tcase(s, tc);
	tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, setup_no_voice_data, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_no_voice_data);
	suite_add_tcase(s, tc);
	tc = tcase_create("no-card");
	tcase_add_checked_fixture(tc, setup_no_card, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_cannot_play);
	suite_add_tcase(s, tc);
	tc = tcase_create("busy-card");
	tcase_add_checked_fixture(tc, setup_busy_card, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_cannot_play);
	suite_add_tcase(s, tc);
	tc = tcase_create("busy-card-music");
	tcase_add_checked_fixture(tc, setup_busy_music, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_busy_card_pauses_the_music);
	suite_add_tcase(s, tc);
	tc = tcase_create("busy-card-off");
	tcase_add_checked_fixture(tc, setup_busy_off, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_busy_card_off_refuses);
	suite_add_tcase(s, tc);
	return s;
}

EAR_CHECK_MAIN(process_suite)
