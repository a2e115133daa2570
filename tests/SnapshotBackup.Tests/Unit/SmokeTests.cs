namespace SnapshotBackup.Tests.Unit;

public class SmokeTests
{
    [Test]
    public void Test_project_runs() => Assert.That(1 + 1, Is.EqualTo(2));
}
