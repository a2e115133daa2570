using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit;

public class SnapshotNameTests
{
    [Test]
    public void Format_writes_the_local_time_to_the_second_with_the_offset() =>
        Assert.That(
            SnapshotName.Format(new DateTimeOffset(2026, 11, 24, 18, 7, 43, TimeSpan.FromHours(1))),
            Is.EqualTo("2026-11-24T18:07:43+01:00"));

    [Test]
    public void Format_writes_utc_as_plus_zero_and_never_Z() =>
        Assert.That(
            SnapshotName.Format(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)),
            Is.EqualTo("2026-01-02T03:04:05+00:00"));

    [Test]
    public void Format_writes_negative_and_half_hour_offsets() => Assert.Multiple(() =>
    {
        Assert.That(
            SnapshotName.Format(new DateTimeOffset(2026, 7, 4, 9, 0, 0, TimeSpan.FromHours(-5))),
            Is.EqualTo("2026-07-04T09:00:00-05:00"));
        Assert.That(
            SnapshotName.Format(new DateTimeOffset(2026, 7, 4, 9, 0, 0, new TimeSpan(5, 30, 0))),
            Is.EqualTo("2026-07-04T09:00:00+05:30"));
    });

    [Test]
    public void Format_drops_fractions_of_a_second()
    {
        var time = new DateTimeOffset(2026, 7, 4, 9, 0, 0, TimeSpan.Zero).AddMilliseconds(987);
        Assert.That(SnapshotName.Format(time), Is.EqualTo("2026-07-04T09:00:00+00:00"));
    }

    [Test]
    public void TryParse_reads_a_name_and_keeps_its_offset()
    {
        var ok = SnapshotName.TryParse("2026-11-24T18:07:43+01:00", out var time);
        Assert.Multiple(() =>
        {
            Assert.That(ok, Is.True);
            Assert.That(time.DateTime, Is.EqualTo(new DateTime(2026, 11, 24, 18, 7, 43)));
            Assert.That(time.Offset, Is.EqualTo(TimeSpan.FromHours(1)));
        });
    }

    [TestCase("2026-07-04T09:00:00-05:00", -300)]
    [TestCase("2026-07-04T09:00:00+05:30", 330)]
    [TestCase("2026-07-04T09:00:00+00:00", 0)]
    [TestCase("2026-07-04T09:00:00+14:00", 840)]
    [TestCase("2026-07-04T09:00:00-12:00", -720)]
    public void TryParse_accepts_any_valid_offset(string name, int offsetMinutes)
    {
        Assert.That(SnapshotName.TryParse(name, out var time), Is.True);
        Assert.That(time.Offset, Is.EqualTo(TimeSpan.FromMinutes(offsetMinutes)));
    }

    [TestCase("2024-02-29T12:00:00+00:00")]
    [TestCase("2000-02-29T00:00:00+00:00")]
    [TestCase("2026-12-31T23:59:59+01:00")]
    [TestCase("2026-01-01T00:00:00-01:00")]
    [TestCase("9999-12-31T23:59:59+00:00")]
    public void TryParse_accepts_valid_edge_dates(string name) =>
        Assert.That(SnapshotName.TryParse(name, out _), Is.True);

    [TestCase("2026-01-02T03:04:05+00:00")]
    [TestCase("2026-11-24T18:07:43+01:00")]
    [TestCase("1999-12-31T23:59:59-09:30")]
    public void TryParse_and_Format_round_trip(string name)
    {
        Assert.That(SnapshotName.TryParse(name, out var time), Is.True);
        Assert.That(SnapshotName.Format(time), Is.EqualTo(name));
    }

    [Test]
    public void Format_and_TryParse_round_trip_the_instant_and_offset()
    {
        var original = new DateTimeOffset(2026, 3, 29, 3, 30, 0, TimeSpan.FromHours(2));
        Assert.That(SnapshotName.TryParse(SnapshotName.Format(original), out var parsed), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(parsed, Is.EqualTo(original));
            Assert.That(parsed.Offset, Is.EqualTo(original.Offset));
        });
    }

    [TestCase("")]
    [TestCase("backup")]
    [TestCase("2026-11-24T18:07:43Z")]
    [TestCase("2026-11-24T18:07:43")]
    [TestCase("2026-11-24T18:07:43.123+01:00")]
    [TestCase("2026-11-24T18:07:43+0100")]
    [TestCase("2026-11-24T18:07:43+01")]
    [TestCase("2026-11-24 18:07:43+01:00")]
    [TestCase("2026-11-24t18:07:43+01:00")]
    [TestCase(" 2026-11-24T18:07:43+01:00")]
    [TestCase("2026-11-24T18:07:43+01:00 ")]
    [TestCase("2026-11-24T18:07:43+01:00\n")]
    [TestCase("26-11-24T18:07:43+01:00")]
    [TestCase("02026-11-24T18:07:43+01:00")]
    [TestCase("2026-1-24T18:07:43+01:00")]
    [TestCase("2026-11-4T18:07:43+01:00")]
    [TestCase("2026-11-24T8:07:43+01:00")]
    [TestCase("2026/11/24T18:07:43+01:00")]
    [TestCase("2026-11-24T18.07.43+01:00")]
    [TestCase("2026-11-24T18:07:43*01:00")]
    [TestCase("2026-11-24T18:07:43+01-00")]
    [TestCase("2026-11-2xT18:07:43+01:00")]
    [TestCase("+026-11-24T18:07:43+01:00")]
    [TestCase("2026-11-24T18:07:4\u0663+01:00")]
    [TestCase("2026-11-24T18:07:43+01:00.tmp")]
    [TestCase("2026-11-24")]
    public void TryParse_rejects_anything_but_the_exact_format(string name)
    {
        Assert.That(SnapshotName.TryParse(name, out var time), Is.False);
        Assert.That(time, Is.EqualTo(default(DateTimeOffset)));
    }

    [TestCase("2025-02-29T12:00:00+00:00")]
    [TestCase("1900-02-29T12:00:00+00:00")]
    [TestCase("2026-02-30T12:00:00+00:00")]
    [TestCase("2026-04-31T12:00:00+00:00")]
    [TestCase("2026-13-01T12:00:00+00:00")]
    [TestCase("2026-00-01T12:00:00+00:00")]
    [TestCase("2026-01-00T12:00:00+00:00")]
    [TestCase("0000-01-01T12:00:00+00:00")]
    [TestCase("2026-01-01T24:00:00+00:00")]
    [TestCase("2026-01-01T12:60:00+00:00")]
    [TestCase("2026-01-01T12:00:60+00:00")]
    [TestCase("2026-01-01T12:00:00+01:60")]
    [TestCase("2026-01-01T12:00:00+14:01")]
    [TestCase("2026-01-01T12:00:00+15:00")]
    [TestCase("2026-01-01T12:00:00-99:00")]
    [TestCase("0001-01-01T00:00:00+01:00")]
    [TestCase("9999-12-31T23:59:59-01:00")]
    public void TryParse_rejects_impossible_dates_times_and_offsets(string name) =>
        Assert.That(SnapshotName.TryParse(name, out _), Is.False);

    [Test]
    public void TryParse_rejects_null() =>
        Assert.That(SnapshotName.TryParse(null!, out _), Is.False);
}
