#!/usr/bin/env bash
# The test command: installs what the tests need (as root, Debian), builds, runs every test.
# Prints a closing line "tests: N passed, N failed, N skipped". Exit status 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
# systemd: systemd-stdio-bridge for the notification tests; systemd-container and debootstrap: the end-to-end test
# of the .deb under systemd (Systemd/nspawn-e2e.sh); gcc, libc6-dev, zlib1g-dev: linking the NativeAOT CLI;
# python3: the differential test against configparser; python3-dateparser: the one against dateparser (durations);
# tzdata: the daylight-saving tests (Europe/Berlin, America/New_York); sudo: a normal user's deletions through the
# original's sudoers lines.
for pkg in rsync python3 python3-dateparser tzdata btrfs-progs dbus systemd util-linux openssh-server openssh-client acl attr systemd-container debootstrap gcc libc6-dev zlib1g-dev sudo; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null || { echo "apt-get install failed"; exit 1; }
fi
modprobe btrfs 2>/dev/null || true

# The notification tests run our binaries as an unprivileged user, who must be able to reach them. A clone inside a
# private directory (mktemp -d makes 0700 ones) is copied, as it is, into a scratch directory that user can traverse,
# tested there and removed; nothing outside the clone and the scratch directory is read or changed.
if [ -z "${SNAPSHOTBACKUP_TEST_COPY:-}" ] && ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$PWD/tests"; then
  scratch=$(mktemp -d /var/tmp/snapshotbackup-test.XXXXXX) && chmod 755 "$scratch" || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }
  echo "$PWD is not reachable by unprivileged users; testing a copy in $scratch/repo"
  mkdir "$scratch/repo" && tar --exclude=./artifacts --exclude='*/bin' --exclude='*/obj' -cf - . | tar -xf - -C "$scratch/repo"
  SNAPSHOTBACKUP_TEST_COPY=1 bash "$scratch/repo/tests/run.sh"
  status=$?
  rm -rf "$scratch"
  exit "$status"
fi

bash packaging/publish.sh || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }
# The .deb for the systemd end-to-end test; when this fails the test builds it again and reports the failure.
rm -f artifacts/snapshotbackup_*_amd64.deb
bash packaging/build-deb.sh || echo "packaging/build-deb.sh failed"

test_mounts() { grep -E '/(sbtest|sb-)[^ ]*' /proc/mounts | sort || true; }
test_processes() { pgrep -f 'snapshotbackupd\.dll|sbtest-|sb-dbus-|sb-notify' | sort || true; }
mounts_before=$(test_mounts)
processes_before=$(test_processes)

log=$(mktemp)
dotnet test SnapshotBackup.Daemon.sln --nologo -c Debug --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Leftovers are defects: a test run must leave no mounts or processes behind (those that were there before the run,
# from somebody else's work on the same machine, do not count).
sleep 1
leftover=$(comm -13 <(echo "$mounts_before") <(test_mounts))
if [ -n "$leftover" ]; then
  echo "LEFTOVER MOUNTS: $leftover"
  status=1
fi
stray=$(comm -13 <(echo "$processes_before") <(test_processes))
if [ -n "$stray" ]; then
  echo "LEFTOVER PROCESSES: $(ps -o pid=,args= -p $(echo $stray) 2>/dev/null)"
  status=1
fi

read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1) + 0
      if ($i == "Passed:") p += $(i+1) + 0
      if ($i == "Skipped:") s += $(i+1) + 0
    }
  }
  # The normal-verbosity summary of the .NET 10 SDK: "Test Run Failed." then "     Passed: N" etc. per test project.
  /^Test Run (Successful|Failed|Aborted)\./ { summary = 1; next }
  summary && /^ +Passed: +[0-9]+$/ { p2 += $2 }
  summary && /^ +Failed: +[0-9]+$/ { f2 += $2 }
  summary && /^ +Skipped: +[0-9]+$/ { s2 += $2 }
  /^ +Total time:/ { summary = 0 }
  END { if (p + f + s == 0) { p = p2; f = f2; s = s2 } print p + 0, f + 0, s + 0 }' "$log")
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
