using System.Security.Cryptography;
using System.Text;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>A backups volume as the Python snapshotbackup left it: .sync and snapshots made with btrfs-progs, a stale .sync_lock.</summary>
public class PythonVolumeTests : VolumeTest
{
    // Chronological order; 2019-03-01T09:30:00+00:00 sorts before 10:00+01:00 as text but is half an hour later.
    private static readonly string[] PythonNames =
    [
        "2019-02-28T23:00:00+01:00",
        "2019-03-01T10:00:00+01:00",
        "2019-03-01T09:30:00+00:00",
        "2019-03-02T08:00:00+05:30",
    ];

    private void MakePythonVolume()
    {
        CreateSyncByHand();
        var sync = Path.Combine(Backups, ".sync");
        for (var i = 0; i < PythonNames.Length; i++)
        {
            WriteFile(Path.Combine(sync, "state.txt"), "state " + i);
            WriteFile(Path.Combine(sync, "dir", $"file{i}.bin"), new string('x', 1000 * (i + 1)));
            Shell.Check("btrfs", "subvolume", "snapshot", "-r", sync, Path.Combine(Backups, PythonNames[i]));
        }
        File.WriteAllText(Path.Combine(Backups, ".sync_lock"), string.Empty);
        WriteFile(Path.Combine(Source, "state.txt"), "new state");
        WriteFile(Path.Combine(Source, "dir", "new.bin"), "new");
    }

    /// <summary>Every file's relative path and content hash, for byte-identical comparisons.</summary>
    private static string Fingerprint(string root)
    {
        var builder = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            builder.Append(Path.GetRelativePath(root, file)).Append(' ')
                .Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))).Append('\n');
        }
        return builder.ToString();
    }

    private static string SubvolumeField(string path, string field)
    {
        var line = Shell.Run("btrfs", "subvolume", "show", path).Output.Split('\n')
            .Select(l => l.Trim())
            .First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line[(field.Length + 1)..].Trim();
    }

    [Test]
    public void List_shows_the_python_backups_oldest_first_by_time_not_by_name()
    {
        MakePythonVolume();

        var list = CliOk("list", "data1").Output;

        var positions = PythonNames.Select(n => list.IndexOf(n, StringComparison.Ordinal)).ToList();
        Assert.That(positions, Has.All.GreaterThanOrEqualTo(0), list);
        Assert.That(positions, Is.Ordered, list);
        Assert.That(SnapshotNames(), Is.EqualTo(PythonNames));
    }

    [Test]
    public void Backup_continues_a_python_volume_adding_a_snapshot_and_leaving_the_old_ones_byte_identical()
    {
        MakePythonVolume();
        var before = PythonNames.ToDictionary(n => n, n => Fingerprint(Path.Combine(Backups, n)));
        var uuids = PythonNames.ToDictionary(n => n, n => SubvolumeField(Path.Combine(Backups, n), "UUID"));

        var result = CliOk("backup", "data1");
        var created = result.Output.Trim();

        Assert.That(SnapshotNames(), Is.EqualTo(PythonNames.Append(created)));
        foreach (var name in PythonNames)
        {
            Assert.That(Fingerprint(Path.Combine(Backups, name)), Is.EqualTo(before[name]), name);
            Assert.That(SubvolumeField(Path.Combine(Backups, name), "UUID"), Is.EqualTo(uuids[name]), name);
        }
        Assert.That(File.ReadAllText(Path.Combine(Backups, created, "state.txt")), Is.EqualTo("new state"));
        Assert.That(File.ReadAllText(Path.Combine(Backups, created, "dir", "new.bin")), Is.EqualTo("new"));
        Assert.That(File.Exists(Path.Combine(Backups, created, "dir", "file0.bin")), Is.False, "rsync --delete ran into the old .sync");
        Assert.That(result.Error, Does.Contain(".sync_lock"), "the stale Python lock is mentioned, not obeyed");
    }

    [Test]
    public void Backup_of_a_python_volume_whose_sync_was_deleted_recreates_sync_from_the_newest_snapshot()
    {
        MakePythonVolume();
        Shell.Check("btrfs", "subvolume", "delete", Path.Combine(Backups, ".sync"));
        var newest = PythonNames[^1];
        var newestUuid = SubvolumeField(Path.Combine(Backups, newest), "UUID");

        var result = CliOk("backup", "data1");
        var created = result.Output.Trim();

        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.True);
        Assert.That(SubvolumeField(Path.Combine(Backups, ".sync"), "Parent UUID"), Is.EqualTo(newestUuid), ".sync is a snapshot of the newest backup");
        Assert.That(Shell.Run("btrfs", "property", "get", Path.Combine(Backups, ".sync"), "ro").Output, Does.Contain("ro=false"));
        Assert.That(SnapshotNames(), Is.EqualTo(PythonNames.Append(created)));
        Assert.That(File.ReadAllText(Path.Combine(Backups, created, "state.txt")), Is.EqualTo("new state"));
        Assert.That(result.Error, Does.Contain(newest));
    }
}
