#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The man pages against the code, both ways.

    check-man.py EARSHOT SAMPLE.conf earshot.8 earshot.conf.5

* every [group] key that `EARSHOT --list-config-keys` prints (the parser's own
  key table) is in the sample configuration and in earshot.conf(5), and
  neither has a key the table lacks;
* in the sample, each key's commented-out line shows the table's default, its
  "Default:" text says the same, and its type line gives the table's integer
  range or enum values (a key whose default is empty may show an example;
  chime paths are compared by file name, as the prefix is the build's);
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

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkman  # noqa: E402  (the sample's parser, shared with the man page)


def run(earshot, *args):
    wrapper = shlex.split(os.environ.get("MESON_EXE_WRAPPER", ""))
    return subprocess.run(wrapper + [earshot, *args], capture_output=True, text=True,
                          check=True, env=dict(os.environ, LC_ALL="C")).stdout


def code_keys(earshot):
    """{(group, key): (type, default)} from `earshot --list-config-keys`."""
    keys = {}
    for line in run(earshot, "--list-config-keys").splitlines():
        name, type_, default = line.split("\t")
        group, key = name.split(".", 1)
        keys[(group, key)] = (type_, default)
    if not keys:
        sys.exit("check-man: earshot --list-config-keys printed no keys")
    return keys


def check_default(name, type_, default, lead, text, example):
    """The sample's line, "Default:" and type text for one key against the table."""
    problems = []
    if type_ == "wav-path":
        if os.path.basename(example) != os.path.basename(default):
            problems.append(f"{name}: the sample shows {example!r}, the default is {default!r}")
        return problems
    if default and example != default:
        problems.append(f"{name}: the sample shows {example!r}, the default is {default!r}")
    m = next(filter(None, (re.search(r"Default: (.*)", line) for line in [lead] + text)), None)
    if default and m and not re.match(re.escape(default) + r"(\.|\s|$)", m.group(1)):
        problems.append(f"{name}: the sample says \"Default: {m.group(1)}\", the default is {default!r}")
    m = re.match(r"integer (\d+\.\.\d+)$", type_)
    if m and m.group(1) not in lead:
        problems.append(f"{name}: the sample's type line lacks the range {m.group(1)}")
    if "|" in type_:
        for value in type_.split("|"):
            if not re.search(r"\b%s\b" % re.escape(value), lead):
                problems.append(f"{name}: the sample's type line lacks the value {value}")
    return problems


def sample_defaults(keys, sample_path):
    problems = []
    for group, _, entries in mkman.Sample(sample_path).groups:
        for key, lead, text, example in entries:
            if (group, key) in keys:
                type_, default = keys[(group, key)]
                problems += check_default(f"[{group}] {key}", type_, default, lead, text, example)
    return problems


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
    out = run(earshot, "--help")
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
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    earshot, sample, man8, man5 = sys.argv[1:]
    problems = []

    keys = code_keys(earshot)
    fmt = lambda ks: {f"[{g}] {k}" for g, k in ks}
    table = "earshot --list-config-keys"
    problems += compare("key", fmt(keys), fmt(sample_keys(sample)), table, "the sample config")
    problems += compare("key", fmt(keys), fmt(man5_keys(man5)), table, "earshot.conf(5)")
    problems += sample_defaults(keys, sample)

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
