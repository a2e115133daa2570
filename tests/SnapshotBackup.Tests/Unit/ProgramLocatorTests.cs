using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Tests.Unit;

/// <summary>Finding btrfs and sudo the way sudoers will match them: real directories, the program's own name.</summary>
public class ProgramLocatorTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Core.Internal.LibC.RealPath(Directory.CreateTempSubdirectory("sbprog-").FullName)!;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string Executable(string relative)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n");
        Fixtures.Shell.Check("chmod", "700", path);
        return path;
    }

    [Test]
    public void A_program_found_through_a_symlinked_directory_is_given_by_its_real_directory()
    {
        var real = Executable("usr/bin/btrfs");
        File.CreateSymbolicLink(Path.Combine(_dir, "bin"), "usr/bin"); // a merged /usr: /bin -> usr/bin

        Assert.That(ProgramLocator.Find("btrfs", Path.Combine(_dir, "bin")), Is.EqualTo(real));
    }

    [Test]
    public void A_program_that_is_a_symlink_to_another_name_keeps_its_name_sudo_matches_names()
    {
        Executable("lib/btrfs.static");
        Directory.CreateDirectory(Path.Combine(_dir, "usr/bin"));
        File.CreateSymbolicLink(Path.Combine(_dir, "usr/bin/btrfs"), "../../lib/btrfs.static");

        Assert.That(ProgramLocator.Find("btrfs", Path.Combine(_dir, "usr/bin")), Is.EqualTo(Path.Combine(_dir, "usr/bin/btrfs")));
    }

    [Test]
    public void Path_comes_first_then_the_standard_directories_and_a_file_that_is_not_executable_does_not_count()
    {
        var first = Executable("a/prog-sb-test");
        File.WriteAllText(Path.Combine(_dir, "b-prog-sb-test"), "not executable");

        Assert.That(ProgramLocator.Find("prog-sb-test", $"relative/dir:{Path.Combine(_dir, "a")}"), Is.EqualTo(first));
        Assert.That(ProgramLocator.Find("b-prog-sb-test", _dir), Is.Null);
        Assert.That(ProgramLocator.Find("sh", null), Is.Not.Null, "found in the standard directories without a PATH");
    }
}
