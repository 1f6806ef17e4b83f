// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark from outside: the built earshot as its own process on a private
 * bus, a fake bluetoothd calling it, and a sound card that plays in real time
 * (alsa-paced-plugin.c, which writes down when the first audible sample
 * reached it and when the stream was stopped). Reports:
 *  - from the RequestConfirmation leaving the fake bluetoothd to the first
 *    audible sample written to the card, and to the card playing it (what the
 *    room hears), quiet and while a phone plays music (lowered first);
 *  - from Cancel leaving the fake bluetoothd to the card being stopped;
 *  - the daemon's idle RSS and its wake-ups in 10 s of idling;
 *  - with --callgrind, instructions per pairing (valgrind's callgrind: a run
 *    with N pairings minus a run with none, divided by N).
 * Rerun with: meson test -C build --benchmark --verbose (or run it directly).
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake-bluez.h"

#define RUNS 15
#define PAIRINGS 3
#define MUSIC_PHONE "22:22:22:22:22:22"

typedef struct {
	GTestDBus *bus;
	FakeBluez *fb;
	GSubprocess *proc;
	char *tmp;
	char *stamps;
	guint devices;
} Bench;

static gint64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

/* The @nth (from 1) "what <ns>" line in the stamps file, 0 if there is none yet. */
static gint64 stamp(Bench *b, const char *what, guint nth)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(b->stamps, &text, NULL, NULL))
		return 0;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		gint64 ns;
		char word[16];
		if (sscanf(lines[i], "%15s %" G_GINT64_FORMAT, word, &ns) == 2 && g_str_equal(word, what) &&
			--nth == 0)
			return ns;
	}
	return 0;
}

typedef struct {
	Bench *b;
	const char *what;
	guint nth;
} StampWait;

static gboolean stamp_cond(gpointer data)
{
	StampWait *w = data;
	return stamp(w->b, w->what, w->nth) != 0;
}

static gint64 wait_stamp(Bench *b, const char *what, guint nth, guint timeout_ms)
{
	StampWait w = { b, what, nth };
	if (!fake_wait_until(stamp_cond, &w, timeout_ms))
		g_error("no \"%s\" number %u on the card within %u ms", what, nth, timeout_ms);
	return stamp(b, what, nth);
}

static void pause_ms(guint ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	while (g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
}

static gboolean default_cond(gpointer data)
{
	return fake_bluez_agent_is_default(data);
}

static void write_files(Bench *b)
{
	g_autofree char *asound = g_build_filename(b->tmp, "asound.conf", NULL);
	g_autofree char *conf = g_build_filename(b->tmp, "earshot.conf", NULL);
	g_autofree char *asound_text = g_strdup_printf("pcm_type.paced { lib \"%s\" }\n"
		"pcm.room { type paced stamps \"%s\" }\n", PACED_PLUGIN, b->stamps);
	/* every pairing is a new phone; none of them may lock the others out */
	const char *conf_text = "[pairing]\nclose-after-pairing = false\n"
		"[lockout]\nper-device = 1000\nany-device = 1000\n"
		"[speech]\ndevice = room\npaired-chime =\nfailed-chime =\n";
	if (!g_file_set_contents(asound, asound_text, -1, NULL) ||
		!g_file_set_contents(conf, conf_text, -1, NULL))
		g_error("cannot write to %s", b->tmp);
}

/* Starts earshot (under @wrapper, e.g. valgrind, if not NULL) and waits until "Ready to pair" was played. */
static void start(Bench *b, const char *const *wrapper, gboolean music)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GStrvBuilder) argv = g_strv_builder_new();
	g_autofree char *asound = g_build_filename(b->tmp, "asound.conf", NULL);
	g_autofree char *conf = g_build_filename(b->tmp, "earshot.conf", NULL);

	b->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(b->bus);
	b->fb = fake_bluez_new(g_test_dbus_get_bus_address(b->bus));
	if (music) {
		const char *dev = fake_bluez_add_device(b->fb, MUSIC_PHONE, "music", TRUE, TRUE);
		fake_bluez_add_transport(b->fb, dev, "active", 127);
		fake_bluez_add_player(b->fb, dev, "playing");
	}
	g_unlink(b->stamps);
	g_subprocess_launcher_setenv(l, "DBUS_SYSTEM_BUS_ADDRESS", g_test_dbus_get_bus_address(b->bus),
		TRUE);
	g_subprocess_launcher_setenv(l, "ALSA_CONFIG_PATH", asound, TRUE);
	if (wrapper)
		g_strv_builder_addv(argv, (const char **)wrapper);
	g_strv_builder_add_many(argv, EARSHOT, "--config", conf, NULL);
	g_auto(GStrv) args = g_strv_builder_end(argv);
	b->proc = g_subprocess_launcher_spawnv(l, (const char *const *)args, &error);
	if (!b->proc)
		g_error("%s", error->message);
	if (!fake_wait_until(default_cond, b->fb, wrapper ? 120000 : 10000))
		g_error("earshot did not register");
	wait_stamp(b, "stop", 1, wrapper ? 120000 : 10000); /* "Ready to pair" ended */
}

