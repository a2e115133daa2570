#!/usr/bin/env bash
# Builds runnable executables: artifacts/publish/snapshotbackup and artifacts/publish/snapshotbackupd.
# The CLI is NativeAOT (starts in milliseconds; needs gcc to link). The daemon is framework-dependent by default
# (needs the .NET 10 runtime); SELF_CONTAINED=1 bundles the runtime for it (used by the .deb).
# OUT=DIR publishes into DIR instead of artifacts/publish (build-deb.sh uses its own, so the tests' build stays).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-artifacts/publish}
extra=()
if [ "${SELF_CONTAINED:-0}" = 1 ]; then
  extra=(--self-contained true -r linux-x64 -p:PublishReadyToRun=true)
else
  extra=(--self-contained false)
fi
# The CLI is NativeAOT (PublishAot in its project; needs a C toolchain: gcc or clang, zlib1g-dev): a native
# executable for this machine's runtime identifier in either mode, so it starts in milliseconds.
dotnet publish src/SnapshotBackup.Cli -c Release -o "$out" --nologo -v quiet --use-current-runtime
dotnet publish src/SnapshotBackup.Daemon -c Release -o "$out" --nologo -v quiet "${extra[@]}"
echo "built $out/snapshotbackup and $out/snapshotbackupd"
