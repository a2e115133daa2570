using System.Security.Cryptography;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>
/// <c>restore</c> under the reliability suite's faults: the fidelity tree (awkward names, hard links, ACLs, xattrs,
/// owners, sparse files, devices) comes back exactly into the source and <c>--to</c>, and the restore is undone exactly;
/// kill -9 of the command mid-restore leaves every file whole (old or restored), no rsync temp file, and the snapshot
/// taken before the restore intact.
/// </summary>
public class RestoreReliabilityTests : ReliabilityTest
{
    [Test]
    public void The_fidelity_tree_comes_back_exactly_into_the_source_and_elsewhere_and_the_restore_is_undone_exactly()
    {
        const string fault = "fidelity: restore of awkward names and file kinds";
        Figures.Inject(fault);
        var source = Path.Combine(Loop.Mount, "src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(Loop.Root, "build.py"), FidelityTests.Builder);
        Shell.Check("python3", Path.Combine(Loop.Root, "build.py"), source);
        Shell.Check("setfacl", "-m", "u:54321:r,g:54999:rw", Path.Combine(source, "acl"));
        Shell.Check("setfacl", "-d", "-m", "u:54321:rx", Path.Combine(source, "sub"));
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {source}\nbackups = {Backups}\n");
        CliOk("setup", "data1");
        var snapshot = CliOk("backup", "data1").Output.Trim();

        // Wreck it: contents, modes, owners, xattrs, ACLs, hard links, sparseness, a deleted deep tree, a new file.
        File.WriteAllText(Path.Combine(source, "-rf"), "overwritten");
        File.WriteAllText(Path.Combine(source, "--delete", "-n"), "overwritten too");
        File.Delete(Path.Combine(source, "hard2"));
        File.Delete(Path.Combine(source, "sub", "hard3"));
        Shell.Check("setfattr", "-x", "user.comment", Path.Combine(source, "xattr"));
        Shell.Check("setfacl", "-b", Path.Combine(source, "acl"));
        Shell.Check("chown", "1:1", Path.Combine(source, "owned"));
        Shell.Check("chmod", "755", Path.Combine(source, "mode000"));
        Shell.Check("rm", "-rf", Path.Combine(source, "deep"));
        File.Delete(Path.Combine(source, "sparse"));
        Shell.Check("truncate", "-s", "1M", Path.Combine(source, "sparse"));
        File.WriteAllText(Path.Combine(source, "new file"), "not in the snapshot");
        var wrecked = Entries(source); // names only: HashTree would open the fifo

        // Single awkward paths first ("--" keeps the dashed ones paths), then the whole tree with --delete.
        AssertNoStackTrace(CliOk("restore", "data1", "--yes", "--", "-rf", "--delete/-n"));
        Assert.That(File.ReadAllText(Path.Combine(source, "-rf")), Is.EqualTo("dash"));
        Assert.That(File.ReadAllText(Path.Combine(source, "--delete", "-n")), Is.EqualTo("dash dash"));
        var result = CliOk("restore", "data1", ".", "--delete", "--yes", "--from", snapshot);
        AssertNoStackTrace(result);
        AssertIdentical(Path.Combine(Backups, snapshot), source);

        // --to: the same tree elsewhere on the btrfs (ACLs, xattrs), the source untouched.
        var elsewhere = Path.Combine(Loop.Mount, "elsewhere");
        CliOk("restore", "data1", source, "--to", elsewhere, "--yes", "--from", snapshot);
        AssertIdentical(Path.Combine(Backups, snapshot), elsewhere);

        // Undo the whole-tree restore: back to the source as it was before it (after the two single paths).
        var before = SnapshotNames()[^1];
        var undo = result.Output.Split('\n').Single(l => l.Contains("to undo: ", StringComparison.Ordinal));
        Assert.That(undo, Does.EndWith($"restore data1 . --from {before} --delete"));
        CliOk("restore", "data1", ".", "--from", before, "--delete", "--yes");
        AssertIdentical(Path.Combine(Backups, before), source);
        Assert.That(Entries(source), Is.EquivalentTo(wrecked), "the wrecked tree's entries, no more, no fewer");
        Assert.That(File.ReadAllText(Path.Combine(source, "new file")), Is.EqualTo("not in the snapshot"));
        Figures.Survive(fault);
    }

    [Test]
    public void Kill_9_mid_restore_leaves_every_file_whole_no_temp_files_and_the_snapshot_taken_before_intact()
    {
        const string fault = "kill -9 of the command mid-restore";
        Figures.Inject(fault);
        const int files = 24;
        var big = Path.Combine(Source, "big");
        Directory.CreateDirectory(big);
        var restored = new Dictionary<string, string>(StringComparer.Ordinal);
        var old = new Dictionary<string, string>(StringComparer.Ordinal);
        var buffer = new byte[16 * 1024 * 1024];
        for (var i = 0; i < files; i++)
        {
            var name = "f" + Id(i);
            Rng.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(big, name), buffer);
            restored[name] = Convert.ToHexString(SHA256.HashData(buffer));
        }
        CliOk("setup", "data1");
        var snapshot = CliOk("backup", "data1").Output.Trim();
        for (var i = 0; i < files; i++)
        {
            var name = "f" + Id(i);
            File.WriteAllText(Path.Combine(big, name), "old " + name);
            old[name] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(big, name))));
        }
        var sourceBefore = HashTree(Source);

        var marker = "/./big";
        var cli = StartCli("restore", "data1", "big", "--yes");
        ProcessScan.AwaitRsync(marker, cli.Process, TimeSpan.FromSeconds(90), () => cli.Error.Result);
        Thread.Sleep(Rng.Next(300, 1200));
        Assert.That(ProcessScan.Rsync(marker), Is.Not.Empty, "the restore's rsync still runs when the command is killed");
        cli.Kill9(wholeGroup: false);

        Assert.That(SurvivingRsync(), Is.Empty, "rsync died with the command");
        Assert.That(ProcessScan.SurvivingRsync(marker), Is.Empty);
        var entries = Directory.GetFileSystemEntries(big).Select(Path.GetFileName).ToList();
        Assert.That(entries, Is.EquivalentTo(restored.Keys), "no rsync temp file (.fN.XXXXXX) is left");
        var restoredCount = 0;
        foreach (var name in restored.Keys)
        {
            var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(big, name))));
            Assert.That(hash, Is.EqualTo(old[name]).Or.EqualTo(restored[name]), $"{name} is whole: its old or its restored content");
            restoredCount += hash == restored[name] ? 1 : 0;
        }
        TestContext.Progress.WriteLine($"kill -9 mid-restore: {restoredCount} of {files} files restored, the rest old");

        var names = SnapshotNames();
        Assert.That(names, Has.Count.EqualTo(2), "the snapshot taken before the restore");
        Assert.That(HashTree(Path.Combine(Backups, names[1])), Is.EquivalentTo(sourceBefore), "the snapshot taken before is intact: the source before the restore");

        // No stale lock: the restore again, to the end.
        CliOk("restore", "data1", "big", "--yes", "--from", snapshot);
        foreach (var name in restored.Keys)
        {
            Assert.That(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(big, name)))), Is.EqualTo(restored[name]));
        }
        Figures.Survive(fault);
    }

    private static void AssertIdentical(string snapshot, string tree)
    {
        var result = Shell.Run("rsync", "-naHAXc", "--numeric-ids", "--delete", "--itemize-changes", snapshot + "/", tree + "/");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Is.Empty, $"rsync sees no difference between {snapshot} and {tree}");
        var usage = Shell.Run("du", "-k", Path.Combine(tree, "sparse")).Output.Split('\t')[0];
        Assert.That(int.Parse(usage, System.Globalization.CultureInfo.InvariantCulture), Is.LessThan(1024), "the sparse file stays sparse");
    }
}
