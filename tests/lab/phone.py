#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab's guest side: start the stack, be the phone, run the cases.

Runs inside the qemu guest (tests/lab/guest). Starts btvirt (hci0 = speaker,
hci1 = the owner's phone, hci2 = a stranger's phone, cases in stranger.py), a system dbus-daemon, bluetoothd, dbus-monitor (the oracle of
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
import threading
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
LISTENER = "/mnt/lab/cache/lab/listener/hear-digits"   # a copy made by tests/lab/lab
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

    def advertise(self, index, on):
        """Switches connectable, discoverable LE advertising with the name in the scan response
        on or off, as an advertising instance of its own (mgmt Add/Remove Advertising, instance
        1) rather than the Advertising setting. Kernel 6.12 keeps the setting's advertising set
        as created across a power cycle, while the controller (reset on power-on) has forgotten
        it: switching the setting on again then fails (LE Set Extended Advertising Enable:
        Unknown Advertising Identifier), quietly, and the speaker never advertises again in that
        boot. An instance removed before the power cycle is created anew each time."""
        if on:
            # instance 1; flags: connectable, general discoverable, local name in scan response;
            # duration and timeout 0 (for ever); no data of our own
            self.cmd(0x3E, index, struct.pack("<BIHHBB", 1, 0x01 | 0x02 | 0x40, 0, 0, 0, 0))
            return
        try:
            self.cmd(0x3F, index, bytes([0]))  # every instance
        except Fail:
            pass  # none there (Invalid Parameters)

    def configure(self, index, static_addr=None, **want):
        """Applies settings in the order the kernel insists on (power off first; LE on before
        BR/EDR goes off; BR/EDR on before SSP/SC change), reads them back. @static_addr: a random
        static address, set while powered off; used when BR/EDR is off."""
        self.set(index, "powered", False)
        if want.get("bredr") is False:  # LE must be on before BR/EDR goes off
            order = ["le", "bredr", "sc", "bondable", "connectable"]
        else:
            # BR/EDR on before SSP/SC change; turning BR/EDR off cleared SSP, and SC can only
            # change while SSP is on: SSP on, then SC, then SSP as wanted.
            self.set(index, "le", want.get("le", True))
            self.set(index, "bredr", True)
            self.set(index, "ssp", True)
            order = ["sc", "ssp", "bondable", "connectable"]
        for k in order:
            if k in want:
                self.set(index, k, want[k])
        if static_addr:
            self.cmd(0x2B, index, bytes(reversed(bytes.fromhex(static_addr.replace(":", "")))))
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


HEARD = []   # (seconds of audio, digits heard) for every reading the phone listened to


class Ear:
    """What the phone hears: the raw stream earshot plays into."""
    threshold = 300                 # a 10 ms frame with a sample beyond +-threshold is sound
    onset = 300                     # ... and a reading begins with a frame beyond +-onset

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

    def cut(self, start, end, path, pad=False):
        """Copies bytes @start..@end of the stream to @path; returns how many. With @pad,
        0.5 s of silence follows them: the stream holds only what was played, so a phrase that
        was the last thing played ends without the silence a room has after it, and the
        recogniser may then drop it whole (measured: [] for a clear "Paired with phone")."""
        with open(AUDIO, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
        with open(path, "wb") as f:
            f.write(data)
            if pad and data:
                f.write(bytes(RATE))    # 0.5 s of 16-bit mono silence
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
            limit = self.onset if begin is None else self.threshold
            loud = max(chunk) > limit or min(chunk) < -limit
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
        HEARD.append((n / BPS, d))
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


LISTEN_S = 24   # how long the phone listens for a code, unless a case shortens it


class Phone:
    def __init__(self):
        self.node = Gio.DBusNodeInfo.new_for_xml(AGENT_XML)
        self.reg = bus.register_object(PHONE_AGENT, self.node.interfaces[0], self.on_call, None, None)
        self.capability = None
        self.mode = "listen"        # listen | wrong | nothing | tap (confirms without listening)
        self.pin = None             # legacy PIN to type (None: listen)
        self.calls = []
        self.heard = None
        self.typed = None
        self.pin_typed = None
        self.listen_s = LISTEN_S
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
        self.typed = None
        self.pin_typed = None
        self.start = size() if start is None else start

    def on_call(self, conn, sender, path, iface, method, params, inv):
        args = params.unpack()
        self.calls.append((method, args))
        log("phone agent: %s%s" % (method, args))
        try:
            if method == "RequestPasskey":
                code = self.hear(deadline=time.monotonic() + self.listen_s)
                if code is None:
                    raise GLib.Error("nothing heard")
                typed = code
                if self.mode == "wrong":
                    typed = code[:5] + str((int(code[5]) + 1) % 10)
                log("phone: heard %s, types %s" % (code, typed))
                self.typed = typed
                inv.return_value(GLib.Variant("(u)", (int(typed),)))
            elif method == "RequestConfirmation" and self.mode == "tap":
                log("phone: taps Pair without listening")
                inv.return_value(None)
            elif method == "RequestConfirmation":
                mine = "%06d" % args[1]
                code = self.hear(deadline=time.monotonic() + self.listen_s)
                log("phone: screen shows %s, heard %s" % (mine, code))
                if code == mine:
                    inv.return_value(None)
                else:
                    inv.return_dbus_error("org.bluez.Error.Rejected", "heard %s, screen %s" % (code, mine))
            elif method == "RequestPinCode":
                if self.pin is None:
                    code = self.hear(deadline=time.monotonic() + self.listen_s)
                    if code is None:
                        raise GLib.Error("no PIN heard")
                    self.pin_typed = code
                    if self.mode == "wrong":
                        self.pin_typed = code[:5] + str((int(code[5]) + 1) % 10)
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
        t = float(re.search(r"time=(\S+)", block).group(1))
        res.append((who, m.group(4), args, m.group(1), t))
    return res


# --- the lab ------------------------------------------------------------------


class Lab:
    def __init__(self):
        os.makedirs(RUN, exist_ok=True)
        os.makedirs(OUT + "/audio", exist_ok=True)
        self.mgmt = None
        self.bluetoothd = None
        self.earshot = None
        self.reloads = 0
        self.profiles = set()

    # -- bring-up --
    def record_versions(self):
        """What the cases ran against, as the guest sees it (the release under test)."""
        def first_line(argv):
            try:
                return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.split("\n")[0].strip()
            except (OSError, subprocess.SubprocessError) as e:
                return "unknown (%s)" % e
        release = dict(l.split("=", 1) for l in file_text("/etc/os-release").splitlines() if "=" in l)
        line = "%s, kernel %s, bluetoothd %s, %s" % (
            release.get("PRETTY_NAME", "?").strip('"'), os.uname().release,
            first_line(["bluetoothd", "--version"]), first_line(["dbus-daemon", "--version"]))
        with open(OUT + "/versions", "w") as f:
            f.write(line + "\n")
        progress("lab: guest runs " + line)

    def start(self):
        global bus
        # AF_ALG: instantiate ecb(aes) and cmac(aes) once before btvirt: their first binds load
        # modules slowly under TCG and btvirt's controller reset would time out
        for kind, alg in (("skcipher", "ecb(aes)"), ("hash", "cmac(aes)")):
            s = socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0)
            s.bind((kind, alg))
            s.close()
        self.record_versions()
        self.mgmt = Mgmt()
        self.start_btvirt()
        self.speaker_addr = self.mgmt.info(0)[0]
        self.phone_addr = self.mgmt.info(1)[0]
        self.stranger_n = 0         # random static addresses handed to hci2 so far
        log("controllers: hci0 (speaker) %s, hci1 (phone) %s, hci2 (stranger)" % (
            self.speaker_addr, self.phone_addr))
        os.makedirs("/run/dbus", exist_ok=True)
        # The system bus as Debian configures it, plus one rule. In the lab one bluetoothd
        # serves the speaker AND the phones, so Earshot would also see a phone's own
        # object for the speaker connect, unpaired, and announce a legacy PIN for that
        # object instead of its own. Earshot (running as "nobody", like its real unit runs
        # as a system user) is kept from receiving those objects' signals: it then sees what
        # it would see on a real speaker. See tests/lab/README.md.
        with open(RUN + "/system-bus.conf", "w") as f:
            f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"\n'
                    ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n<busconfig>\n'
                    '  <include>/usr/share/dbus-1/system.conf</include>\n'
                    '  <policy user="nobody"><deny receive_path="%s"/><deny receive_path="%s"/></policy>\n'
                    # Earshot's own interface: the policy file the package installs, and "nobody"
                    # standing in for the package's user "earshot" as the owner of the name
                    '  <include>%s/data/org.earshot.conf</include>\n'
                    '  <policy user="nobody"><allow own="org.earshot"/></policy>\n'
                    # bluez-alsa twice (music.py): the speaker's sink and the phone's source
                    '  <policy user="root"><allow own_prefix="org.bluealsa"/>'
                    '<allow send_destination="org.bluealsa.sink"/><allow send_destination="org.bluealsa.source"/>'
                    '</policy>\n'
                    '</busconfig>\n' % (dev_path("hci1", self.speaker_addr), dev_path("hci2", self.speaker_addr),
                                        SRC))
        subprocess.run(["dbus-daemon", "--config-file=" + RUN + "/system-bus.conf", "--fork"], check=True)
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
        self.set_names()

    def set_names(self):
        set_prop("/org/bluez/hci0", "org.bluez.Adapter1", "Alias", GLib.Variant("s", "speaker"))
        set_prop("/org/bluez/hci1", "org.bluez.Adapter1", "Alias", GLib.Variant("s", "phone"))
        set_prop("/org/bluez/hci2", "org.bluez.Adapter1", "Alias", GLib.Variant("s", "stranger"))

    def start_btvirt(self):
        for attempt in range(4):
            spawn("btvirt", ["btvirt", "-l3"])
            try:
                wait_for("three controllers", lambda: len(self.mgmt.indexes()) >= 3, 20, 0.3)
                return
            except Timeout:
                log("btvirt: %s controllers; restarting it" % len(self.mgmt.indexes()))
                procs["btvirt"].kill()
                procs["btvirt"].wait()
        raise Fail("btvirt did not make three controllers")

    def ensure_stack(self):
        """A case must not inherit a dead btvirt or bluetoothd from the one before: restart them."""
        bt = procs["btvirt"].poll()
        bd = self.bluetoothd.poll()
        if bt is None and bd is None and len(self.mgmt.indexes()) >= 3:
            return
        self.restart_stack("btvirt exit %s, bluetoothd exit %s, %d controllers" % (
            bt, bd, len(self.mgmt.indexes())))

    def restart_stack(self, why):
        bt = procs["btvirt"].poll()
        bd = self.bluetoothd.poll()
        progress("lab: %s: restarting the stack" % why)
        before = self.registrations()
        if bd is None:
            self.bluetoothd.kill()
            self.bluetoothd.wait()
        if bt is None:
            procs["btvirt"].kill()
            procs["btvirt"].wait()
        wait_for("the controllers to go", lambda: len(self.mgmt.indexes()) == 0, 10, 0.2)
        self.start_btvirt()
        self.start_bluetoothd()
        self.phone.capability = None
        self.profiles = set()
        self.wait_registered(before)
        self.set_names()

    def start_bluetoothd(self):
        self.bluetoothd = spawn("bluetoothd", ["/usr/libexec/bluetooth/bluetoothd", "-n", "-d", "-f",
                                               SRC + "/tests/lab/main.conf", "--noplugin=hostname"])
        wait_for("bluetoothd's adapters", lambda: self.has_adapters(), 30, 0.3)

    def has_adapters(self):
        try:
            o = objects()
        except GLib.Error:
            return False
        return all("/org/bluez/hci%d" % i in o for i in range(3))

    def write_config(self, button=None, **pairing):
        conf = {"pairing": {"window": 600, "close-after-pairing": "true", "manage-adapter": "false"},
                "speech": {"device": "lab", "paired-chime": SRC + "/sounds/paired.wav",
                           "failed-chime": SRC + "/sounds/failed.wav"},
                "prompts": {}}
        conf["pairing"].update(pairing)
        if button:
            conf["button"] = button
        for item in SETS:   # --set GROUP.KEY=VALUE: deliberately broken configurations
            key, value = item.split("=", 1)
            group, key = key.split(".", 1)
            if not (group == "pairing" and key in pairing):
                conf.setdefault(group, {})[key] = value
        with open(RUN + "/earshot.conf", "w") as f:
            for group, keys in conf.items():
                f.write("[%s]\n" % group)
                for k, v in keys.items():
                    f.write("%s = %s\n" % (k, v))

    def set_alsa(self, asoundrc=None):
        """Writes Earshot's ALSA configuration, which defines the PCM "lab": @asoundrc, by default
        plug -> file (appends every sample to AUDIO) -> snd-dummy (paces like a real card). A
        running Earshot reads it at the next reload()."""
        os.makedirs(RUN + "/home", exist_ok=True)
        with open(RUN + "/home/.asoundrc", "w") as f:
            f.write(asoundrc or
                    'pcm.lab { type plug slave { pcm "labfile" format S16_LE rate %d channels 1 } }\n'
                    'pcm.labfile { type file slave.pcm "hw:Dummy" file "|cat >>%s" format raw }\n'
                    % (RATE, AUDIO))

    def start_earshot(self):
        self.set_alsa()
        self.write_config()
        env = dict(os.environ, HOME=RUN + "/home", G_MESSAGES_DEBUG="all")
        self.earshot_log_mark = size(OUT + "/earshot.log")
        # earshot runs unprivileged ("nobody"): the sound device and the stream must be open to it
        for dev in os.listdir("/dev/snd"):
            os.chmod("/dev/snd/" + dev, 0o666)
        open(AUDIO, "ab").close()
        os.chmod(AUDIO, 0o666)
        self.earshot = spawn("earshot", [EARSHOT, "--debug", "--config", RUN + "/earshot.conf"], env=env,
                             user=65534, group=65534, extra_groups=[])
        self.wait_registered()

    def reload(self):
        """SIGHUP: Earshot rereads its configuration now and its ALSA configuration before it
        next speaks."""
        os.kill(self.earshot.pid, signal.SIGHUP)
        wait_for("the reload", lambda: c_count(self, "configuration reloaded") > self.reloads, 10, 0.1)
        self.reloads += 1

    def log_mark(self):
        return 0

    def registrations(self):
        return file_text(OUT + "/earshot.log").count("as the default agent")

    def wait_registered(self, before=0):
        def registered():
            if self.earshot.poll() is not None:
                raise Timeout("earshot exited with status %d before registering\n%s"
                              % (self.earshot.returncode, self.earshot_tail()))
            return self.registrations() > before
        try:
            wait_for("earshot to register as the default agent", registered, 30, 0.2)
        except Timeout as e:
            if "earshot's last" in str(e):
                raise
            raise Timeout("%s\n%s" % (e, self.earshot_tail()))

    def earshot_tail(self, lines=15):
        """The end of earshot's own log: why it did not start or register."""
        tail = file_text(OUT + "/earshot.log").splitlines()[-lines:]
        return "earshot's last log lines:\n" + "\n".join("  " + line for line in tail)

    def stop(self):
        for name in ("phone-aplay", "speaker-aplay", "room", "bluealsa-sink", "bluealsa-source", "earshot",
                     "bluetoothd", "agent-calls", "btvirt"):
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
        for a in ("hci0", "hci1", "hci2"):
            try:
                call("/org/bluez/" + a, "org.bluez.Adapter1", "StopDiscovery")
            except GLib.Error:
                pass

    def setup_le(self, sc=True):
        self.mgmt.advertise(0, False)
        self.mgmt.configure(0, le=True, bredr=False, sc=sc, bondable=True, connectable=True)
        self.mgmt.configure(1, le=True, bredr=True, ssp=True, sc=sc, bondable=True, connectable=True)

    def setup_classic(self, ssp=True):
        self.mgmt.advertise(0, False)
        self.mgmt.configure(0, le=True, bredr=True, ssp=ssp, sc=ssp, bondable=True, connectable=True)
        self.mgmt.configure(1, le=True, bredr=True, ssp=True, sc=True, bondable=True, connectable=True)

    def discover(self, transport, adapter="hci1"):
        """The phone (@adapter) finds the speaker; returns the phone's object path for it."""
        target = dev_path(adapter, self.speaker_addr)
        call("/org/bluez/" + adapter, "org.bluez.Adapter1", "SetDiscoveryFilter",
             GLib.Variant("(a{sv})", ({"Transport": GLib.Variant("s", transport)},)))
        if transport == "le":
            self.mgmt.advertise(0, False)  # switched on again below
        call("/org/bluez/" + adapter, "org.bluez.Adapter1", "StartDiscovery")
        if transport == "le":
            # btvirt sends advertising reports only when scanning or advertising is switched on,
            # which races the kernel's discovery start: advertise after StartDiscovery returned
            self.mgmt.advertise(0, True)
        else:
            set_prop("/org/bluez/hci0", "org.bluez.Adapter1", "Discoverable", GLib.Variant("b", True))
        try:
            wait_for("the phone to see the speaker", lambda: target in objects(), 30, 0.3, loop=True)
        finally:
            try:
                call("/org/bluez/" + adapter, "org.bluez.Adapter1", "StopDiscovery")
            except GLib.Error:
                pass
        return target

    def pair(self, path, timeout=60, until=None):
        """The phone pairs; returns None on success or the D-Bus error name. With @until, stops
        waiting as soon as until() is true (returns "pending" if Pair() has not returned)."""
        result = {}

        def done(conn, res):
            try:
                conn.call_finish(res)
                result["r"] = None
            except GLib.Error as e:
                result["r"] = dbus_error_name(e)

        bus.call("org.bluez", path, "org.bluez.Device1", "Pair", None, None, Gio.DBusCallFlags.NONE,
                 timeout * 1000, None, done)
        wait_for("Pair() to return", lambda: "r" in result or (until and until()), timeout + 5, 0.1, loop=True)
        return result.get("r", "pending")

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
        self.log_start = size(OUT + "/earshot.log")
        self.keep_audio_start = False
        self.outcome_at = None
        self.open = True
        self.demo = None

    def check(self, what, expected, got, evidence):
        ok = expected == got if not callable(expected) else expected(got)
        self.checks.append((what, expected if not callable(expected) else expected.__doc__, got, ok, evidence))
        log("  %s %s: expected %s, got %s [%s]" % ("ok  " if ok else "FAIL", what, self.checks[-1][1], got, evidence))
        return ok

    def calls(self, who=None):
        return [c for c in agent_calls(self.mon_start) if who is None or c[0] == who]

    def methods(self, who):
        return [c[1] for c in self.calls(who)]

    def earshot_log(self):
        with open(OUT + "/earshot.log", errors="replace") as f:
            f.seek(self.log_start)
            return f.read()

    def words(self, start, pad=False):
        """Second listening pass: the prompt phrases heard from byte @start to now; @pad as
        for Ear.cut() (the recogniser may then add a stray token at the end)."""
        end = size()
        n = Ear().cut(start, end, RUN + "/words.raw", pad=pad)
        if not n:
            return []
        r = subprocess.run([HEAR_WORDS, RUN + "/words.raw", str(RATE)], capture_output=True, text=True)
        words = r.stdout.split("\n")[:-1] if r.returncode == 0 else ["<hear-words failed: %s>" % r.stderr]
        log("  room: %.1f s of audio heard as %s" % (n / BPS, words))
        return words

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
    """Every wanted item is present; an item matches a phrase it begins ("paired with" matches
    "paired with phone")."""
    def f(got):
        return all(any(str(g).startswith(w) for g in got) for w in want)
    f.__doc__ = "contains " + ", ".join(want)
    return f


