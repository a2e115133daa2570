#!/usr/bin/env bash
# Runs the test command (tests/run.sh) inside Dockerfile.test's container: starts a Docker engine when none answers,
# builds the base image when missing (build-base-image.sh), builds Dockerfile.test on it with --network host, runs
# the container with the flag set below, and removes everything it made (container, loop devices, the engine it
# started), also on failure or interruption. `tests/run.sh --container` calls it after the suite on the host.
#
#   tests/container/run.sh
#
# Ends with the inner run's closing line "tests: N passed, N failed, N skipped"; exit status 0 only when nothing failed.
# SNAPSHOTBACKUP_BASE_IMAGE=IMAGE builds on IMAGE instead of the local base image (e.g. the public SDK image, where a
# registry is reachable). SNAPSHOTBACKUP_CONTAINER_TIMEOUT (seconds, default 5400) bounds the container's run.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=engine.sh
. tests/container/engine.sh

image=snapshotbackup-test:local
name=snapshotbackup-test-$$
timeout_seconds=${SNAPSHOTBACKUP_CONTAINER_TIMEOUT:-5400}
export DOCKER_BUILDKIT=0 # the classic builder: --network host needs no BuildKit entitlement
closing=
status=1
log=$(mktemp)
container_devices=
logs_pid=
engine_ok=

# Capability names by number (linux/capability.h), to name those this machine's root lacks.
cap_names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
  NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE
  SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL
  SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)

# What --privileged would give, spelled out, less the capabilities this machine's root does not have: --privileged
# asks for every capability, and where root's bounding set lacks one (here CAP_SYS_RESOURCE) runc fails with "unable
# to apply caps: operation not permitted". See Dockerfile.test's header for why each flag.
flags=(--network host --cap-add ALL)
bounding=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
for i in "${!cap_names[@]}"; do
  (( bounding >> i & 1 )) || flags+=(--cap-drop "${cap_names[$i]}")
done
flags+=(--security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined
  --device-cgroup-rule 'a *:* rwm' -v /dev:/dev)
