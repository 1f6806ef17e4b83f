# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab's cases with a third radio: hci2 is a stranger's phone.

btvirt 5.66 cannot carry two links to the speaker at once (a second BR/EDR link
crashes the guest kernel, a second LE link never connects), so the stranger acts
before or after the owner, never at the same time: its radio is powered off
before the owner's phone (hci1) pairs. Overlap between two devices is tested
with the fake bluetoothd (tests/test-attempts.c). Imported by phone.py, which
runs the cases; see tests/lab/README.md.
"""
import array
import os
import signal
import subprocess
import time
import wave

from gi.repository import GLib

from phone import (AUDIO, BPS, HEAR_WORDS, RATE, RUN, SRC, Ear, agent_calls, c_count, case, check_paired,
                   contains, count, dev_path, lacks, le_passkey, log, pairing, refusal_prompts, settle,
                   set_prop, size, wait_for)
import phone

STRANGER = 2                        # hci2
SILENCE = 300                       # sample amplitude under which a 10 ms frame is silent
CLAUSE_PAUSE_MS = 150               # espeak-ng (en, 150 wpm) pauses 200-280 ms after a comma,
                                    # 340 ms after ';', 440 ms after a sentence; 30-60 ms between words


def stranger_radio(lab):
    """Makes hci2 an LE-only phone with a random static address never used before in this run
    (set while powered off); returns the address. The speaker sees a new device each time."""
    lab.stranger_n += 1
    addr = "C0:22:22:22:%02X:%02X" % (lab.stranger_n >> 8, lab.stranger_n & 0xFF)
    lab.mgmt.configure(STRANGER, static_addr=addr, le=True, bredr=False, sc=True, bondable=True,
                       connectable=True)
    return addr


def stranger_off(lab):
    """One radio at a time: the stranger's link goes down with its radio."""
    lab.mgmt.set(STRANGER, "powered", False)


def stranger_pair(lab, capability, mode, transport="le", timeout=30):
    """The stranger finds the speaker and pairs: over LE from a fresh address, over BR/EDR
    (the speaker must be dual-mode) from hci2's own. Returns (address, Pair()'s error name,
    None on success). A successful LE Pair() may not return (bluetoothd waits for GATT
    discovery): it stops waiting once the speaker has the bond."""
    if transport == "le":
        addr = stranger_radio(lab)
    else:
        lab.mgmt.configure(STRANGER, le=True, bredr=True, ssp=True, sc=True, bondable=True, connectable=True)
        addr = lab.mgmt.info(STRANGER)[0]
    old = dev_path("hci2", lab.speaker_addr)
    if old in phone.objects():
        phone.call("/org/bluez/hci2", "org.bluez.Adapter1", "RemoveDevice", GLib.Variant("(o)", (old,)))
    lab.phone.register(capability)
    lab.phone.reset(mode)
    path = lab.discover(transport, adapter="hci2")
    err = lab.pair(path, timeout, until=lambda: lab.paired("hci0", addr))
    log("stranger %s (%s): Pair() %s" % (addr, capability, err or "ok"))
    return addr, err


def fresh_window(lab, c, setup):
    """Forgets every device, sets the controllers up (@setup), opens the window and waits for
    its prompt; the case's audio starts there. Returns (audio offset, dbus-monitor offset)."""
    c.keep_audio_start = True         # audio/CASE.wav keeps the whole case
    lab.clean()
    setup()
    mark = size()
    lab.open_window()
    try:  # "Ready to pair" when the window was closed; nothing when it was open
        wait_for("Ready to pair", lambda: size() > mark, 4, 0.1)
    except phone.Timeout:
        pass
    Ear().quiet(1.0)
    c.audio_start = size()
    return c.audio_start, size(phone.MON)


# --- what the room heard: announcements after the paired chime ---

def chime_starts(start, chime=SRC + "/sounds/paired.wav"):
    """Byte offsets in the stream (from @start) where @chime begins: the player writes a chime's
    samples unchanged, so a stretch of them is found byte for byte. Returns ([offsets], length)."""
    with wave.open(chime) as w:
        samples = w.readframes(w.getnframes())
    skip = 2000                     # a stretch inside the first strike, not its silent edge
    needle = samples[skip:skip + 800]
    with open(AUDIO, "rb") as f:
        f.seek(start)
        data = f.read()
    found, i = [], data.find(needle)
    while i >= 0:
        if i % 2 == 0 and i >= skip:
            found.append(start + i - skip)
        i = data.find(needle, i + 2)
    return found, len(samples)


