using System.Diagnostics;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>Processes a test started (a lock holder, a long backup): each killed with its tree and disposed at the end.</summary>
public sealed class ChildProcesses
{
    private readonly List<Process> _started = [];

    /// <summary>Keeps <paramref name="process"/> for <see cref="StopAll"/>; returns it.</summary>
    public Process Add(Process process)
    {
        _started.Add(process);
        return process;
    }

    /// <summary>Kills what still runs (its whole tree, waiting up to 10 s) and disposes everything.</summary>
    public void StopAll()
    {
        foreach (var process in _started)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // It ended, or never started, in between.
            }
            process.Dispose();
        }
        _started.Clear();
    }
}
