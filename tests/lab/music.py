# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab's cases with music playing: the owner's phone (hci1) streams over A2DP to the
speaker (hci0) through Debian's bluez-alsa while a second phone (hci2) pairs.

bluealsa runs twice: on hci0 as an A2DP sink (service org.bluealsa.sink) and on hci1 as an
A2DP source (org.bluealsa.source). The speaker connects A2DP itself (Device1.ConnectProfile):
the phone-initiated connect races in bluez 5.66. Imported by phone.py, which runs the cases;
see tests/lab/README.md.
"""
import array
import math
import os
import random
import subprocess
import threading
import time
import wave

from gi.repository import Gio, GLib

from phone import AUDIO, BPS, OUT, RATE, RUN, Ear, case, dev_path, log, objects, pairing, size, spawn, wait_for
import phone
import stranger

A2DP_SOURCE = "0000110a-0000-1000-8000-00805f9b34fb"
A2DP_SINK = "0000110b-0000-1000-8000-00805f9b34fb"
AVRCP_TARGET = "0000110c-0000-1000-8000-00805f9b34fb"
MUSIC_HOME = RUN + "/music-home"     # HOME (ALSA configuration) of bluealsa-aplay, aplay, arecord
SONG = RUN + "/song.wav"
SPEAKER_OUT = RUN + "/speaker-out.raw"
PILOT_HZ = 7000


def make_song(seconds=600):
    """A music-like signal: a chord pulsing 4 times a second over pink noise; 4 s made by sox
    (slow under TCG), repeated."""
    raw = ["-r", "44100", "-b", "16", "-e", "signed-integer", "-c", "2", "-t", "raw"]
    subprocess.run(["sox", "-n"] + raw + [RUN + "/chord.raw", "synth", "4", "sine", "220", "sine", "mix", "277",
                    "sine", "mix", "330", "pinknoise", "mix", "tremolo", "4", "90", "gain", "-n", "-3"], check=True)
    # a steady pilot tone under it: A's level in the room is measured on it (espeak-ng's voice
    # puts next to nothing into a 10 Hz band at 7 kHz)
    subprocess.run(["sox", "-n"] + raw + [RUN + "/pilot.raw", "synth", "4", "sine", str(PILOT_HZ), "gain", "-20"],
                   check=True)
    subprocess.run(["sox", "-m"] + raw + [RUN + "/chord.raw"] + raw + [RUN + "/pilot.raw"] + raw +
                   [RUN + "/bar.raw"], check=True)
    with open(RUN + "/bar.raw", "rb") as f:
        bar = f.read()
    with wave.open(SONG, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        for _ in range(seconds // 4):
            w.writeframes(bar)


def write_alsa(speaker_pcm):
    os.makedirs(MUSIC_HOME, exist_ok=True)
    with open(MUSIC_HOME + "/.asoundrc", "w") as f:
        f.write(speaker_pcm)


def transport(lab):
    """The speaker's MediaTransport1 for the owner's phone: (path, State, Volume) or None."""
    prefix = dev_path("hci0", lab.phone_addr) + "/"
    for path, ifaces in objects().items():
        t = ifaces.get("org.bluez.MediaTransport1")
        if path.startswith(prefix) and t:
            return path, t.get("State"), t.get("Volume")
    return None


def endpoints_up():
    """bluetoothd lists A2DP sink among the speaker's local services and A2DP source among the
    phone's (Adapter1.UUIDs: its SDP records), once each bluealsa registered its endpoint."""
    o = objects()
    return all(uuid in o.get("/org/bluez/" + hci, {}).get("org.bluez.Adapter1", {}).get("UUIDs", [])
               for hci, uuid in (("hci0", A2DP_SINK), ("hci1", A2DP_SOURCE)))