def lacks(*want):
    def f(got):
        return not any(str(g).startswith(w) for w in want for g in got)
    f.__doc__ = "no " + ", ".join(want)
    return f


def count(phrase, n):
    def f(got):
        return sum(1 for g in got if g == phrase) in n
    f.__doc__ = "%r said %s time(s)" % (phrase, "/".join(str(x) for x in sorted(n)))
    return f


def begin(lab, c, transport, capability, mode="listen", ssp=True, reopen=True):
    """Fresh state, the window opened (unless the case says closed or not @reopen), the phone
    ready; returns the phone's object path for the speaker."""
    lab.clean()
    if transport == "le":
        lab.setup_le()
    else:
        lab.setup_classic(ssp=ssp)
    lab.phone.register(capability)
    if c.open and reopen:
        mark = size()
        lab.open_window()
        try:  # "Ready to pair" when the window was closed; nothing when it was open
            wait_for("Ready to pair", lambda: size() > mark, 4, 0.1)
        except Timeout:
            pass
    Ear().quiet(1.0)
    path = lab.discover(transport)
    c.audio_start = c.audio_start if c.keep_audio_start else size()
    lab.phone.reset(mode, start=size())
    return path


def pairing(lab, c, transport, capability, mode="listen", ssp=True, timeout=60, reopen=True):
    """One pairing started by the phone; returns Pair()'s error name (None: success)."""
    path = begin(lab, c, transport, capability, mode, ssp, reopen)
    err = lab.pair(path, timeout)
    c.outcome_at = max(c.audio_start, size() - 3 * BPS)
    time.sleep(1.0)
    settle(c)
    return err


