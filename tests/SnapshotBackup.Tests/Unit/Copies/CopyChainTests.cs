using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit.Copies;

/// <summary>Which snapshot source retention keeps for each copy target, and when it stops.</summary>
public class CopyChainTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static BackupConfig Config(params string[] targets) => new()
    {
        Name = "data1",
        Source = "/src",
        Backups = "/backups",
        CopyTo = targets.Select(t => CopyTarget.TryParse(t, out var target, out _) ? target : throw new ArgumentException(t)).ToList(),
        CopyDecay = new Duration(1, DurationUnit.Month),
    };

    [Test]
    public void The_common_snapshot_of_each_reachable_target_is_kept()
    {
        var records = new Dictionary<string, CopyRecord>
        {
            ["/mnt/a"] = new() { CommonParent = "2026-05-31T10:00:00+00:00", LastReachable = Now.AddHours(-1) },
            ["host:/b"] = new() { CommonParent = "2026-05-31T10:00:00+00:00", LastReachable = Now.AddDays(-29) },
            ["/mnt/c"] = new() { CommonParent = "2026-05-01T10:00:00+00:00", LastReachable = Now.AddDays(-2) },
        };
        var kept = CopyChain.Protected(Config("/mnt/a", "host:/b", "/mnt/c"), records, Now, TimeZoneInfo.Utc);
        Assert.That(kept.Keys, Is.EquivalentTo(new[] { "2026-05-31T10:00:00+00:00", "2026-05-01T10:00:00+00:00" }));
        Assert.That(kept["2026-05-31T10:00:00+00:00"], Is.EqualTo(new[] { "/mnt/a", "host:/b" }));
    }

    [Test]
    public void A_target_unreachable_for_longer_than_copy_decay_no_longer_holds_its_parent_and_says_so()
    {
        var records = new Dictionary<string, CopyRecord>
        {
            ["/mnt/a"] = new() { CommonParent = "2026-04-01T10:00:00+00:00", LastReachable = Now.AddDays(-32), LastCopy = Now.AddDays(-40) },
        };
        var messages = new List<string>();
        var kept = CopyChain.Protected(Config("/mnt/a"), records, Now, TimeZoneInfo.Utc, messages.Add);
        Assert.That(kept, Is.Empty);
        Assert.That(messages, Has.Count.EqualTo(1));
        Assert.That(messages[0], Does.Contain("/mnt/a").And.Contain("copy_decay").And.Contain("full send"));
    }

    [Test]
    public void Records_of_targets_no_longer_configured_keep_nothing()
    {
        var records = new Dictionary<string, CopyRecord>
        {
            ["/mnt/old"] = new() { CommonParent = "2026-05-31T10:00:00+00:00", LastReachable = Now },
        };
        Assert.That(CopyChain.Protected(Config("/mnt/a"), records, Now, TimeZoneInfo.Utc), Is.Empty);
        Assert.That(CopyChain.Protected(Config(), records, Now, TimeZoneInfo.Utc), Is.Empty);
    }
}