def owner_pairs(lab):
    """bluealsa on both sides; the owner's phone pairs over BR/EDR (tapping)."""
    if not os.path.exists(SONG):
        make_song()
    if "bluealsa-sink" not in phone.procs or phone.procs["bluealsa-sink"].poll() is not None:
        spawn("bluealsa-sink", ["bluealsa", "-i", "hci0", "-p", "a2dp-sink", "-B", "sink"])
        spawn("bluealsa-source", ["bluealsa", "-i", "hci1", "-p", "a2dp-source", "-B", "source"])
    # the speaker learns the phone's services (A2DP source among them) while they pair: before
    # bluealsa's endpoints are in bluetoothd's records, ConnectProfile finds no A2DP to connect
    wait_for("bluealsa's A2DP endpoints in bluetoothd", endpoints_up, 30, 0.3)
    t = time.monotonic()
    err = pairing(lab, phone.Case(lab, "music-owner"), "bredr", "DisplayYesNo", mode="tap")
    log("music: owner paired (%s) in %.1f s" % (err or "ok", time.monotonic() - t))


def start_phone_music(lab):
    """The owner's phone plays the song to the speaker."""
    spawn("phone-aplay", ["aplay", "-D", "bluealsa:DEV=%s,PROFILE=a2dp,SRV=org.bluealsa.source" % lab.speaker_addr,
                          SONG], env=dict(os.environ, HOME=MUSIC_HOME))


def check_second_phone(lab, c, addr, err, heard=None):
    """The second phone paired: (with @heard, where it listened) the number it heard is the
    speaker's, its Pair() did not fail, and the speaker has the bond."""
    if heard is not None:
        shown = phone.passkeys(c.calls(), "speaker", "RequestConfirmation")
        c.check("digits the phone heard %s== the speaker's number" % heard, shown[:1] or ["(no RequestConfirmation)"],
                [lab.phone.heard], "hear-digits vs dbus-monitor")
    c.check("second phone's Pair() did not fail", True, err in (None, "pending"),
            "Pair() reply: %s (pending: not returned when the speaker had the bond)" % err)
    c.check("speaker has the second phone Paired", True, lab.paired("hci0", addr), "Device1.Paired on hci0")


def say_passkey(code):
    """Earshot reads @code once (--say-passkey) as the daemon would, as nobody, into its card."""
    return subprocess.run([phone.EARSHOT, "--config", RUN + "/earshot.conf", "--say-passkey", code],
                          env=dict(os.environ, HOME=RUN + "/home"), user=65534, group=65534, extra_groups=[],
                          capture_output=True, timeout=60)


def connect_profile(lab, name, uuid, attempts, pause_s):
    """The speaker connects @uuid to the owner's phone (Device1.ConnectProfile), up to
    @attempts times, @pause_s apart."""
    spk = dev_path("hci0", lab.phone_addr)
    for attempt in range(1, attempts + 1):
        try:
            phone.call(spk, "org.bluez.Device1", "ConnectProfile", GLib.Variant("(s)", (uuid,)), timeout=30000)
            return
        except GLib.Error as e:
            log("music: %s ConnectProfile attempt %d: %s" % (name, attempt, phone.dbus_error_name(e)))
            if attempt == attempts:
                raise
            time.sleep(pause_s)


def play(lab, speaker_pcm, aplay_args=()):
    """The speaker connects A2DP, the phone plays the song, bluealsa-aplay plays it into
    @speaker_pcm (an ALSA configuration defining "music")."""
    write_alsa(speaker_pcm)
    env = dict(os.environ, HOME=MUSIC_HOME)
    # The phone trusts the speaker, as a phone does once bonded: bluetoothd then does not ask
    # the default agent (Earshot, which cannot see the phone's objects) to authorize its side
    phone.set_prop(dev_path("hci1", lab.speaker_addr), "org.bluez.Device1", "Trusted", GLib.Variant("b", True))
    t = time.monotonic()
    # under TCG the stream's SetConfiguration can time out in bluetoothd (seen on 5.66): again
    connect_profile(lab, "A2DP", A2DP_SOURCE, 4, 3)
    wait_for("the A2DP transport", lambda: transport(lab), 20, 0.3)
    log("music: A2DP connected in %.1f s: %s" % (time.monotonic() - t, transport(lab)))
    spawn("speaker-aplay", ["bluealsa-aplay", "-B", "sink", "-D", "music"] + list(aplay_args), env=env)
    start_phone_music(lab)
    t = time.monotonic()
    wait_for("the transport to play", lambda: (transport(lab) or (0, ""))[1] == "active", 20, 0.3)
    log("music: transport active %.1f s after aplay" % (time.monotonic() - t))


