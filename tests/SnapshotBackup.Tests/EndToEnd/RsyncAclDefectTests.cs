using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// rsync's own defect with hard links and ACLs (3.2 to 3.5): a directory in .sync replaced in the source by a
/// hard-linked file with an ACL makes rsync ask for the default ACL of the file and exit 23, every file being in place.
/// The backup runs rsync once more and takes its snapshot after that complete run. Found by HistoryOracleTests (seed
/// 40935752): the user's backup failed once and the next succeeded.
/// </summary>
public class RsyncAclDefectTests : VolumeTest
{
    [Test]
    public void A_directory_replaced_by_a_hard_linked_file_with_an_acl_is_backed_up_in_one_run()
    {
        CliOk("setup", "data1");
        var d = Path.Combine(Source, "d");
        Directory.CreateDirectory(d);
        WriteFile(Path.Combine(Source, "t"), "a");
        Shell.Check("ln", Path.Combine(Source, "t"), Path.Combine(d, "h"));
        Shell.Check("setfacl", "-m", "u:1234:r", Path.Combine(Source, "t"));
        Directory.CreateDirectory(Path.Combine(d, "x"));
        WriteFile(Path.Combine(d, "x", "in"), "z");
        CliOk("backup", "data1");
        // The swap: d/x becomes the hard-linked file with the ACL, t a directory.
        Directory.Delete(Path.Combine(d, "x"), recursive: true);
        File.Move(Path.Combine(Source, "t"), Path.Combine(d, "x"));
        Directory.CreateDirectory(Path.Combine(Source, "t"));
        WriteFile(Path.Combine(Source, "t", "was"), "q");

        var result = CliOk("backup", "data1");

        var snapshot = Path.Combine(Backups, result.Output.Trim());
        Assert.Multiple(() =>
        {
            Assert.That(result.Error, Does.Contain("rsync stopped on its own defect with hard links and ACLs").And.Contain("running it once more"),
                "rsync 3.5 has the defect; when a fixed rsync does not, drop this line");
            Assert.That(File.ReadAllText(Path.Combine(snapshot, "d", "x")), Is.EqualTo("a"));
            Assert.That(File.ReadAllText(Path.Combine(snapshot, "t", "was")), Is.EqualTo("q"));
            Assert.That(Shell.Run("stat", "-c", "%i", Path.Combine(snapshot, "d", "x")).Output,
                Is.EqualTo(Shell.Run("stat", "-c", "%i", Path.Combine(snapshot, "d", "h")).Output), "still one inode");
            Assert.That(Shell.Run("getfacl", "-cn", Path.Combine(snapshot, "d", "x")).Output, Does.Contain("user:1234:r--"));
        });
    }

    [TestCase(23, "rsync: [generator] get_acl: sys_acl_get_file(d/x, ACL_TYPE_DEFAULT): Permission denied (13)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]\n", true)]
    [TestCase(24, "rsync: [generator] get_acl: sys_acl_get_file(d/x, ACL_TYPE_DEFAULT): Permission denied (13)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]\n", false)]
    [TestCase(23, "rsync: [sender] send_files failed to open \"/src/secret\": Permission denied (13)\nrsync: [generator] get_acl: sys_acl_get_file(d/x, ACL_TYPE_DEFAULT): Permission denied (13)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]\n", false)]
    [TestCase(23, "rsync: [generator] get_acl: sys_acl_get_file(d/x, ACL_TYPE_ACCESS): Permission denied (13)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]\n", false)]
    [TestCase(23, "rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]\n", false)]
    public void Only_that_defect_and_nothing_else_counts(int exit, string tail, bool expected) =>
        Assert.That(new RsyncException(exit, tail).StaleDefaultAcl, Is.EqualTo(expected));
}
