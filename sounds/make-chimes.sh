#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Regenerates Earshot's two chimes with SoX:
#   paired.wav  rising two-note bell (G5 then C6), 0.50 s
#   failed.wav  falling two-note buzz (G4 then D#4), 0.60 s
# Both: RIFF/WAVE, PCM 16-bit little-endian, mono, 22050 Hz, peak -6 dBFS,
# 5 ms fade-in and a fade-out to silence on every note (no clicks).
#
# Output is byte-identical from run to run: every input is a pure synth
# (no noise), `-R` fixes SoX's random seed, and `-D` turns off the TPDF dither
# that SoX would otherwise add when it reduces to 16 bits. (The same SoX
# version gives the same bytes; another version may round differently.)
#
# Usage: sounds/make-chimes.sh [OUTPUT-DIR]   (default: the folder of this script)
set -euo pipefail

out_dir=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
command -v sox >/dev/null || { echo "make-chimes: sox is missing (apt-get install sox)" >&2; exit 1; }
mkdir -p "$out_dir"

rate=22050

# One note as a SoX pipe input ("|sox ... -p": SoX's own 32-bit format, so
# nothing is rounded before the final mix and no temporary file is needed).
#   note START LENGTH WAVE FREQ PARTIAL-FREQ PARTIAL-GAIN FADE-OUT LOWPASS-HZ
# A two-channel synth makes the fundamental and one partial, `remix` folds
# them into one channel at the given balance, `fade l` gives a 5 ms fade-in
# and a bell-like logarithmic decay to silence, `pad` places the note.
note() {
  local start=$1 len=$2 wave=$3 freq=$4 partial=$5 gain=$6 fade_out=$7 lowpass=$8
  printf '|sox -R -D -r %s -c 2 -n -p synth %s %s %s %s %s remix 1v0.8,2v%s lowpass %s fade l 0.005 %s %s pad %s 0' \
    "$rate" "$len" "$wave" "$freq" "$wave" "$partial" "$gain" "$lowpass" \
    "$len" "$fade_out" "$start"
}

# Mixes the notes, normalises the loudest sample to -6 dBFS, writes 16-bit
# PCM WAV (format tag 1, no extra chunks), then replaces the old file.
render() {
  local out=$1
  shift
  sox -R -D -m "$@" -t wav -e signed-integer -b 16 -c 1 -r "$rate" "$out.tmp" gain -n -6
  mv -f "$out.tmp" "$out"
}

# paired: G5 (784 Hz) struck at 0 s, C6 (1047 Hz) struck at 0.12 s and left to
# ring to 0.50 s; each with its octave 14 dB down, like a small bell.
render "$out_dir/paired.wav" \
  "$(note 0.00 0.30 sine 783.99 1567.98 0.16 0.27 5000)" \
  "$(note 0.12 0.38 sine 1046.50 2093.00 0.16 0.35 5000)"

# failed: G4 (392 Hz) for 0.25 s, then D#4 (311 Hz) for 0.35 s; triangle
# waves with a fifth above, low-passed at 1.2 kHz: a soft, falling buzz.
render "$out_dir/failed.wav" \
  "$(note 0.00 0.25 triangle 392.00 588.00 0.25 0.05 1200)" \
  "$(note 0.25 0.35 triangle 311.13 466.70 0.25 0.22 1200)"