@case("music-probe", "experiment: the owner streams A2DP over BR/EDR while a second phone pairs over LE",
      timeout=200, only_by_name=True)
def music_probe(lab, c, transport_b="le", capability="KeyboardOnly"):
    owner_pairs(lab)
    play(lab, 'pcm.music { type file slave.pcm "null" file "%s" format raw }\n' % SPEAKER_OUT)
    t = time.monotonic()
    wait_for("music at the speaker", lambda: size(SPEAKER_OUT) > BPS * 4, 20, 0.2)
    log("music: first bytes at the speaker %.1f s after active" % (time.monotonic() - t))
    s0, t0 = size(SPEAKER_OUT), time.monotonic()
    time.sleep(5)
    rate = (size(SPEAKER_OUT) - s0) / (time.monotonic() - t0)
    c.check("music reaches the speaker (bytes/s, 176400 real time)", True, rate > 100000, int(rate))
    lab.open_window()
    Ear().quiet(1.0)
    t = time.monotonic()
    addr, err = stranger.stranger_pair(lab, capability, "listen", transport_b, timeout=60)
    log("music: second phone over %s: %s in %.1f s" % (transport_b, err or "ok", time.monotonic() - t))
    check_second_phone(lab, c, addr, err)
    s0, t0 = size(SPEAKER_OUT), time.monotonic()
    time.sleep(3)
    rate = (size(SPEAKER_OUT) - s0) / (time.monotonic() - t0)
    c.check("music still reaches the speaker after (bytes/s)", True, rate > 100000, int(rate))
    c.check("transport after", "active", (transport(lab) or (0, "gone"))[1], "MediaTransport1.State")


@case("music-probe-bredr", "experiment: the owner streams A2DP over BR/EDR while a second phone pairs "
      "over BR/EDR", timeout=200, only_by_name=True)
def music_probe_bredr(lab, c):
    music_probe(lab, c, "bredr", "DisplayYesNo")


# --- a shared card: the room is the mix ------------------------------------------------------

ROOM_MIX = ('pcm.roommix { type dmix ipc_key 4242 ipc_perm 0666 slave { pcm "hw:Loopback,0,0" '
            'format S16_LE rate %d channels 1 period_size 1024 buffer_size 65536 } }\n' % RATE)
# Under TCG the guest stalls for long enough that a player with the default buffer runs dry
# and the room records exact silence: the players and the recorder get 2 s.
ROOM_APLAY = ("--pcm-buffer-time=2000000",)
ONSET = 9000            # in the room a reading begins over the music's loudest 10 ms at its normal
                        # level (7000-8000 measured there), under espeak-ng's (14000-25000) ...
SPEECH = 4000           # ... and goes on while there is sound over the lowered music (none over 4000):
                        # at 9000 alone the quiet ends of "zero" split a reading into 0.6-1.1 s pieces