def settle(c):
    """Waits (up to 40 s) for the speaker to finish what it says about the outcome."""
    try:
        # 2.5 s: under load (a 2-core host at load 8) a cut taken after 1.5 s of quiet
        # was heard as nothing, while the same span of the saved recording decodes as
        # "paired with phone": the stream had stalled mid-phrase, then grew again
        Ear().quiet(2.5, timeout=40)
    except Timeout:
        c.check("the speaker fell silent within 40 s of the outcome", True, False, "the audio stream")


def check_paired(lab, c, err, want):
    if want:
        c.check("Pair() result", None, err, "phone's Pair() reply")
    else:
        c.check("Pair() result", lambda g: g is not None, err, "phone's Pair() reply")
        c.checks[-1] = c.checks[-1][:1] + ("an error",) + c.checks[-1][2:]
    c.check("phone Paired", want, lab.paired("hci1", lab.speaker_addr), "Device1.Paired on hci1")
    c.check("speaker Paired", want, lab.paired("hci0", lab.phone_addr), "Device1.Paired on hci0")


def check_outcome_words(c, success):
    words = c.words(c.outcome_at, pad=True)  # the outcome is the last thing played
    if success:
        c.check("room heard at the end", contains("paired with"), words, "hear-words")
        c.check("room heard at the end", lacks("pairing failed"), words, "hear-words")
    else:
        c.check("room heard at the end", contains("pairing failed"), words, "hear-words")
        c.check("room heard at the end", lacks("paired with"), words, "hear-words")


