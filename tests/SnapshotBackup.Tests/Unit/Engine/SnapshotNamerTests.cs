using SnapshotBackup.Core.Engine;

namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>Naming a new snapshot by the finish time, waiting for the next second when the name is taken.</summary>
public class SnapshotNamerTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 15, 12, 0, 0, 250, TimeSpan.Zero);

    [Test]
    public async Task A_free_name_is_the_finish_time_to_the_second_and_takes_no_wait()
    {
        var clock = new SteppingClock(Start);

        var name = await SnapshotNamer.FreeNameAsync(clock, _ => false, "/backups/data1");

        Assert.That(name, Is.EqualTo("2026-06-15T12:00:00+00:00"));
        Assert.That(clock.Waits, Is.Empty);
    }

    [Test]
    public async Task A_taken_name_waits_for_the_next_second_and_takes_that_one()
    {
        var clock = new SteppingClock(Start);
        var taken = new HashSet<string> { "2026-06-15T12:00:00+00:00" };

        var name = await SnapshotNamer.FreeNameAsync(clock, taken.Contains, "/backups/data1");

        Assert.That(name, Is.EqualTo("2026-06-15T12:00:01+00:00"));
        Assert.That(clock.Waits, Is.EqualTo(new[] { TimeSpan.FromMilliseconds(755) }), "to just past the next second");
    }

    [Test]
    public async Task Two_taken_seconds_wait_twice()
    {
        var clock = new SteppingClock(Start);
        var taken = new HashSet<string> { "2026-06-15T12:00:00+00:00", "2026-06-15T12:00:01+00:00" };

        var name = await SnapshotNamer.FreeNameAsync(clock, taken.Contains, "/backups/data1");

        Assert.That(name, Is.EqualTo("2026-06-15T12:00:02+00:00"));
        Assert.That(clock.Waits, Has.Count.EqualTo(2));
    }

    [Test]
    public void After_three_waits_a_name_still_taken_gives_up_naming_the_name_and_the_volume()
    {
        var clock = new SteppingClock(Start);
        var asked = new List<string>();

        var e = Assert.ThrowsAsync<OperationFailedException>(() => SnapshotNamer.FreeNameAsync(clock, n => { asked.Add(n); return true; }, "/backups/data1"));

        Assert.That(clock.Waits, Has.Count.EqualTo(SnapshotNamer.MaxWaits).And.Count.EqualTo(3));
        Assert.That(asked, Has.Count.EqualTo(4), "the first name and one after each wait");
        Assert.That(e!.Message, Is.EqualTo("cannot name the new snapshot: 2026-06-15T12:00:03+00:00 already exists in /backups/data1"));
    }
}
