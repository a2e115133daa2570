#!/usr/bin/env bash
# Builds artifacts/snapshotbackup_<version>_amd64.deb (no arguments): the NativeAOT publish of both commands in
# /usr/lib/snapshotbackup (two native executables: the target needs no .NET runtime; the daemon finds `snapshotbackup`
# next to itself), /usr/bin/snapshotbackup and /usr/sbin/snapshotbackupd as symlinks, the systemd unit, the example
# configuration as conffiles, man pages and the maintainer scripts from packaging/debian/.
# Needs the .NET SDK and dpkg-deb; network only for NuGet restore.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -1)
[ -n "$version" ] || { echo "build-deb: no <Version> in Directory.Build.props" >&2; exit 1; }
publish=artifacts/deb-publish
root=artifacts/deb-root
deb=artifacts/snapshotbackup_${version}_amd64.deb

rm -rf "$publish" "$root"
OUT=$publish bash packaging/publish.sh >/dev/null
# No debug symbols.
rm -f "$publish"/*.pdb "$publish"/*.dbg

install -d "$root/DEBIAN" "$root/usr/lib/snapshotbackup" "$root/usr/bin" "$root/usr/sbin" \
  "$root/lib/systemd/system" "$root/etc/snapshotbackup.d" "$root/usr/share/man/man1" "$root/usr/share/man/man8" \
  "$root/usr/share/doc/snapshotbackup"
cp -a "$publish"/. "$root/usr/lib/snapshotbackup/"
# Executables 0755, everything else (assemblies, json) 0644.
find "$root/usr/lib/snapshotbackup" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/lib/snapshotbackup/snapshotbackup" "$root/usr/lib/snapshotbackup/snapshotbackupd"
find "$root/usr/lib/snapshotbackup" -type f -name '*.so' -exec chmod 0644 {} +
ln -s ../lib/snapshotbackup/snapshotbackup "$root/usr/bin/snapshotbackup"
ln -s ../lib/snapshotbackup/snapshotbackupd "$root/usr/sbin/snapshotbackupd"

install -m 0644 deploy/snapshotbackupd.service "$root/lib/systemd/system/snapshotbackupd.service"
install -m 0644 deploy/snapshotbackup.ini "$root/etc/snapshotbackup.ini"
install -m 0644 deploy/snapshotbackup.d/README "$root/etc/snapshotbackup.d/README"
for page in snapshotbackup.1 snapshotbackupd.8; do
  sed "s/@VERSION@/$version/" "packaging/man/$page" | gzip -9n > "$root/usr/share/man/man${page##*.}/$page.gz"
done
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/snapshotbackup/copyright"
printf 'snapshotbackup (%s) unstable; urgency=medium\n\n  * Built from the repository by packaging/build-deb.sh.\n\n -- snapshotbackup developers <snapshotbackup@localhost>  %s\n' \
  "$version" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$root/usr/share/doc/snapshotbackup/changelog.gz"

for script in postinst prerm postrm; do
  install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"
done
printf '/etc/snapshotbackup.ini\n/etc/snapshotbackup.d/README\n' > "$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" packaging/debian/control.in > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

rm -f artifacts/snapshotbackup_*_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
rm -rf "$root"
echo "built $deb ($(du -h "$deb" | cut -f1), installed $((size / 1024)) MiB)"