static gboolean exited_cond(gpointer data)
{
	return g_subprocess_get_identifier(data) == NULL;
}

static void stop(Bench *b)
{
	g_subprocess_send_signal(b->proc, SIGTERM);
	if (!fake_wait_until(exited_cond, b->proc, 120000))
		g_subprocess_force_exit(b->proc);
	g_clear_object(&b->proc);
	g_clear_pointer(&b->fb, fake_bluez_free);
	g_test_dbus_down(b->bus);
	g_clear_object(&b->bus);
}

static const char *new_phone(Bench *b)
{
	g_autofree char *address = g_strdup_printf("11:22:33:44:%02X:%02X", b->devices / 256,
		b->devices % 256);
	b->devices++;
	return fake_bluez_add_device(b->fb, address, "phone", FALSE, TRUE);
}

static int cmp(const void *x, const void *y)
{
	gint64 a = *(const gint64 *)x, c = *(const gint64 *)y;
	return (a > c) - (a < c);
}

static void report(const char *what, gint64 *ns, guint n)
{
	qsort(ns, n, sizeof(*ns), cmp);
	printf("%-44s median %6.1f ms, p90 %6.1f ms, max %6.1f ms (%u runs)\n", what,
		ns[n / 2] / 1e6, ns[n * 9 / 10] / 1e6, ns[n - 1] / 1e6, n);
}

/*
 * One request, cancelled mid-number: the time to the first audible sample
 * and from Cancel to the card stopping. Each run has a stamps file of its own.
 */
static void one_run(Bench *b, gint64 *first, gint64 *heard, gint64 *cancel)
{
	guint stops = 0;
	while (stamp(b, "stop", stops + 1))
		stops++;
	guint firsts = 0;
	while (stamp(b, "first", firsts + 1))
		firsts++;
	const char *phone = new_phone(b);
	pause_ms(100); /* the daemon has seen the new device */
	gint64 t0 = now_ns();
	g_autoptr(FakeCall) c = fake_bluez_call_agent(b->fb, "RequestConfirmation",
		g_variant_new("(ou)", phone, 427130), FALSE);
	*first = wait_stamp(b, "first", firsts + 1, 10000) - t0;
	*heard = wait_stamp(b, "heard", firsts + 1, 10000) - t0;
	pause_ms(400); /* in the middle of the digits */
	gint64 t1 = now_ns();
	g_autoptr(FakeCall) x = fake_bluez_call_agent(b->fb, "Cancel", NULL, TRUE);
	*cancel = wait_stamp(b, "stop", stops + 1, 10000) - t1;
	fake_call_wait(c, 10000);
	wait_stamp(b, "stop", stops + 2, 10000); /* "Pairing failed" was played */
	pause_ms(200);
}

static void latency(Bench *b, gboolean music)
{
	gint64 first[RUNS], heard[RUNS], cancel[RUNS];
	start(b, NULL, music);
	for (guint i = 0; i < RUNS; i++)
		one_run(b, &first[i], &heard[i], &cancel[i]);
	stop(b);
	report(music ? "request -> first sample written, music:" : "request -> first sample written, quiet:",
		first, RUNS);
	report(music ? "request -> first sample heard, music:" : "request -> first sample heard, quiet:",
		heard, RUNS);
	report(music ? "Cancel -> card stopped, music playing:" : "Cancel -> card stopped, quiet:",
		cancel, RUNS);
}