def speech_after(offset):
    """(begin, end) of the speech after @offset up to the first 0.7 s of silence."""
    segs = Ear().readings(offset)
    if segs:
        return segs[0]
    return offset, size()


def pauses(b, e):
    """Silences of at least CLAUSE_PAUSE_MS inside the speech from byte @b to @e: [(at s, ms)]."""
    with open(AUDIO, "rb") as f:
        f.seek(b)
        data = f.read(e - b)
    a = array.array("h")
    a.frombytes(data[:len(data) // 2 * 2])
    frame = RATE // 100
    found, run, started = [], 0, False
    for i in range(0, len(a) - frame + 1, frame):
        chunk = a[i:i + frame]
        if max(chunk) > SILENCE or min(chunk) < -SILENCE:
            if started and run * 10 >= CLAUSE_PAUSE_MS:
                found.append((round(i / RATE, 2), run * 10))
            started, run = True, 0
        else:
            run += 1
    return found


def hear_words(b, e, pad=False):
    n = Ear().cut(b, e, RUN + "/announcement.raw", pad=pad)
    r = subprocess.run([HEAR_WORDS, RUN + "/announcement.raw", str(RATE)],
                       capture_output=True, text=True)
    words = r.stdout.split("\n")[:-1] if r.returncode == 0 else ["<hear-words failed>"]
    log("  announcement: %.1f s heard as %s" % (n / BPS, words))
    return words


def at_least(n):
    def f(got):
        return got >= n
    f.__doc__ = ">= %d" % n
    return f


def announcement(c, start):
    """The last 'Paired with ...' since byte @start: (begin, end) of its words, or None."""
    starts, length = chime_starts(start)
    c.check("paired chimes since the pairing began", at_least(1), len(starts), "the audio stream")
    if not starts:
        return None
    return speech_after(starts[-1] + length)


# --- cases ---

@case("stranger-pairs-first", "a stranger taps Pair in the owner's window: 'Paired with stranger', the window "
      "closes; the owner is refused for the closed window until SIGUSR1, then pairs by listening", timeout=170,
      fresh_stack=True)  # bluetoothd 5.66 segfaults in this case after earlier classic bonds of its run
def stranger_pairs_first(lab, c):
    # BR/EDR, as a phone pairs with a speaker for audio: the speaker knows the stranger's
    # name from the connection (over LE it may learn it only after the bond).
    start, mon = fresh_window(lab, c, lab.setup_classic)
    closed0 = c_count(lab, "pairing window closed: a device paired")
    addr, err = stranger_pair(lab, "DisplayYesNo", "tap", transport="bredr")
    time.sleep(1.0)
    settle(c)
    stranger_off(lab)
    speaker = [(m, a) for w, m, a, _, _ in agent_calls(mon) if w == "speaker"]
    c.check("speaker asked RequestConfirmation for the stranger", True,
            any(m == "RequestConfirmation" and a[:1] == [dev_path("hci0", addr)] for m, a in speaker),
            "dbus-monitor")
    c.check("stranger's Pair() failed", False, err not in (None, "pending"), "stranger's Pair() reply")
    c.check("stranger Paired on the speaker", True, lab.paired("hci0", addr), "Device1.Paired on hci0")
    span = announcement(c, start)
    words = hear_words(*span, pad=True) if span else []
    c.check("room heard first", "paired with stranger", words[0] if words else None, "hear-words")
    c.check("room heard no failure", lacks("pairing failed"), words, "hear-words")
    c.check("the window closed after the bond", closed0 + 1, c_count(lab, "pairing window closed: a device paired"),
            "earshot log")

    # The owner, in what is left of that window: refused, nothing read out.
    refused0 = c_count(lab, "the pairing window is closed")
    mark = size()
    err = pairing(lab, c, "le", "DisplayYesNo", mode="tap", timeout=40, reopen=False)
    c.check("owner refused for the closed window", refused0 + 1,
            c_count(lab, "the pairing window is closed"), "earshot log")
    check_paired(lab, c, err, False)
    words = c.words(mark)
    c.check("room heard", lacks("pairing code", "again", "paired with"), words, "hear-words")

    # The owner opens the window: the next pairing, by listening, works.
    mark = size()
    os.kill(lab.earshot.pid, signal.SIGUSR1)
    wait_for("'Ready to pair'", lambda: size() > mark, 6, 0.1)
    Ear().quiet(1.0)
    c.check("room heard after SIGUSR1", contains("ready to pair"), c.words(mark), "hear-words")
    c.mon_start = size(phone.MON)     # le_passkey's checks are about its own calls
    le_passkey(lab, c, reopen=False)


FLOOD = 15


@case("stranger-floods", "a stranger makes %d attempts Earshot refuses without reading a number (Just Works, "
      "RequestPasskey), each from a new random address; then the owner pairs in the same window" % FLOOD,
      timeout=230)
def stranger_floods(lab, c):
    start, mon = fresh_window(lab, c, lab.setup_le)
    refused0 = c_count(lab, "refused Request")
    addrs, errs = [], []
    t = time.monotonic()
    for i in range(FLOOD):
        cap = ("NoInputNoOutput", "DisplayOnly")[i % 2]
        addr, err = stranger_pair(lab, cap, "nothing", timeout=30)
        addrs.append(addr)
        errs.append(err)
    log("stranger: %d attempts in %.1f s" % (FLOOD, time.monotonic() - t))
    stranger_off(lab)
    Ear().quiet(1.5, timeout=40)
    asked = {}
    for w, m, a, _, _ in agent_calls(mon):
        if w == "speaker" and m in ("RequestAuthorization", "RequestPasskey") and a:
            asked[a[0]] = m
    c.check("speaker asked for each new address", sorted(dev_path("hci0", x) for x in addrs), sorted(asked),
            "dbus-monitor")
    c.check("requests", contains("RequestAuthorization", "RequestPasskey"), set(asked.values()), "dbus-monitor")
    c.check("earshot refused each", FLOOD, c_count(lab, "refused Request") - refused0, "earshot log")
    c.check("stranger's Pair() failed each time", [], [x for x in errs if x is None or x == "pending"],
            "stranger's Pair() replies")
    c.check("stranger Paired on the speaker", [], [x for x in addrs if lab.paired("hci0", x)],
            "Device1.Paired on hci0")
    c.check("lockouts", 0, c.earshot_log().count("locked"), "earshot log")
    due, ambiguous = refusal_prompts(mon)
    words = c.words(start)
    c.check("room heard", count("pairing failed", set(range(due, due + ambiguous + 1))), words, "hear-words")
    c.check("room heard no number", lacks("pairing code", "pin code", "again", "paired with"), words,
            "hear-words")
    # The owner, in the same window (no SIGUSR1: opening the window would lift any lockout).
    c.mon_start = size(phone.MON)     # le_passkey's checks are about its own calls
    le_passkey(lab, c, reopen=False)


def spoof(lab, c, name):
    """The owner's phone, named @name, pairs over classic (tap); returns the words' (begin, end)."""
    set_prop("/org/bluez/hci1", "org.bluez.Adapter1", "Alias", GLib.Variant("s", name))
    c.audio_start = start = size()
    err = pairing(lab, c, "bredr", "DisplayYesNo", mode="tap")
    check_paired(lab, c, err, True)
    got = phone.get_prop(dev_path("hci0", lab.phone_addr), "org.bluez.Device1", "Alias")
    c.check("the speaker's name for the phone", name, got, "Device1.Alias on hci0")
    return announcement(c, start)


@case("name-spoof", "phones named 'a. Pairing failed' and 'Pairing code: 1, 2, 3, 4, 5, 6' pair: each announced "
      "as one sentence, the digits not read one by one", timeout=150)
def name_spoof(lab, c):
    try:
        span = spoof(lab, c, "a. Pairing failed")
        if span:
            words = hear_words(*span)
            c.check("'a. Pairing failed': prompts heard", contains("paired with", "pairing failed"), words,
                    "hear-words")
            c.check("'a. Pairing failed': 'paired with' once", 1,
                    sum(1 for w in words if w.startswith("paired with")), "hear-words")
            c.check("'a. Pairing failed': clause pauses in the announcement", [], pauses(*span),
                    "silences >= %d ms" % CLAUSE_PAUSE_MS)
            # espeak-ng ends a sentence after "a." with only 60 ms of silence, but reads the
            # "a" before the period as the letter A (heard as a digit), and "a" inside a
            # sentence as the article: the sentence boundary is audible there.
            c.check("'a. Pairing failed': heard", lambda w: len(w) == 2 and w[0].startswith("paired with")
                    and w[1] == "pairing failed", words, "hear-words")
            c.checks[-1] = c.checks[-1][:1] + ("paired with..., pairing failed (nothing between)",) + c.checks[-1][2:]
        span = spoof(lab, c, "Pairing code: 1, 2, 3, 4, 5, 6")
        if span:
            c.check("'Pairing code: ...': pauses between digits", [], pauses(*span),
                    "silences >= %d ms" % CLAUSE_PAUSE_MS)
            heard = Ear().digits(*span)
            c.check("'Pairing code: ...': a listener for codes hears 123456", False, "123456" in heard,
                    "hear-digits")
    finally:
        lab.set_names()
