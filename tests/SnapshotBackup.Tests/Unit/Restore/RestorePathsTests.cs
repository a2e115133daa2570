using SnapshotBackup.Core;
using SnapshotBackup.Core.Restore;

namespace SnapshotBackup.Tests.Unit.Restore;

public class RestorePathsTests
{
    [TestCase("/srv/data/docs/a.txt", "docs/a.txt")]
    [TestCase("/srv/data/docs/", "docs")]
    [TestCase("/srv/data//docs/./sub/../a.txt", "docs/a.txt")]
    [TestCase("/srv/data", "")]
    [TestCase("/srv/data/", "")]
    [TestCase("docs/a.txt", "docs/a.txt")]
    [TestCase("./docs", "docs")]
    [TestCase(".", "")]
    [TestCase("-rf", "-rf")]
    [TestCase("docs/../photos", "photos")]
    public void A_path_becomes_relative_to_the_sources_top(string path, string relative) =>
        Assert.That(RestorePaths.Resolve("/srv/data", [path]), Is.EqualTo(new[] { relative }));

    [TestCase("/srv/other/a")]
    [TestCase("/srv/database/a")]
    [TestCase("/srv")]
    [TestCase("/srv/data/../other")]
    public void An_absolute_path_outside_the_source_is_refused(string path) =>
        Assert.That(() => RestorePaths.Resolve("/srv/data", [path]),
            Throws.TypeOf<UsageException>().With.Message.Contains("is not in the source /srv/data"));

    [TestCase("..")]
    [TestCase("../data/a")]
    [TestCase("docs/../../x")]
    public void A_relative_path_climbing_out_of_the_source_is_refused(string path) =>
        Assert.That(() => RestorePaths.Resolve("/srv/data", [path]),
            Throws.TypeOf<UsageException>().With.Message.Contains("climbs out of the source"));

    [Test]
    public void No_path_or_an_empty_one_is_refused()
    {
        Assert.That(() => RestorePaths.Resolve("/srv/data", []), Throws.TypeOf<UsageException>().With.Message.Contains("at least one PATH"));
        Assert.That(() => RestorePaths.Resolve("/srv/data", [""]), Throws.TypeOf<UsageException>().With.Message.Contains("empty PATH"));
    }

    [Test]
    public void Duplicates_and_paths_inside_another_restored_path_are_dropped()
    {
        Assert.That(RestorePaths.Resolve("/srv/data", ["docs/a", "photos", "docs", "/srv/data/docs", "docsx"]), Is.EqualTo(new[] { "photos", "docs", "docsx" }));
        Assert.That(RestorePaths.Resolve("/srv/data", ["docs", "."]), Is.EqualTo(new[] { "" }));
    }

    [Test]
    public void A_remote_sources_paths_are_under_its_remote_path_written_either_way()
    {
        Assert.That(RestorePaths.Resolve("u@host:/srv/data", ["/srv/data/a", "u@host:/srv/data/b", "c"]), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(() => RestorePaths.Resolve("u@host:/srv/data", ["other@host:/srv/data/a"]), Throws.TypeOf<UsageException>());
        Assert.That(() => RestorePaths.Resolve("u@host:/srv/data", ["/srv/x"]), Throws.TypeOf<UsageException>());
    }

    [Test]
    public void A_path_must_be_in_the_snapshot_through_real_directories_and_the_error_names_versions()
    {
        var snapshot = Directory.CreateTempSubdirectory("sb-restore-paths-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(snapshot, "docs"));
            File.WriteAllText(Path.Combine(snapshot, "docs", "a.txt"), "a");
            File.CreateSymbolicLink(Path.Combine(snapshot, "link"), "/etc");
            File.CreateSymbolicLink(Path.Combine(snapshot, "dangling"), "/nonexistent");

            Assert.That(() => RestorePaths.CheckInSnapshot(snapshot, "S", "data1", ["", "docs", "docs/a.txt", "link", "dangling"]), Throws.Nothing);
            Assert.That(() => RestorePaths.CheckInSnapshot(snapshot, "S", "data1", ["docs/b.txt"]),
                Throws.TypeOf<UsageException>().With.Message.EqualTo("docs/b.txt is not in snapshot S; 'snapshotbackup versions data1 docs/b.txt' lists the snapshots that have it"));
            Assert.That(() => RestorePaths.CheckInSnapshot(snapshot, "S", "data1", ["link/passwd"]),
                Throws.TypeOf<UsageException>().With.Message.Contains("link is a symlink in snapshot S"));
            Assert.That(() => RestorePaths.CheckInSnapshot(snapshot, "S", "data1", ["docs/a.txt/x"]),
                Throws.TypeOf<UsageException>().With.Message.Contains("docs/a.txt is not a directory"));
        }
        finally
        {
            Directory.Delete(snapshot, recursive: true);
        }
    }

    [Test]
    public void The_undo_of_a_created_path_is_its_nearest_directory_in_the_snapshot_taken_before()
    {
        var before = Directory.CreateTempSubdirectory("sb-restore-undo-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(before, "docs"));
            File.WriteAllText(Path.Combine(before, "docs", "kept"), "k");

            Assert.That(RestorePaths.UndoPaths(before, ["docs/kept"]), Is.EqualTo(new[] { "docs/kept" }), "a path the snapshot has undoes itself");
            Assert.That(RestorePaths.UndoPaths(before, ["docs/new/deeper"]), Is.EqualTo(new[] { "docs" }), "created: its nearest directory there");
            Assert.That(RestorePaths.UndoPaths(before, ["docs/kept", "docs/new/deeper"]), Is.EqualTo(new[] { "docs" }), "one inside the other: once");
            Assert.That(RestorePaths.UndoPaths(before, ["docs/kept", "gone/x"]), Is.EqualTo(new[] { "" }), "nothing of it there: the whole tree");
        }
        finally
        {
            Directory.Delete(before, recursive: true);
        }
    }
}
