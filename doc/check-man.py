#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The man pages against the code, both ways.

    check-man.py EARSHOT CONFIG.C SAMPLE.conf earshot.8 earshot.conf.5

* every [group] key in CONFIG.C's key_specs table is in the sample
  configuration and in earshot.conf(5), and neither has a key the table lacks;
* every option that `EARSHOT --help` lists is in the OPTIONS section of
  earshot(8) with the same short name and argument name, and OPTIONS has no
  option that --help lacks.

EARSHOT runs under $MESON_EXE_WRAPPER when meson sets it (cross builds: qemu).
Prints one line per finding; exit 0 if none, 1 otherwise.
"""
import os
import re
import shlex
import subprocess
import sys


def code_keys(config_c):
    text = open(config_c, encoding="utf-8").read()
    table = re.search(r"key_specs\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    if not table:
        sys.exit("check-man: no key_specs table in " + config_c)
    return set(re.findall(r'\{\s*"([a-z]+)",\s*"([a-z0-9-]+)",', table.group(1)))


def sample_keys(path):
    keys, group = set(), None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^\[([a-z]+)\]", line)
        if m:
            group = m.group(1)
            continue
        m = re.match(r"^#?([a-z][a-z0-9-]*) *=", line)
        if m and group:
            keys.add((group, m.group(1)))
    return keys


def unroff(s):
    return re.sub(r"\\f[BIRP]", "", s).replace("\\-", "-").replace("\\&", "").strip()


def man5_keys(path):
    keys, group = set(), None
    lines = open(path, encoding="utf-8").read().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\.SS \[([a-z]+)\]", line)
        if m:
            group = m.group(1)
        elif line.startswith(".SH"):
            group = None
        elif line == ".TP" and group and i + 1 < len(lines) and lines[i + 1].startswith(".B "):
            keys.add((group, unroff(lines[i + 1][3:])))
    return keys


OPTION = re.compile(r"(?:^|[\s,])(--?[A-Za-z][A-Za-z0-9-]*)(?:[= ]([A-Z][A-Z0-9_]*))?")


def parse_options(lines):
    """{long: (short or None, ARG or None)} from lines such as '-c, --config=PATH'."""
    opts = {}
    for line in lines:
        found = OPTION.findall(line)
        longs = [(o, a) for o, a in found if o.startswith("--")]
        shorts = [o for o, a in found if not o.startswith("--")]
        for name, arg in longs:
            opts[name] = (shorts[0] if shorts else None, arg or None)
    return opts


def help_options(earshot):
    wrapper = shlex.split(os.environ.get("MESON_EXE_WRAPPER", ""))
    out = subprocess.run(wrapper + [earshot, "--help"], capture_output=True, text=True,
                         check=True, env=dict(os.environ, LC_ALL="C")).stdout
    # option lines: two spaces, then -x, --long[=ARG] or --long[=ARG], then the text
    lines = [re.split(r"\s{2,}", l.strip())[0] for l in out.splitlines()
             if re.match(r"^\s+-", l)]
    return parse_options(lines)


def man8_options(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    terms, section = [], None
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            section = line[4:].strip().strip('"')
        elif section == "OPTIONS" and line == ".TP" and i + 1 < len(lines):
            terms.append(unroff(lines[i + 1]))
    return parse_options(terms)


def compare(what, code, doc, code_name, doc_name):
    problems = []
    for item in sorted(code - doc):
        problems.append(f"{what} {item} is in {code_name} but not in {doc_name}")
    for item in sorted(doc - code):
        problems.append(f"{what} {item} is in {doc_name} but not in {code_name}")
    return problems


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    earshot, config_c, sample, man8, man5 = sys.argv[1:]
    problems = []

    keys = code_keys(config_c)
    fmt = lambda ks: {f"[{g}] {k}" for g, k in ks}
    problems += compare("key", fmt(keys), fmt(sample_keys(sample)), "src/config.c", "the sample config")
    problems += compare("key", fmt(keys), fmt(man5_keys(man5)), "src/config.c", "earshot.conf(5)")

    helped, documented = help_options(earshot), man8_options(man8)
    problems += compare("option", set(helped), set(documented), "earshot --help", "earshot(8)")
    for name in sorted(set(helped) & set(documented)):
        if helped[name] != documented[name]:
            problems.append(f"option {name}: --help has short name and argument {helped[name]}, "
                            f"earshot(8) has {documented[name]}")

    for p in problems:
        print("FAIL: " + p)
    print(f"{len(keys)} keys and {len(helped)} options checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
