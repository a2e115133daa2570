using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.NormalUser;

/// <summary>
/// A file in /etc/sudoers.d for one test: written under a name sudo ignores (it contains a dot), mode 0440, checked
/// with <c>visudo -cf</c>, then renamed into place; removed by <see cref="Dispose"/>, also when the test failed.
/// </summary>
public sealed class SudoersDropIn : IDisposable
{
    public const string Directory = "/etc/sudoers.d";

    private SudoersDropIn(string path) => Path = path;

    public string Path { get; }

    /// <summary>Installs <paramref name="lines"/> as <c>/etc/sudoers.d/NAME</c> (letters, digits, '-' and '_' only).</summary>
    public static SudoersDropIn Install(string name, IEnumerable<string> lines)
    {
        if (name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new ArgumentException($"sudo would ignore or misread a drop-in named '{name}'", nameof(name));
        }
        var dropIn = new SudoersDropIn(System.IO.Path.Combine(Directory, name));
        var temp = dropIn.Path + ".tmp"; // a name with a dot: sudo skips it while it is written and checked
        try
        {
            File.WriteAllText(temp, string.Join('\n', lines) + "\n");
            Shell.Check("chmod", "0440", temp);
            Shell.Check("visudo", "-cf", temp);
            File.Move(temp, dropIn.Path, overwrite: true);
        }
        catch
        {
            dropIn.Dispose();
            throw;
        }
        return dropIn;
    }

    /// <summary>Removes a drop-in of that name left by a test run that was killed before it could clean up.</summary>
    public static void RemoveStale(string name) => new SudoersDropIn(System.IO.Path.Combine(Directory, name)).Dispose();

    public void Dispose()
    {
        File.Delete(Path + ".tmp");
        File.Delete(Path);
    }
}
