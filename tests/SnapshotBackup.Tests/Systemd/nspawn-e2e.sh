#!/usr/bin/env bash
# End-to-end test of the .deb under a real systemd: boots a minimal Debian with systemd-nspawn, installs the package,
# and drives snapshotbackupd with systemctl and journalctl inside the container. Called by SystemdEndToEndTests.
#
#   nspawn-e2e.sh DEB
#
# Exit 0: every check passed; 1: a check failed (lines "FAIL ..."); 77: skipped (line "SKIP: reason").
# The minimal Debian (debootstrap --variant=minbase) is cached in $SNAPSHOTBACKUP_TEST_CACHE (default
# /var/cache/snapshotbackup-tests)/rootfs-bookworm and never written to: each run boots an overlay of it. Everything
# else (container, overlay, loopback btrfs, temp dir) is removed on exit, also on failure or SIGTERM.
set -uo pipefail
# (So no `echo "$x" | grep -q` in a condition: grep -q may exit before echo has written everything, and echo's
# EPIPE then fails the pipeline; grep reads a here-string instead.)

deb=${1:?usage: nspawn-e2e.sh DEB}
cache_dir=${SNAPSHOTBACKUP_TEST_CACHE:-/var/cache/snapshotbackup-tests}
rootfs=$cache_dir/rootfs-bookworm
mirror=${SNAPSHOTBACKUP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The .deb's Depends are included (there is no network inside the container); man-db for systemd-analyze verify's
# check of Documentation=man:... A different list rebuilds the cache.
packages=systemd,systemd-sysv,dbus,rsync,btrfs-progs,openssh-client,util-linux,procps,man-db
# The unit's exposure (systemd-analyze security, 3.7: 3.4 before the change journal's CAP_SYS_PTRACE); see the
# ProtectClock=, SystemCallFilter= and CapabilityBoundingSet= comments in deploy/snapshotbackupd.service.
max_exposure=3.7
schedule='*/3 * * * * ?'

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (loop devices, mounts, systemd-nspawn)"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (apt-get install systemd-container)"
[ -d "$rootfs" ] || command -v debootstrap >/dev/null || skip "debootstrap is not installed (apt-get install debootstrap)"
command -v mkfs.btrfs >/dev/null || skip "mkfs.btrfs is not installed (apt-get install btrfs-progs)"
losetup -f >/dev/null 2>&1 || skip "no free loop device (losetup -f failed)"
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null || skip "the kernel has no btrfs"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || skip "the kernel has no overlayfs"
[ -f "$deb" ] || { echo "FAIL no package at $deb"; exit 1; }
deb=$(realpath "$deb")

failures=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
step() { echo "---- $* ($(date +%T))"; }

# ---------------------------------------------------------------- the cached root file system
cached() { [ -x "$rootfs/lib/systemd/systemd" ] && [ "$(cat "$rootfs.packages" 2>/dev/null)" = "$packages" ]; }
if ! cached; then
  step "debootstrap bookworm into $rootfs (once; later runs reuse it)"
  mkdir -p "$cache_dir"
  exec 9>"$cache_dir/.lock"
  flock 9
  if ! cached; then
    rm -rf "$rootfs.tmp"
    if ! debootstrap --variant=minbase --include="$packages" bookworm "$rootfs.tmp" "$mirror" >"$cache_dir/debootstrap.log" 2>&1; then
      tail -20 "$cache_dir/debootstrap.log"
      rm -rf "$rootfs.tmp"
      echo "FAIL debootstrap failed (log: $cache_dir/debootstrap.log)"
      exit 1
    fi
    rm -rf "$rootfs"
    mv "$rootfs.tmp" "$rootfs"
    echo "$packages" > "$rootfs.packages"
  fi
  exec 9>&-
fi

# ---------------------------------------------------------------- per-run resources and their cleanup
run_systemd_before=$(find /run/systemd 2>/dev/null | sort)
work=$(mktemp -d /var/tmp/sb-e2e.XXXXXX)
root=$work/root
vol=$work/vol
copies=$work/copies
usbvol=$work/usbvol
loop=
loop2=
loop3=
nspawn_pid=
leader=
machine=sb-e2e-$$

cleanup() {
  trap - EXIT INT TERM
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null # nspawn: orderly poweroff of the container
    for _ in $(seq 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$nspawn_pid" 2>/dev/null; then
      echo "container did not power off within 30 s; killing it"
      [ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null
      kill -KILL "$nspawn_pid" 2>/dev/null
    fi
    wait "$nspawn_pid" 2>/dev/null
  fi
  for m in "$vol" "$copies" "$usbvol" "$root"; do
    if mountpoint -q "$m"; then
      umount "$m" 2>/dev/null || { sleep 1; umount "$m" 2>/dev/null; } || umount -l "$m"
    fi
  done
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  [ -n "$loop2" ] && losetup -d "$loop2" 2>/dev/null
  [ -n "$loop3" ] && losetup -d "$loop3" 2>/dev/null
  rm -rf "$work"
  # nspawn without machined may leave its runtime directories behind; the host's /run/systemd must stay as it was.
  local after
  after=$(find /run/systemd 2>/dev/null | sort)
  if [ "$after" != "$run_systemd_before" ]; then
    comm -13 <(echo "$run_systemd_before") <(echo "$after") | sort -r | while read -r p; do
      rmdir "$p" 2>/dev/null || rm -f "$p"
    done
  fi
  after=$(find /run/systemd 2>/dev/null | sort)
  if [ "$after" != "$run_systemd_before" ]; then
    echo "FAIL the host's /run/systemd changed:"
    diff <(echo "$run_systemd_before") <(echo "$after")
    failures=$((failures + 1))
  fi
  if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  exit "${1:-0}"
}
trap 'cleanup 1' INT TERM
trap 'cleanup $?' EXIT

abort() { fail "$*"; exit 1; }

mkdir -p "$work/upper" "$work/overlay-work" "$root" "$vol" "$copies" "$usbvol"
mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$work/upper,workdir=$work/overlay-work" "$root" \
  || abort "overlay mount of $rootfs"
truncate -s 1G "$work/backup.img"
loop=$(losetup -f --show "$work/backup.img") || abort "losetup"
mkfs.btrfs -q "$loop" >/dev/null || abort "mkfs.btrfs"
mount "$loop" "$vol" || abort "mount btrfs"
# A second btrfs for the copies (copy_to): btrfs send/receive under the hardened unit.
truncate -s 1G "$work/copies.img"
loop2=$(losetup -f --show "$work/copies.img") || abort "losetup (copies)"
mkfs.btrfs -q "$loop2" >/dev/null || abort "mkfs.btrfs (copies)"
mount "$loop2" "$copies" || abort "mount btrfs (copies)"
mkdir -p "$copies/alpha"
# A third btrfs, the "USB disk" of [usb] (schedule = on-mount): given to the container at /mnt/usbdisk and mounted
# (bound) at /media/usb inside it only while the service runs; a filesystem of its own, so no other section's run
# on the same filesystem delays its start.
truncate -s 1G "$work/usb.img"
loop3=$(losetup -f --show "$work/usb.img") || abort "losetup (usb)"
mkfs.btrfs -q "$loop3" >/dev/null || abort "mkfs.btrfs (usb)"
mount "$loop3" "$usbvol" || abort "mount btrfs (usb)"
mkdir -p "$usbvol/usb"

# ---------------------------------------------------------------- boot
step "boot the container"
echo "$machine" > "$root/etc/hostname"
# The container gets the unified cgroup hierarchy (as on a Debian 12 host) and the bpf() system call, so that its
# systemd enforces device policies (DeviceAllow=) with BPF: on a hybrid or legacy host nspawn would otherwise give it
# a read-only v1 devices hierarchy, or no bpf(), and every device policy would silently do nothing. nspawn also keeps
# fanotify and open_by_handle_at from containers (its default filter, as not namespaced); a machine has them, so the
# container gets them too, and the unit's own filter is what the change journal check below tests.
grep -q ' - cgroup2 ' /proc/self/mountinfo && export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
systemd-nspawn -D "$root" --machine="$machine" --register=no --keep-unit --link-journal=no --private-network \
  --console=passive --system-call-filter="bpf fanotify_init fanotify_mark open_by_handle_at" -b --bind="$vol:/mnt/backup" --bind="$copies:/mnt/copies" --bind="$usbvol:/mnt/usbdisk" --bind-ro="$deb:/root/snapshotbackup.deb" \
  >"$work/console.log" 2>&1 </dev/null &
nspawn_pid=$!
# The container's PID 1: a child or grandchild of nspawn that is PID 1 of its own PID namespace and runs systemd.
find_leader() {
  local p c
  for p in $(cat /proc/"$nspawn_pid"/task/*/children 2>/dev/null); do
    for c in "$p" $(cat /proc/"$p"/task/*/children 2>/dev/null); do
      if grep -qE '^NSpid:.*[[:space:]]1$' /proc/"$c"/status 2>/dev/null && [ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ]; then
        echo "$c"
        return 0
      fi
    done
  done
  return 1
}
for _ in $(seq 150); do
  leader=$(find_leader) && break
  kill -0 "$nspawn_pid" 2>/dev/null || break
  sleep 0.2
done
[ -n "$leader" ] || { cat "$work/console.log"; abort "systemd-nspawn started no container"; }

# Runs a command inside the container (all its namespaces), with a clean environment.
inside() {
  nsenter -t "$leader" -a -- /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

state=
for _ in $(seq 120); do
  state=$(inside systemctl is-system-running 2>"$work/state.err")
  case "$state" in running|degraded) break ;; esac
  sleep 0.5
done
case "$state" in
  running) ok "booted to multi-user (systemctl is-system-running: running)" ;;
  degraded) ok "booted (degraded: $(inside systemctl --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' '))" ;;
  *) cat "$work/console.log" "$work/state.err"; grep -E '^Cap(Bnd|Eff)' /proc/self/status
     echo "leader $leader: $(cat /proc/"$leader"/comm 2>&1)"
     abort "the container did not finish booting (state: '$state')" ;;