/* VmRSS of @pid in KiB; voluntary+involuntary context switches of all its threads. */
static guint64 proc_field(const char *pid, const char *task, const char *field)
{
	g_autofree char *path = task ? g_strdup_printf("/proc/%s/task/%s/status", pid, task)
		: g_strdup_printf("/proc/%s/status", pid);
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	const char *line = strstr(text, field);
	return line ? g_ascii_strtoull(line + strlen(field), NULL, 10) : 0;
}

static guint64 wakeups(const char *pid)
{
	g_autofree char *dir = g_strdup_printf("/proc/%s/task", pid);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *task;
	guint64 n = 0;
	while (d && (task = g_dir_read_name(d)))
		n += proc_field(pid, task, "voluntary_ctxt_switches:") +
			proc_field(pid, task, "nonvoluntary_ctxt_switches:");
	return n;
}

static void idle(Bench *b)
{
	start(b, NULL, FALSE);
	pause_ms(1000);
	const char *pid = g_subprocess_get_identifier(b->proc);
	guint64 before = wakeups(pid);
	pause_ms(10000);
	guint64 after = wakeups(pid);
	printf("idle RSS of the earshot process: %.1f MiB (VmRSS); wake-ups in 10 s idle: %"
		G_GUINT64_FORMAT "\n", proc_field(pid, NULL, "VmRSS:") / 1024.0, after - before);
	stop(b);
}

static guint64 callgrind_total(const char *file)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(file, &text, NULL, NULL))
		g_error("no callgrind output %s", file);
	const char *line = strstr(text, "\nsummary:");
	if (!line)
		line = strstr(text, "\ntotals:");
	return line ? g_ascii_strtoull(strchr(line, ':') + 1, NULL, 10) : 0;
}

/* Starts under callgrind, makes @pairings phones pair (number read, accepted, "Paired with"), stops. */
static guint64 instructions(Bench *b, guint pairings, gboolean music)
{
	g_autofree char *out = g_strdup_printf("%s/callgrind.%u.%d", b->tmp, pairings, music);
	g_autofree char *opt = g_strdup_printf("--callgrind-out-file=%s", out);
	const char *wrapper[] = { "valgrind", "--tool=callgrind", opt, NULL };

	start(b, wrapper, music);
	for (guint i = 0; i < pairings; i++) {
		guint stops = 0;
		while (stamp(b, "stop", stops + 1))
			stops++;
		const char *phone = new_phone(b);
		pause_ms(300);
		g_autoptr(FakeCall) c = fake_bluez_call_agent(b->fb, "RequestConfirmation",
			g_variant_new("(ou)", phone, 427130), FALSE);
		if (!fake_call_wait(c, 60000) || fake_call_error_name(c))
			g_error("pairing %u was not accepted", i);
		GVariantDict d;
		g_variant_dict_init(&d, NULL);
		g_variant_dict_insert(&d, "Paired", "b", TRUE);
		g_variant_dict_insert(&d, "Bonded", "b", TRUE);
		fake_bluez_set_properties(b->fb, phone, g_variant_dict_end(&d));
		wait_stamp(b, "stop", stops + 2, 60000); /* the reading, then "Paired with" */
	}
	stop(b);
	return callgrind_total(out);
}

int main(int argc, char **argv)
{
	Bench b = { 0 };
	gboolean cg = argc > 1 && g_str_equal(argv[1], "--callgrind");

	b.tmp = g_dir_make_tmp("earshot-bench-XXXXXX", NULL);
	b.stamps = g_build_filename(b.tmp, "stamps", NULL);
	write_files(&b);
	latency(&b, FALSE);
	latency(&b, TRUE);
	idle(&b);
	for (int music = 0; cg && music < 2 && g_find_program_in_path("valgrind"); music++) {
		guint64 base = instructions(&b, 0, music);
		guint64 total = instructions(&b, PAIRINGS, music);
		printf("instructions per pairing (callgrind, %u pairings, %s): %.1f M; start-up and "
			"idle: %.1f M\n", PAIRINGS, music ? "music playing" : "quiet",
			(double)(total - base) / PAIRINGS / 1e6, base / 1e6);
	}
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", b.tmp);
	return system(cmd) == 0 ? 0 : 1;
}
