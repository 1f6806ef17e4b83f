#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reads meson's testlog.json; prints per-test lines and a final 'N passed, N failed'.

Check programs print 'NN%: Checks: X, Failures: Y, Errors: Z'; those count check by
check. Other tests count as one. In CI every tool is installed, so a skipped test is
counted as failed (it means something the test needs is missing)."""
import json, re, sys

CHECK = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
LAB = re.compile(r"^lab: (\d+) passed, (\d+) failed$", re.M)
passed = failed = 0
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError as e:
    print(f"no test log: {e}")
    lines = []
for line in lines:
    t = json.loads(line)
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    m = CHECK.search(out) or LAB.search(out)
    ok = t["result"] in ("OK", "EXPECTEDFAIL")
    if m and m.re is LAB:
        p, bad = map(int, m.groups())
        if not ok and bad == 0:
            bad = 1
    elif m:
        n, f, e = map(int, m.groups())
        p, bad = n - f - e, f + e
        if not ok and bad == 0:
            bad = 1  # crashed or timed out after the summary
    else:
        p, bad = (1, 0) if ok else (0, 1)
    passed += p
    failed += bad
    print(f"{t['name']:<24} {t['result']:<8} {p} passed, {bad} failed")
if not lines:
    failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
