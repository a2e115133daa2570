using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Jobs;

namespace SnapshotBackup.Tests.Daemon;

public class DaemonConfigTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("sbdaemoncfg-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string Write(string schedule)
    {
        var path = Path.Combine(_dir, "c.ini");
        File.WriteAllText(path, $"[data1]\nsource = /src\nbackups = /b\nschedule = {schedule}\n");
        return path;
    }

    [Test]
    public void The_daemon_refuses_a_relative_source_and_says_to_write_an_absolute_path()
    {
        var path = Path.Combine(_dir, "c.ini");
        File.WriteAllText(path, "[data1]\nsource = snapshotbackup\nbackups = /b\n");

        Assert.That(() => DaemonConfig.Load([path]), Throws.TypeOf<ConfigException>().With.Message.EqualTo(
            $"{path}: [data1] source = 'snapshotbackup': a relative path, and the daemon has no working directory to resolve it against; write an absolute path"));
    }

    [Test]
    public void A_bad_schedule_names_file_section_and_value()
    {
        var path = Write("sometimes");
        Assert.That(() => DaemonConfig.Load([path]), Throws.TypeOf<ConfigException>().With.Message.StartWith($"{path}: [data1] schedule = 'sometimes': "));
    }

    [Test]
    public void A_schedule_that_never_fires_again_is_a_configuration_error()
    {
        var path = Write("0 0 3 * * ? 2024");
        Assert.That(() => DaemonConfig.Load([path]), Throws.TypeOf<ConfigException>().With.Message.EqualTo($"{path}: [data1] schedule = '0 0 3 * * ? 2024': it never fires again"));
    }

    [Test]
    public void Schedules_are_found_whatever_the_case_of_the_section_name() =>
        Assert.That(DaemonConfig.Load([Write("hourly")]).Schedules.ContainsKey("DATA1"), Is.True);

    [Test]
    public async Task Reconfiguring_the_run_gate_compares_with_the_bound_not_the_free_slots()
    {
        using var gate = new RunGate(1);
        var first = await gate.EnterAsync("/nonexistent/a", CancellationToken.None);
        gate.Configure(1); // unchanged while a run holds the only slot: must not open a second one
        var second = gate.EnterAsync("/nonexistent/b", CancellationToken.None);
        await Task.Delay(200);
        Assert.That(second.IsCompleted, Is.False, "max_concurrent = 1 still holds after a reload that did not change it");
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    private string WriteCopy(string lines)
    {
        var path = Path.Combine(_dir, "c.ini");
        File.WriteAllText(path, $"[data1]\nsource = /src\nbackups = /b\n{lines}\n");
        return path;
    }

    [Test]
    public void A_copy_schedule_is_parsed_and_without_one_copies_follow_each_backup()
    {
        var config = DaemonConfig.Load([WriteCopy("copy_to = /mnt/usb\ncopy_schedule = daily")]);
        Assert.That(config.CopySchedules["DATA1"].Description, Is.EqualTo(SnapshotBackup.Daemon.Scheduling.ScheduleParser.Parse("daily").Description));
        Assert.That(DaemonConfig.Load([WriteCopy("copy_to = /mnt/usb")]).CopySchedules, Is.Empty);
    }

    [TestCase("copy_to = /mnt/usb\ncopy_schedule = sometimes", "[data1] copy_schedule = 'sometimes': ")]
    [TestCase("copy_schedule = daily", "[data1] copy_schedule = 'daily': the section has no copy_to to copy to")]
    [TestCase("copy_to = /mnt/usb\ncopy_schedule = 0 0 3 * * ? 2024", "it never fires again")]
    public void A_bad_copy_schedule_names_file_section_and_value(string lines, string expected)
    {
        var path = WriteCopy(lines);
        Assert.That(() => DaemonConfig.Load([path]), Throws.TypeOf<ConfigException>().With.Message.Contains(expected).And.Message.StartsWith(path));
    }

    [Test]
    public async Task Runs_on_overlapping_filesystems_wait_for_each_other_and_never_deadlock()
    {
        using var gate = new RunGate(2);
        // Both ends of two copies in opposite directions: taken in one global order, so neither holds one and waits for the other.
        for (var i = 0; i < 200; i++)
        {
            var a = gate.EnterAsync(["/nonexistent/a", "/nonexistent/b"], CancellationToken.None);
            var b = gate.EnterAsync(["/nonexistent/b", "/nonexistent/a"], CancellationToken.None);
            var first = await Task.WhenAny(a, b).WaitAsync(TimeSpan.FromSeconds(5));
            var other = first == a ? b : a;
            await Task.Delay(1);
            Assert.That(other.IsCompleted, Is.False, "two runs on the same filesystems at once");
            (await first).Dispose();
            (await other.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        }
        // A run on a third filesystem is not held up.
        using var ab = await gate.EnterAsync(["/nonexistent/a", "/nonexistent/b"], CancellationToken.None);
        (await gate.EnterAsync(["/nonexistent/c"], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }
}
