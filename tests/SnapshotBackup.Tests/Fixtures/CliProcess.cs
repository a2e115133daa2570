using System.Diagnostics;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>The real <c>snapshotbackup</c> command, run as a child process from the test output directory.</summary>
public static class CliProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "snapshotbackup.dll");

    public static Shell.Result Run(params string[] args) => Run(null, args);

    public static Shell.Result Run(IDictionary<string, string>? environment, params string[] args) =>
        Shell.Run("dotnet", new[] { Dll }.Concat(args), environment, TimeSpan.FromMinutes(3));

    /// <summary>Starts the command without waiting; the caller kills or waits for it.</summary>
    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info)!;
        process.StandardInput.Close();
        return process;
    }
}