def passkeys(calls, who, method):
    return ["%06d" % int(a[1]) for w, m, a, _, _ in calls if w == who and m == method and len(a) > 1]


CASES = {}


def case(name, doc, open_window=True, timeout=CASE_TIMEOUT, only_by_name=False, fresh_stack=False):
    """@only_by_name: left out of a run that names no cases (the music cases: they need A2DP through
    btvirt; see tests/lab/README.md, "Music").
    @fresh_stack: btvirt and bluetoothd are started anew before the case."""
    def reg(f):
        f.doc = doc
        f.fresh_stack = fresh_stack
        f.only_by_name = only_by_name
        f.open_window = open_window
        f.timeout = timeout
        CASES[name] = f
        return f
    return reg


@case("le-passkey", "LE passkey entry (phone KeyboardOnly): the phone types the number it heard; both paired, 'Paired with'")
def le_passkey(lab, c, wrong=False, reopen=True):
    err = pairing(lab, c, "le", "KeyboardOnly", "wrong" if wrong else "listen", reopen=reopen)
    calls = c.calls()
    shown = passkeys(calls, "speaker", "DisplayPasskey")
    c.check("speaker agent calls", contains("DisplayPasskey"), c.methods("speaker"), "dbus-monitor")
    c.check("speaker agent calls", lacks("RequestAuthorization", "RequestConfirmation", "RequestPasskey"),
            c.methods("speaker"), "dbus-monitor")
    c.check("phone agent calls", contains("RequestPasskey"), c.methods("phone"), "dbus-monitor")
    c.check("digits the phone heard == DisplayPasskey's", shown[:1] or ["(no DisplayPasskey)"],
            [lab.phone.heard], "hear-digits vs dbus-monitor")
    if wrong:
        c.check("phone typed one digit wrong", True,
                bool(lab.phone.heard) and lab.phone.typed != lab.phone.heard, "phone")
        c.check("Pair() error", "org.bluez.Error.AuthenticationFailed", err, "phone's Pair() reply")
    check_paired(lab, c, err, not wrong)
    check_outcome_words(c, not wrong)
    c.demo = dict(err=err, shown=shown)


