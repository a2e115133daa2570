using System.Text.Json;
using SnapshotBackup.Cli;
using SnapshotBackup.Core.Retention;

namespace SnapshotBackup.Tests.Unit.Retention;

/// <summary>What list shows of pins: "pinned: NOTE" instead of a candidate tag, and pinned / pin_note in the JSON.</summary>
public class ListPrinterPinsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly BackupEntry Old = new("2026-11-01T10:05:00+00:00", Now.AddDays(-30), false, false, false, false, false, true, true);
    private static readonly BackupEntry Other = new("2026-11-02T10:05:00+00:00", Now.AddDays(-29), false, false, false, false, false, true, true);
    private static readonly BackupEntry Last = new("2026-12-01T10:00:00+00:00", Now.AddHours(-2), true, true, true, true, true, false, false);

    private static readonly Dictionary<string, Pin> Pins = new(StringComparer.Ordinal)
    {
        [Old.Name] = new("before the upgrade", Now),
        [Last.Name] = new(null, Now),
    };

    [Test]
    public void Text_shows_pinned_and_the_note_and_no_candidate_tag_for_a_pinned_backup()
    {
        var lines = ListPrinter.Text([Old, Other, Last], Now, null, Pins).Split('\n');

        Assert.That(lines[0], Does.EndWith("pinned: before the upgrade").And.Not.Contain("candidate"));
        Assert.That(lines[1], Does.Contain("prune candidate decay candidate").And.Not.Contain("pinned"));
        Assert.That(lines[2], Does.EndWith("last pinned"));
    }

    [Test]
    public void Json_has_pinned_and_pin_note_on_every_backup()
    {
        using var json = JsonDocument.Parse(ListPrinter.Json([Old, Other, Last], Now, null, Pins));
        var entries = json.RootElement.EnumerateArray().ToList();

        Assert.That(entries[0].GetProperty("pinned").GetBoolean(), Is.True);
        Assert.That(entries[0].GetProperty("pin_note").GetString(), Is.EqualTo("before the upgrade"));
        Assert.That(entries[0].GetProperty("prune").GetBoolean(), Is.False);
        Assert.That(entries[0].GetProperty("decay").GetBoolean(), Is.False);
        Assert.That(entries[1].GetProperty("pinned").GetBoolean(), Is.False);
        Assert.That(entries[1].GetProperty("pin_note").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(entries[1].GetProperty("prune").GetBoolean(), Is.True);
        Assert.That(entries[2].GetProperty("pinned").GetBoolean(), Is.True);
        Assert.That(entries[2].GetProperty("pin_note").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }
}
