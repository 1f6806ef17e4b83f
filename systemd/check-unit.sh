#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Checks the configured systemd unit with systemd's own tools:
#   1. systemd-analyze verify       must print nothing about the unit and succeed;
#   2. systemd-analyze security     overall exposure must be <= 1.0 ("SAFE").
#
# Usage: check-unit.sh UNIT-FILE [BINARY]
#   UNIT-FILE  the configured unit (build dir: systemd/earshot.service)
#   BINARY     an existing executable to put in ExecStart= when the installed
#              path named by the unit does not exist yet (e.g. the freshly
#              built earshot); /bin/true when not given. verify refuses a
#              unit whose ExecStart= binary is missing.
# Exit: 0 pass, 1 fail, 77 skip (no systemd-analyze, or one older than 250
# without --offline).
set -euo pipefail

max_exposure=1.0

unit=${1:?usage: check-unit.sh UNIT-FILE [BINARY]}
binary=${2:-/bin/true}

if ! command -v systemd-analyze >/dev/null; then
  echo "check-unit: systemd-analyze not found; skipping"
  exit 77
fi
# The help text is read whole before grep looks at it: "grep -q" in a pipe exits at
# the first match, systemd-analyze then dies of SIGPIPE and pipefail turns the match
# into a skip (Debian 13, systemd 257: 6 runs in 20 skipped; its help text is 5.2 kB
# with --offline on line 60, bookworm's 3.7 kB: 0 in 20).
analyze_help=$(systemd-analyze security --help 2>/dev/null || true)
if ! grep -q -- '--offline' <<<"$analyze_help"; then
  echo "check-unit: systemd-analyze has no --offline (systemd < 250); skipping"
  exit 77
fi
[[ -r $unit ]] || { echo "check-unit: cannot read $unit" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name=$(basename "$unit")
copy=$work/$name

# Keep the unit as configured unless its ExecStart= binary is not there.
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit" | head -n 1)
if [[ -z $exec_start ]]; then
  echo "check-unit: $unit has no ExecStart=" >&2
  exit 1
fi
if [[ -x $exec_start ]]; then
  cp "$unit" "$copy"
else
  [[ -x $binary ]] || { echo "check-unit: $binary is not executable" >&2; exit 1; }
  binary=$(realpath "$binary")
  echo "check-unit: $exec_start does not exist; checking with ExecStart=$binary"
  sed "s|^ExecStart=[^ ]*|ExecStart=$binary|" "$unit" >"$copy"
fi

export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat LC_ALL=C.UTF-8
status=0

# 1. verify: any message naming our unit is a finding (warnings about
#    unrelated units on the build machine are shown but not counted).
verify_rc=0
verify_out=$(cd "$work" && systemd-analyze verify --man=no "./$name" 2>&1) || verify_rc=$?
if [[ -n $verify_out ]]; then
  printf '%s\n' "$verify_out"
fi
if ((verify_rc != 0)) || grep -qF -- "$name" <<<"$verify_out"; then
  echo "check-unit: FAIL: systemd-analyze verify reported problems (exit $verify_rc)"
  status=1
else
  echo "check-unit: systemd-analyze verify: no findings"
fi

# 2. security: take the number from the "Overall exposure level" line.
security_out=$(cd "$work" && systemd-analyze security --offline=yes --no-pager "./$name" 2>&1) || true
overall=$(grep -F 'Overall exposure level' <<<"$security_out" || true)
if [[ -z $overall ]]; then
  printf '%s\n' "$security_out"
  echo "check-unit: FAIL: no overall exposure line from systemd-analyze security"
  exit 1
fi
echo "$overall"
exposure=$(sed -n 's/.*: \([0-9][0-9]*\.[0-9]\).*/\1/p' <<<"$overall")
if [[ -z $exposure ]]; then
  echo "check-unit: FAIL: cannot read the exposure number"
  exit 1
fi
if awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e > m) }'; then
  # Show what is exposed so the failure explains itself.
  grep -F '✗' <<<"$security_out" || true
  echo "check-unit: FAIL: exposure $exposure > $max_exposure"
  status=1
else
  echo "check-unit: exposure $exposure <= $max_exposure"
fi
exit $status
