using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>Awkward names and file kinds: the snapshot equals the source as rsync -naHAXc judges it.</summary>
public class FidelityTests : ReliabilityTest
{
    /// <summary>A python3 script that fills argv[1] with the awkward names and file kinds (also used by <see cref="RestoreReliabilityTests"/>).</summary>
    internal const string Builder = """
import os, sys
root = sys.argv[1].encode()
def p(*parts): return os.path.join(root, *parts)
open(p(b'not-utf8-\xff\xfe\x80'), 'wb').write(b'latin1 bytes')
open(p(b'new\nline'), 'wb').write(b'newline in the name')
open(p(b'-rf'), 'wb').write(b'dash')
os.mkdir(p(b'--delete'))
open(p(b'--delete', b'-n'), 'wb').write(b'dash dash')
open(p(b'L' * 255), 'wb').write(b'long name')
d = p(b'deep')
os.mkdir(d)
for i in range(200):
    d = os.path.join(d, b'd')
    os.mkdir(d)
open(os.path.join(d, b'bottom'), 'wb').write(b'depth 200')
open(p(b'hard1'), 'wb').write(b'linked twice')
os.link(p(b'hard1'), p(b'hard2'))
os.mkdir(p(b'sub'))
os.link(p(b'hard1'), p(b'sub', b'hard3'))
with open(p(b'sparse'), 'wb') as f:
    f.seek(64 * 1024 * 1024); f.write(b'end'); f.seek(1024); f.write(b'start')
open(p(b'xattr'), 'wb').write(b'x')
os.setxattr(p(b'xattr'), b'user.comment', b'hello \x00\xff')
open(p(b'acl'), 'wb').write(b'a')
open(p(b'owned'), 'wb').write(b'nobody has this uid')
os.chown(p(b'owned'), 54321, 54321)
os.mkdir(p(b'owned-dir'))
os.chown(p(b'owned-dir'), 54322, 54323)
os.mkfifo(p(b'fifo'))
os.symlink(b'/nonexistent/target', p(b'dangling'))
os.symlink(b'../outside\xff', p(b'dangling-bytes'))
open(p(b'mode000'), 'wb').write(b'secret')
os.chmod(p(b'mode000'), 0)
os.mkdir(p(b'dir000'))
open(p(b'dir000', b'inner'), 'wb').write(b'inner')
os.chmod(p(b'dir000'), 0)
os.mknod(p(b'chardev'), 0o020600, os.makedev(1, 3))
os.utime(p(b'-rf'), ns=(1, 123456789))
""";

    [Test]
    public void Hostile_names_and_file_kinds_are_copied_exactly_and_list_and_prune_cope()
    {
        const string fault = "fidelity: awkward names and file kinds";
        Figures.Inject(fault);
        // The source lives on the loop btrfs (xattrs, ACLs) outside the backups directory.
        var source = Path.Combine(Loop.Mount, "src");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(Loop.Root, "build.py"), Builder);
        Shell.Check("python3", Path.Combine(Loop.Root, "build.py"), source);
        Shell.Check("setfacl", "-m", "u:54321:r,g:54999:rw", Path.Combine(source, "acl"));
        Shell.Check("setfacl", "-d", "-m", "u:54321:rx", Path.Combine(source, "sub"));
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {source}\nbackups = {Backups}\nautoprune = true\n");
        CliOk("setup", "data1");

        var first = CliOk("backup", "data1").Output.Trim();
        AssertIdentical(source, first);
        // Change a few things and back up again (incremental into .sync).
        File.Delete(Path.Combine(source, "hard2"));
        Shell.Check("setfattr", "-n", "user.other", "-v", "2", Path.Combine(source, "-rf"));
        var second = CliOk("backup", "data1").Output.Trim();
        AssertIdentical(source, second);

        var list = CliOk("list", "data1");
        AssertNoStackTrace(list);
        Assert.That(list.Output, Does.Contain(first).And.Contain(second));
        AssertNoStackTrace(CliOk("prune", "data1", "--yes"));
        AssertNoStackTrace(CliOk("decay", "data1", "--yes"));
        Assert.That(SnapshotNames(), Does.Contain(second));
        Figures.Survive(fault);
    }

    private void AssertIdentical(string source, string snapshot)
    {
        var result = Shell.Run("rsync", "-naHAXc", "--numeric-ids", "--delete", "--itemize-changes", source + "/", Path.Combine(Backups, snapshot) + "/");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Is.Empty, $"rsync sees no difference between the source and {snapshot}");
        // rsync -n does not report sparseness: the copy must not take the sparse file's whole size.
        var usage = Shell.Run("du", "-k", Path.Combine(Backups, snapshot, "sparse")).Output.Split('\t')[0];
        Assert.That(int.Parse(usage, System.Globalization.CultureInfo.InvariantCulture), Is.LessThan(1024), "the sparse file stays sparse");
    }
}
