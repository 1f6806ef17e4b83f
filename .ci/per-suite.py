#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Prints, per Debian suite, what CI proved there, each as 'N passed, N failed':
build+tests (unit, dbus, audio suites), the lab (case by case), the README's first command in a
fresh root, the Pi builds (arm64, armhf), the packages (amd64, arm64, armhf) and the
amd64 package booted with systemd.

  per-suite.py TESTS_LOG SUITE_LOG PI_LOG DEB_LOG BOOT_LOG

TESTS_LOG is the host's run of the README's test command (the host's suite); SUITE_LOG is
.ci/suite's (fresh roots: first command everywhere, the test command in the other suites).
A check with no line at all in its log is printed as missing: the totals count it as failed
through each step's own last line."""
import os, re, sys

def read(path):
    try:
        return open(path, errors="replace").read().splitlines()
    except OSError:
        return []


tests_log, suite_log, pi_log, deb_log, boot_log = (read(p) for p in sys.argv[1:6])
host = dict(l.split("=", 1) for l in open("/etc/os-release").read().splitlines() if "=" in l)
host = host.get("VERSION_CODENAME", "").strip('"')
suites = re.search(r'EARSHOT_SUITES:-"([^"]+)"', open(".ci/suites").read()).group(1)
suites = os.environ.get("EARSHOT_SUITES", suites).split()
TEST = re.compile(r"^(.+?)\s+[A-Z]+\s+(\d+) passed, (\d+) failed$")
rows = {s: {} for s in suites}


def add(suite, what, p, f):
    if suite in rows:
        old = rows[suite].get(what, (0, 0))
        rows[suite][what] = (old[0] + p, old[1] + f)


def test_lines(suite, lines):
    for l in lines:
        m = TEST.match(l)
        if m:
            add(suite, "lab" if re.search(r"(^|/ )lab$", m.group(1)) else "build+tests", int(m.group(2)), int(m.group(3)))


test_lines(host, tests_log)
for s in suites:
    test_lines(s, [l[len("suite: %s tests: " % s):] for l in suite_log if l.startswith("suite: %s tests: " % s)])
    for l in suite_log:
        m = re.match(r"^suite: (ok  |FAIL) %s: the README's first command" % s, l)
        if m:
            add(s, "first command (fresh root)", int(m.group(1) == "ok  "), int(m.group(1) == "FAIL"))
    for arch in ("arm64", "armhf"):
        for l in pi_log:
            m = re.match(r"^%s-%s: (\d+) passed, (\d+) failed" % (s, arch), l)
            if m:
                rows[s]["pi " + arch] = (int(m.group(1)), int(m.group(2)))
    for l in deb_log:
        m = re.match(r"^deb: (ok  |FAIL) %s( (amd64|arm64|armhf))?:" % s, l)
        if m:
            what = "packages " + (m.group(3) or "(build root)")
            add(s, what, int(m.group(1) == "ok  "), int(m.group(1) == "FAIL"))

    for l in boot_log:
        m = re.match(r"^boot: (ok  |FAIL) %s: " % s, l)
        if m:
            add(s, "unit booted with systemd", int(m.group(1) == "ok  "), int(m.group(1) == "FAIL"))

WANT = ["build+tests", "lab", "first command (fresh root)", "pi arm64", "pi armhf",
        "packages amd64", "packages arm64", "packages armhf", "unit booted with systemd"]
for s in suites:
    for what in WANT + sorted(set(rows[s]) - set(WANT)):
        if what in rows[s]:
            print("%s %s: %d passed, %d failed" % (s, what, *rows[s][what]))
        else:
            print("%s %s: missing" % (s, what))