class Room:
    """The speaker's card shared (dmix on snd-aloop's playback side): bluealsa-aplay and
    Earshot both play into it, and the room (the mix) is recorded from the capture side into
    the stream the phone listens to. Earshot is moved onto the room, and back onto its own card
    on exit, by a reload: a running program keeps the ALSA configuration it read first, so
    without one the daemon would go on playing into the lab's file, its voice landing there
    between the room's recorded periods instead of in the mix."""

    def __init__(self, lab):
        self.lab = lab

    def __enter__(self):
        self.lab.set_alsa(ROOM_MIX + 'pcm.lab { type plug slave.pcm "roommix" }\n')
        self.lab.reload()
        out = open(AUDIO, "ab")
        phone.procs["room"] = subprocess.Popen(
            ["arecord", "-q", "-B", "2000000", "-D", "hw:Loopback,1,0", "-f", "S16_LE", "-r", str(RATE), "-c", "1", "-t", "raw"],
            stdout=out, stderr=open(OUT + "/room.log", "ab"))
        Ear.threshold, Ear.onset = SPEECH, ONSET
        return self

    def __exit__(self, *exc):
        Ear.threshold = Ear.onset = 300
        for name in ("phone-aplay", "speaker-aplay", "room"):
            p = phone.procs.get(name)
            if p and p.poll() is None:
                p.terminate()
                p.wait(5)
        self.lab.set_alsa()
        self.lab.reload()


