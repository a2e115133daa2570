using System.Diagnostics;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Unit;

/// <summary>A child started as another user (the desktop notification child) still dies with its parent.</summary>
public class SetPrivTests
{
    [Test]
    public void A_child_run_as_another_user_is_killed_when_its_parent_dies()
    {
        // As ProcessRunner starts it: setpriv --pdeathsig KILL -- setpriv <AsUser> -- sleep. The kernel clears the outer
        // parent-death signal when the user id changes; AsUser must set it again.
        var inner = SetPriv.AsUser(65534, 65534, "sleep");
        var words = SetPriv.KilledWithParent(SetPriv.Path).Prepend(SetPriv.Path).Concat(inner).Append("300").Select(ShellQuoting.Quote);
        var info = new ProcessStartInfo("bash", ["-c", string.Join(' ', words) + " & echo $!; exec sleep 300"])
        {
            RedirectStandardOutput = true,
        };
        using var parent = Process.Start(info)!;
        var child = int.Parse(parent.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(Poll.Until(() => File.Exists($"/proc/{child}/status") && File.ReadAllText($"/proc/{child}/status").Contains("\nUid:\t65534", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            Is.True, $"the child runs as uid 65534: {string.Join(' ', info.ArgumentList)}\n{(File.Exists($"/proc/{child}/status") ? File.ReadAllText($"/proc/{child}/status") : "gone")}");

        parent.Kill();
        parent.WaitForExit();

        Assert.That(Poll.Until(() => !File.Exists($"/proc/{child}/status") || File.ReadAllText($"/proc/{child}/status").Contains("State:\tZ", StringComparison.Ordinal), TimeSpan.FromSeconds(5)),
            Is.True, $"pid {child} outlived its parent");
    }
}