@case("le-passkey-wrong", "LE passkey entry, the phone types one digit wrong: fails, 'Pairing failed'")
def le_passkey_wrong(lab, c):
    le_passkey(lab, c, wrong=True)


@case("le-numeric", "LE numeric comparison (phone DisplayYesNo): phone confirms only if heard == its screen; paired")
def le_numeric(lab, c):
    err = pairing(lab, c, "le", "DisplayYesNo")
    calls = c.calls()
    sp = passkeys(calls, "speaker", "RequestConfirmation")
    ph = passkeys(calls, "phone", "RequestConfirmation")
    c.check("speaker agent calls", contains("RequestConfirmation"), c.methods("speaker"), "dbus-monitor")
    c.check("phone agent calls", contains("RequestConfirmation"), c.methods("phone"), "dbus-monitor")
    c.check("both screens show one number", True, bool(sp) and sp == ph, "dbus-monitor")
    c.check("digits the phone heard == speaker's number", sp[:1] or ["(none)"], [lab.phone.heard],
            "hear-digits vs dbus-monitor")
    check_paired(lab, c, err, True)
    check_outcome_words(c, True)


@case("classic-numeric", "classic numeric comparison (btvirt: 000000), phone DisplayYesNo: accepted, paired, 'Paired with'")
def classic_numeric(lab, c):
    err = pairing(lab, c, "bredr", "DisplayYesNo")
    calls = c.calls()
    sp = passkeys(calls, "speaker", "RequestConfirmation")
    c.check("speaker agent calls", contains("RequestConfirmation"), c.methods("speaker"), "dbus-monitor")
    c.check("speaker's number", ["000000"], sp[:1], "dbus-monitor")
    c.check("digits the phone heard", "000000", lab.phone.heard, "hear-digits")
    check_paired(lab, c, err, True)
    check_outcome_words(c, True)


def just_works(lab, c, transport):
    err = pairing(lab, c, transport, "NoInputNoOutput", mode="nothing")
    c.check("speaker agent calls", contains("RequestAuthorization"), c.methods("speaker"), "dbus-monitor")
    c.check("earshot refused it", True, "refused RequestAuthorization: Just Works" in c.earshot_log(),
            "earshot log")
    check_paired(lab, c, err, False)
    words = c.words(c.audio_start)
    c.check("room heard", contains("pairing failed"), words, "hear-words")
    # the failure chime decodes as junk digits: a spoken number shows as its preamble
    c.check("room heard no number", lacks("pairing code", "pin code", "again", "paired with"), words, "hear-words")


@case("just-works-classic", "Just Works over classic (phone NoInputNoOutput): refused, nobody paired")
def just_works_classic(lab, c):
    just_works(lab, c, "bredr")


@case("just-works-le", "Just Works over LE (phone NoInputNoOutput): refused, nobody paired")
def just_works_le(lab, c):
    just_works(lab, c, "le")


def close_window(lab):
    """Closes the window the way time does: reload with a 3 s window, reopen, wait it out."""
    before = c_count(lab, "pairing window closed")
    reload_config(lab, window=3)
    lab.open_window()
    wait_for("the window to close by itself", lambda: c_count(lab, "pairing window closed") > before, 15, 0.2)
    reload_config(lab)
    Ear().quiet(1.0)


def refusal_prompts(mon0):
    """A refusal prompt ("Pairing is closed", "Pairing failed") is rate-limited to once per 30 s,
    the timer restarting when the window opens: from the times of the speaker's agent calls since
    byte @mon0 of the dbus-monitor record, how many are due for sure, and how many more may be
    (calls within 1.5 s of the 30 s mark). Returns (due, ambiguous)."""
    due = ambiguous = 0
    last = None
    for w, m, a, _, t in agent_calls(mon0):
        if w != "speaker" or m == "Cancel":
            continue
        if last is None or t - last >= 30:
            due, last = due + 1, t
        elif abs(t - last - 30) < 1.5:
            ambiguous += 1
    return due, ambiguous


def c_count(lab, text):
    return file_text(OUT + "/earshot.log").count(text)


@case("window-closed", "window closed (timed out): LE passkey, LE and classic comparison, Just Works all refused, "
      "'Pairing is closed' once per 30 s, no digits", open_window=False)
def window_closed(lab, c):
    # Two rounds of two attempts, the window closed by its timer before each: opening the
    # window is what lifts Earshot's lockout (3 refusals of one device in 10 min), so four
    # refusals in a row would end in the lockout instead of the closed window.
    rounds = [[("le", "KeyboardOnly", "DisplayPasskey"), ("le", "DisplayYesNo", "RequestConfirmation")],
              [("bredr", "DisplayYesNo", "RequestConfirmation"), ("le", "NoInputNoOutput", "RequestAuthorization")]]
    c.keep_audio_start = True
    c.audio_start = None
    lab.phone.listen_s = 8
    refused0 = c_count(lab, "the pairing window is closed")
    said = ambiguous = 0
    for attempts in rounds:
        close_window(lab)
        if c.audio_start is None:
            c.audio_start = size()
        mon0 = size(MON)
        for transport, cap, method in attempts:
            mon = size(MON)
            err = pairing(lab, c, transport, cap, timeout=40)
            got = [m for w, m, a, _, _ in agent_calls(mon) if w == "speaker"]
            c.check("%s/%s: speaker asked" % (transport, cap), contains(method), got, "dbus-monitor")
            check_paired(lab, c, err, False)
        s, a = refusal_prompts(mon0)
        said, ambiguous = said + s, ambiguous + a
    lab.phone.listen_s = LISTEN_S
    n = sum(len(r) for r in rounds)
    c.check("earshot refused each for the closed window", lambda k: k >= n,
            c_count(lab, "the pairing window is closed") - refused0, "earshot log")
    c.checks[-1] = c.checks[-1][:1] + (">= %d" % n,) + c.checks[-1][2:]
    words = c.words(c.audio_start)
    c.check("room heard", count("pairing is closed", set(range(said, said + ambiguous + 1))), words, "hear-words")
    c.check("room heard", lacks("<digits>", "paired with", "pairing code", "again"), words, "hear-words")


