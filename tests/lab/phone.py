#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab's guest side: start the stack, be the phone, run the cases.

Runs inside the qemu guest (tests/lab/guest). Starts btvirt (hci0 = speaker,
hci1 = phone), a system dbus-daemon, bluetoothd, dbus-monitor (the oracle of
every Agent1 call) and the built earshot as the default agent, speaking into a
paced ALSA device (snd-dummy) whose every sample is appended to one raw
stream by libasound's file plugin. The phone is this script: its own
(non-default) agent on hci1, which learns numbers ONLY by listening to that
stream with tests/listener/hear-digits.

Results go to /mnt/lab/out: results.tsv, summary, audio/CASE.wav, logs.
"""
import array
import ctypes
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import traceback
import wave

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

SRC = "/mnt/lab/src"
BUILD = "/mnt/lab/build"
OUT = "/mnt/lab/out"
RUN = "/tmp/lab"
AUDIO = RUN + "/audio.raw"
RATE = 22050
BPS = RATE * 2                      # bytes of audio per second
EARSHOT = BUILD + "/src/earshot"
LISTENER = SRC + "/tests/listener/hear-digits"
HEAR_WORDS = SRC + "/tests/lab/hear-words"
SPEAKER_AGENT = "/org/earshot/agent"
PHONE_AGENT = "/lab/phone/agent"
CASE_TIMEOUT = 100                  # s; a case running longer fails
T0 = time.monotonic()


def now():
    return time.monotonic() - T0


def log(*a):
    print("[%7.2f]" % now(), *a, flush=True)


def progress(text):
    log(text)
    with open(OUT + "/progress.log", "a") as f:
        f.write(text + "\n")


class Fail(Exception):
    pass


class Timeout(Fail):
    pass


# --- the kernel's management interface (instead of a btmgmt process per setting) ---

libc = ctypes.CDLL(None, use_errno=True)
SET = {"powered": 0x05, "connectable": 0x07, "bondable": 0x09, "ssp": 0x0B, "le": 0x0D,
       "advertising": 0x29, "bredr": 0x2A, "sc": 0x2D}
BIT = {"powered": 0, "connectable": 1, "discoverable": 3, "bondable": 4, "ssp": 6, "bredr": 7,
       "le": 9, "advertising": 10, "sc": 11}


class Mgmt:
    def __init__(self):
        fd = libc.socket(31, socket.SOCK_RAW | socket.SOCK_CLOEXEC, 1)  # AF_BLUETOOTH, BTPROTO_HCI
        if fd < 0:
            raise OSError(ctypes.get_errno(), "mgmt socket")
        addr = struct.pack("<HHH", 31, 0xFFFF, 3)  # HCI_DEV_NONE, HCI_CHANNEL_CONTROL
        if libc.bind(fd, addr, len(addr)) < 0:
            raise OSError(ctypes.get_errno(), "mgmt bind")
        self.fd = fd

    def cmd(self, op, index, params=b"", timeout=10):
        os.write(self.fd, struct.pack("<HHH", op, index, len(params)) + params)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], end - time.monotonic())
            if not r:
                break
            data = os.read(self.fd, 4096)
            ev, idx, _ = struct.unpack_from("<HHH", data)
            if ev in (1, 2) and idx == index:
                cop, status = struct.unpack_from("<HB", data, 6)
                if cop != op:
                    continue
                if status:
                    raise Fail("mgmt op 0x%04x on hci%d: status 0x%02x" % (op, index, status))
                if ev == 1:
                    return data[9:]
        raise Timeout("mgmt op 0x%04x on hci%d: no answer" % (op, index))

    def indexes(self):
        r = self.cmd(0x03, 0xFFFF)
        n = struct.unpack_from("<H", r)[0]
        return list(struct.unpack_from("<%dH" % n, r, 2))

    def info(self, index):
        r = self.cmd(0x04, index)
        addr = ":".join("%02X" % b for b in reversed(r[0:6]))
        current = struct.unpack_from("<I", r, 13)[0]
        return addr, current

    def settings(self, index):
        cur = self.info(index)[1]
        return {k: bool(cur >> b & 1) for k, b in BIT.items()}

    def set(self, index, name, on):
        self.cmd(SET[name], index, bytes([1 if on else 0]))

    def configure(self, index, **want):
        """Applies settings in the order the kernel insists on (VMLAB pitfall 8), reads them back."""
        self.set(index, "powered", False)
        order = ["le", "bredr", "ssp", "sc", "bondable", "connectable"]
        if want.get("bredr") is False:  # LE must be on before BR/EDR goes off
            order = ["le", "bredr", "sc", "bondable", "connectable"]
        elif "bredr" in want:
            self.set(index, "bredr", True)  # BR/EDR on before SSP/SC change
        for k in order:
            if k in want:
                self.set(index, k, want[k])
        self.set(index, "powered", True)
        got = self.settings(index)
        bad = {k: got[k] for k in want if got[k] != want[k]}
        if bad:
            raise Fail("hci%d settings: wanted %s, got %s" % (index, want, got))


# --- processes --------------------------------------------------------------

procs = {}


def spawn(name, argv, **kw):
    f = open("%s/%s.log" % (OUT, name), "ab")
    p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, **kw)
    procs[name] = p
    return p


def wait_for(what, pred, timeout, step=0.1, loop=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        if loop:
            pump(step)
        else:
            time.sleep(step)
    raise Timeout("timed out after %.0f s waiting for %s" % (timeout, what))


def pump(seconds):
    """Runs the GLib main loop (our D-Bus traffic) for @seconds."""
    ctx = GLib.MainContext.default()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not ctx.iteration(False):
            time.sleep(0.02)


def file_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def size(path=AUDIO):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


# --- D-Bus -------------------------------------------------------------------

bus = None


def call(path, iface, method, args=None, sig=None, timeout=10000, dest="org.bluez"):
    return bus.call_sync(dest, path, iface, method, args, GLib.VariantType(sig) if sig else None,
                         Gio.DBusCallFlags.NONE, timeout, None)


def set_prop(path, iface, name, value):
    call(path, "org.freedesktop.DBus.Properties", "Set", GLib.Variant("(ssv)", (iface, name, value)))


def get_prop(path, iface, name):
    try:
        return call(path, "org.freedesktop.DBus.Properties", "Get",
                    GLib.Variant("(ss)", (iface, name))).unpack()[0]
    except GLib.Error:
        return None


def objects():
    return call("/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects").unpack()[0]


def dev_path(adapter, addr):
    return "/org/bluez/%s/dev_%s" % (adapter, addr.replace(":", "_"))


def dbus_error_name(e):
    return Gio.DBusError.get_remote_error(e) or str(e)


# --- the phone's agent ---------------------------------------------------------

AGENT_XML = """<node><interface name="org.bluez.Agent1">
<method name="Release"/>
<method name="RequestPinCode"><arg type="o" direction="in"/><arg type="s" direction="out"/></method>
<method name="DisplayPinCode"><arg type="o" direction="in"/><arg type="s" direction="in"/></method>
<method name="RequestPasskey"><arg type="o" direction="in"/><arg type="u" direction="out"/></method>
<method name="DisplayPasskey"><arg type="o" direction="in"/><arg type="u" direction="in"/><arg type="q" direction="in"/></method>
<method name="RequestConfirmation"><arg type="o" direction="in"/><arg type="u" direction="in"/></method>
<method name="RequestAuthorization"><arg type="o" direction="in"/></method>
<method name="AuthorizeService"><arg type="o" direction="in"/><arg type="s" direction="in"/></method>
<method name="Cancel"/>
</interface></node>"""


class Ear:
    """What the phone hears: the raw stream earshot plays into."""

    def __init__(self):
        self.mark = size()

    def quiet(self, seconds=1.0, timeout=30):
        """Waits until the stream has not grown for @seconds."""
        last, since = size(), time.monotonic()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            time.sleep(0.1)
            s = size()
            if s != last:
                last, since = s, time.monotonic()
            elif time.monotonic() - since >= seconds:
                return s
        raise Timeout("the speaker kept talking for %d s" % timeout)

    def cut(self, start, end, path):
        with open(AUDIO, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
        with open(path, "wb") as f:
            f.write(data)
        return len(data)

    def readings(self, start):
        """Splits the stream from @start into utterances: (begin, end) byte offsets of runs of
        sound followed by at least 0.7 s of silence (the pause between two readings)."""
        with open(AUDIO, "rb") as f:
            f.seek(start)
            data = f.read()
        a = array.array("h")
        a.frombytes(data[:len(data) // 2 * 2])
        frame = RATE // 100           # 10 ms
        segs, begin, silent = [], None, 0
        for i in range(0, len(a) - frame + 1, frame):
            chunk = a[i:i + frame]
            loud = max(chunk) > 300 or min(chunk) < -300
            if loud:
                if begin is None:
                    begin = i
                silent = 0
            elif begin is not None:
                silent += 1
                if silent >= 70:
                    segs.append((start + begin * 2, start + (i - (silent - 1) * frame) * 2))
                    begin, silent = None, 0
        return segs

    def digits(self, b, e):
        n = self.cut(b, e, RUN + "/heard.raw")
        t = time.monotonic()
        r = subprocess.run([LISTENER, RUN + "/heard.raw", str(RATE)], capture_output=True, text=True)
        d = r.stdout.strip() if r.returncode == 0 else ""
        log("phone: listened to %.1f s of audio in %.1f s: heard %r %s" % (
            n / BPS, time.monotonic() - t, d, r.stderr.strip()[-80:]))
        return d

    def listen_code(self, start, deadline, pumping=False):
        """Listens from @start until the same six digits ended two readings; returns them or None.

        Like a person: wait until a reading is over (a pause in the speech), note the last six
        digits heard ("Pairing code" and "Again" come out as junk digits before them), and
        trust them once the next reading ends with the same six."""
        done, candidates = set(), []
        while time.monotonic() < deadline:
            pump(0.2) if pumping else time.sleep(0.2)
            for b, e in self.readings(start):
                if b in done:
                    continue
                done.add(b)
                d = self.digits(b, e)
                if len(d) >= 6:
                    if d[-6:] in candidates:
                        return d[-6:]
                    candidates.append(d[-6:])
        log("phone: no code heard twice (candidates %s)" % candidates)
        return None


class Phone:
    def __init__(self):
        self.node = Gio.DBusNodeInfo.new_for_xml(AGENT_XML)
        self.reg = bus.register_object(PHONE_AGENT, self.node.interfaces[0], self.on_call, None, None)
        self.capability = None
        self.mode = "listen"        # listen | wrong | nothing
        self.pin = None             # legacy PIN to type (None: listen)
        self.calls = []
        self.heard = None
        self.start = 0

    def register(self, capability):
        if self.capability:
            try:
                call("/org/bluez", "org.bluez.AgentManager1", "UnregisterAgent",
                     GLib.Variant("(o)", (PHONE_AGENT,)))
            except GLib.Error:
                pass
        call("/org/bluez", "org.bluez.AgentManager1", "RegisterAgent",
             GLib.Variant("(os)", (PHONE_AGENT, capability)))
        self.capability = capability

    def reset(self, mode="listen", start=None):
        self.mode = mode
        self.calls = []
        self.heard = None
        self.start = size() if start is None else start

    def on_call(self, conn, sender, path, iface, method, params, inv):
        args = params.unpack()
        self.calls.append((method, args))
        log("phone agent: %s%s" % (method, args))
        try:
            if method == "RequestPasskey":
                code = self.hear(deadline=time.monotonic() + 24)
                if code is None:
                    raise GLib.Error("nothing heard")
                typed = code
                if self.mode == "wrong":
                    typed = code[:5] + str((int(code[5]) + 1) % 10)
                log("phone: heard %s, types %s" % (code, typed))
                self.typed = typed
                inv.return_value(GLib.Variant("(u)", (int(typed),)))
            elif method == "RequestConfirmation":
                mine = "%06d" % args[1]
                code = self.hear(deadline=time.monotonic() + 24)
                log("phone: screen shows %s, heard %s" % (mine, code))
                if code == mine:
                    inv.return_value(None)
                else:
                    inv.return_dbus_error("org.bluez.Error.Rejected", "heard %s, screen %s" % (code, mine))
            elif method == "RequestPinCode":
                if self.pin is None:
                    code = self.hear(deadline=time.monotonic() + 24)
                    if code is None:
                        raise GLib.Error("no PIN heard")
                    self.pin_typed = code
                else:
                    self.pin_typed = self.pin
                log("phone: types PIN %s" % self.pin_typed)
                inv.return_value(GLib.Variant("(s)", (self.pin_typed,)))
            elif method in ("RequestAuthorization", "AuthorizeService"):
                inv.return_value(None)
            else:
                inv.return_value(None)
        except Exception as e:  # noqa: BLE001
            log("phone agent: refusing %s: %s" % (method, e))
            inv.return_dbus_error("org.bluez.Error.Rejected", str(e))

    def hear(self, deadline):
        if self.mode == "nothing":
            return None
        self.heard = Ear().listen_code(self.start, deadline)
        return self.heard


# --- the agent-call oracle -----------------------------------------------------

MON = OUT + "/agent-calls.log"


def agent_calls(start):
    """Agent1 method calls recorded by dbus-monitor since byte @start: [(who, member, args)]."""
    with open(MON, errors="replace") as f:
        f.seek(start)
        text = f.read()
    res = []
    for block in re.split(r"\n(?=\S)", text):
        m = re.match(r"method call time=\S+ sender=(\S+) -> destination=(\S+) serial=\d+ "
                     r"path=(\S+); interface=org\.bluez\.Agent1; member=(\w+)", block)
        if not m:
            continue
        who = {SPEAKER_AGENT: "speaker", PHONE_AGENT: "phone"}.get(m.group(3), m.group(3))
        args = re.findall(r"^\s+(?:uint32|string|uint16|object path) \"?([^\"\n]*)\"?", block, re.M)
        res.append((who, m.group(4), args, m.group(1)))
    return res


# --- the lab ------------------------------------------------------------------


class Lab:
    def __init__(self):
        os.makedirs(RUN, exist_ok=True)
        os.makedirs(OUT + "/audio", exist_ok=True)
        self.mgmt = None
        self.bluetoothd = None
        self.earshot = None

    # -- bring-up --
    def start(self):
        global bus
        # AF_ALG: instantiate ecb(aes) and cmac(aes) once before btvirt (VMLAB pitfall 3)
        for kind, alg in (("skcipher", "ecb(aes)"), ("hash", "cmac(aes)")):
            s = socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0)
            s.bind((kind, alg))
            s.close()
        self.mgmt = Mgmt()
        for attempt in range(4):
            spawn("btvirt", ["btvirt", "-l2"])
            try:
                wait_for("two controllers", lambda: len(self.mgmt.indexes()) >= 2, 20, 0.3)
                break
            except Timeout:
                log("btvirt: %s controllers; restarting it" % len(self.mgmt.indexes()))
                procs["btvirt"].kill()
                procs["btvirt"].wait()
        else:
            raise Fail("btvirt did not make two controllers")
        self.speaker_addr = self.mgmt.info(0)[0]
        self.phone_addr = self.mgmt.info(1)[0]
        log("controllers: hci0 (speaker) %s, hci1 (phone) %s" % (self.speaker_addr, self.phone_addr))
        os.makedirs("/run/dbus", exist_ok=True)
        subprocess.run(["dbus-daemon", "--system", "--fork"], check=True)
        wait_for("the system bus", lambda: os.path.exists("/run/dbus/system_bus_socket"), 20)
        spawn("agent-calls", ["dbus-monitor", "--system", "interface='org.bluez.Agent1'"])
        bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
        self.start_bluetoothd()
        self.phone = Phone()
        self.start_earshot()
        # warm the listeners (first runs over 9p are seconds slower)
        Ear().quiet(1.0)
        if size() > BPS // 2:
            Ear().cut(0, size(), RUN + "/warm.raw")
            subprocess.run([LISTENER, RUN + "/warm.raw", str(RATE)], capture_output=True)
            subprocess.run([HEAR_WORDS, RUN + "/warm.raw", str(RATE)], capture_output=True)
        set_prop("/org/bluez/hci1", "org.bluez.Adapter1", "Alias", GLib.Variant("s", "phone"))
        set_prop("/org/bluez/hci0", "org.bluez.Adapter1", "Alias", GLib.Variant("s", "speaker"))

    def start_bluetoothd(self):
        self.bluetoothd = spawn("bluetoothd", ["/usr/libexec/bluetooth/bluetoothd", "-n", "-d", "-f",
                                               SRC + "/tests/lab/main.conf", "--noplugin=hostname"])
        wait_for("bluetoothd's adapters", lambda: self.has_adapters(), 30, 0.3)

    def has_adapters(self):
        try:
            o = objects()
        except GLib.Error:
            return False
        return "/org/bluez/hci0" in o and "/org/bluez/hci1" in o

    def write_config(self, **pairing):
        conf = {"window": 600, "close-after-pairing": "true", "manage-adapter": "false"}
        conf.update(pairing)
        with open(RUN + "/earshot.conf", "w") as f:
            f.write("[pairing]\n")
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
            f.write("[speech]\ndevice = lab\npaired-chime = %s/sounds/paired.wav\n"
                    "failed-chime = %s/sounds/failed.wav\n" % (SRC, SRC))

    def start_earshot(self):
        os.makedirs(RUN + "/home", exist_ok=True)
        # plug -> file (appends every sample to AUDIO) -> snd-dummy (paces like a real card)
        with open(RUN + "/home/.asoundrc", "w") as f:
            f.write('pcm.lab { type plug slave { pcm "labfile" format S16_LE rate %d channels 1 } }\n'
                    'pcm.labfile { type file slave.pcm "hw:Dummy" file "|cat >>%s" format raw }\n'
                    % (RATE, AUDIO))
        self.write_config()
        env = dict(os.environ, HOME=RUN + "/home", G_MESSAGES_DEBUG="all")
        self.earshot_log_mark = size(OUT + "/earshot.log")
        self.earshot = spawn("earshot", [EARSHOT, "--debug", "--config", RUN + "/earshot.conf"], env=env)
        self.wait_registered()

    def registrations(self):
        return file_text(OUT + "/earshot.log").count("as the default agent")

    def wait_registered(self, before=0):
        wait_for("earshot to register as the default agent", lambda: self.registrations() > before, 30, 0.2)

    def stop(self):
        for name in ("earshot", "bluetoothd", "agent-calls", "btvirt"):
            p = procs.get(name)
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()

    # -- per case --
    def clean(self):
        """Forgets every device on both sides, so each case starts unpaired."""
        for path, ifaces in objects().items():
            d = ifaces.get("org.bluez.Device1")
            if d:
                adapter = d["Adapter"]
                try:
                    call(adapter, "org.bluez.Adapter1", "RemoveDevice", GLib.Variant("(o)", (path,)))
                except GLib.Error as e:
                    log("RemoveDevice %s: %s" % (path, e))
        for a in ("hci0", "hci1"):
            try:
                call("/org/bluez/" + a, "org.bluez.Adapter1", "StopDiscovery")
            except GLib.Error:
                pass

    def setup_le(self, sc=True):
        self.mgmt.set(0, "advertising", False)
        self.mgmt.configure(0, le=True, bredr=False, sc=sc, bondable=True, connectable=True)
        self.mgmt.configure(1, le=True, bredr=True, ssp=True, sc=sc, bondable=True, connectable=True)

    def setup_classic(self, ssp=True):
        self.mgmt.set(0, "advertising", False)
        self.mgmt.configure(0, le=True, bredr=True, ssp=ssp, sc=ssp, bondable=True, connectable=True)
        self.mgmt.configure(1, le=True, bredr=True, ssp=True, sc=True, bondable=True, connectable=True)

    def discover(self, transport):
        """The phone finds the speaker; returns the phone's object path for it."""
        target = dev_path("hci1", self.speaker_addr)
        call("/org/bluez/hci1", "org.bluez.Adapter1", "SetDiscoveryFilter",
             GLib.Variant("(a{sv})", ({"Transport": GLib.Variant("s", transport)},)))
        call("/org/bluez/hci1", "org.bluez.Adapter1", "StartDiscovery")
        if transport == "le":
            self.mgmt.set(0, "advertising", True)  # after StartDiscovery returned (pitfall 12)
        else:
            set_prop("/org/bluez/hci0", "org.bluez.Adapter1", "Discoverable", GLib.Variant("b", True))
        try:
            wait_for("the phone to see the speaker", lambda: target in objects(), 30, 0.3, loop=True)
        finally:
            try:
                call("/org/bluez/hci1", "org.bluez.Adapter1", "StopDiscovery")
            except GLib.Error:
                pass
        return target

    def pair(self, path, timeout=60):
        """The phone pairs; returns None on success or the D-Bus error name."""
        result = {}

        def done(conn, res):
            try:
                conn.call_finish(res)
                result["r"] = None
            except GLib.Error as e:
                result["r"] = dbus_error_name(e)

        bus.call("org.bluez", path, "org.bluez.Device1", "Pair", None, None, Gio.DBusCallFlags.NONE,
                 timeout * 1000, None, done)
        wait_for("Pair() to return", lambda: "r" in result, timeout + 5, 0.1, loop=True)
        return result["r"]

    def paired(self, adapter, addr):
        return bool(get_prop(dev_path(adapter, addr), "org.bluez.Device1", "Paired"))

    def open_window(self):
        os.kill(self.earshot.pid, signal.SIGUSR1)


