#!/usr/bin/env bash
# Builds runnable executables: artifacts/publish/snapshotbackup and artifacts/publish/snapshotbackupd.
# Framework-dependent by default (needs the .NET 10 runtime); SELF_CONTAINED=1 bundles the runtime (used by the .deb).
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
for project in src/SnapshotBackup.Cli src/SnapshotBackup.Daemon; do
  dotnet publish "$project" -c Release -o "$out" --nologo -v quiet "${extra[@]}"
done
echo "built $out/snapshotbackup and $out/snapshotbackupd"
