using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Daemon.Hosting;

/// <summary>
/// Gives memory back while the daemon idles: an aggressive (decommitting) full GC and glibc's malloc_trim, after
/// start-up and after each job. The daemon spends nearly all its life waiting, so a few milliseconds here keep its
/// resident size at the runtime's floor instead of its high-water mark.
/// </summary>
internal static class MemoryTrimmer
{
    public static void Trim()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        try
        {
            _ = LibC.MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: nothing to trim.
        }
    }
}