def pilot_db(start, end):
    """A's level in the room from byte @start to @end: the median, over 100 ms windows, of the
    pilot tone's power (Goertzel at PILOT_HZ), in dB relative to a full-scale sine."""
    with open(AUDIO, "rb") as f:
        f.seek(start - start % 2)
        data = f.read(end - start)
    a = array.array("h")
    a.frombytes(data[:len(data) // 2 * 2])
    n = RATE // 10
    coeff = 2 * math.cos(2 * math.pi * PILOT_HZ / RATE)
    levels = []
    for i in range(0, len(a) - n + 1, n):
        s1 = s2 = 0.0
        for x in a[i:i + n]:
            s1, s2 = x + coeff * s1 - s2, s1
        power = s1 * s1 + s2 * s2 - coeff * s1 * s2
        amp = 2 * math.sqrt(max(power, 1e-9)) / n
        levels.append(20 * math.log10(max(amp, 1e-3) / 32767))
    levels.sort()
    return round(levels[len(levels) // 2], 1) if levels else None


def silent_gaps(start, end):
    """Stretches of exact digital silence (at least 10 ms) in the room from byte @start to @end:
    (count, seconds). Music or a voice never holds a sample at exactly 0 for that long; a
    player that ran dry does."""
    with open(AUDIO, "rb") as f:
        f.seek(start - start % 2)
        data = f.read(end - start)
    block = bytes(RATE // 100 * 2)
    count, total, i = 0, 0, data.find(block)
    while i >= 0:
        j = i + len(block)
        while j + 1 < len(data) and data[j] == 0 and data[j + 1] == 0:
            j += 2
        count, total = count + 1, total + j - i
        i = data.find(block, j)
    return count, round(total / BPS, 2)


def speech_spans(start, end):
    """The reading segments (speech over the lowered music) between @start and @end."""
    return [(b, e) for b, e in Ear().readings(start) if e <= end]


@case("music-shared", "a shared card: the owner's phone streams music over A2DP; a second phone pairs "
      "over BR/EDR (numeric comparison) by listening to the room (the mix): lowered while Earshot speaks, restored after",
      timeout=240, only_by_name=True)
def music_shared(lab, c):
    owner_pairs(lab)
    with Room(lab):
        play(lab, ROOM_MIX + 'pcm.music { type plug slave.pcm "roommix" }\n', ROOM_APLAY)
        time.sleep(4)
        c.keep_audio_start = True
        c.audio_start = size() - 3 * BPS
        before = pilot_db(size() - 3 * BPS, size())
        c.mon_start = size(phone.MON)
        c.log_start = size(OUT + "/earshot.log")
        lab.open_window()
        wait_for("'Ready to pair' and the music restored", lambda: "music volume restored" in c.earshot_log(), 20)
        time.sleep(1)
        m0 = size()
        restored0 = c.earshot_log().count("music volume restored")
        lab.phone.listen_s = 45     # decoding over music under TCG took 17-20 s a reading
        addr, err = stranger.stranger_pair(lab, "DisplayYesNo", "listen", "bredr", timeout=90)
        wait_for("the music restored after the pairing",
                 lambda: c.earshot_log().count("music volume restored") > restored0, 30)
        m1 = size()
        time.sleep(4)
        after = pilot_db(m1 + BPS, size())
        spans = speech_spans(m0, m1)
        during = sorted(pilot_db(b, e) for b, e in spans if e - b > BPS)
        during = during[len(during) // 2] if during else None
        log("music: stretches of exact silence in the room (count, s): before %s, during the pairing %s" %
            (silent_gaps(c.audio_start, m0), silent_gaps(m0, m1)))
        check_shared(lab, c, addr, err, (before, during, after))


def check_shared(lab, c, addr, err, levels):
    before, during, after = levels
    log("music: A's pilot in the room before %s dB, during %s dB, after %s dB" % levels)
    check_second_phone(lab, c, addr, err, heard="in the room ")
    text = c.earshot_log()
    c.check("earshot lowered the music and restored it", True,
            "music lowered by 20 dB" in text and "music volume restored" in text, "earshot log")
    c.check("A in the room while Earshot spoke: at least 15 dB under before", True,
            None not in levels and during <= before - 15, "pilot tone: before %s, during %s dB" % (before, during))
    c.check("A in the room after: within 3 dB of before", True,
            None not in levels and abs(after - before) <= 3, "pilot tone: before %s, after %s dB" % (before, after))
    c.check("A's transport after", "active", (transport(lab) or (0, "gone"))[1], "MediaTransport1.State")


HEARING_CODES = 20


@case("music-hearing", "intelligibility over music at its normal level: Earshot reads %d codes "
      "(--say-passkey, which lowers nothing) over A's music in the room; each reading's place in "
      "audio/music-hearing.wav is written to music-hearing.tsv for tests/lab/hear-music" % HEARING_CODES,
      timeout=900, only_by_name=True)
def music_hearing(lab, c):
    owner_pairs(lab)
    rng = random.Random(10)
    rows = []
    with Room(lab):
        play(lab, ROOM_MIX + 'pcm.music { type plug slave.pcm "roommix" }\n', ROOM_APLAY)
        time.sleep(4)
        c.keep_audio_start = True
        c.audio_start = size()
        level = pilot_db(size() - 3 * BPS, size())
        for _ in range(HEARING_CODES):
            code = "%06d" % rng.randrange(1000000)
            b = size()
            r = say_passkey(code)
            time.sleep(0.5)
            rows.append((code, b - c.audio_start, size() - c.audio_start, r.returncode))
    log("music: stretches of exact silence in the room (count, s): %s in %.0f s" %
        (silent_gaps(c.audio_start, size()), (size() - c.audio_start) / BPS))
    # decoding in the guest (TCG) took 17-20 s a reading: tests/lab/hear-music decodes them on the host
    with open(OUT + "/music-hearing.tsv", "w") as f:
        f.write("# code\tstart byte\tend byte (in audio/music-hearing.wav's samples)\tpilot %s dB\n" % level)
        for row in rows:
            f.write("%s\t%d\t%d\n" % row[:3])
    c.check("readings recorded over the music", HEARING_CODES,
            sum(1 for _, b, e, rc in rows if rc == 0 and e - b > 3 * BPS), "earshot --say-passkey, the room's size")


# --- an exclusive card ----------------------------------------------------------------------

EXCLUSIVE = 'pcm.music { type plug slave.pcm "hw:Dummy" }\n'   # snd-dummy has one substream


@case("music-no-way", "an exclusive card (bluealsa-aplay holds snd-dummy, Earshot's card) and duck = off: "
      "the second phone's pairing is refused and the log names the holder", timeout=240, only_by_name=True)
def music_no_way(lab, c):
    owner_pairs(lab)
    phone.SETS.append("music.duck=off")
    try:
        phone.reload_config(lab)
        lab.open_window()               # "Ready to pair" while the card is still free
        Ear().quiet(1.0)
        play(lab, EXCLUSIVE)
        time.sleep(3)
        holders = holders_of_dummy()
        c.check("bluealsa-aplay holds Earshot's card", True, "bluealsa-aplay" in holders, "/proc/*/fd: %s" % holders)
        c.mon_start = size(phone.MON)
        c.log_start = size(OUT + "/earshot.log")
        mark = size()
        lab.phone.listen_s = 30
        addr, err = stranger.stranger_pair(lab, "DisplayYesNo", "listen", "bredr", timeout=90)
    finally:
        phone.SETS.remove("music.duck=off")
        phone.reload_config(lab)
    text = c.earshot_log()
    holder = [line for line in text.splitlines() if "cannot speak: the sound card is held by" in line]
    c.check("speaker asked", True, "RequestConfirmation" in c.methods("speaker"), "dbus-monitor")
    c.check("earshot named the card's holder", True, bool(holder), holder[:1])
    c.check("nothing spoken", 0, size() - mark, "the audio stream's size")
    c.check("second phone's Pair() refused", True, err is not None, err)
    c.check("speaker has the second phone Paired", False, lab.paired("hci0", addr), "Device1.Paired on hci0")
    c.check("A's transport still playing", "active", (transport(lab) or (0, "gone"))[1], "MediaTransport1.State")


# --- an exclusive card, and AVRCP -----------------------------------------------------------

PLAYER_PATH = "/lab/player"
PLAYER_XML = """<node><interface name="org.mpris.MediaPlayer2.Player">
<method name="Play"/><method name="Pause"/><method name="PlayPause"/><method name="Stop"/>
<method name="Next"/><method name="Previous"/>
<property name="PlaybackStatus" type="s" access="read"/>
<property name="CanControl" type="b" access="read"/>
<property name="CanPlay" type="b" access="read"/>
<property name="CanPause" type="b" access="read"/>
</interface></node>"""


class PhonePlayer:
    """The owner's phone's music player, registered with bluetoothd on hci1
    (Media1.RegisterPlayer), so that the speaker's AVRCP commands reach it as a phone's
    player would: Pause stops the phone's aplay (its A2DP stream then stops), Play starts it
    again; each change is signalled (PlaybackStatus), which AVRCP carries to the speaker's
    MediaPlayer1.Status. It has its own bus connection and thread, as a phone's player is
    not its pairing screen: the phone's agent blocks while it listens to a number."""

    def __init__(self, start_music):
        self.start_music = start_music
        self.status = "Playing"
        self.calls = []
        self.conn = self.reg = self.loop = self.error = None
        self.ready = threading.Event()
        threading.Thread(target=self.run, daemon=True).start()
        if not self.ready.wait(30):
            raise phone.Timeout("the phone's player did not register within 30 s")
        if self.error:
            self.close()
            raise self.error

    def run(self):
        ctx = GLib.MainContext.new()
        ctx.push_thread_default()
        try:
            addr = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SYSTEM, None)
            self.conn = Gio.DBusConnection.new_for_address_sync(
                addr, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
                None, None)
            node = Gio.DBusNodeInfo.new_for_xml(PLAYER_XML)
            self.reg = self.conn.register_object(PLAYER_PATH, node.interfaces[0], self.on_call, self.on_get, None)
            self.conn.call_sync("org.bluez", "/org/bluez/hci1", "org.bluez.Media1", "RegisterPlayer", GLib.Variant(
                # bluetoothd passes AVRCP's play and pause on only to a player that says it can
                "(oa{sv})", (PLAYER_PATH, {"PlaybackStatus": GLib.Variant("s", "Playing"),
                                           "CanControl": GLib.Variant("b", True), "CanPlay": GLib.Variant("b", True),
                                           "CanPause": GLib.Variant("b", True),
                                           "Metadata": GLib.Variant("a{sv}", {"xesam:title": GLib.Variant("s", "lab song")})})),
                None, Gio.DBusCallFlags.NONE, 10000, None)
            log("music: the phone's player is %s %s" % (self.conn.get_unique_name(), PLAYER_PATH))
        except GLib.Error as e:
            self.error = e
            self.ready.set()
            return
        self.loop = GLib.MainLoop.new(ctx, False)
        self.ready.set()
        self.loop.run()

    def on_get(self, conn, sender, path, iface, prop):
        return GLib.Variant("s", self.status) if prop == "PlaybackStatus" else GLib.Variant("b", True)

    def set_status(self, status):
        self.status = status
        self.conn.emit_signal(None, PLAYER_PATH, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                              GLib.Variant("(sa{sv}as)", ("org.mpris.MediaPlayer2.Player",
                                                          {"PlaybackStatus": GLib.Variant("s", status)}, [])))

    def on_call(self, conn, sender, path, iface, method, params, inv):
        log("music: the phone's player: %s" % method)
        self.calls.append(method)
        if method in ("Pause", "Stop") or (method == "PlayPause" and self.status == "Playing"):
            p = phone.procs.get("phone-aplay")
            if p and p.poll() is None:
                p.terminate()
                p.wait(5)
            self.set_status("Paused" if method != "Stop" else "Stopped")
        elif method in ("Play", "PlayPause"):
            p = phone.procs.get("phone-aplay")
            if not p or p.poll() is not None:
                self.start_music()
            self.set_status("Playing")
        inv.return_value(None)

    def close(self):
        """Gone from bluetoothd with its connection."""
        if self.loop:
            self.loop.quit()
        if self.conn:
            self.conn.close_sync(None)
            self.conn = None


def speaker_player(lab):
    """The speaker's MediaPlayer1 for the owner's phone: (path, Status) or None."""
    prefix = dev_path("hci0", lab.phone_addr) + "/"
    for path, ifaces in objects().items():
        p = ifaces.get("org.bluez.MediaPlayer1")
        if path.startswith(prefix) and p:
            return path, p.get("Status")
    return None


def holders_of_dummy():
    """Names of the processes that have snd-dummy's playback device open."""
    card = [line.split()[0] for line in phone.file_text("/proc/asound/cards").splitlines()
            if line.split()[1:2] == ["[Dummy"]]
    dev = "/dev/snd/pcmC%sD0p" % (card[0] if card else "0")
    names = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == dev:
                    names.append(phone.file_text("/proc/%s/comm" % pid).strip())
                    break
        except OSError:
            continue
    return names


@case("music-exclusive", "an exclusive card (bluealsa-aplay holds snd-dummy, Earshot's card): Earshot "
      "pauses the owner's phone over AVRCP, speaks, and resumes it, for 'Ready to pair' and for a second phone "
      "that pairs over BR/EDR by listening", timeout=300, only_by_name=True)
def music_exclusive(lab, c):
    owner_pairs(lab)
    player = PhonePlayer(lambda: start_phone_music(lab))
    try:
        play(lab, EXCLUSIVE)
        connect_profile(lab, "AVRCP", AVRCP_TARGET, 3, 2)
        wait_for("the speaker's MediaPlayer1 playing", lambda: (speaker_player(lab) or (0, ""))[1] == "playing",
                 20, 0.3, loop=True)
        holders = holders_of_dummy()
        log("music: speaker's player %s; the card is held by %s" % (speaker_player(lab), holders))
        c.check("bluealsa-aplay holds Earshot's card before", True, "bluealsa-aplay" in holders,
                "/proc/*/fd")
        c.mon_start = size(phone.MON)
        c.log_start = size(OUT + "/earshot.log")
        mark = size()
        lab.open_window()
        wait_for("'Ready to pair' and the music resumed", lambda: "music resumed" in c.earshot_log(), 40, 0.2,
                 loop=True)
        ready = size() - mark
        wait_for("A's transport active again", lambda: (transport(lab) or (0, ""))[1] == "active", 20, 0.3,
                 loop=True)
        c.check("'Ready to pair' spoken while A was paused", True, ready > BPS // 2, "%d bytes in the stream" % ready)
        c.check("the phone's player was paused and told Play", (1, 1),
                (player.calls.count("Pause"), player.calls.count("Play")), "the phone's player: %s" % player.calls)
        pauses = player.calls.count("Pause")
        resumed = c.earshot_log().count("music resumed")
        Ear().quiet(1.0)
        c.audio_start = size()
        c.keep_audio_start = True
        addr, err = stranger.stranger_pair(lab, "DisplayYesNo", "listen", "bredr", timeout=90)
        wait_for("the music resumed after the pairing",
                 lambda: c.earshot_log().count("music resumed") > resumed, 30, 0.2, loop=True)
        wait_for("A's transport active after", lambda: (transport(lab) or (0, ""))[1] == "active", 20, 0.3,
                 loop=True)
        check_second_phone(lab, c, addr, err, heard="")
        text = c.earshot_log()
        c.check("earshot paused the phone and resumed it (twice)", True,
                text.count("music paused (AVRCP)") >= 2 and text.count("music resumed") >= 2, "earshot log")
        c.check("the phone's player was paused for the pairing too", True,
                player.calls.count("Pause") > pauses, "the phone's player: %s" % player.calls)
        c.check("the phone's player was told Play after each", player.calls.count("Pause"),
                player.calls.count("Play"), "the phone's player: %s" % player.calls)
        c.check("A's transport after", "active", (transport(lab) or (0, "gone"))[1], "MediaTransport1.State")
    finally:
        player.close()


@case("room-probe", "experiment: the room without Bluetooth: Earshot (--say-passkey) alone, then over the "
      "song played from a file by aplay at its normal level and 40 dB lower; no exact silence in the room "
      "while the file plays", open_window=False, timeout=400, only_by_name=True)
def room_probe(lab, c):
    """Tells the room apart from what feeds it: music-shared's room has holes with
    bluealsa-aplay (fed by the A2DP stream) as the music; here aplay reads a file."""
    if not os.path.exists(SONG):
        make_song(60)
    quiet = RUN + "/quiet.wav"
    subprocess.run(["sox", "-v", "0.01", SONG, quiet], check=True)
    marks = []

    def play_file(path):
        return subprocess.Popen(["aplay", "-q", "-D", "music", "--buffer-time=2000000", path],
                                env=dict(os.environ, HOME=MUSIC_HOME))

    def stop(p):
        p.terminate()
        p.wait()
    with Room(lab):
        write_alsa(ROOM_MIX + 'pcm.music { type plug slave.pcm "roommix" }\n')
        c.keep_audio_start = True
        c.audio_start = 0

        def say(label):
            b = size()
            r = say_passkey("000000")
            time.sleep(1.5)
            marks.append((label, b, size(), r.returncode, r.stderr.decode()[-200:].replace("\n", " | ")))
        time.sleep(2)
        say("alone")
        p = play_file(SONG)
        time.sleep(4)
        say("loud")
        stop(p)
        p = play_file(quiet)
        time.sleep(1)
        b = size()
        time.sleep(5)
        marks.append(("quietmusic", b, size(), 0, ""))
        say("quiet")
        stop(p)
        time.sleep(1)
    with open(OUT + "/room-probe.tsv", "w") as f:
        f.write("# phase\tstart byte\tend byte (in audio/room-probe.wav)\texit\tearshot's stderr\n")
        for m in marks:
            f.write("%s\t%d\t%d\t%d\t%s\n" % m)
    for label, b, e, rc, err in marks:
        gaps = silent_gaps(b, e)
        log("room-probe: %s: %.1f s, exact silence %s, earshot exit %d %s" % (label, (e - b) / BPS, gaps, rc, err))
        if label != "alone":
            c.check("no exact silence in the room while aplay plays (%s)" % label, 0, gaps[0], "silent_gaps()")
    c.check("earshot --say-passkey exited 0 each time", [0, 0, 0], [m[3] for m in marks if m[0] != "quietmusic"],
            "exit codes")
