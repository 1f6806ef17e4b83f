# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab's cases with music playing: the owner's phone (hci1) streams over A2DP to the
speaker (hci0) through Debian's bluez-alsa while a second phone (hci2) pairs.

bluealsa runs twice: on hci0 as an A2DP sink (service org.bluealsa.sink) and on hci1 as an
A2DP source (org.bluealsa.source). The speaker connects A2DP itself (Device1.ConnectProfile):
the phone-initiated connect races in bluez 5.66. Imported by phone.py, which runs the cases;
see tests/lab/README.md.
"""
import os
import subprocess
import time
import wave

from gi.repository import GLib

from phone import BPS, RUN, Ear, case, dev_path, log, objects, pairing, size, spawn, wait_for
import phone
import stranger

A2DP_SOURCE = "0000110a-0000-1000-8000-00805f9b34fb"
AVRCP_TARGET = "0000110c-0000-1000-8000-00805f9b34fb"
MUSIC_HOME = RUN + "/music-home"     # HOME (ALSA configuration) of bluealsa-aplay, aplay, arecord
SONG = RUN + "/song.wav"
SPEAKER_OUT = RUN + "/speaker-out.raw"


def make_song(seconds=600):
    """A music-like signal: a chord pulsing 4 times a second over pink noise; 4 s made by sox
    (slow under TCG), repeated."""
    subprocess.run(["sox", "-n", "-r", "44100", "-b", "16", "-e", "signed-integer", "-c", "2", "-t", "raw",
                    RUN + "/bar.raw", "synth", "4", "sine", "220", "sine", "mix", "277", "sine", "mix", "330",
                    "pinknoise", "mix", "tremolo", "4", "90", "gain", "-n", "-3"], check=True)
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


def start_music(lab, speaker_pcm):
    """The owner's phone pairs over BR/EDR (tapping), the speaker connects A2DP and AVRCP,
    the phone plays the song, bluealsa-aplay plays it into @speaker_pcm ("music")."""
    write_alsa(speaker_pcm)
    if not os.path.exists(SONG):
        make_song()
    env = dict(os.environ, HOME=MUSIC_HOME)
    if "bluealsa-sink" not in phone.procs or phone.procs["bluealsa-sink"].poll() is not None:
        spawn("bluealsa-sink", ["bluealsa", "-i", "hci0", "-p", "a2dp-sink", "-B", "sink"])
        spawn("bluealsa-source", ["bluealsa", "-i", "hci1", "-p", "a2dp-source", "-B", "source"])
        time.sleep(1.0)
    t = time.monotonic()
    err = pairing(lab, phone.Case(lab, "music-owner"), "bredr", "DisplayYesNo", mode="tap")
    log("music: owner paired (%s) in %.1f s" % (err or "ok", time.monotonic() - t))
    # The phone trusts the speaker, as a phone does once bonded: bluetoothd then does not ask
    # the default agent (Earshot, which cannot see the phone's objects) to authorize its side
    phone.set_prop(dev_path("hci1", lab.speaker_addr), "org.bluez.Device1", "Trusted", GLib.Variant("b", True))
    spk = dev_path("hci0", lab.phone_addr)
    t = time.monotonic()
    for attempt in range(1, 5):
        # under TCG the stream's SetConfiguration can time out in bluetoothd (seen on 5.66): again
        try:
            phone.call(spk, "org.bluez.Device1", "ConnectProfile", GLib.Variant("(s)", (A2DP_SOURCE,)),
                       timeout=30000)
            break
        except GLib.Error as e:
            log("music: A2DP ConnectProfile attempt %d: %s" % (attempt, phone.dbus_error_name(e)))
            if attempt == 4:
                raise
            time.sleep(3)
    wait_for("the A2DP transport", lambda: transport(lab), 20, 0.3)
    log("music: A2DP connected in %.1f s: %s" % (time.monotonic() - t, transport(lab)))
    spawn("speaker-aplay", ["bluealsa-aplay", "-B", "sink", "-D", "music"], env=env)
    spawn("phone-aplay", ["aplay", "-D", "bluealsa:DEV=%s,PROFILE=a2dp,SRV=org.bluealsa.source" % lab.speaker_addr,
                          SONG], env=env)
    t = time.monotonic()
    wait_for("the transport to play", lambda: (transport(lab) or (0, ""))[1] == "active", 20, 0.3)
    log("music: transport active %.1f s after aplay" % (time.monotonic() - t))


@case("music-probe", "experiment: the owner streams A2DP over BR/EDR while a second phone pairs over LE",
      timeout=200)
def music_probe(lab, c):
    write_alsa("")
    start_music(lab, 'pcm.music { type file slave.pcm "null" file "%s" format raw }\n' % SPEAKER_OUT)
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
    addr, err = stranger.stranger_pair(lab, "KeyboardOnly", "listen", "le", timeout=60)
    log("music: second phone over LE: %s in %.1f s" % (err or "ok", time.monotonic() - t))
    c.check("second phone (LE) Pair()", None, err, "Pair() reply")
    c.check("speaker has the second phone Paired", True, lab.paired("hci0", addr), "Device1.Paired")
    s0, t0 = size(SPEAKER_OUT), time.monotonic()
    time.sleep(3)
    rate = (size(SPEAKER_OUT) - s0) / (time.monotonic() - t0)
    c.check("music still reaches the speaker after (bytes/s)", True, rate > 100000, int(rate))
    c.check("transport after", "active", (transport(lab) or (0, "gone"))[1], "MediaTransport1.State")
