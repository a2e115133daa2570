#!/usr/bin/env bash
# Self-contained demo (root, Debian): builds, makes a loopback btrfs image, writes a demo config and runs
# setup + backup + list. Run it again for an incremental backup; `deploy/demo.sh clean` removes everything.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=/var/tmp/snapshotbackup-demo
bin=artifacts/publish/snapshotbackup

if [ "${1:-}" = clean ]; then
  mountpoint -q "$demo/mnt" && umount "$demo/mnt"
  rm -rf "$demo"
  echo "demo removed"
  exit 0
fi

for pkg in rsync btrfs-progs gcc libc6-dev zlib1g-dev; do  # gcc, libc6-dev, zlib1g-dev: linking the NativeAOT CLI
  dpkg -s "$pkg" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$pkg" >/dev/null; }
done
[ -x "$bin" ] || bash packaging/publish.sh

mkdir -p "$demo/mnt" "$demo/source"
if ! mountpoint -q "$demo/mnt"; then
  [ -f "$demo/btrfs.img" ] || { truncate -s 1G "$demo/btrfs.img"; mkfs.btrfs -q "$demo/btrfs.img"; }
  mount -o loop "$demo/btrfs.img" "$demo/mnt"
fi
cat > "$demo/config.ini" <<INI
[DEFAULT]
retain_all = '1 day'
retain_daily = '1 month'
decay = '1 year'

[demo]
source = $demo/source
backups = $demo/mnt/backups/demo
ignore = /.cache
autoprune = true
INI

# Some data, and a change on every run so the next backup is incremental.
mkdir -p "$demo/source/docs" "$demo/source/.cache"
[ -f "$demo/source/docs/readme.txt" ] || seq 1 20000 > "$demo/source/docs/readme.txt"
date --iso-8601=seconds >> "$demo/source/docs/changes.log"
echo "cache" > "$demo/source/.cache/ignored"

"$bin" -c "$demo/config.ini" setup demo
"$bin" -c "$demo/config.ini" backup demo
"$bin" -c "$demo/config.ini" list demo
echo
echo "config: $demo/config.ini   volume: $demo/mnt/backups/demo"
echo "run again for an incremental backup; 'deploy/demo.sh clean' to remove the demo"
