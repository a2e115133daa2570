using System.Collections.Concurrent;

namespace SnapshotBackup.Core.Processes;

/// <summary>
/// One long-lived thread that starts every child process. Children run under <c>setpriv --pdeathsig KILL</c>, and
/// Linux delivers the parent-death signal when the *thread* that forked them exits; a thread-pool thread may retire in
/// the middle of a backup, this thread never does (it ends only with the process, which is when children should die).
/// </summary>
internal static class SpawnThread
{
    private static readonly BlockingCollection<Action> Work = [];

    static SpawnThread()
    {
        var thread = new Thread(() =>
        {
            foreach (var action in Work.GetConsumingEnumerable())
            {
                action();
            }
        })
        {
            IsBackground = true,
            Name = "process spawner",
        };
        thread.Start();
    }

    public static void Run(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Work.Add(() =>
        {
            try
            {
                action();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        done.Task.GetAwaiter().GetResult();
    }
}
