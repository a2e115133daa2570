# A Docker engine for the container test run; sourced by build-base-image.sh and run.sh (bash, as root).
#
#   engine_up      use the engine that answers (DOCKER_HOST or the default socket); when none does, install Debian's
#                  docker.io if dockerd is missing and start a private dockerd by hand (no systemd needed)
#   engine_down    stop what engine_up started (nothing when it found an engine answering), and check that it left
#                  no process or mount behind
#
# The private dockerd touches nothing of the machine's networking (no bridge, no iptables rules: every build and
# container here uses --network host) and keeps its own socket, pid file and exec root under $engine_run, and its
# images and build cache in $engine_data (kept between runs: the base image is built once). A lock serialises the
# container runs of this machine, so one run never stops the engine another one is using.

engine_run=/run/snapshotbackup-docker
engine_data=${SNAPSHOTBACKUP_TEST_CACHE:-/var/cache/snapshotbackup-tests}/docker
engine_started=
engine_pid=
engine_cgroups_before=

engine_answers() { timeout 20 docker info >/dev/null 2>&1; }

engine_up() {
  # Called again by a script that the holder of the engine runs (run.sh runs build-base-image.sh): use it as it is.
  if [ -n "${SNAPSHOTBACKUP_ENGINE_HELD:-}" ] && engine_answers; then
    return 0
  fi
  mkdir -p "$engine_run"
  exec 8>"$engine_run.lock"
  if ! flock -w 1 8; then
    echo "waiting for another container test run on this machine ($engine_run.lock)"
    # In the background (the lock belongs to the open file, which this shell shares), so that a signal is handled.
    flock -w "${SNAPSHOTBACKUP_CONTAINER_TIMEOUT:-5400}" 8 &
    wait $! || { echo "engine: the other run did not finish"; return 1; }
  fi
  if [ -z "${SNAPSHOTBACKUP_OWN_ENGINE:-}" ] && engine_answers; then
    echo "engine: the Docker engine at ${DOCKER_HOST:-the default socket} ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
    export SNAPSHOTBACKUP_ENGINE_HELD=1
    return 0
  fi
  export DOCKER_HOST=unix://$engine_run/docker.sock
  # A private dockerd that a killed run left behind is adopted, and stopped at the end like one started now.
  if [ -f "$engine_run/dockerd.pid" ] && kill -0 "$(cat "$engine_run/dockerd.pid")" 2>/dev/null; then
    engine_pid=$(cat "$engine_run/dockerd.pid")
    engine_started=1
    engine_answers && { echo "engine: adopted the private dockerd (pid $engine_pid) of an earlier run"; export SNAPSHOTBACKUP_ENGINE_HELD=1; return 0; }
    engine_down
    mkdir -p "$engine_run"
  fi
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    echo "engine: installing docker.io (no dockerd here)"
    # Debian's maintainer scripts would start the packaged service (default bridge, iptables rules): a policy that
    # denies every start keeps them from doing so.
    local policy
    policy=$(mktemp)
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    DEBIAN_FRONTEND=noninteractive POLICYRCD=$policy apt-get install -y -qq docker.io >"$engine_run/apt.log" 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive POLICYRCD=$policy apt-get install -y -qq docker.io >"$engine_run/apt.log" 2>&1; }
    local status=$?
    rm -f "$policy"
    [ "$status" -eq 0 ] || { tail -20 "$engine_run/apt.log"; echo "engine: apt-get install docker.io failed"; return 1; }
  fi
  engine_cgroups_before=$(ls -d /sys/fs/cgroup/*/docker 2>/dev/null)
  mkdir -p "$engine_data"
  echo "engine: starting a private dockerd (socket $engine_run/docker.sock, data $engine_data)"
  setsid dockerd --host "$DOCKER_HOST" --pidfile "$engine_run/dockerd.pid" --exec-root "$engine_run/exec" \
    --data-root "$engine_data" --bridge none --iptables=false --ip6tables=false --ip-masq=false \
    --userland-proxy=false >"$engine_run/dockerd.log" 2>&1 </dev/null 8>&- &
  engine_pid=$!
  engine_started=1
  local _
  for _ in $(seq 120); do
    engine_answers && { echo "engine: dockerd $(docker version -f '{{.Server.Version}}') (pid $engine_pid) is up"; export SNAPSHOTBACKUP_ENGINE_HELD=1; return 0; }
    kill -0 "$engine_pid" 2>/dev/null || break
    sleep 0.5
  done
  tail -20 "$engine_run/dockerd.log"
  echo "engine: dockerd did not answer within 60 s"
  return 1
}

engine_down() {
  [ -n "$engine_started" ] || return 0
  local status=0 _ p children
  if [ -n "$engine_pid" ] && kill -0 "$engine_pid" 2>/dev/null; then
    # Its containerd and shims: stopped by dockerd; killed below if they outlive it.
    children=$(pgrep -P "$engine_pid")
    for p in $children; do children="$children $(pgrep -P "$p")"; done
    kill -TERM "$engine_pid"
    for _ in $(seq 60); do kill -0 "$engine_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$engine_pid" 2>/dev/null; then
      echo "engine: dockerd did not stop within 30 s; killing it"
      kill -KILL "$engine_pid"
      status=1
    fi
    local alive=
    for _ in $(seq 20); do
      alive=
      for p in $children; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
      [ -z "$alive" ] && break
      sleep 0.5
    done
    for p in $alive; do echo "engine: killing left-over $(cat /proc/"$p"/comm 2>/dev/null) ($p)"; kill -KILL "$p" 2>/dev/null; done
  fi
  # Mounts of the engine (image layers, the exec root's namespaces): none may stay.
  local m
  for m in $(awk -v a="$engine_run" -v b="$engine_data" 'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/mounts | sort -r); do
    # dockerd leaves the mount of its default network namespace behind as a rule; anything else is worth a line.
    [ "$m" = "$engine_run/exec/netns/default" ] || echo "engine: unmounting left-over $m"
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  # The cgroups dockerd made (empty once its containers are gone), where there were none before.
  for m in /sys/fs/cgroup/*/docker; do
    [ -d "$m" ] && ! grep -qxF "$m" <<<"$engine_cgroups_before" && rmdir "$m" 2>/dev/null
  done
  rm -rf "$engine_run"
  engine_started=
  engine_pid=
  unset DOCKER_HOST SNAPSHOTBACKUP_ENGINE_HELD
  return "$status"
}
