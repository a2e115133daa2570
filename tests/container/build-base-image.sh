#!/usr/bin/env bash
# Builds the local base image for Dockerfile.test where no image registry is reachable: Debian 12 (debootstrap from
# this machine's Debian mirror) + this machine's .NET SDK + this machine's CA certificates, apt sources and NuGet
# configuration, so that apt-get and NuGet restores inside use the same sources and trust what the machine trusts.
#
#   tests/container/build-base-image.sh         prints the image's name (last line); builds it only when missing
#
# The name is snapshotbackup-test-base:<hash of its inputs> (this script, the SDK, the certificates, the apt and
# NuGet configuration, the environment passed on), so a change to any of them builds a new one; older ones are removed.
# Needs root and a Docker engine (started here by hand when none answers, and stopped again).
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=engine.sh
. tests/container/engine.sh

[ "$(id -u)" = 0 ] || { echo "build-base-image.sh: needs root (debootstrap)"; exit 1; }
repo=snapshotbackup-test-base

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")") || { echo "build-base-image.sh: no dotnet on PATH"; exit 1; }
nuget_configs=()
for f in "${HOME:-/root}/.nuget/NuGet/NuGet.Config" /etc/opt/NuGet/Config/*.config; do
  [ -f "$f" ] && nuget_configs+=("$f")
done
# What the machine's environment says about packages, certificates and proxies goes into the image's environment.
env_lines=$(env | grep -E '^(DOTNET_[A-Z_]+|NUGET_[A-Z_]+|SSL_CERT_(FILE|DIR)|LANG|(https?|no|all)_proxy|(HTTPS?|NO|ALL)_PROXY)=' \
  | grep -v '^DOTNET_ROOT' | sort)
# apt: the settings a mirror may need (no Valid-Until on a snapshot, a proxy, a CA), not the whole configuration.
apt_settings=$(apt-config dump Acquire | grep -E '^Acquire::(Check-Valid-Until|Check-Date|Retries|(https?|ftp)::(Proxy|CaInfo|Verify-Peer|Verify-Host)[^ ]*) ')
apt_sources=$(ls /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null)
# The machine's Debian 12 mirror, for debootstrap.
mirror=$(apt-get indextargets --format '$(REPO_URI) $(CODENAME) $(ORIGIN)' 2>/dev/null | awk '$2 == "bookworm" && $3 == "Debian" { print $1; exit }')
mirror=${mirror:-http://deb.debian.org/debian}

inputs() {
  cat "$0"
  echo "$dotnet_root"
  dotnet --list-sdks
  dotnet --list-runtimes
  sha256sum /etc/ssl/certs/ca-certificates.crt
  find /usr/local/share/ca-certificates -type f -exec sha256sum {} + 2>/dev/null | sort
  [ ${#nuget_configs[@]} -gt 0 ] && cat "${nuget_configs[@]}"
  echo "$env_lines" "$apt_settings" "$mirror"
  # shellcheck disable=SC2086
  cat $apt_sources
}
tag=$repo:$(inputs | sha256sum | cut -c1-12)

work=
cleanup() {
  trap - EXIT INT TERM
  [ -n "$work" ] && rm -rf "$work"
  engine_down || true
  exit "${1:-0}"
}
trap 'cleanup 1' INT TERM
trap 'cleanup $?' EXIT

engine_up || exit 1
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag is there"
  echo "$tag"
  exit 0
fi

start=$SECONDS
work=$(mktemp -d /var/tmp/snapshotbackup-base.XXXXXX)
rootfs=$work/rootfs
# What the .NET SDK needs (the public SDK image has these), and tools its Dockerfile step needs.
packages=ca-certificates,libicu72,libssl3,zlib1g,libstdc++6,libgcc-s1,tzdata,curl,git,procps
echo "debootstrap bookworm from $mirror into $rootfs"
if ! debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -20 "$work/debootstrap.log"
  echo "build-base-image.sh: debootstrap failed"
  exit 1
fi
echo "debootstrap: $((SECONDS - start)) s"

# The SDK, where it is here (the public image has it at the same place: /usr/share/dotnet, /usr/bin/dotnet).
mkdir -p "$rootfs$dotnet_root"
cp -a "$dotnet_root/." "$rootfs$dotnet_root/"
ln -sf "$dotnet_root/dotnet" "$rootfs/usr/bin/dotnet"
# The machine's certificates, including local CAs (which a later update-ca-certificates inside keeps).
cp -a /usr/local/share/ca-certificates/. "$rootfs/usr/local/share/ca-certificates/"
[ -f /etc/ca-certificates.conf ] && cp /etc/ca-certificates.conf "$rootfs/etc/"
rm -rf "$rootfs/etc/ssl/certs"
cp -a /etc/ssl/certs "$rootfs/etc/ssl/certs"
# apt: the same sources, keys and settings.
rm -f "$rootfs/etc/apt/sources.list"
# shellcheck disable=SC2086
for f in $apt_sources; do
  mkdir -p "$rootfs$(dirname "$f")"
  cp "$f" "$rootfs$f"
done
for d in /etc/apt/trusted.gpg.d /etc/apt/keyrings; do
  [ -d "$d" ] && mkdir -p "$rootfs$d" && cp -a "$d/." "$rootfs$d/"
done
[ -n "$apt_settings" ] && echo "$apt_settings" > "$rootfs/etc/apt/apt.conf.d/99snapshotbackup-machine"
# NuGet: the same package sources.
for f in "${nuget_configs[@]}"; do
  case "$f" in
    /etc/*) target=$f ;;
    *) target=/root/.nuget/NuGet/NuGet.Config ;;
  esac
  mkdir -p "$rootfs$(dirname "$target")"
  cp "$f" "$rootfs$target"
done
# Nothing of debootstrap's own state or caches.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/debootstrap

changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]')
while IFS= read -r line; do
  [ -n "$line" ] && changes+=(--change "ENV $line")
done <<<"$env_lines"
echo "docker import as $tag"
tar -C "$rootfs" --numeric-owner -cf - . | docker import "${changes[@]}" \
  --message "debootstrap bookworm + the .NET SDK $(dotnet --version), CA certificates, apt and NuGet configuration of $(hostname)" \
  - "$tag" >/dev/null || { echo "build-base-image.sh: docker import failed"; exit 1; }
# Older base images (other inputs) are of no more use.
docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo" | grep -vxF "$tag" | xargs -r docker image rm >/dev/null 2>&1
echo "base image $tag built in $((SECONDS - start)) s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%d MB", $1 / 1e6 }'))"
echo "$tag"
