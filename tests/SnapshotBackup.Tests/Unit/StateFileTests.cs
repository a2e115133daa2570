using System.Text.Json;
using SnapshotBackup.Cli;
using SnapshotBackup.Core.State;

namespace SnapshotBackup.Tests.Unit;

public class StateFileTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("sbstate-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void State_round_trips_and_leaves_no_temp_file()
    {
        var file = new StateFile(Path.Combine(_dir, "sub", "state.json"));
        var when = new DateTimeOffset(2026, 11, 24, 18, 7, 43, TimeSpan.FromHours(1));
        file.Write(new DaemonState
        {
            Pid = 42,
            Sections = { ["data1"] = new SectionState { LastSuccess = when, LastSnapshot = "2026-11-24T18:07:43+01:00", LastOutcome = "ok" } },
        });
        var read = file.Read();
        Assert.That(read!.Pid, Is.EqualTo(42));
        Assert.That(read.Sections["data1"].LastSuccess, Is.EqualTo(when));
        Assert.That(File.ReadAllText(file.Path), Does.Contain("\"2026-11-24T18:07:43+01:00\""), "readable, not \\u002B-escaped");
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "sub")), Has.Length.EqualTo(1));
    }

    [Test]
    public void A_missing_or_broken_state_file_reads_as_none()
    {
        Assert.That(new StateFile(Path.Combine(_dir, "none.json")).Read(), Is.Null);
        File.WriteAllText(Path.Combine(_dir, "broken.json"), "{ not json");
        Assert.That(new StateFile(Path.Combine(_dir, "broken.json")).Read(), Is.Null);
    }

    [Test]
    public void The_state_directory_from_systemd_is_used_when_set()
    {
        Assert.That(StateFile.Locate(n => n == "STATE_DIRECTORY" ? "/var/lib/snapshotbackup" : null), Is.EqualTo("/var/lib/snapshotbackup/state.json"));
        Assert.That(StateFile.Locate(_ => null), Is.EqualTo(StateFile.DefaultPath));
    }

    [Test]
    public void A_normal_user_keeps_the_state_under_xdg_state_home_or_local_state_and_root_under_var_lib()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] vars) => n => vars.FirstOrDefault(v => v.Name == n).Value;

        Assert.That(StateFile.Locate(Env(("HOME", "/home/foo")), root: false), Is.EqualTo("/home/foo/.local/state/snapshotbackup/state.json"));
        Assert.That(StateFile.Locate(Env(("HOME", "/home/foo"), ("XDG_STATE_HOME", "/home/foo/st")), root: false),
            Is.EqualTo("/home/foo/st/snapshotbackup/state.json"));
        Assert.That(StateFile.Locate(Env(("HOME", "/home/foo"), ("STATE_DIRECTORY", "/home/foo/.local/state/snapshotbackup")), root: false),
            Is.EqualTo("/home/foo/.local/state/snapshotbackup/state.json"), "a systemd user unit's StateDirectory= wins");
        Assert.That(StateFile.Locate(Env(("HOME", "/root")), root: true), Is.EqualTo(StateFile.DefaultPath));
    }

    [Test]
    public void A_normal_user_without_a_state_of_their_own_reads_the_system_daemons()
    {
        static Func<string, string?> Env(string home) => n => n == "HOME" ? home : null;
        const string own = "/home/foo/.local/state/snapshotbackup/state.json";

        Assert.That(StateFile.LocateToRead(Env("/home/foo"), root: false, p => p == own || p == StateFile.DefaultPath), Is.EqualTo(own));
        Assert.That(StateFile.LocateToRead(Env("/home/foo"), root: false, p => p == StateFile.DefaultPath), Is.EqualTo(StateFile.DefaultPath));
        Assert.That(StateFile.LocateToRead(Env("/home/foo"), root: false, _ => false), Is.EqualTo(own), "neither: the user's own is named");
        Assert.That(StateFile.LocateToRead(Env("/root"), root: true, _ => true), Is.EqualTo(StateFile.DefaultPath));
    }

    [Test]
    public void Status_json_reports_each_section_and_that_the_daemon_is_not_running()
    {
        var state = new DaemonState
        {
            Pid = int.MaxValue,
            Sections =
            {
                ["data1"] = new SectionState { LastOutcome = "failed", LastFailureReason = "source /x does not exist" },
            },
        };
        using var json = JsonDocument.Parse(StatusPrinter.Json(state, StatusPrinter.IsDaemonRunning(state.Pid), null));
        Assert.That(json.RootElement.GetProperty("daemon_running").GetBoolean(), Is.False);
        var data1 = json.RootElement.GetProperty("sections").GetProperty("data1");
        Assert.That(data1.GetProperty("last_outcome").GetString(), Is.EqualTo("failed"));
        Assert.That(data1.GetProperty("last_failure_reason").GetString(), Is.EqualTo("source /x does not exist"));
    }

    [Test]
    public void Status_text_says_what_failed()
    {
        var now = new DateTimeOffset(2026, 11, 24, 18, 0, 0, TimeSpan.Zero);
        var state = new DaemonState
        {
            Sections = { ["data1"] = new SectionState { LastOutcome = "skipped", LastFailure = now.AddHours(-2), LastFailureReason = "not mounted" } },
        };
        var text = StatusPrinter.Text(state, false, "/s.json", null, now);
        Assert.That(text, Does.Contain("not running").And.Contain("data1: skipped").And.Contain("2 hours ago): not mounted"));
    }
}