@case("sigusr1-reopens", "SIGUSR1 reopens a closed window: 'Ready to pair', then an LE passkey pairing succeeds",
      open_window=False)
def sigusr1_reopens(lab, c):
    close_window(lab)
    c.audio_start = size()
    mark = size()
    os.kill(lab.earshot.pid, signal.SIGUSR1)
    wait_for("'Ready to pair'", lambda: size() > mark, 6, 0.1)
    Ear().quiet(1.0)
    c.check("room heard after SIGUSR1", contains("ready to pair"), c.words(mark), "hear-words")
    c.check("earshot reopened", True, "pairing window open" in c.earshot_log(),
            "earshot log")
    le_passkey(lab, c)


def legacy(lab, c, wrong=False):
    # SSP off for real: mgmt ssp off alone leaves btvirt's controller in SSP; the raw HCI
    # command Write Simple Pairing Mode 0 after it makes legacy PIN pairing really happen.
    lab.phone.pin = None
    err_holder = {}
    path = None
    lab.clean()
    lab.mgmt.advertise(0, False)
    lab.mgmt.configure(0, le=True, bredr=True, sc=False, ssp=False, bondable=True, connectable=True)
    lab.mgmt.configure(1, le=True, bredr=True, ssp=True, sc=True, bondable=True, connectable=True)
    subprocess.run(["hcitool", "-i", "hci0", "cmd", "0x03", "0x0056", "0x00"], capture_output=True, check=True)
    lab.phone.register("KeyboardDisplay")
    lab.open_window()
    time.sleep(1.0)
    Ear().quiet(1.0)
    path = lab.discover("bredr")
    c.audio_start = size()
    lab.phone.reset("wrong" if wrong else "listen", start=size())
    err = lab.pair(path)
    c.outcome_at = max(c.audio_start, size() - 3 * BPS)
    time.sleep(1.0)
    settle(c)
    c.check("phone agent calls", contains("RequestPinCode"), c.methods("phone"), "dbus-monitor")
    c.check("the phone heard a 6-digit PIN", True, bool(lab.phone.heard), "hear-digits")
    if wrong:
        c.check("phone typed another PIN", True, lab.phone.pin_typed != lab.phone.heard, "phone")
    else:
        c.check("speaker agent calls", contains("RequestPinCode"), c.methods("speaker"), "dbus-monitor")
        c.check("phone typed what it heard", lab.phone.heard, lab.phone.pin_typed, "phone")
    check_paired(lab, c, err, not wrong)
    check_outcome_words(c, not wrong)


@case("legacy-pin", "legacy PIN (speaker SSP off): the PIN announced when the phone connects is typed; paired")
def legacy_pin(lab, c):
    legacy(lab, c)


@case("legacy-pin-wrong", "legacy PIN: a phone that types another PIN fails, 'Pairing failed'")
def legacy_pin_wrong(lab, c):
    legacy(lab, c, wrong=True)


PROFILE_XML = """<node><interface name="org.bluez.Profile1">
<method name="Release"/>
<method name="NewConnection"><arg type="o" direction="in"/><arg type="h" direction="in"/><arg type="a{sv}" direction="in"/></method>
<method name="RequestDisconnection"><arg type="o" direction="in"/></method>
</interface></node>"""


@case("authorize-service", "after pairing: a profile under the A2DP UUID (110d) is authorised, Serial Port (1101) refused")
def authorize_service(lab, c):
    node = Gio.DBusNodeInfo.new_for_xml(PROFILE_XML)
    conns = []

    def on_call(conn, sender, path, iface, method, params, inv):
        log("profile %s: %s" % (path, method))
        if method == "NewConnection":
            conns.append(path)
            fdlist = inv.get_message().get_unix_fd_list()
            if fdlist:
                for fd in fdlist.steal_fds():
                    os.close(fd)
        inv.return_value(None)

    # Both services exist before pairing, so the phone's service discovery finds them.
    uuids = {}
    for short, channel in (("110d", 20), ("1101", 21)):
        uuid = uuids[short] = "0000%s-0000-1000-8000-00805f9b34fb" % short
        ppath = "/lab/profile/u" + short
        if ppath not in lab.profiles:
            bus.register_object(ppath, node.interfaces[0], on_call, None, None)
            call("/org/bluez", "org.bluez.ProfileManager1", "RegisterProfile",
                 GLib.Variant("(osa{sv})", (ppath, uuid, {
                     "Name": GLib.Variant("s", "lab " + short),
                     "Channel": GLib.Variant("q", channel),
                     "RequireAuthentication": GLib.Variant("b", True),
                     "RequireAuthorization": GLib.Variant("b", True),
                     "AutoConnect": GLib.Variant("b", False)})))
            lab.profiles.add(ppath)
    err = pairing(lab, c, "bredr", "DisplayYesNo")
    check_paired(lab, c, err, True)
    for short, want in (("110d", True), ("1101", False)):
        uuid = uuids[short]
        mon = size(MON)
        done = {}

        def finished(conn, res, done=done):
            try:
                conn.call_finish(res)
                done["r"] = None
            except GLib.Error as e:
                done["r"] = dbus_error_name(e)
        bus.call("org.bluez", dev_path("hci1", lab.speaker_addr), "org.bluez.Device1", "ConnectProfile",
                 GLib.Variant("(s)", (uuid,)), None, Gio.DBusCallFlags.NONE, 40000, None, finished)
        wait_for("ConnectProfile(%s)" % short, lambda: "r" in done, 45, 0.1, loop=True)
        calls = [(m, a) for w, m, a, _, _ in agent_calls(mon) if w == "speaker"]
        c.check("%s: speaker asked AuthorizeService" % short, True,
                any(m == "AuthorizeService" and uuid in a for m, a in calls), "dbus-monitor")
        if want:
            c.check("%s: ConnectProfile" % short, None, done["r"], "phone's ConnectProfile reply")
        else:
            c.check("%s: ConnectProfile" % short, lambda r: r is not None, done["r"], "phone's ConnectProfile reply")
            c.checks[-1] = c.checks[-1][:1] + ("an error",) + c.checks[-1][2:]
    c.check("earshot refused 1101", True, "refused service 00001101" in c.earshot_log(), "earshot log")