esac

# Waits up to $1 seconds for a command to succeed.
within() {
  local seconds=$1
  shift
  local end=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$end" ]; do
    "$@" && return 0
    sleep 0.5
  done
  "$@"
}
# Snapshot names in a backups directory of the loopback volume (seen from the host).
snapshots() { find "$vol/$1" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' 2>/dev/null | sort; }
has_snapshots() { [ "$(snapshots "$1" | wc -l)" -ge "$2" ]; }
journal() { inside journalctl -u snapshotbackupd --no-pager -o cat "$@"; }
count_lines() { journal "BACKUP=$1" | grep -c "$2"; }
journal_has() { [ "$(count_lines "$1" "$2")" -ge "$3" ]; }

# ---------------------------------------------------------------- install
step "install the package"
if out=$(inside dpkg -i /root/snapshotbackup.deb 2>&1); then ok "dpkg -i snapshotbackup.deb"; else echo "$out"; abort "dpkg -i"; fi
if inside test -x /usr/bin/snapshotbackup -a -x /usr/sbin/snapshotbackupd -a -f /etc/snapshotbackup.ini; then
  ok "installed /usr/bin/snapshotbackup, /usr/sbin/snapshotbackupd, /etc/snapshotbackup.ini"
else
  fail "installed files missing"
fi
out=$(inside systemd-analyze verify snapshotbackupd.service 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify snapshotbackupd.service: clean"; else fail "systemd-analyze verify: $out"; fi
out=$(inside systemd-analyze security snapshotbackupd.service 2>&1)
exposure=$(echo "$out" | sed -n 's/.*Overall exposure level for snapshotbackupd.service: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
  ok "systemd-analyze security snapshotbackupd.service: exposure $exposure (<= $max_exposure)"
else
  echo "$out" | grep -v '✓'
  fail "systemd-analyze security: exposure '$exposure' (want <= $max_exposure)"
fi

# ---------------------------------------------------------------- first backup, on a schedule
step "configure [alpha] and start the daemon"
# The source has what the hardening must not break: an unreadable file of another user, a setuid file, device
# nodes (also of majors that are in no /proc/devices: 60 is reserved for local use), a file capability (xattr
# security.capability), an ACL.
inside sh -ec '
  mkdir -p /srv/alpha/sub
  echo hello > /srv/alpha/hello.txt
  echo secret > /srv/alpha/sub/secret; chown 1234:1234 /srv/alpha/sub/secret; chmod 000 /srv/alpha/sub/secret
  chmod 700 /srv/alpha/sub; chown 1234:1234 /srv/alpha/sub
  cp /bin/true /srv/alpha/suid; chmod 4755 /srv/alpha/suid
  mknod /srv/alpha/null c 1 3
  mknod /srv/alpha/char60 c 60 0
  mknod /srv/alpha/block60 b 60 0
  cp /bin/true /srv/alpha/cap

  mkdir -p /etc/snapshotbackup.d
  printf "[alpha]\nsource = /srv/alpha\nbackups = /mnt/backup/alpha\nschedule = %s\ncopy_to = /mnt/copies/alpha\n" "$1" > /etc/snapshotbackup.d/10-alpha.ini
' sh "$schedule" || abort "preparing the source and config"
# Hooks and metrics (issue 16) under the hardened unit: a before_backup hook writes into the source (it must be in the
# snapshot, and its output in the journal with BACKUP=alpha); the metrics file lands in a directory under /var/lib.
inside sh -ec '
  mkdir -p /var/lib/snapshotbackup-metrics
  printf "[DEFAULT]\nmetrics_dir = /var/lib/snapshotbackup-metrics\n" > /etc/snapshotbackup.d/05-metrics.ini
  cat >> /etc/snapshotbackup.d/10-alpha.ini <<"END"
before_backup = echo "before_backup of $SNAPSHOTBACKUP_NAME in $PWD" | tee "$SNAPSHOTBACKUP_SOURCE/hook.txt"
END
' || abort "configuring the hook and metrics_dir"
# The device checks below only mean something if the device cgroup is enforced here: with a device allow list (like
# the unit's implied DeviceAllow=char-rtc r of ProtectClock=) mknod of another device must fail; without, succeed.
probe() { inside systemd-run --wait --pipe --quiet "$@" sh -c 'mknod /srv/probe c 60 0 && rm /srv/probe' 2>&1; }
if ! denied=$(probe -p "DeviceAllow=char-rtc r") && probe >/dev/null; then
  ok "the device cgroup is enforced: with DeviceAllow=char-rtc r mknod fails ($(echo "$denied" | head -1))"
else
  fail "the device cgroup is not enforced in the container: the device node checks would prove nothing"
fi
setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= "$root/srv/alpha/cap" 2>/dev/null \
  || echo "(cannot set security.capability on the overlay; not checked)"
if out=$(inside snapshotbackup setup alpha 2>&1); then ok "snapshotbackup setup alpha"; else echo "$out"; abort "snapshotbackup setup alpha"; fi
if out=$(inside systemctl enable --now snapshotbackupd 2>&1); then
  ok "systemctl enable --now snapshotbackupd"
else
  echo "$out"; inside systemctl status --no-pager snapshotbackupd; journal
  abort "systemctl enable --now snapshotbackupd"
fi
status=$(inside systemctl status --no-pager --lines=0 snapshotbackupd 2>&1)
if grep -q 'Active: active (running)' <<<"$status"; then ok "systemctl status: active (running)"; else echo "$status"; fail "systemctl status: not active (running)"; fi
status_line=$(echo "$status" | grep 'Status: "' | sed 's/^ *//')
if [ -n "$status_line" ]; then ok "systemctl status shows the STATUS text: $status_line"; else echo "$status"; fail "systemctl status shows no Status: line"; fi

if within 40 has_snapshots alpha 2; then ok "two scheduled backups of alpha: $(snapshots alpha | head -2 | tr '\n' ' ')"; else journal; fail "fewer than two snapshots of alpha after 40 s: $(snapshots alpha | tr '\n' ' ')"; fi
if within 10 journal_has alpha "backup alpha started (scheduled)" 2 && journal_has alpha "backup alpha succeeded" 2; then
  ok "journalctl -u snapshotbackupd BACKUP=alpha: $(count_lines alpha 'backup alpha started') start and $(count_lines alpha 'backup alpha succeeded') success lines"
  journal BACKUP=alpha | grep -m2 -E 'started|succeeded' | sed 's/^/       /'
else
  journal -o verbose | tail -60; fail "journalctl BACKUP=alpha lacks two start and two end lines"
fi
# The change journal under the hardened unit (capabilities, system call filter, ProtectProc=): the first backup scans
# everything, the next ones rsync the journal's list; or, where the container's filesystem gives fanotify no file
# handles, one warning and full scans. Never a failure for want of a capability or system call (EPERM).
if journal BACKUP=alpha | grep -q 'journal backup:'; then
  ok "alpha's backups come from the change journal: $(journal BACKUP=alpha | grep -m1 'journal backup:' | cut -c1-100)"
elif unavailable=$(journal | grep -m1 'backup alpha: no change journal') && ! grep -q EPERM <<<"$unavailable"; then
  ok "alpha's source is on the container's overlay, which fanotify cannot watch: full scans (said once: $(cut -c1-150 <<<"$unavailable"))"
else
  journal | grep -iE 'journal|scan' | tail -10; fail "alpha: neither journal backups nor a reason for full scans (or EPERM under the unit)"
fi
# Copies at the end of each backup: btrfs send and receive work under the hardened unit.
copied() { [ "$(find "$copies/alpha" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l)" -ge "$1" ]; }
if within 30 copied 2; then
  last=$(find "$copies/alpha" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' | sort | tail -1)
  if [ "$(btrfs subvolume show "$copies/alpha/$last" | sed -n 's/^[[:space:]]*Received UUID:[[:space:]]*//p')" = \
       "$(btrfs subvolume show "$vol/alpha/$last" | sed -n 's/^[[:space:]]*UUID:[[:space:]]*//p')" ] \
     && [ -z "$(rsync -naiHAXc --delete "$vol/alpha/$last/" "$copies/alpha/$last/")" ]; then
    ok "the daemon copied alpha's snapshots to a second btrfs (copy_to): $last equals its snapshot, received_uuid matches"
  else
    fail "the copy $last differs from its snapshot or its received_uuid does not match"
  fi
else
  journal | tail -30; fail "no copies of alpha in /mnt/copies/alpha after 30 s: $(ls -A "$copies/alpha" | tr '\n' ' ')"
fi
verbose=$(journal -o verbose BACKUP=alpha)
hooked=$vol/alpha/$(snapshots alpha | tail -1)
if [ "$(cat "$hooked/hook.txt" 2>&1)" = "before_backup of alpha in /srv/alpha" ]; then
  ok "the before_backup hook ran under the unit, in the source directory, before rsync: its file is in $(basename "$hooked")"
else
  fail "the before_backup hook's file in $(basename "$hooked"): $(cat "$hooked/hook.txt" 2>&1)"
fi
if grep -q 'before_backup: before_backup of alpha in /srv/alpha' <<<"$(journal BACKUP=alpha)"; then
  ok "the hook's output is in the journal with BACKUP=alpha"
else
  journal BACKUP=alpha | tail -20; fail "the hook's output line is not in the journal with BACKUP=alpha"
fi
if grep -q '^ *BACKUP=alpha$' <<<"$verbose"; then ok "journal entries carry the field BACKUP=alpha"; else fail "no BACKUP=alpha field"; fi

# What the hardened service copied (checked from the host on the volume).
snap=$vol/alpha/$(snapshots alpha | tail -1)
[ "$(cat "$snap/sub/secret" 2>/dev/null)" = secret ] && [ "$(stat -c %u:%a "$snap/sub/secret")" = 1234:0 ] \
  && ok "an unreadable file of another user was backed up with owner and mode" || fail "sub/secret: $(stat -c '%u:%a' "$snap/sub/secret" 2>&1)"
[ "$(stat -c %a "$snap/suid" 2>/dev/null)" = 4755 ] && ok "a setuid file kept its mode 4755" || fail "suid: $(stat -c %a "$snap/suid" 2>&1)"
devices=$(cd "$snap" && stat -c %n=%F:%t:%T null char60 block60 2>&1 | tr '\n' ' ')
[ "$devices" = "null=character special file:1:3 char60=character special file:3c:0 block60=block special file:3c:0 " ] \
  && ok "device nodes were recreated, also of unregistered majors (CAP_MKNOD, DeviceAllow=char-*/block-* rwm)" || fail "device nodes: $devices"
if getfattr -n security.capability "$root/srv/alpha/cap" >/dev/null 2>&1; then
  getfattr -n security.capability "$snap/cap" >/dev/null 2>&1 && ok "a file capability (security.capability) was kept" || fail "security.capability lost"
fi

# ---------------------------------------------------------------- reload with a second section
step "add [beta], systemctl reload"
# beta's source is on the loopback btrfs (the container's own root is an overlay, which fanotify cannot watch by
# filesystem): its backups come from the change journal under the hardened unit.
inside sh -ec 'mkdir -p /mnt/backup/beta-source; echo beta > /mnt/backup/beta-source/b.txt
  printf "[beta]\nsource = /mnt/backup/beta-source\nbackups = /mnt/backup/beta\nschedule = %s\n" "$1" > /etc/snapshotbackup.d/20-beta.ini' sh "$schedule"
if out=$(inside snapshotbackup setup beta 2>&1); then ok "snapshotbackup setup beta"; else echo "$out"; fail "snapshotbackup setup beta"; fi
if out=$(inside systemctl reload snapshotbackupd 2>&1); then ok "systemctl reload snapshotbackupd"; else echo "$out"; fail "systemctl reload"; fi
if within 30 has_snapshots beta 1 && within 10 journal_has beta "backup beta started" 1; then
  ok "after the reload beta is backed up: $(snapshots beta | head -1), $(count_lines beta 'backup beta started') start line(s)"
else
  journal | tail -30; fail "no backup of beta within 30 s after the reload"
fi
# The change journal under the hardened unit (capabilities, system call filter, ProtectProc=): the first backup scans
# everything, a file written then is in the next backup, which rsyncs the journal's list.
if within 10 journal_has beta "full scan: the first backup since the daemon started" 1; then
  ok "beta's first backup is a full scan: $(journal BACKUP=beta | grep -m1 'full scan:' | cut -c1-80)"
else
  journal BACKUP=beta | tail -20; fail "beta: no 'full scan: the first backup since the daemon started' line"
fi
inside sh -c 'echo later > /mnt/backup/beta-source/later.txt'
later_in_snapshot() { [ -n "$(find "$vol/beta" -mindepth 2 -maxdepth 2 -name later.txt 2>/dev/null | head -1)" ]; }
if within 20 journal_has beta "journal backup:" 1 && within 20 later_in_snapshot; then
  ok "beta's next backups come from the change journal: $(journal BACKUP=beta | grep -m1 'journal backup:' | cut -c1-110)"
else
  journal BACKUP=beta | grep -iE 'journal|scan|WRN|ERR' | tail -10; fail "beta: no journal backup with the file written after its first backup"
fi
inside systemctl is-active -q snapshotbackupd && ok "still active after the reload" || fail "not active after the reload"
# The metrics file after the reload and beta's first backup: both sections' series.
prom=$root/var/lib/snapshotbackup-metrics/snapshotbackup.prom
prom_ok() { [ "$(stat -c %a "$prom" 2>&1)" = 644 ] && grep -qE '^snapshotbackup_[a-z_]+\{[^}]*backup="alpha"' "$prom" \
   && grep -qE '^snapshotbackup_[a-z_]+\{[^}]*backup="beta"' "$prom"; }
if within 10 prom_ok; then
  ok "metrics_dir: snapshotbackup.prom (mode 644) has series of alpha and beta: $(grep -c '^snapshotbackup_' "$prom") samples"
else
  ls -la "$(dirname "$prom")" 2>&1; head -40 "$prom" 2>&1; fail "metrics_dir: no snapshotbackup.prom of mode 644 with series of alpha and beta"
fi

# ---------------------------------------------------------------- a disk that appears: schedule = on-mount
step "add [usb] (schedule = on-mount), then mount its disk while the service runs"
usb_snapshots() { find "$usbvol/usb" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' 2>/dev/null | sort; }
usb_backed_up() { [ "$(usb_snapshots | wc -l)" -ge 1 ]; }
inside sh -ec 'mkdir -p /srv/usb /media/usb; echo usb > /srv/usb/g.txt
  printf "[usb]\nsource = /srv/usb\nbackups = /media/usb/usb\nschedule = on-mount\n" > /etc/snapshotbackup.d/30-usb.ini' \
  || fail "configuring [usb]"
if out=$(inside systemctl reload snapshotbackupd 2>&1); then ok "systemctl reload snapshotbackupd (adds usb)"; else echo "$out"; fail "systemctl reload (usb)"; fi
if within 15 journal_has usb "backup usb: waiting for its volume to appear" 1; then
  sleep 2
  if ! usb_backed_up && ! journal_has usb "backup usb started" 1; then
    ok "usb's disk is not mounted: the daemon waits, no backup"
  else
    fail "usb was backed up before its disk was mounted: $(usb_snapshots | tr '\n' ' ')"
  fi
else
  journal | tail -30; fail "no 'waiting for its volume to appear' line for usb after the reload"
fi
# The time just before and just after mount(8): the start line may come before the second (the mount call returned
# earlier), so the latency is given as a bracket and checked by its upper bound.
mount_times=$(inside sh -c 'date +%s.%N; mount --bind /mnt/usbdisk /media/usb && date +%s.%N') || fail "mount --bind /mnt/usbdisk /media/usb"
mounting_at=$(sed -n 1p <<<"$mount_times")
mounted_at=$(sed -n 2p <<<"$mount_times")
if within 30 usb_backed_up && within 10 journal_has usb "backup usb succeeded" 1; then
  started_at=$(journal -o short-unix BACKUP=usb | grep -m1 'backup usb started (volume appeared)' | awk '{print $1}')
  usb_latency=$(awk -v a="$mounting_at" -v b="$started_at" 'BEGIN { if (b == "" || a == "") print "?"; else printf "%.0f", (b - a) * 1000 }')
  usb_latency_low=$(awk -v a="$mounted_at" -v b="$started_at" 'BEGIN { if (b == "" || a == "") print "?"; else printf "%.0f", (b - a) * 1000 }')
  ok "usb backed up after its disk appeared: $(usb_snapshots | head -1); backup start $usb_latency ms after mount(8) started, $usb_latency_low ms after it returned"
  journal BACKUP=usb | grep -m2 -E 'volume appeared' | sed 's/^/       /'
  # The figure is reported, not asserted (timings belong to the benchmark: bench/run.py figure 14); only a start that
  # never came within the 30 s above fails.
  [ "$usb_latency" != "?" ] || fail "no 'backup usb started (volume appeared)' line to time the start by"
else
  journal | tail -30; fail "no backup of usb within 30 s of mounting its disk"
fi
inside umount /media/usb || fail "umount /media/usb"
sleep 1
inside mount --bind /mnt/usbdisk /media/usb || fail "mount --bind again"
if within 10 journal_has usb "backup usb: volume appeared at /media/usb, not due until" 1; then
  sleep 2
  [ "$(usb_snapshots | wc -l)" = 1 ] && ok "mounted again within min_interval (1 hour): noticed, not due, no second backup" \
    || fail "a second backup of usb within min_interval: $(usb_snapshots | tr '\n' ' ')"
else
  journal | tail -20; fail "no 'not due until' line for usb's second mount"
fi
inside umount /media/usb || fail "umount /media/usb (second)"

# ---------------------------------------------------------------- stop during a long backup
step "systemctl stop during a long backup"
inside truncate -s 100G /mnt/backup/beta-source/big
rsync_temp() { find "$vol/beta/.sync" -maxdepth 1 -name '.big.*' 2>/dev/null | grep -q .; }
if within 30 rsync_temp; then
  ok "a backup of beta with a 100 GB sparse file is running"
  sleep 1
  before=$(snapshots beta)
  start=$SECONDS
  if out=$(inside systemctl stop snapshotbackupd 2>&1); then ok "systemctl stop returned after $((SECONDS - start)) s"; else echo "$out"; fail "systemctl stop"; fi
  show=$(inside systemctl show -p ActiveState -p Result -p ExecMainStatus snapshotbackupd | sort | tr '\n' ' ')
  if [ "$show" = "ActiveState=inactive ExecMainStatus=0 Result=success " ]; then ok "stopped cleanly: $show"; else fail "not stopped cleanly: $show"; fi
  [ "$((SECONDS - start))" -le 20 ] && ok "stopped within 20 s" || fail "stop took $((SECONDS - start)) s"
  after=$(snapshots beta)
  if [ "$after" = "$before" ] && ! ls "$vol"/beta/*/big >/dev/null 2>&1; then
    ok "no partial snapshot: beta still has $(echo "$after" | wc -l) snapshot(s), none with the big file"
  else
    fail "snapshots of beta changed by the interrupted backup: before [$before] after [$after]"
  fi
  interrupted=$(journal BACKUP=beta | grep 'backup beta interrupted')
  [ -n "$interrupted" ] && ok "journal: $interrupted" || fail "no 'interrupted' line for beta"
  left=$(inside sh -c 'for p in /proc/[0-9]*; do cat "$p/comm" 2>/dev/null; done' | grep -cE '^(rsync|snapshotbackupd)$')
  [ "$left" = 0 ] && ok "no rsync or snapshotbackupd process left" || fail "$left rsync/snapshotbackupd processes left after stop"
else
  journal | tail -30; fail "the long backup of beta did not start within 30 s"
fi

# ---------------------------------------------------------------- the command line
step "snapshotbackup backup alpha -s (the original's cron line) into the real journal"
cli_journal() { inside journalctl -t snapshotbackup --no-pager -o cat "$@"; }
cli_journal_has() { cli_journal "$@" | grep -q .; }
before=$(snapshots alpha | wc -l)
out=$(inside snapshotbackup backup alpha -s 2>&1); rc=$?
if [ "$rc" = 0 ] && [ -z "$out" ] && [ "$(snapshots alpha | wc -l)" = $((before + 1)) ]; then
  ok "snapshotbackup backup alpha -s: exit 0, a new snapshot, no output"
else
  echo "$out"; fail "snapshotbackup backup alpha -s: exit $rc, $(snapshots alpha | wc -l) snapshots (before: $before), output above"
fi
taken=$(snapshots alpha | tail -1)
if within 10 cli_journal_has SYSLOG_IDENTIFIER=snapshotbackup BACKUP=alpha PRIORITY=6 "SNAPSHOT=$taken"; then
  ok "journalctl -t snapshotbackup BACKUP=alpha: $(cli_journal BACKUP=alpha "SNAPSHOT=$taken" | head -1)"
else
  inside journalctl --no-pager -o verbose -n 40; fail "no journal entry of snapshotbackup -s with BACKUP=alpha SNAPSHOT=$taken"
fi
out=$(inside snapshotbackup backup gamma -s 2>&1); rc=$?
if [ "$rc" = 2 ] && [ -z "$out" ] && within 10 cli_journal_has BACKUP=gamma PRIORITY=3; then
  ok "snapshotbackup backup gamma -s (no such section): exit 2, no output, journal: $(cli_journal BACKUP=gamma PRIORITY=3 | head -1)"
else
  echo "$out"; fail "snapshotbackup backup gamma -s: exit $rc (want 2), or no PRIORITY=3 entry with BACKUP=gamma"
fi

step "snapshotbackup list and status"
out=$(inside snapshotbackup list alpha 2>&1)
listed=0
for s in $(snapshots alpha); do grep -qF "$s" <<<"$out" && listed=$((listed + 1)); done
if [ "$listed" -ge 2 ] && [ "$listed" = "$(snapshots alpha | wc -l)" ]; then ok "snapshotbackup list alpha lists all $listed snapshots"; else echo "$out"; fail "snapshotbackup list alpha listed $listed of $(snapshots alpha | wc -l)"; fi
echo "$out" | sed 's/^/       /' | head -5
if out=$(inside snapshotbackup status 2>&1) && grep -q alpha <<<"$out" && grep -q beta <<<"$out"; then ok "snapshotbackup status shows alpha and beta"; else echo "$out"; fail "snapshotbackup status"; fi

step "remove the package"
if out=$(inside dpkg --purge snapshotbackup 2>&1); then ok "dpkg --purge snapshotbackup"; else echo "$out"; fail "dpkg --purge"; fi
inside test -f /etc/snapshotbackup.d/10-alpha.ini && ok "purge kept the drop-in configuration" || fail "purge removed /etc/snapshotbackup.d/10-alpha.ini"
has_snapshots alpha 2 && has_snapshots beta 1 && ok "purge kept the backups" || fail "backups gone after purge"

echo "exposure: $exposure"
echo "on-mount latency: ${usb_latency:-?} ms from mount(8)'s start, ${usb_latency_low:-?} ms from its exit"
[ "$failures" -eq 0 ]
