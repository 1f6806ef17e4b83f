#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Renders Earshot's man pages (roff, the man macros) from doc/*.md.

    mkman.py [--define NAME=VALUE]... [--keys SAMPLE.conf] SOURCE OUTPUT

SOURCE is a small subset of Markdown, enough for a man page:

    % earshot 8 "System Manager's Manual"     the .TH line: name, section, title
    # HEADING                                  .SH
    ## Subheading                              .SS
    text lines, blank-line separated           paragraphs (.PP)
    `--term` *ARG*                             a definition list item (.TP):
    :   definition text                          term line, then ":   " and
        more definition text                     lines indented four spaces
    * item                                     a bullet list (.IP \\(bu)
    ```                                        a verbatim block (.EX/.EE)
    `code`, **bold**, *italic*                 \\fB, \\fB, \\fI

@NAME@ is replaced by a --define'd value (e.g. @sysconfdir@). A line holding
only @KEYS@ becomes the list of every key of SAMPLE.conf, the sample
configuration shipped in data/: one subsection per [group], one item per key
with its comment as the text (type and default first) and its sample line as
the example. So earshot.conf(5) cannot drift from the sample file, and
tests check both against the parser's key table (doc/check-man.py).
"""
import argparse
import re
import sys


def escape(text):
    """Roff-escapes plain text: backslashes, and a leading . or '."""
    text = text.replace("\\", "\\e")
    if text[:1] in (".", "'"):
        text = "\\&" + text
    return text


def dashes(text):
    """Option names and code get real minus signs (\\-), not hyphens."""
    return text.replace("-", "\\-")


INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*")


def inline(text):
    """Markdown inline markup to roff font changes."""
    out, pos = [], 0
    for m in INLINE.finditer(text):
        out.append(text[pos:m.start()].replace("\\", "\\e"))
        code, bold, italic = m.groups()
        if code is not None:
            out.append("\\fB" + dashes(code.replace("\\", "\\e")) + "\\fR")
        elif bold is not None:
            out.append("\\fB" + bold.replace("\\", "\\e") + "\\fR")
        else:
            out.append("\\fI" + italic.replace("\\", "\\e") + "\\fR")
        pos = m.end()
    out.append(text[pos:].replace("\\", "\\e"))
    line = "".join(out)
    if line[:1] in (".", "'"):
        line = "\\&" + line
    return line


def verbatim(lines):
    """A verbatim block: commands keep ASCII minus signs so they can be copied."""
    return [".EX"] + [dashes(escape(line)) for line in lines] + [".EE"]


class Sample:
    """The sample configuration: groups, their intro text, their keys."""

    KEY_LINE = re.compile(r"^#([a-z][a-z0-9-]*) = ?(.*)$")

    def __init__(self, path):
        self.groups = []  # [(group, intro blocks, [(key, lead, text lines, example)])]
        group = None
        block = []
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines() + [""]
        for line in lines:
            m = re.match(r"^\[([a-z]+)\]\s*$", line)
            if m:
                self._flush(group, block)
                block = []
                group = (m.group(1), [], [])
                self.groups.append(group)
            elif not line.strip():
                self._flush(group, block)
                block = []
            else:
                block.append(line)

    def _flush(self, group, block):
        if group is None or not block:
            return
        key_lines = [self.KEY_LINE.match(l) for l in block]
        key = next((m for m in key_lines if m), None)
        text = [re.sub(r"^# ?", "", l) for l, m in zip(block, key_lines) if not m]
        if key is None:
            group[1].append(text)
            return
        name, example = key.group(1), key.group(2)
        lead = ""
        if text and text[0].startswith(name + ":"):
            lead = text[0][len(name) + 1:].strip()
            text = text[1:]
        group[2].append((name, lead, text, example))

    def roff(self):
        out = []
        for name, intros, keys in self.groups:
            out.append(".SS [%s]" % name)
            for intro in intros:
                out += text_block(intro)
                out.append(".PP")
            for key, lead, text, example in keys:
                out += [".TP", ".B " + dashes(key)]
                out += text_block([lead] + text)
                out += [".IP", "Example:", ".RS"] + verbatim([("%s = %s" % (key, example)).rstrip()]) + [".RE"]
        return out


def text_block(lines):
    """Comment text: the first line (type and default) alone, then the text
    filled, except lines indented two or more spaces, which keep their breaks."""
    out, in_nf = [], False
    lines = [l for l in lines if l.strip()]
    for n, line in enumerate(lines):
        keep = line.startswith("  ")
        if keep and not in_nf:
            out += [".IP", ".nf"]
            in_nf = True
        elif not keep and in_nf:
            out += [".fi", ".IP"]
            in_nf = False
        out.append(escape(line.strip()))
        if n == 0 and len(lines) > 1 and not in_nf:
            out.append(".br")
    if in_nf:
        out.append(".fi")
    return out


def render(source, defines, sample):
    lines = source.splitlines()
    out = []
    i = 0
    para = []

    def flush_para():
        if para:
            out.append(".PP")
            out.extend(inline(p) for p in para)
            para.clear()

    while i < len(lines):
        line = replace_defines(lines[i], defines)
        if line.startswith("% "):
            name, section, title = re.match(r'^% (\S+) (\S+) "(.*)"$', line).groups()
            out.append('.TH %s %s "" "%s" "%s"' % (name.upper(), section, defines.get("package", name), title))
        elif line.strip() == "@KEYS@":
            flush_para()
            if sample is None:
                sys.exit("mkman: @KEYS@ needs --keys SAMPLE.conf")
            out += sample.roff()
        elif line.startswith("## "):
            flush_para()
            out.append(".SS " + inline(line[3:]))
        elif line.startswith("# "):
            flush_para()
            out.append(".SH " + inline(line[2:]).upper())
        elif line.startswith("```"):
            flush_para()
            block = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(replace_defines(lines[i], defines))
                i += 1
            out += [".PP", ".RS 4"] + verbatim(block) + [".RE"]
        elif line.startswith("* "):
            flush_para()
            item = [line[2:]]
            while i + 1 < len(lines) and lines[i + 1].startswith("  ") and lines[i + 1].strip():
                i += 1
                item.append(replace_defines(lines[i].strip(), defines))
            out += [".IP \\(bu 2"] + [inline(t) for t in item]
        elif i + 1 < len(lines) and lines[i + 1].startswith(":   "):
            flush_para()
            out += [".TP", inline(line)]
            i += 1
            out.append(inline(replace_defines(lines[i][4:], defines)))
            while i + 1 < len(lines) and (lines[i + 1].startswith("    ") or lines[i + 1] == ""):
                if lines[i + 1] == "":
                    if i + 2 < len(lines) and lines[i + 2].startswith("    "):
                        out.append(".IP")
                        i += 1
                        continue
                    break
                i += 1
                out.append(inline(replace_defines(lines[i][4:], defines)))
        elif not line.strip():
            flush_para()
        else:
            para.append(line)
        i += 1
    flush_para()
    return "\n".join(out) + "\n"


def replace_defines(line, defines):
    for name, value in defines.items():
        line = line.replace("@%s@" % name, value)
    return line


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--define", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--keys", metavar="SAMPLE.conf")
    ap.add_argument("source")
    ap.add_argument("output")
    args = ap.parse_args()
    defines = dict(d.split("=", 1) for d in args.define)
    sample = Sample(args.keys) if args.keys else None
    with open(args.source, encoding="utf-8") as f:
        roff = render(f.read(), defines, sample)
    left = re.findall(r"@[a-z_]+@", roff)
    if left:
        sys.exit("mkman: %s: undefined %s" % (args.source, ", ".join(sorted(set(left)))))
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(roff)


if __name__ == "__main__":
    main()
