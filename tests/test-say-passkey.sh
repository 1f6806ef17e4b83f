#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real espeak-ng, real libasound (its "file" plugin, no sound card), and a
# speech recogniser: `earshot --say-passkey CODE` must produce audio in which
# the six digits of CODE are heard, in order.
#
#   test-say-passkey.sh EARSHOT LISTENER_DIR
set -euo pipefail

earshot=$1
listener=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$tmp/asound.conf" <<ASOUND
pcm.cap {
    type file
    slave.pcm { type null }
    file "$tmp/out.raw"
    format raw
}
ASOUND
export ALSA_CONFIG_PATH=$tmp/asound.conf
printf '[speech]\npaired-chime=\nfailed-chime=\n' >"$tmp/earshot.conf"

# Bad input is refused before anything is played.
for bad in 12x 1234567 -1 ""; do
    rc=0; "$earshot" --config "$tmp/earshot.conf" --say-passkey "$bad" --device cap 2>"$tmp/err" || rc=$?
    [ "$rc" = 2 ] || fail "--say-passkey '$bad' exited $rc, expected 2"
    grep -q "expected 1 to 6 digits" "$tmp/err" || fail "no clear message for '$bad': $(cat "$tmp/err")"
done
[ ! -e "$tmp/out.raw" ] || fail "audio was played for a bad code"

# A missing sound device is a clear error, not a hang.
rc=0; timeout 10 "$earshot" --config "$tmp/earshot.conf" --say-passkey 1 --device nosuchpcm 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "missing device: exit $rc, expected 1"
grep -q "nosuchpcm" "$tmp/err" || fail "missing device not named: $(cat "$tmp/err")"

for code in 042713 500001 7; do
    rm -f "$tmp/out.raw"
    "$earshot" --config "$tmp/earshot.conf" --say-passkey "$code" --device cap
    bytes=$(stat -c %s "$tmp/out.raw")
    # two readings at 150 wpm are several seconds: 22050 Hz * 2 bytes * 3 s at least
    [ "$bytes" -gt 132300 ] || fail "only $bytes bytes of audio for $code"
    rc=0; heard=$("$listener/hear-digits" --code "$tmp/out.raw" 22050) || rc=$?
    [ "$rc" = 77 ] && { echo "SKIP: no speech recogniser"; exit 77; }
    want=$(printf '%06d' "$((10#$code))")
    [ "$rc" = 0 ] && [ "$heard" = "$want" ] || fail "said $want, the listener heard '$heard' (exit $rc)"
    echo "ok: $want spoken and heard ($bytes bytes of audio)"
done
