using System.Text.Json;
using SnapshotBackup.Core;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary><c>plan</c> with the real CLI on real btrfs: the words, the dates, and agreement with what prune and decay do.</summary>
public class PlanCommandTests : VolumeTest
{
    private static readonly TimeSpan[] Group = [new(10, 0, 0), new(10, 5, 0), new(10, 10, 0)];

    /// <summary>Three backups on each of four days (400, 30, 20 and 10 days ago).</summary>
    private List<string> MakeGroups()
    {
        var names = new[] { 400, 30, 20, 10 }.SelectMany(days => Group.Select(t => NameAt(days, t, TimeSpan.Zero))).ToList();
        CreateSyncByHand();
        foreach (var name in names)
        {
            MakeSnapshot(name);
        }
        return names;
    }

    private static Dictionary<string, JsonElement> Snapshots(string planJson)
    {
        using var json = JsonDocument.Parse(planJson);
        return json.RootElement.GetProperty("snapshots").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.Clone(), StringComparer.Ordinal);
    }

    private static HashSet<string> WouldDelete(string dryRunJson)
    {
        using var json = JsonDocument.Parse(dryRunJson);
        return json.RootElement.GetProperty("would_delete").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    [Test]
    public void The_plan_deletes_exactly_what_prune_and_decay_delete_and_keeps_the_rest_by_its_rules()
    {
        WriteConfig("retain_monthly = 3\nretain_weekly = 2");
        var names = MakeGroups();
        CliOk("pin", "data1", names[4], "--note", "before the upgrade");
        var before = SnapshotNames();

        var plan = Snapshots(CliOk("plan", "data1", "--json").Output);

        Assert.That(SnapshotNames(), Is.EqualTo(before), "plan changes nothing");
        Assert.That(plan.Keys, Is.EquivalentTo(names));
        var prune = plan.Where(p => p.Value.GetProperty("rule").GetString() == "prune").Select(p => p.Key).ToHashSet();
        var decay = plan.Where(p => p.Value.GetProperty("rule").GetString() == "decay").Select(p => p.Key).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(plan[names[4]].GetProperty("rule").GetString(), Is.EqualTo("pinned"));
            Assert.That(plan[names[4]].GetProperty("reason").GetString(), Is.EqualTo("pinned: before the upgrade"));
            Assert.That(plan[names[^1]].GetProperty("rule").GetString(), Is.EqualTo("newest"));
            using var list = JsonDocument.Parse(CliOk("list", "data1", "--json").Output);
            foreach (var entry in list.RootElement.EnumerateArray())
            {
                var name = entry.GetProperty("name").GetString()!;
                Assert.That(entry.GetProperty("rule").GetString(), Does.StartWith(plan[name].GetProperty("rule").GetString()!), $"list and plan agree on {name}");
                if (entry.GetProperty("monthly").GetBoolean() && !entry.GetProperty("weekly").GetBoolean() && name != names[4] && !decay.Contains(name) && name != names[^1])
                {
                    Assert.That(plan[name].GetProperty("kept_by").EnumerateArray().Select(h => h.GetProperty("rule").GetString()), Does.Contain("monthly"));
                }
            }
            Assert.That(plan.Values.Count(p => p.GetProperty("kept_by").EnumerateArray().Any(h => h.GetProperty("rule").GetString() == "monthly")), Is.InRange(1, 3),
                "retain_monthly = 3 keeps the newest monthly backups");
            Assert.That(decay, Is.EquivalentTo(new[] { names[0], names[1], names[2] }), "older than a year");
            Assert.That(plan.Values.Where(p => p.GetProperty("action").GetString() == "delete").Count(), Is.EqualTo(prune.Count + decay.Count));
        });

        // What prune and decay would do, and then do, is the plan's.
        Assert.That(WouldDelete(CliOk("decay", "data1", "--dry-run", "--json").Output), Is.EquivalentTo(decay));
        CliOk("decay", "data1", "--yes");
        var afterDecay = Snapshots(CliOk("plan", "data1", "--json").Output);
        var pruneNow = afterDecay.Where(p => p.Value.GetProperty("rule").GetString() == "prune").Select(p => p.Key).ToHashSet();
        Assert.That(pruneNow, Is.EquivalentTo(prune.Except(decay)));
        Assert.That(WouldDelete(CliOk("prune", "data1", "--dry-run", "--json").Output), Is.EquivalentTo(pruneNow));
        CliOk("prune", "data1", "--yes");
        Assert.That(SnapshotNames(), Is.EquivalentTo(afterDecay.Keys.Except(pruneNow)));
    }

    [Test]
    public void The_text_gives_rules_dates_and_the_next_change_and_list_uses_the_same_words()
    {
        var names = MakeGroups();

        var text = CliOk("plan", "data1").Output;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(lines[0], Does.StartWith("plan of data1 at ").And.Contain("retain_all 1 day, retain_daily 1 month, retain_weekly forever, decay 1 year"));
        var tenDaysAgo = lines.Single(l => l.StartsWith(names[9], StringComparison.Ordinal));
        var daily = DateTimeOffset.Parse(names[9], System.Globalization.CultureInfo.InvariantCulture).AddMonths(1);
        Assert.That(tenDaysAgo, Does.Contain("keep").And.Contain("daily until " + TimeZoneInfo.ConvertTime(daily, TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(lines.Single(l => l.StartsWith(names[10], StringComparison.Ordinal)), Does.Contain("delete  prune: older than retain_all (1 day), not the first of its day"));
        Assert.That(lines.Single(l => l.StartsWith(names[3], StringComparison.Ordinal)), Does.Contain("; from ").And.Contain("decay candidate"));
        Assert.That(lines[^1], Does.Match(@"^\d+ kept, \d+ to delete"));

        var list = CliOk("list", "data1").Output.Split('\n');
        var planWords = tenDaysAgo[(tenDaysAgo.IndexOf("keep", StringComparison.Ordinal) + 6)..].Split(',')[0].Split(';')[0].Trim();
        Assert.That(list.Single(l => l.StartsWith(names[9], StringComparison.Ordinal)), Does.Contain(planWords), "list shows the plan's deciding rule");
        Assert.That(list.Single(l => l.StartsWith(names[10], StringComparison.Ordinal)), Does.Contain(" prune "));
    }

    [Test]
    public void At_a_future_time_the_plan_shows_what_decay_will_take_then()
    {
        WriteConfig("decay = 25 days");
        var names = MakeGroups();

        var now = Snapshots(CliOk("plan", "data1", "--json").Output);
        var later = Snapshots(CliOk("plan", "data1", "--json", "--at", "in 12 days").Output);

        Assert.Multiple(() =>
        {
            Assert.That(now[names[6]].GetProperty("rule").GetString(), Is.Not.EqualTo("decay"), "20 days old now");
            Assert.That(later[names[6]].GetProperty("rule").GetString(), Is.EqualTo("decay"), "32 days old then");
            Assert.That(later[names[9]].GetProperty("rule").GetString(), Is.Not.EqualTo("decay"), "22 days old then");
            var change = now[names[6]].GetProperty("next_change").GetDateTimeOffset();
            var expected = DateTimeOffset.Parse(names[6], System.Globalization.CultureInfo.InvariantCulture).AddDays(25).AddSeconds(1);
            Assert.That(change, Is.EqualTo(expected).Within(TimeSpan.FromHours(1)), "decay takes it 25 days after it was made (an hour for a clock change)");
        });
        var past = CliOk("plan", "data1", "--at", "2020-01-01").Output;
        Assert.That(past, Does.StartWith("plan of data1 at 2020-01-01 00:00"));
    }

    [TestCase("--at", "someday")]
    [TestCase("--at", "in 3 fortnights")]
    [TestCase("--dry-run", null)]
    public void A_bad_argument_is_one_message_and_exit_2(string option, string? value)
    {
        MakeGroups();
        var result = value is null ? Cli("plan", "data1", option) : Cli("plan", "data1", option, value);
        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1), result.ToString());
    }

    [Test]
    public void A_count_form_is_shown_as_a_count()
    {
        WriteConfig("retain_daily = 2");
        var names = MakeGroups();
        var text = CliOk("plan", "data1").Output;
        Assert.That(text, Does.Contain("retain_daily 2,"));
        Assert.That(text.Split('\n').Single(l => l.StartsWith(names[6], StringComparison.Ordinal)), Does.Contain("daily (the 2 newest)"));
    }

    [Test]
    public void Prunes_question_on_a_terminal_gives_the_plans_words()
    {
        var names = new[] { NameAt(10, Group[0], TimeSpan.Zero), NameAt(10, Group[1], TimeSpan.Zero), NameAt(5, Group[0], TimeSpan.Zero) };
        CreateSyncByHand();
        foreach (var name in names)
        {
            MakeSnapshot(name);
        }
        var reason = Snapshots(CliOk("plan", "data1", "--json").Output)[names[1]].GetProperty("reason").GetString()!;
        Assert.That(reason, Is.EqualTo("prune: older than retain_all (1 day), not the first of its day, not the first of its week"));

        var command = string.Join(' ', new[] { "dotnet", CliProcess.Dll, "-c", ConfigPath, "prune", "data1" }.Select(Core.Processes.ShellQuoting.Quote));
        // script(1) gives the command a terminal; the answer is typed into it.
        var result = Shell.Run("sh", ["-c", $"(sleep 4; printf 'n\\n') | script -qec {Core.Processes.ShellQuoting.Quote(command)} /dev/null"], null, TimeSpan.FromMinutes(2));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain($"delete {names[1]} (").And.Contain($"; {reason.Replace("prune:", "prune candidate:", StringComparison.Ordinal)})? [y/N]"));
        Assert.That(SnapshotNames(), Is.EqualTo(names), "answered no");
    }
}