@case("not-bluetoothd", "a local process that is not bluetoothd calls the agent: refused, nothing spoken")
def not_bluetoothd(lab, c):
    lab.open_window()
    time.sleep(1.0)
    Ear().quiet(1.0)
    c.audio_start = mark = size()
    # earshot's unique name: the destination of bluetoothd's agent calls, or ask the bus
    names = call("/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames", dest="org.freedesktop.DBus").unpack()[0]
    target = None
    for n in names:
        if n.startswith(":"):
            try:
                pid = call("/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                           GLib.Variant("(s)", (n,)), dest="org.freedesktop.DBus").unpack()[0]
            except GLib.Error:
                continue
            if pid == lab.earshot.pid:
                target = n
    c.check("found earshot on the bus", True, target is not None, "org.freedesktop.DBus")
    # The calls name a device bluetoothd really has, with the window open: refusing them can
    # only come from the sender check.
    dev = dev_path("hci0", lab.phone_addr)
    if dev not in objects():
        lab.setup_classic()
        set_prop("/org/bluez/hci1", "org.bluez.Adapter1", "Discoverable", GLib.Variant("b", True))
        call("/org/bluez/hci0", "org.bluez.Adapter1", "SetDiscoveryFilter",
             GLib.Variant("(a{sv})", ({"Transport": GLib.Variant("s", "bredr")},)))
        call("/org/bluez/hci0", "org.bluez.Adapter1", "StartDiscovery")
        try:
            wait_for("the speaker to see the phone", lambda: dev in objects(), 30, 0.3, loop=True)
        finally:
            call("/org/bluez/hci0", "org.bluez.Adapter1", "StopDiscovery")
    c.check("bluetoothd has the phone's device", True, dev in objects(), "bluetoothd's objects")
    elog = file_text(OUT + "/earshot.log")
    c.check("the window is open", True, elog.rfind("pairing window open") > elog.rfind("pairing window closed"),
            "earshot log")
    mark = size()
    tries = [("RequestConfirmation", GLib.Variant("(ou)", (dev, 123456))),
             ("DisplayPasskey", GLib.Variant("(ouq)", (dev, 123456, 0))),
             ("RequestPinCode", GLib.Variant("(o)", (dev,))),
             ("RequestAuthorization", GLib.Variant("(o)", (dev,))),
             ("AuthorizeService", GLib.Variant("(os)", (dev, "0000110d-0000-1000-8000-00805f9b34fb")))]
    for method, args in tries:
        try:
            call(SPEAKER_AGENT, "org.bluez.Agent1", method, args, dest=target, timeout=5000)
            got = "accepted"
        except GLib.Error as e:
            got = dbus_error_name(e)
        c.check(method + " from us", "org.bluez.Error.Rejected", got, "the reply")
    time.sleep(3.0)
    c.check("bytes played after the calls", 0, size() - mark, "the audio stream")
    c.check("earshot named the intruder", True, "only bluetoothd" in c.earshot_log(), "earshot log")


@case("bluetoothd-restart", "bluetoothd killed and restarted: earshot registers again, the next LE pairing works")
def bluetoothd_restart(lab, c):
    before = lab.registrations()
    lab.bluetoothd.kill()
    lab.bluetoothd.wait()
    time.sleep(1.0)
    lab.start_bluetoothd()
    lab.phone.capability = None   # its registration died with bluetoothd
    t = time.monotonic()
    try:
        lab.wait_registered(before)
    except Timeout:
        pass
    c.check("earshot registered again", before + 1, lab.registrations(), "earshot log")
    log("earshot re-registered %.1f s after bluetoothd came back" % (time.monotonic() - t))
    lab.set_names()
    le_passkey(lab, c)


DEMO = False
SETS = []


def write_demo(lab, c, ok):
    L = ["", "=== Earshot lab demo: a phone pairs over LE by listening to the speaker ===",
         "speaker = hci0 %s running earshot (default agent, KeyboardDisplay)" % lab.speaker_addr,
         "phone   = hci1 %s, a script whose agent is KeyboardOnly: it can type, it cannot see" % lab.phone_addr,
         "", "phone: Device1.Pair() on the speaker"]
    for who, m, a, sender, t in c.calls():
        if who in ("speaker", "phone"):
            L.append("bluetoothd -> %-7s %s(%s)" % (who, m, ", ".join(a)))
    for secs, d in HEARD[-4:]:
        L.append("phone listened to %.1f s of audio, heard the digits %s" % (secs, d or "(none)"))
    L.append("phone: heard %s, typed %s" % (lab.phone.heard, lab.phone.typed))
    words = c.words(c.audio_start)
    L.append("the room heard (second listening pass): " + " / ".join(words))
    err = c.demo.get("err")
    L.append("result: Pair() %s; Paired on the phone: %s, on the speaker: %s" % (
        "succeeded" if err is None else "failed with " + err,
        lab.paired("hci1", lab.speaker_addr), lab.paired("hci0", lab.phone_addr)))
    L.append("demo: %s" % ("PASS" if ok else "FAIL (see checks.txt)"))
    with open(OUT + "/demo.txt", "w") as f:
        f.write("\n".join(L) + "\n")



# --- the button (confirm = key): a uinput virtual keyboard --------------------

UINPUT_KEY = BUILD + "/tests/uinput-key"
KEY_ENTER = 28


class Button:
    """A virtual keyboard with one key (tests/uinput-key.c); vanishes when closed."""
    def __init__(self):
        self.p = subprocess.Popen([UINPUT_KEY, "earshot-lab-button", str(KEY_ENTER)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.path = self.p.stdout.readline().strip()
        if not self.path.startswith("/dev/input/"):
            raise RuntimeError("uinput-key: %s" % (self.path or "no device"))
        os.chmod(self.path, 0o666)      # earshot runs as nobody

    def press(self):
        self.p.stdin.write("press\n")
        self.p.stdin.flush()

    def close(self):
        self.p.stdin.close()
        self.p.wait(5)


def reload_config(lab, **kw):
    lab.write_config(**kw)
    lab.reload()


def button_pairing(lab, c, press):
    """LE numeric comparison with confirm = key; the room presses the key (or not) once
    Earshot says it is waiting for it. Returns Pair()'s error."""
    waiting0 = c_count(lab, "waiting for the button")
    path = begin(lab, c, "le", "DisplayYesNo")
    pressed = {}

    def presser():
        try:
            wait_for("earshot to wait for the button",
                     lambda: c_count(lab, "waiting for the button") > waiting0, 40, 0.1)
        except Timeout:
            return
        if press:
            lab.button.press()
            pressed["at"] = time.monotonic()
    t = threading.Thread(target=presser, daemon=True)
    t.start()
    err = lab.pair(path, 60)
    t.join(45)
    c.outcome_at = max(c.audio_start, size() - 3 * BPS)
    time.sleep(1.0)
    settle(c)
    c.check("earshot waited for the button after the number", True,
            c_count(lab, "waiting for the button") > waiting0, "earshot log")
    return err, pressed


@case("button-confirm", "confirm = key (uinput keyboard): the number, 'press the button', a press; paired. "
      "The keyboard is unplugged and plugged back: found again, the next press pairs again")
def button_confirm(lab, c):
    lab.button = Button()
    reload_config(lab, confirm="key", button={"device": lab.button.path, "key": "KEY_ENTER"})
    try:
        wait_for("earshot to open the button", lambda: ("button: " + lab.button.path) in c.earshot_log(), 10, 0.2)
        err, pressed = button_pairing(lab, c, press=True)
        c.check("the key was pressed", True, "at" in pressed, "uinput-key")
        c.check("button accepted it", True, "button pressed: pairing accepted" in c.earshot_log(), "earshot log")
        check_paired(lab, c, err, True)
        check_outcome_words(c, True)
        # hot-plug: unplug, plug back (the kernel reuses the lowest free event number)
        opened = c.earshot_log().count("button: ")
        lab.button.close()
        wait_for("earshot to notice the unplug", lambda: "went away" in c.earshot_log(), 10, 0.2)
        lab.button = Button()
        if ("button: " + lab.button.path) not in c.earshot_log():
            reload_config(lab, confirm="key", button={"device": lab.button.path, "key": "KEY_ENTER"})
        wait_for("earshot to find the button again", lambda: c.earshot_log().count("button: ") > opened, 10, 0.2)
        c.check("button found again after re-plugging", True, True, "earshot log")
        c.audio_start = size()
        err, pressed = button_pairing(lab, c, press=True)
        check_paired(lab, c, err, True)
    finally:
        lab.button.close()
        reload_config(lab)


@case("button-no-press", "confirm = key, nobody presses: refused within 25 s, 'Pairing failed', nobody paired")
def button_no_press(lab, c):
    lab.button = Button()
    reload_config(lab, confirm="key", button={"device": lab.button.path, "key": "KEY_ENTER"})
    try:
        err, pressed = button_pairing(lab, c, press=False)
        c.check("speaker refused it", True, "not answered within 25 s" in c.earshot_log(), "earshot log")
        check_paired(lab, c, err, False)
        check_outcome_words(c, False)
    finally:
        lab.button.close()
        reload_config(lab)


def run_case(lab, name, fn):
    c = Case(lab, name)
    c.open = fn.open_window
    progress("case %s: %s" % (name, fn.doc))
    t = time.monotonic()
    err = None

    def alarm(sig, frame):
        raise Timeout("case timed out after %d s" % fn.timeout)
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(fn.timeout)
    try:
        lab.ensure_stack()
        c.audio_start = size()
        c.mon_start = size(MON)
        fn(lab, c)
    except Exception as e:  # noqa: BLE001
        err = "%s: %s" % (type(e).__name__, e)
        log(traceback.format_exc())
    finally:
        signal.alarm(0)
        # A case that failed half-way must not leave its phone settings to the next one
        # (window-closed's 8 s of listening made later classic cases give up early).
        if getattr(lab, "phone", None):
            lab.phone.listen_s = LISTEN_S
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
    if DEMO and c.demo is not None:
        try:
            write_demo(lab, c, ok)
        except Exception:  # noqa: BLE001
            log(traceback.format_exc())
    progress("case %s: %s in %.1f s%s" % (name, "PASS" if ok else "FAIL", secs, "" if ok else " (%s)" % got[:300]))
    return ok, err, len(c.checks)


def stack_fault(lab, err, checks):
    """Why a failed case says nothing about earshot, or None:
    * bluetoothd or btvirt died of a signal during it, a BlueZ fault (seen: bluetoothd 5.66 with
      SIGSEGV after an emulated BR/EDR bond whose link dropped at once; btvirt 5.82 with SIGSEGV
      in legacy-pin and stranger-floods);
    * bluetoothd answered NotReady (an adapter busy with the case before) before the case checked
      anything (seen once on trixie in just-works-classic after classic-numeric)."""
    for who, rc in (("bluetoothd", lab.bluetoothd.poll()), ("btvirt", procs["btvirt"].poll())):
        if rc is not None and rc < 0:
            return "%s died of signal %d during it" % (who, -rc)
    if checks == 0 and "org.bluez.Error.NotReady" in (err or ""):
        return "bluetoothd answered NotReady before any check"
    return None


def main():
    lines = file_text(OUT + "/run.conf").splitlines()
    conf = dict(l.split("=", 1) for l in lines if "=" in l)
    SETS.extend(l.split("=", 1)[1] for l in lines if l.startswith("set="))
    if SETS:
        progress("lab: earshot configuration overridden: %s" % " ".join(SETS))
    wanted = conf.get("cases", "").split()
    demo = conf.get("demo") == "1"
    if demo:
        global DEMO
        DEMO = True
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
            if (wanted and name not in wanted) or (not wanted and fn.only_by_name):
                continue
            if fn.fresh_stack:
                lab.restart_stack("case %s starts with a fresh btvirt and bluetoothd" % name)
            ok, err, checks = run_case(lab, name, fn)
            fault = not ok and stack_fault(lab, err, checks)
            if fault:
                # not a verdict on earshot: the stack is restarted if it needs it and the case
                # runs once more; its first run stays in results.tsv and checks.txt
                progress("case %s: %s; running the case again" % (name, fault))
                time.sleep(2)
                ok = run_case(lab, name, fn)[0]
            if ok:
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
    sys.modules["phone"] = sys.modules[__name__]   # stranger.py imports this module by name
    import stranger  # noqa: E402,F401  (adds the cases with a third radio)
    import bus  # noqa: E402,F401  (adds the case for Earshot's own D-Bus interface)
    import music  # noqa: E402,F401  (adds the cases with music playing)
    main()
