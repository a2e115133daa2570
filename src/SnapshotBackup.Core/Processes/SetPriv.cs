using System.Globalization;

namespace SnapshotBackup.Core.Processes;

/// <summary>util-linux <c>setpriv</c>, the one way children get a parent-death signal or another user's identity.</summary>
public static class SetPriv
{
    public const string Path = "/usr/bin/setpriv";

    public static bool IsInstalled => File.Exists(Path);

    /// <summary><c>setpriv --pdeathsig KILL -- command</c>: the child is killed when its parent dies.</summary>
    public static IReadOnlyList<string> KilledWithParent(string fileName) => ["--pdeathsig", "KILL", "--", fileName];

    /// <summary>
    /// <c>setpriv --reuid UID --regid GID --init-groups --pdeathsig KILL -- command</c>: the child runs as that user and
    /// still dies with its parent. The kernel clears a parent-death signal when the user id changes, so the outer
    /// <see cref="KilledWithParent"/> alone would not survive the switch; setpriv sets this one after it.
    /// </summary>
    public static IReadOnlyList<string> AsUser(uint uid, uint gid, string fileName) =>
    [
        "--pdeathsig", "KILL",
        "--reuid", uid.ToString(CultureInfo.InvariantCulture),
        "--regid", gid.ToString(CultureInfo.InvariantCulture),
        "--init-groups",
        "--",
        fileName,
    ];
}