# --- cases --------------------------------------------------------------------


class Case:
    def __init__(self, lab, name):
        self.lab, self.name = lab, name
        self.checks = []            # (what, expected, got, ok, evidence)
        self.audio_start = size()
        self.mon_start = size(MON)

    def check(self, what, expected, got, evidence):
        ok = expected == got if not callable(expected) else expected(got)
        self.checks.append((what, expected if not callable(expected) else expected.__doc__, got, ok, evidence))
        log("  %s %s: expected %s, got %s [%s]" % ("ok  " if ok else "FAIL", what, self.checks[-1][1], got, evidence))
        return ok

    def calls(self, who=None):
        return [c for c in agent_calls(self.mon_start) if who is None or c[0] == who]

    def methods(self, who):
        return [c[1] for c in self.calls(who)]

    def heard_words(self):
        """Second listening pass: the prompt phrases in this case's audio."""
        end = size()
        n = Ear().cut(self.audio_start, end, RUN + "/words.raw")
        if not n:
            return []
        r = subprocess.run([HEAR_WORDS, RUN + "/words.raw", str(RATE)], capture_output=True, text=True)
        return r.stdout.split("\n")[:-1] if r.returncode == 0 else ["<hear-words failed: %s>" % r.stderr]

    def save_audio(self):
        end = size()
        with open(AUDIO, "rb") as f:
            f.seek(self.audio_start)
            data = f.read(end - self.audio_start)
        with wave.open("%s/audio/%s.wav" % (OUT, self.name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(data)


def seq(*want):
    def f(got):
        return list(got) == list(want)
    f.__doc__ = " ".join(want) if want else "(none)"
    return f


def contains(*want):
    def f(got):
        return all(w in got for w in want)
    f.__doc__ = "contains " + ", ".join(want)
    return f


def lacks(*want):
    def f(got):
        return not any(w in got for w in want)
    f.__doc__ = "no " + ", ".join(want)
    return f


def begin(lab, case, transport, capability, mode="listen"):
    """Fresh state, the window open, the phone ready; returns the phone's path to the speaker."""
    lab.clean()
    lab.setup_le() if transport == "le" else lab.setup_classic()
    lab.phone.register(capability)
    if case is not None and case.open:
        lab.open_window()
        time.sleep(0.5)
    Ear().quiet(1.0)            # "Ready to pair" is over
    path = lab.discover(transport)
    case.audio_start = size()
    lab.phone.reset(mode, start=case.audio_start)
    return path


def after_pairing(lab, case):
    """Lets the speaker finish what it says about the outcome."""
    time.sleep(1.0)
    Ear().quiet(1.5, timeout=40)


CASES = {}


def case(name, doc):
    def reg(f):
        f.doc = doc
        CASES[name] = f
        return f
    return reg


@case("le-passkey", "LE passkey entry: the phone types the number it heard; paired")
def le_passkey(lab, c, wrong=False):
    path = begin(lab, c, "le", "KeyboardOnly", "wrong" if wrong else "listen")
    err = lab.pair(path)
    after_pairing(lab, c)
    sp = c.calls("speaker")
    shown = ["%06d" % int(a[1]) for w, m, a, _ in sp if m == "DisplayPasskey"]
    c.check("speaker agent calls", contains("DisplayPasskey"), c.methods("speaker"), "dbus-monitor")
    c.check("speaker agent calls", lacks("RequestAuthorization", "RequestConfirmation"), c.methods("speaker"), "dbus-monitor")
    c.check("phone agent calls", contains("RequestPasskey"), c.methods("phone"), "dbus-monitor")
    c.check("digits heard == DisplayPasskey", shown[:1] if shown else ["?"], [lab.phone.heard], "hear-digits vs dbus-monitor")
    words = c.heard_words()
    if not wrong:
        c.check("Pair() result", None, err, "phone's Pair() reply")
        c.check("phone Paired", True, lab.paired("hci1", lab.speaker_addr), "Device1.Paired on hci1")
        c.check("speaker Paired", True, lab.paired("hci0", lab.phone_addr), "Device1.Paired on hci0")
        c.check("room heard", contains("pairing code", "paired with"), words, "hear-words")
        c.check("room heard", lacks("pairing failed"), words, "hear-words")
    else:
        c.check("phone typed a wrong digit", True, lab.phone.heard and lab.phone.typed != lab.phone.heard, "phone")
        c.check("Pair() result", contains("org.bluez.Error.AuthenticationFailed"), [err], "phone's Pair() reply")
        c.check("phone Paired", False, lab.paired("hci1", lab.speaker_addr), "Device1.Paired on hci1")
        c.check("speaker Paired", False, lab.paired("hci0", lab.phone_addr), "Device1.Paired on hci0")
        c.check("room heard", contains("pairing code", "pairing failed"), words, "hear-words")
        c.check("room heard", lacks("paired with"), words, "hear-words")


@case("le-passkey-wrong", "LE passkey entry, the phone types one digit wrong: fails, 'Pairing failed'")
def le_passkey_wrong(lab, c):
    le_passkey(lab, c, wrong=True)


def run_case(lab, name, fn):
    c = Case(lab, name)
    c.open = name not in ("window-closed",)
    progress("case %s: %s" % (name, fn.doc))
    t = time.monotonic()
    err = None

    def alarm(sig, frame):
        raise Timeout("case timed out after %d s" % CASE_TIMEOUT)
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(CASE_TIMEOUT)
    try:
        fn(lab, c)
    except Exception as e:  # noqa: BLE001
        err = "%s: %s" % (type(e).__name__, e)
        log(traceback.format_exc())
    finally:
        signal.alarm(0)
    secs = time.monotonic() - t
    try:
        c.save_audio()
    except Exception as e:  # noqa: BLE001
        log("saving audio: %s" % e)
    ok = err is None and c.checks and all(x[3] for x in c.checks)
    expected = "; ".join("%s: %s" % (x[0], x[1]) for x in c.checks) or fn.doc
    got = err or "; ".join("%s: %s" % (x[0], x[2]) for x in c.checks if not x[3]) or "as expected"
    with open(OUT + "/results.tsv", "a") as f:
        f.write("%s\t%s\t%.1f\t%s\t%s\n" % (name, "PASS" if ok else "FAIL", secs, fn.doc,
                                          got.replace("\t", " ").replace("\n", " ")[:400]))
    with open(OUT + "/checks.txt", "a") as f:
        f.write("== %s (%s, %.1f s)\n" % (name, "PASS" if ok else "FAIL", secs))
        for what, exp, got_, okk, ev in c.checks:
            f.write("  %-4s %s: expected %s; got %s  [evidence: %s]\n" % ("ok" if okk else "FAIL", what, exp, got_, ev))
        if err:
            f.write("  FAIL %s\n" % err)
    progress("case %s: %s in %.1f s%s" % (name, "PASS" if ok else "FAIL", secs, "" if ok else " (%s)" % got[:300]))
    return ok


def main():
    conf = dict(l.split("=", 1) for l in file_text(OUT + "/run.conf").splitlines() if "=" in l)
    wanted = conf.get("cases", "").split()
    demo = conf.get("demo") == "1"
    if demo:
        wanted = ["le-passkey"]
    unknown = [w for w in wanted if w not in CASES]
    with open(OUT + "/results.tsv", "w") as f:
        f.write("case\tresult\tseconds\texpected\tgot\n")
    passed = failed = 0
    lab = Lab()
    try:
        t = time.monotonic()
        lab.start()
        progress("lab: stack up in %.1f s (guest uptime %s s)" % (time.monotonic() - t, file_text("/proc/uptime").split()[0]))
        for name in unknown:
            progress("case %s: FAIL (no such case)" % name)
            failed += 1
        for name, fn in CASES.items():
            if wanted and name not in wanted:
                continue
            if run_case(lab, name, fn):
                passed += 1
            else:
                failed += 1
    except Exception:  # noqa: BLE001
        progress("lab: the stack broke: %s" % traceback.format_exc().strip().splitlines()[-1])
        log(traceback.format_exc())
        failed += 1
    finally:
        lab.stop()
        with open(OUT + "/summary", "w") as f:
            f.write("%d %d\n" % (passed, failed))


if __name__ == "__main__":
    main()
