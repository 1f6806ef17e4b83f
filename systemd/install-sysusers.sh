#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# meson install hook: create the earshot system user right away, so that
# "meson install && systemctl enable --now earshot" works. Skipped when staging
# into DESTDIR: packages run systemd-sysusers from their postinst instead
# (e.g. dh_installsysusers).
#   $1  the installed sysusers.d file
[ -n "${DESTDIR:-}" ] && exit 0
if ! command -v systemd-sysusers >/dev/null 2>&1; then
  echo "earshot: systemd-sysusers not found; create the system user 'earshot' yourself" >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "earshot: not root; run 'systemd-sysusers $1' as root before starting earshot.service" >&2
  exit 0
fi
exec systemd-sysusers "$1"
