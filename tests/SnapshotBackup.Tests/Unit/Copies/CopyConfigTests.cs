using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit.Copies;

/// <summary>copy_to and the copy_* keys: parsed, defaulted to the section's values, refused with one message.</summary>
public class CopyConfigTests : ConfigTestBase
{
    [Test]
    public void Copy_keys_parse_and_default_to_the_sections_own_retention()
    {
        var path = Write("a.ini", """
            [DEFAULT]
            retain_all = 2 days
            [data1]
            source = /src/one
            backups = /backups/one
            copy_to = /mnt/usb/one/ , root@nas.example:/srv/copies//one
            copy_retain_daily = '2 months'
            copy_schedule = daily
            [data2]
            source = /src/two
            backups = /backups/two
            """);
        var set = Load(path);
        var one = set.Get("data1");
        Assert.That(one.CopyTo.Select(t => t.Spec), Is.EqualTo(new[] { "/mnt/usb/one", "root@nas.example:/srv/copies/one" }));
        Assert.That(one.CopyTo[0].IsRemote, Is.False);
        Assert.That(one.CopyTo[1].Host, Is.EqualTo("root@nas.example"));
        Assert.That(one.CopyTo[1].Path, Is.EqualTo("/srv/copies/one"));
        Assert.That(one.CopyRetention.RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(2, DurationUnit.Day))));
        Assert.That(one.CopyRetention.RetainDaily, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(2, DurationUnit.Month))));
        Assert.That(one.CopyRetention.Decay, Is.EqualTo(one.Decay));
        Assert.That(one.CopySchedule, Is.EqualTo("daily"));
        var two = set.Get("data2");
        Assert.That(two.CopyTo, Is.Empty);
        Assert.That(two.CopySchedule, Is.Null);
        Assert.That(set.Warnings, Is.Empty);
    }

    [TestCase("copy_to = relative/dir", "expected an absolute directory or [user@]host:/path")]
    [TestCase("copy_to = host:relative", "expected an absolute directory or [user@]host:/path")]
    [TestCase("copy_to = /mnt/a, /mnt/a/", "named twice")]
    [TestCase("copy_to = /", "root directory")]
    [TestCase("copy_to = /mnt/../etc", "'..'")]
    [TestCase("copy_retain_all = soon", "copy_retain_all")]
    [TestCase("copy_decay = 3 fortnights", "copy_decay")]
    public void A_bad_copy_value_is_refused_naming_key_and_reason(string line, string expected)
    {
        var path = Write("a.ini", $"""
            [data1]
            source = /src/one
            backups = /backups/one
            {line}
            """);
        var message = LoadError(path);
        Assert.That(message, Does.Contain(expected));
        Assert.That(message, Does.Contain("data1"));
    }

    [TestCase("/mnt/x", false, "/mnt/x")]
    [TestCase("/mnt//x/./y/", false, "/mnt/x/y")]
    [TestCase("backup@host:/srv/x", true, "/srv/x")]
    [TestCase("host.example:/srv/x/", true, "/srv/x")]
    public void Targets_are_normalised(string spec, bool remote, string path)
    {
        Assert.That(CopyTarget.TryParse(spec, out var target, out var error), Is.True, error);
        Assert.That(target.IsRemote, Is.EqualTo(remote));
        Assert.That(target.Path, Is.EqualTo(path));
    }

    [TestCase("-oProxyCommand=x:/srv")]
    [TestCase("a@b@c:/srv")]
    [TestCase("host:/srv/\n")]
    [TestCase("")]
    public void Hostile_or_malformed_targets_are_refused(string spec) =>
        Assert.That(CopyTarget.TryParse(spec, out _, out _), Is.False);
}
