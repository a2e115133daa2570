using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.History;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.History;

/// <summary>
/// versions across 1,000 snapshots (made by ioctl from a .sync the test changes as a backup would): every change is
/// one new version, a change of ctime alone (chmod to the same mode) is none, for a large file (FIEMAP proves it) and a
/// small one whose bytes btrfs keeps inline. The answer is checked, not timed (bench/ times it); the time is printed.
/// </summary>
[Category("History")]
public class VersionsManySnapshotsTests : VolumeTest
{
    private const int Count = 1000;

    [Test]
    public void Versions_across_a_thousand_snapshots_list_each_change_once()
    {
        CreateSyncByHand();
        var sync = Path.Combine(Backups, ".sync");
        var files = new[] { "big.bin", "dir/small.txt" };
        Directory.CreateDirectory(Path.Combine(sync, "dir"));
        var random = new Random(7);
        var version = new Dictionary<string, int?>();
        var expected = files.ToDictionary(f => f, _ => new List<int?>());
        void Write(string file, int i)
        {
            var bytes = new byte[file == "big.bin" ? 65536 : 100];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(sync, file), bytes);
            version[file] = i;
        }
        foreach (var file in files)
        {
            Write(file, 0);
        }
        var start = new DateTimeOffset(DateTimeOffset.UtcNow.Date.AddDays(-3), TimeSpan.Zero);
        var names = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            foreach (var file in files)
            {
                var path = Path.Combine(sync, file);
                switch (i)
                {
                    case 700:
                        File.Delete(path);
                        version[file] = null;
                        break;
                    case 300:
                        Shell.Check("chmod", "600", path); // metadata only: a version
                        version[file] = i;
                        break;
                    case 400:
                        Shell.Check("setfattr", "-n", "user.note", "-v", "x", path); // xattr only: a version
                        version[file] = i;
                        break;
                    case 500 or 600:
                        Shell.Check("chmod", "600", path); // ctime alone changes: no new version
                        break;
                    case 550:
                        Shell.Check("ln", path, path + ".link"); // a new link changes ctime and nlink: no new version
                        break;
                    case 750 or 900:
                        Write(file, i);
                        break;
                    case > 0 when i % 100 == 50 && i < 700:
                        Write(file, i);
                        break;
                }
            }
            var name = SnapshotName.Format(start.AddSeconds(i));
            BtrfsManager.Instance.CreateSnapshot(Backups, ".sync", name, readOnly: true);
            names.Add(name);
            foreach (var file in files)
            {
                expected[file].Add(version[file]);
            }
        }

        foreach (var file in files)
        {
            var watch = Stopwatch.StartNew();
            var result = CliOk("versions", "data1", file, "--json");
            watch.Stop();
            var snapshots = names.Select(n => (n, Path.Combine(Backups, n))).ToList();
            var inProcess = Stopwatch.StartNew();
            var (found, unreadable) = VersionFinder.Find(snapshots, file);
            inProcess.Stop();
            TestContext.Out.WriteLine($"versions {file} over {Count} snapshots: {watch.Elapsed.TotalSeconds:0.000} s by the CLI (JIT start included), {inProcess.Elapsed.TotalSeconds:0.000} s in process");
            Assert.That(unreadable, Is.Empty);

            var runs = new List<string>();
            for (int i = 0, j; i < Count; i = j)
            {
                for (j = i; j < Count && expected[file][j] == expected[file][i]; j++)
                {
                }
                runs.Add($"{names[i]}..{names[j - 1]} {j - i} {(expected[file][i] is null ? "absent" : "present")}");
            }
            Assert.That(runs, Has.Count.EqualTo(12), "the schedule's versions: 0, 50, 150, 250, 300, 350, 400, 450, 650, absent, 750, 900");
            using var doc = JsonDocument.Parse(result.Output);
            var printed = doc.RootElement.GetProperty("versions").EnumerateArray().Select(v =>
                $"{v.GetProperty("first").GetString()}..{v.GetProperty("last").GetString()} {v.GetProperty("snapshots").GetInt32().ToString(CultureInfo.InvariantCulture)} {(v.GetProperty("absent").GetBoolean() ? "absent" : "present")}").ToList();
            Assert.That(printed, Is.EqualTo(runs), file);
            Assert.That(found.Select(v => $"{v.First}..{v.Last} {v.Count} {(v.State is null ? "absent" : "present")}"), Is.EqualTo(runs), file);
        }
    }
}
