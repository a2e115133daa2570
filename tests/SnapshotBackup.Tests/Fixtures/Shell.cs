using System.Diagnostics;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>Runs helper programs for tests from argument lists, with a timeout.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nstderr: {Error}";
    }

    public static Result Run(string file, params string[] args) => Run(file, args, null, TimeSpan.FromMinutes(2));

    public static Result Run(string file, IEnumerable<string> args, IDictionary<string, string>? environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    public static void Check(string file, params string[] args)
    {
        var result = Run(file, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {result}");
        }
    }
}
