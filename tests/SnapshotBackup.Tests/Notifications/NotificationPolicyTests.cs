using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Notifications;

[Category("Notifications")]
public class NotificationPolicyTests
{
    private static readonly DateTimeOffset Now = new(2024, 6, 10, 12, 0, 0, TimeSpan.FromHours(2));
    private static readonly Duration ThreeDays = new(3, DurationUnit.Day);

    [TestCase(RunOutcome.Failed)]
    [TestCase(RunOutcome.Skipped)]
    public void Failures_inside_the_threshold_are_silent(RunOutcome outcome) =>
        Assert.That(NotificationPolicy.ShouldNotify(outcome, Now.AddDays(-2), ThreeDays, Now, TimeZoneInfo.Utc), Is.False);

    [TestCase(RunOutcome.Failed)]
    [TestCase(RunOutcome.Skipped)]
    public void Failures_outside_the_threshold_are_notified(RunOutcome outcome) =>
        Assert.That(NotificationPolicy.ShouldNotify(outcome, Now.AddDays(-3).AddMinutes(-1), ThreeDays, Now, TimeZoneInfo.Utc), Is.True);

    [Test]
    public void A_section_that_never_succeeded_is_outside_the_threshold() =>
        Assert.That(NotificationPolicy.ShouldNotify(RunOutcome.Failed, null, ThreeDays, Now, TimeZoneInfo.Utc), Is.True);

    [Test]
    public void Successes_are_always_notified() =>
        Assert.That(NotificationPolicy.ShouldNotify(RunOutcome.Succeeded, Now.AddMinutes(-1), ThreeDays, Now, TimeZoneInfo.Utc), Is.True);

    [Test]
    public void Interruptions_are_never_notified() =>
        Assert.That(NotificationPolicy.ShouldNotify(RunOutcome.Interrupted, null, ThreeDays, Now, TimeZoneInfo.Utc), Is.False);

    [Test]
    public void Months_in_the_threshold_are_calendar_months()
    {
        var oneMonth = new Duration(1, DurationUnit.Month);
        var now = new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.That(NotificationPolicy.ShouldNotify(RunOutcome.Failed, new DateTimeOffset(2024, 2, 1, 0, 0, 1, TimeSpan.Zero), oneMonth, now, TimeZoneInfo.Utc), Is.False);
        Assert.That(NotificationPolicy.ShouldNotify(RunOutcome.Failed, new DateTimeOffset(2024, 1, 31, 23, 59, 0, TimeSpan.Zero), oneMonth, now, TimeZoneInfo.Utc), Is.True);
    }

    [Test]
    public void The_threshold_counts_on_the_local_wall_clock_across_a_daylight_saving_change()
    {
        // silent_fail_threshold = 1 day at 29 March 2026 12:00 CEST (10:00Z) in Berlin: the original's cut-off was
        // 28 March 12:00 CET (11:00Z), 23 real hours back. A success at 10:30Z on the 28th is outside it.
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var now = new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.FromHours(2));
        var oneDay = new Duration(1, DurationUnit.Day);
        Assert.Multiple(() =>
        {
            Assert.That(NotificationPolicy.ShouldNotify(RunOutcome.Failed, new DateTimeOffset(2026, 3, 28, 10, 30, 0, TimeSpan.Zero), oneDay, now, berlin), Is.True);
            Assert.That(NotificationPolicy.ShouldNotify(RunOutcome.Failed, new DateTimeOffset(2026, 3, 28, 11, 0, 0, TimeSpan.Zero), oneDay, now, berlin), Is.False);
        });
    }

    [Test]
    public void The_payload_for_the_child_is_ascii_and_round_trips()
    {
        var n = Notification.Failed("x", "'\"; $(touch /tmp/pwned) `id` \n ünïcødé");
        var json = NotifyChild.Serialize(n);
        Assert.That(json.All(c => c < 128), Is.True, json);
        var back = System.Text.Json.JsonSerializer.Deserialize<NotificationPayload>(json)!.ToNotification();
        Assert.That(back, Is.EqualTo(n));
    }
}
