namespace SnapshotBackup.Cli;

internal static class HelpText
{
    public const string Usage = """
        usage: snapshotbackup [options] COMMAND NAME
               snapshotbackup [options] status [NAME]

        Incremental backups with rsync onto btrfs; each finished backup is a read-only snapshot.

        commands (NAME is a section of the configuration):
          setup, s      create the backups directory (must be on btrfs)
          backup, b     back up the source into .sync, then snapshot it read-only
          list, l       list backups with their retention status (--json for JSON)
          prune, p      delete prune candidates (asks per backup unless --yes)
          decay, d      delete backups older than 'decay' (asks per backup unless --yes)
          destroy       delete every backup, .sync and the backups directory
          clean         delete the .sync working subvolume
          status        each configured backup: the daemon's state and the newest
                        snapshot on its volume (--json for JSON)
          notify-test   send a test notification to NAME's notification targets

        options (anywhere on the line; a command refuses an option it does not take, exit 2):
          -c, --config FILE   read FILE instead of $XDG_CONFIG_HOME/snapshotbackup.ini,
                              /etc/snapshotbackup.ini and /etc/snapshotbackup.d/*.ini;
                              repeat to read several files in order, a later one
                              overriding an earlier one key by key
          -d, --debug         more output (repeat for more)
              --yes           answer yes: prune, decay and destroy delete without asking
                              (the other commands never ask)
          -v, --version       print the version
          -h, --help          print this help
        backup:
          -p, --progress      show rsync's overall progress
              --checksum      compare files by checksum, not size and time
              --source PATH   back up PATH instead of the configured source
              --dry-run       list what rsync would change; write nothing, take no snapshot
              --state-file F  the daemon's state file: its last success counts for
                              silent_fail_threshold when the volume cannot be read
        prune, decay, destroy:
              --dry-run       list what would be deleted and why; delete nothing
              --json          JSON output
        setup, clean:
              --dry-run       say what would be created or deleted; change nothing
        list, status:
              --json          JSON output
        status:
              --state-file F  the daemon's state file (default
                              /var/lib/snapshotbackup/state.json)

        exit codes: 0 ok, 1 operation failed, 2 usage or configuration error, 75 volume locked,
                    65 status: the daemon's state file is unreadable or corrupt
        """;
}