# The unified cgroup hierarchy, writable, for systemd-nspawn (Systemd/nspawn-e2e.sh): on a hybrid host (cgroup v1
# controllers + cgroup2 at /sys/fs/cgroup/unified, like this one) the container otherwise has read-only v1
# hierarchies only. On a cgroup2-only host the whole of /sys/fs/cgroup, in the host's cgroup namespace.
if [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  flags+=(-v /sys/fs/cgroup/unified:/sys/fs/cgroup/unified)
elif [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
  flags+=(--cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup)
fi
# Scratch space on the container's own tmpfs (the loopback images, the nspawn test's overlay, whose upper directory
# cannot be on the container's overlayfs root): its device numbers also tell this container's loop devices apart
# from those of anybody else on this machine. Caches (the nspawn test's debootstrapped Debian, NuGet packages) in
# volumes kept between runs.
scratch=rw,exec,dev,suid,mode=1777
flags+=(--tmpfs "/tmp:$scratch" --tmpfs "/var/tmp:$scratch"
  -v snapshotbackup-test-cache:/var/cache/snapshotbackup-tests -v snapshotbackup-test-nuget:/root/.nuget/packages)

cleanup() {
  trap - EXIT INT TERM
  local leftover=0 id loop
  [ -n "$logs_pid" ] && kill "$logs_pid" 2>/dev/null
  if [ -n "$engine_ok" ] && id=$(docker inspect -f '{{.Id}}' "$name" 2>/dev/null); then
    docker rm -f "$name" >/dev/null 2>&1 || { echo "container: docker rm -f $name failed"; leftover=1; }
    # Its cgroups, in case something inside left a sub-cgroup behind (runc then cannot remove them).
    find /sys/fs/cgroup/*/docker/"$id" -depth -type d -exec rmdir {} + 2>/dev/null
    ls -d /sys/fs/cgroup/*/docker/"$id" >/dev/null 2>&1 && { echo "container: cgroups of $name left"; leftover=1; }
  fi
  # Loop devices whose backing file was on the container's tmpfs: a run killed half-way may leave them attached.
  if [ -n "$container_devices" ]; then
    for loop in $(losetup -l -n -O NAME,BACK-MAJ:MIN | awk -v d=" $container_devices " 'index(d, " " $2 " ") { print $1 }'); do
      echo "container: detaching $loop, left attached by the container"
      losetup -d "$loop"
      leftover=1
    done
  fi
  engine_down || leftover=1
  rm -f "$log" "$log.exit"
  if [ -z "$closing" ]; then
    closing="tests: 0 passed, 1 failed, 0 skipped"
  fi
  if [ "$leftover" -ne 0 ]; then
    echo "container: the container run left something behind (above)"
    read -r p f s < <(echo "$closing" | awk '{ print $2, $4, $6 }')
    closing="tests: $p passed, $((f + 1)) failed, $s skipped"
    status=1
  fi
  echo "$closing"
  exit "$status"
}
trap cleanup EXIT
trap 'echo "container: interrupted"; status=1; cleanup' INT TERM

[ "$(id -u)" = 0 ] || { echo "container: needs root"; exit 1; }
engine_up || { echo "container: no Docker engine"; exit 1; }
engine_ok=1

base=${SNAPSHOTBACKUP_BASE_IMAGE:-}
if [ -z "$base" ]; then
  start=$SECONDS
  bash tests/container/build-base-image.sh | tee "$log"
  built=${PIPESTATUS[0]}
  base=$(tail -1 "$log")
  [ "$built" -eq 0 ] && docker image inspect "$base" >/dev/null 2>&1 || { echo "container: no base image"; exit 1; }
  echo "container: base image $base ($((SECONDS - start)) s)"
fi

start=$SECONDS
echo "container: docker build -f Dockerfile.test --build-arg BASE_IMAGE=$base --network host -t $image ."
if ! docker build --network host -f Dockerfile.test --build-arg BASE_IMAGE="$base" -t "$image" . >"$log" 2>&1; then
  tail -30 "$log"
  echo "container: docker build failed"
  exit 1
fi
# The image this build replaced, if any, is of no more use.
docker image prune -f --filter label=snapshotbackup.test >/dev/null 2>&1
echo "container: image built in $((SECONDS - start)) s"

start=$SECONDS
shown=
for arg in "${flags[@]}"; do
  if [[ "$arg" =~ [^A-Za-z0-9_./:=,@+-] ]]; then shown+=" '$arg'"; else shown+=" $arg"; fi
done
echo "container: docker run$shown $image"
docker run -d --name "$name" "${flags[@]}" "$image" >/dev/null || { echo "container: docker run failed"; exit 1; }
pid=$(docker inspect -f '{{.State.Pid}}' "$name")
container_devices=$(awk '$5 == "/tmp" || $5 == "/var/tmp" { print $3 }' "/proc/$pid/mountinfo" 2>/dev/null | tr '\n' ' ')
docker logs -f "$name" 2>&1 | tee "$log" &
logs_pid=$!
# In the background, so that a signal to this script is handled at once (its trap removes the container).
timeout "$timeout_seconds" docker wait "$name" >"$log.exit" &
wait $!
exit_code=$(cat "$log.exit")
if [ -z "$exit_code" ]; then
  echo "container: no result within $timeout_seconds s; stopping it"
  docker stop -t 30 "$name" >/dev/null 2>&1
  exit_code=1
fi
wait "$logs_pid"
logs_pid=
echo "container: the test command ran in the container in $((SECONDS - start)) s (exit status $exit_code)"
closing=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
status=$exit_code
if [ -z "$closing" ]; then
  echo "container: the test command in the container printed no closing line"
  status=1
elif [ "$exit_code" -ne 0 ] && [ "$(echo "$closing" | awk '{ print $4 }')" -eq 0 ]; then
  closing="tests: $(echo "$closing" | awk '{ print $2 }') passed, 1 failed, $(echo "$closing" | awk '{ print $6 }') skipped"
fi
exit "$status"
