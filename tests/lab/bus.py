# SPDX-License-Identifier: GPL-2.0-or-later
"""The lab's case for Earshot's own D-Bus interface (org.earshot.Earshot1) and earshotctl,
on the guest's real system dbus-daemon with the policy file the package installs
(data/org.earshot.conf). Earshot runs as "nobody" here, so the lab lets "nobody" own
org.earshot as the package lets its user "earshot"; everything else is the file as shipped.
Imported by phone.py, which runs the cases; see tests/lab/README.md.
"""
import os
import subprocess

from phone import BUILD, OUT, Ear, c_count, case, close_window, contains, le_passkey, size, spawn, wait_for
import phone

EARSHOTCTL = BUILD + "/tools/earshotctl"
OUTSIDER = 1                        # uid and gid of Debian's "daemon": neither root nor in group earshot


def ctl(*args, uid=0):
    """Runs earshotctl as @uid; returns (exit status, output)."""
    ids = {} if uid == 0 else {"user": uid, "group": uid, "extra_groups": []}
    r = subprocess.run([EARSHOTCTL] + list(args), capture_output=True, text=True, timeout=20, **ids)
    return r.returncode, (r.stdout + r.stderr).strip()


@case("earshotctl", "earshotctl on the real system bus: an outsider's open is refused by the bus policy "
      "(exit 3, Earshot never sees it), root's opens the window ('Ready to pair'), an LE passkey pairing "
      "succeeds and earshotctl watch prints it", open_window=False)
def earshotctl(lab, c):
    close_window(lab)
    rc, out = ctl("status")
    c.check("earshotctl status: window closed", True, rc == 0 and "pairing window: closed" in out, out)
    watch = spawn("earshotctl-watch", [EARSHOTCTL, "watch"])
    opened0 = c_count(lab, "pairing window opened over D-Bus")
    refused0 = c_count(lab, "refused Open")
    rc, out = ctl("open", uid=OUTSIDER)
    c.check("outsider's earshotctl open: exit 3 (not allowed)", 3, rc, out)
    c.check("Earshot never saw the outsider's call (the bus refused it)", (opened0, refused0),
            (c_count(lab, "pairing window opened over D-Bus"), c_count(lab, "refused Open")), "earshot log")
    c.audio_start = mark = size()
    rc, out = ctl("open")
    c.check("root's earshotctl open: exit 0", 0, rc, out)
    wait_for("'Ready to pair'", lambda: size() > mark, 6, 0.1)
    Ear().quiet(1.0)
    c.check("room heard after earshotctl open", contains("ready to pair"), c.words(mark), "hear-words")
    c.check("earshot opened it for the bus", opened0 + 1, c_count(lab, "pairing window opened over D-Bus"),
            "earshot log")
    le_passkey(lab, c, reopen=False)
    wait_for("earshotctl watch to print the pairing",
             lambda: "paired" in phone.file_text(OUT + "/earshotctl-watch.log"), 10, 0.2)
    watch.terminate()
    watch.wait(5)
    printed = phone.file_text(OUT + "/earshotctl-watch.log")
    c.check("earshotctl watch printed the pairing", True, "paired: phone" in printed, printed[-300:])
