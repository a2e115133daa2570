using System.Text;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>
/// Seeded mutations of a valid configuration and of command lines, run through the CLI's own entry path in-process
/// (a sample through the real process) and through the daemon's config loader. Every input must end with exit 0, 1,
/// 2 or 65 (status: a --state-file that is a directory or not a state) and a short message, no stack trace, no hang,
/// and no change to the volume or anywhere else.
/// </summary>
public class FuzzTests : ReliabilityTest
{
    private const int Seed = 20261128;
    private const int ConfigInputs = 700;
    private const int CommandLineInputs = 500;
    private const int ProcessSample = 40;
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);

    private string BaseConfig => $"""
        [DEFAULT]
        retain_all = 1 day
        schedule = hourly
        max_concurrent = 2

        [data1]
        source = {Source}
        backups = {Backups}
        ignore = /.cache, "/a, b"
        autoprune = false
        retain_daily = '1 month'
        decay = 1 year
        schedule = daily
        allow_empty_source = false

        [other]
        source = {Source}
        backups = {Backups}
        schedule = */5 * * * * ?
        """.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static readonly string[] BadDurations =
    [
        "-1 day", "99999999999999999999 years", "1 fortnight", "0 minutes", "1.5 days", "day", "'1 day", "\"1 day'",
        "1 day ago ago", "٣ days", "1\0day", "1 years years", "9223372036854775807 minutes", "1e9 hours", "",
    ];

    private static readonly string[] BadSchedules =
    [
        "*/0 * * * * ?", "61 * * * * ?", "* * * * *", "@yearly", "hourly hourly", "0 0 31 2 * ?", "", "0 0 0 ? * MON#9",
        "*/2 * * * * ? 1999", "0 0 0 L-40 * ?", "0 0 0 1W,15W * ?", "- - - - - -", "0 0 25 * * ?", "0 0 0 * * 8",
        "every 5 minutes", "0-59/0 * * * * ?", new string('*', 3000), "*/2 * * * * ?\0", "weekly, daily", "0 0 0 ? ? ?",
    ];

    private static readonly string[] Keys =
    [
        "source", "backups", "ignore", "retain_all", "retain_daily", "decay", "autoprune", "autodecay", "notify_remote",
        "notify_user", "silent_fail_threshold", "schedule", "allow_empty_source", "max_concurrent", "bogus", "SOURCE", "",
        "copy_to", "copy_retain_all", "copy_retain_daily", "copy_decay", "copy_schedule",
        // Not the hook commands themselves: a random value is a command the shell runs by design ('yes' prints until
        // hook_timeout); the hooks have their own tests (Hooks/).
        "hook_timeout",
    ];

    private static readonly string[] HostileNames =
    [
        "../x", "-rf", "", new string('a', 5000), "data1/../data1", "./data1", "data1 ", " data1", "../../etc/passwd",
        "$(touch /tmp/pwned)", "*", "data1\n", "nonexistent", "DEFAULT", "-", "--", "ü", "\u202edata1", "data1;ls", "~",
        new string('/', 300), "/tmp/x", "-c", "--yes",
    ];

    private static readonly string[] Commands =
    [
        "backup", "b", "list", "l", "prune", "p", "decay", "destroy", "clean", "setup", "status", "", "-rf", "bogus",
        "BACKUP", "help", "--", "../x",
        // The read-only history commands: whatever their arguments, they change nothing. Not restore: a valid restore
        // changes the source by design (its own tests check what it changes and what it leaves).
        "versions", "diff",
        // copy: with --dry-run or without copy_to it changes nothing; the fuzz configs have no copy_to.
        "copy",
    ];

    private static readonly string[] Options =
    [
        "-d", "-dd", "--yes", "-y", "--json", "-n", "--dry-run", "-p", "--checksum", "--bogus", "-x", "-v", "-h",
        "--source=relative", "--source=user@host:/x", "--source", "--state-file", "--config", "-c", "--config=",
        "--state-file=/nonexistent/state.json", "-yes", "---", "--json=1", "-ddddddddd",
        "--stat", "--from", "--at=yesterday", "--to=/tmp/x", "--delete", "--no-backup-first",
        "--from-copy", "--from-copy=/tmp/x", "--to=host:/x",
    ];

    private sealed record Outcome(int Exit, string Output, string Error, bool Hung, Exception? Escaped);

    private static async Task<Outcome> RunInProcess(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var run = Task.Run(() => SnapshotBackup.Cli.Program.RunAsync(args, output, error, cancel.Token));
        if (await Task.WhenAny(run, Task.Delay(Hang)) != run)
        {
            await cancel.CancelAsync();
            return new Outcome(-1, output.ToString(), error.ToString(), true, null);
        }
        try
        {
            return new Outcome(await run, output.ToString(), error.ToString(), false, null);
        }
        catch (Exception e)
        {
            return new Outcome(-1, output.ToString(), error.ToString(), false, e);
        }
    }

    /// <summary>What is wrong with an outcome, or null when it is acceptable.</summary>
    private static string? Judge(Outcome o, bool debug = false)
    {
        if (o.Hung)
        {
            return "hung";
        }
        if (o.Escaped is { } e)
        {
            return "exception escaped: " + e;
        }
        if (o.Exit is not (0 or 1 or 2 or Core.ExitCodes.StateUnreadable))
        {
            return $"exit {o.Exit}";
        }
        if (debug)
        {
            // -d asks for the exception's details on purpose; only the exit code is judged then.
            return null;
        }
        var text = o.Output + o.Error;
        if (text.Contains("   at ", StringComparison.Ordinal) || text.Contains("Unhandled exception", StringComparison.Ordinal) || text.Contains("Exception:", StringComparison.Ordinal))
        {
            return "stack trace or exception text";
        }
        if (o.Exit != 0 && o.Error.Trim().Length == 0)
        {
            return "failed silently";
        }
        if (o.Error.Length > 1500 || o.Error.Split('\n').Length > 12)
        {
            return $"message too long ({o.Error.Length} chars)";
        }
        return null;
    }

    private string MutateConfig(Random rng)
    {
        var text = BaseConfig;
        var mutations = rng.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            var lines = text.Split('\n').ToList();
            var line = rng.Next(lines.Count);
            switch (rng.Next(15))
            {
                case 0:
                    if (text.Length > 0)
                    {
                        var chars = text.ToCharArray();
                        chars[rng.Next(chars.Length)] = (char)rng.Next(1, 256);
                        text = new string(chars);
                    }
                    break;
                case 1:
                    text = text[..rng.Next(text.Length + 1)];
                    break;
                case 2:
                    text += "\n" + string.Join('\n', lines.SkipWhile(l => !l.StartsWith("[data1]", StringComparison.Ordinal)).Take(rng.Next(1, 10)));
                    break;
                case 3:
                    lines.Insert(line, lines[line]);
                    text = string.Join('\n', lines);
                    break;
                case 4:
                    lines[line] = lines[line] + (rng.Next(2) == 0 ? " '" : " \"unclosed");
                    text = string.Join('\n', lines);
                    break;
                case 5:
                    text = "\uFEFF" + text;
                    break;
                case 6:
                    text = text.Replace("\n", "\r\n", StringComparison.Ordinal);
                    break;
                case 7:
                    text = text.Insert(rng.Next(text.Length + 1), "\0");
                    break;
                case 8:
                    lines.Insert(line, $"{Keys[rng.Next(Keys.Length)]} = {new string((char)rng.Next('a', 'z'), rng.Next(1000, 200_000))}");
                    text = string.Join('\n', lines);
                    break;
                case 9:
                    lines.Insert(line, $"{new[] { "retain_all", "retain_daily", "decay", "silent_fail_threshold" }[rng.Next(4)]} = {BadDurations[rng.Next(BadDurations.Length)]}");
                    text = string.Join('\n', lines);
                    break;
                case 10:
                    lines.Insert(line, "schedule = " + BadSchedules[rng.Next(BadSchedules.Length)]);
                    text = string.Join('\n', lines);
                    break;
                case 11:
                    lines.RemoveAt(line);
                    text = string.Join('\n', lines);
                    break;
                case 12:
                    lines.Insert(line, new[] { "[../x]", "[]", "[-rf]", "[DEFAULT", "[data1", "[ü]", "[" + new string('s', 10_000) + "]", "[data1]]", "[[data1]]", "= value", "key", "  indented = 1", "#comment = [x]", ";x" }[rng.Next(14)]);
                    text = string.Join('\n', lines);
                    break;
                case 13:
                    lines.Insert(line, $"{Keys[rng.Next(Keys.Length)]} = {new[] { "true", "yes", "2", "-1", "0", "99999999999999999999", "/", "relative", "user@host:", "@:/x", "'/x", "~/x", "/tmp/../", "\t", "=", "'", "\"\"" }[rng.Next(17)]}");
                    text = string.Join('\n', lines);
                    break;
                default:
                    var bytes = Encoding.UTF8.GetBytes(text);
                    if (bytes.Length > 0)
                    {
                        bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
                    }
                    text = Encoding.Latin1.GetString(bytes);
                    break;
            }
        }
        return text;
    }

    private string[] MutateCommandLine(Random rng)
    {
        var args = new List<string>();
        if (rng.Next(10) > 0)
        {
            args.AddRange(["-c", ConfigPath]);
        }
        if (rng.Next(3) > 0)
        {
            args.Add(Commands[rng.Next(Commands.Length)]);
        }
        if (rng.Next(4) > 0)
        {
            args.Add(HostileNames[rng.Next(HostileNames.Length)]);
        }
        for (var i = rng.Next(4); i > 0; i--)
        {
            args.Insert(rng.Next(args.Count + 1), Options[rng.Next(Options.Length)]);
        }
        if (rng.Next(10) == 0)
        {
            args.Add(new string('x', rng.Next(1, 100_000)));
        }
        return [.. args];
    }

    /// <summary>Everything that could be written to: the test root, the volume, the working directory, /tmp, /.</summary>
    private SortedSet<string> World()
    {
        var all = Entries(Loop.Root);
        foreach (var dir in new[] { Environment.CurrentDirectory, "/tmp", "/", "/etc" })
        {
            foreach (var e in Directory.EnumerateFileSystemEntries(dir))
            {
                all.Add(e);
            }
        }
        return all;
    }

    private static SortedSet<string> WorldExceptOtherWorkers(SortedSet<string> world) =>
        // Other processes on this machine create temp entries in /tmp; only entries named like our inputs count there.
        new(world.Where(e => !e.StartsWith("/tmp/", StringComparison.Ordinal) || e.Contains("pwned", StringComparison.Ordinal) || e.EndsWith("/tmp/x", StringComparison.Ordinal)), StringComparer.Ordinal);

    [Test]
    public async Task Mutated_configs_and_command_lines_end_with_0_1_or_2_a_short_message_and_no_change()
    {
        const string fault = "fuzzed configs and command lines";
        Figures.Inject(fault);
        var snapshots = BackUpFilledSource(10);
        Directory.CreateDirectory(Path.Combine(Loop.Root, "fuzz"));
        var world = WorldExceptOtherWorkers(World());
        var rng = new Random(Seed);
        var problems = new List<string>();
        var fuzzDir = Path.Combine(Loop.Root, "fuzz");
        var fuzzConfig = Path.Combine(fuzzDir, "fuzz.ini");
        var inputs = 0;

        void Record(string what, string? problem, Outcome o)
        {
            inputs++;
            if (problem is null)
            {
                return;
            }
            if (o.Hung)
            {
                Interlocked.Increment(ref Figures.FuzzHangs);
            }
            else
            {
                Interlocked.Increment(ref Figures.FuzzCrashes);
            }
            if (problems.Count < 20)
            {
                problems.Add($"{what}: {problem}\nexit {o.Exit}\nstderr: {Truncate(o.Error)}");
            }
        }

        var processSamples = new List<(string What, string[] Args)>();
        for (var i = 0; i < ConfigInputs; i++)
        {
            var text = MutateConfig(rng);
            File.WriteAllText(fuzzConfig, text, new UTF8Encoding(false));
            string[] args = rng.Next(2) == 0 ? ["-c", fuzzConfig, "list", "data1"] : ["-c", fuzzConfig, "list", "other", "--json"];
            var outcome = await RunInProcess(args);
            Record($"config #{i} ({Truncate(text)})", Judge(outcome), outcome);
            try
            {
                DaemonConfig.Load([fuzzConfig]);
                inputs++;
            }
            catch (ConfigException)
            {
                inputs++;
            }
            catch (Exception e)
            {
                Record($"daemon config #{i} ({Truncate(text)})", "DaemonConfig.Load threw " + e.GetType().Name + ": " + e.Message, new Outcome(-1, "", "", false, e));
            }
            if (i % (ConfigInputs / (ProcessSample / 2)) == 0)
            {
                var copy = Path.Combine(fuzzDir, $"sample{i}.ini");
                File.WriteAllText(copy, text, new UTF8Encoding(false));
                processSamples.Add(($"config sample {i}", ["-c", copy, "list", "data1"]));
            }
        }
        for (var i = 0; i < CommandLineInputs; i++)
        {
            var args = MutateCommandLine(rng);
            var outcome = await RunInProcess(args);
            Record($"command line #{i} [{Truncate(string.Join(' ', args))}]", Judge(outcome, IsDebug(args)), outcome);
            if (i % (CommandLineInputs / (ProcessSample / 2)) == 0 && args.All(a => !a.Contains('\0', StringComparison.Ordinal)))
            {
                processSamples.Add(($"command line sample {i}", args));
            }
        }

        // A sample through the real process: start-up, signal handlers and the console are part of the path.
        var sampled = new System.Collections.Concurrent.ConcurrentBag<(string, Outcome)>();
        await Parallel.ForEachAsync(processSamples, new ParallelOptions { MaxDegreeOfParallelism = 3 }, (sample, _) =>
        {
            Outcome o;
            try
            {
                var r = Shell.Run("dotnet", new[] { CliProcess.Dll }.Concat(sample.Args), null, TimeSpan.FromSeconds(90));
                o = new Outcome(r.ExitCode, r.Output, r.Error, false, null);
            }
            catch (TimeoutException)
            {
                o = new Outcome(-1, "", "", true, null);
            }
            sampled.Add((sample.What + (IsDebug(sample.Args) ? " -d" : string.Empty), o));
            return ValueTask.CompletedTask;
        });
        foreach (var (what, o) in sampled)
        {
            Record("process " + what, Judge(o, what.EndsWith(" -d", StringComparison.Ordinal)), o);
        }

        Interlocked.Add(ref Figures.FuzzInputs, inputs);
        TestContext.Progress.WriteLine($"fuzz: {inputs} inputs ({processSamples.Count} through the real process), {problems.Count} problems");
        var after = WorldExceptOtherWorkers(World());
        var stray = after.Except(world).Concat(world.Except(after).Where(e => !e.StartsWith(Loop.Root, StringComparison.Ordinal))).ToList();
        stray.RemoveAll(e => e.StartsWith("fuzz/", StringComparison.Ordinal));
        Interlocked.Add(ref Figures.StrayWrites, stray.Count);

        TestContext.Progress.WriteLine("fuzz stray entries: " + string.Join(", ", stray.Take(20)));
        Assert.That(inputs, Is.GreaterThanOrEqualTo(1000));
        Assert.That(problems, Is.Empty);
        Assert.That(stray, Is.Empty, "nothing created or removed anywhere");
        AssertSnapshotsIntact(snapshots);
        Assert.That(SnapshotNames(), Is.EqualTo(snapshots.Keys), "no change to the volume");
        Figures.Survive(fault);
    }

    private static bool IsDebug(string[] args) =>
        args.TakeWhile(a => a != "--").Any(a => a == "--debug" || (a.StartsWith("-d", StringComparison.Ordinal) && a.Skip(1).All(c => c == 'd')));

    private static string Truncate(string s)
    {
        var visible = s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
        return visible.Length > 300 ? visible[..300] + $"…({s.Length} chars)" : visible;
    }
}
