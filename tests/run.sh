#!/usr/bin/env bash
# The test command: installs what the tests need (as root, Debian), builds, runs every test.
#
#   tests/run.sh               the suite on this machine
#   tests/run.sh --container   then the suite again inside Dockerfile.test's container (tests/container/run.sh)
#
# Prints a closing line "tests: N passed, N failed, N skipped" (with --container, of both runs), and just before it a
# line "container: ..." saying whether the container run happened. Exit status 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."

container=0
for arg in "$@"; do
  case "$arg" in
    --container) container=1 ;;
    *) echo "usage: tests/run.sh [--container]"; exit 2 ;;
  esac
done

# The packages: tests/packages.txt, which Dockerfile.test installs too.
need=()
for pkg in $(sed 's/#.*//' tests/packages.txt); do
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
  SNAPSHOTBACKUP_TEST_COPY=1 bash "$scratch/repo/tests/run.sh" "$@"
  status=$?
  rm -rf "$scratch"
  exit "$status"
fi

bash packaging/publish.sh || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }
# The .deb for the systemd end-to-end test; when this fails the test builds it again and reports the failure.
rm -f artifacts/snapshotbackup_*_amd64.deb
bash packaging/build-deb.sh || echo "packaging/build-deb.sh failed"

test_mounts() { grep -E '/(sbtest|sb-)[^ ]*' /proc/mounts | sort || true; }
test_processes() { pgrep -f 'artifacts/publish/snapshotbackupd|sbtest-|sb-dbus-|sb-notify' | sort || true; }
mounts_before=$(test_mounts)
processes_before=$(test_processes)

log=$(mktemp)
# Default dispositions for the signals a launcher may have ignored (nohup: SIGHUP; `cmd &` in a script: SIGINT,
# SIGQUIT): the daemons the tests start inherit ignored signals, and the reload and stop tests then fail.
env --default-signal=HUP,INT,QUIT dotnet test SnapshotBackup.Daemon.sln --nologo -c Debug --logger "console;verbosity=normal" 2>&1 | tee "$log"
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

if [ "$container" = 1 ]; then
  log=$(mktemp)
  bash tests/container/run.sh 2>&1 | tee "$log"
  container_status=${PIPESTATUS[0]}
  read -r cpassed cfailed cskipped < <(sed -n 's/^tests: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$log" | tail -1)
  rm -f "$log"
  cpassed=${cpassed:-0} cfailed=${cfailed:-0} cskipped=${cskipped:-0}
  if [ "$container_status" -ne 0 ]; then
    [ "$cfailed" -eq 0 ] && cfailed=1
    status=1
  fi
  echo "container: $cpassed passed, $cfailed failed, $cskipped skipped (inside Dockerfile.test; the closing line adds them)"
  passed=$((passed + cpassed)) failed=$((failed + cfailed)) skipped=$((skipped + cskipped))
elif [ -n "${SNAPSHOTBACKUP_IN_CONTAINER:-}" ]; then
  echo "container: this run is the one inside Dockerfile.test's container"
else
  echo "container: not run (bash tests/run.sh --container also runs the suite inside Dockerfile.test)"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
