using SnapshotBackup.Core.Restore;

namespace SnapshotBackup.Tests.Unit.Restore;

public class RestorePlanTests
{
    [TestCase(">f+++++++++ a/b/f", RestoreChangeKind.Create)]
    [TestCase("cd+++++++++ a/new/", RestoreChangeKind.Create)]
    [TestCase("cL+++++++++ link -> /x", RestoreChangeKind.Create)]
    [TestCase("hf+++++++++ hard2 => hard1", RestoreChangeKind.Create)]
    [TestCase(">fcst...... top", RestoreChangeKind.Overwrite)]
    [TestCase(".d..t...... a/", RestoreChangeKind.Overwrite)]
    [TestCase(".f...p..... mode", RestoreChangeKind.Overwrite)]
    [TestCase(".f........x xattr", RestoreChangeKind.Overwrite)]
    [TestCase("*deleting   a/new", RestoreChangeKind.Delete)]
    public void Each_itemized_line_is_a_creation_an_overwrite_or_a_deletion(string line, RestoreChangeKind kind) =>
        Assert.That(RestorePlan.Kind(line), Is.EqualTo(kind));

    [Test]
    public void The_summary_counts_each_kind()
    {
        var plan = new RestorePlan([">fcst...... top", ".d..t...... a/", ">f+++++++++ a/f", "*deleting   a/new"]);
        Assert.That(plan.Summary, Is.EqualTo("2 to overwrite, 1 to create, 1 to delete"));
        Assert.That(plan.IsEmpty, Is.False);
        Assert.That(new RestorePlan([]).IsEmpty, Is.True);
    }
}
