using SnapshotBackup.Core;
using SnapshotBackup.Core.State;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>Small regressions for weaknesses the reliability suite found, checked without a volume.</summary>
[Category("Reliability")]
public class RegressionTests
{
    [Test]
    public void A_relative_state_file_is_made_absolute_so_the_daemon_can_write_it()
    {
        var file = new StateFile("state.json");
        Assert.That(Path.IsPathRooted(file.Path), Is.True);
        Assert.That(Path.GetDirectoryName(file.Path), Is.EqualTo(Environment.CurrentDirectory));
    }

    [Test]
    public void Messages_abbreviate_huge_values_and_show_control_characters()
    {
        var message = MessageText.Abbreviate("bad value '" + new string('x', 200_000) + "\0' here");
        Assert.That(message.Length, Is.LessThan(300));
        Assert.That(message, Does.Contain("(200").And.Contain("characters)").And.EndWith("here"));
        Assert.That(MessageText.Abbreviate("a\0b"), Is.EqualTo("a\\x00b"));
        Assert.That(MessageText.Abbreviate("short and plain"), Is.EqualTo("short and plain"));
    }
}
