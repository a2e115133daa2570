using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.NormalUser;

/// <summary>A normal user (setpriv) restores their own files from their own backups: into the source after a backup, and elsewhere.</summary>
[NonParallelizable]
[Category("NormalUser")]
public class RestoreNormalUserTests : VolumeTest
{
    private UserAccount _user = null!;
    private string _home = null!;

    [SetUp]
    public void GiveTheVolumeToTheUser()
    {
        _user = NormalUserAccount.Ensure();
        Shell.Check("chmod", "755", Loop.Root);
        _home = Path.Combine(Loop.Root, "home");
        Directory.CreateDirectory(_home);
        Directory.CreateDirectory(Path.Combine(Loop.Mount, "backups"));
        WriteFile(Path.Combine(Source, "docs", "a.txt"), "a as backed up");
        WriteFile(Path.Combine(Source, "docs", "b.txt"), "b as backed up");
        Shell.Check("chmod", "600", Path.Combine(Source, "docs", "b.txt"));
        NormalUserAccount.Chown(_user, _home);
        NormalUserAccount.Chown(_user, Source);
        NormalUserAccount.Chown(_user, Path.Combine(Loop.Mount, "backups"));
        NormalUserAccount.Chown(_user, ConfigPath);
    }

    private Shell.Result AsUserOk(params string[] args)
    {
        var result = Shell.Run("setpriv", [.. NormalUserAccount.AsUser(_user), "dotnet", CliProcess.Dll, "-c", ConfigPath, .. args],
            new Dictionary<string, string> { ["HOME"] = _home, ["USER"] = _user.Name, ["LOGNAME"] = _user.Name }, TimeSpan.FromMinutes(3));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return result;
    }

    private static string Stat(string format, string path) => Shell.Run("stat", "-c", format, path).Output.Trim();

    [Test]
    public void A_normal_user_restores_their_own_files_into_the_source_after_a_backup_and_elsewhere()
    {
        AsUserOk("setup", "data1");
        var first = AsUserOk("backup", "data1").Output.Trim();
        File.Delete(Path.Combine(Source, "docs", "a.txt"));
        File.WriteAllText(Path.Combine(Source, "docs", "b.txt"), "b changed");

        var result = AsUserOk("restore", "data1", "docs", "--delete", "--yes");

        Assert.That(File.ReadAllText(Path.Combine(Source, "docs", "a.txt")), Is.EqualTo("a as backed up"));
        Assert.That(File.ReadAllText(Path.Combine(Source, "docs", "b.txt")), Is.EqualTo("b as backed up"));
        Assert.That(Stat("%u %a", Path.Combine(Source, "docs", "b.txt")), Is.EqualTo($"{_user.Uid} 600"), "owner and mode as they were");
        Assert.That(Stat("%u", Path.Combine(Source, "docs", "a.txt")), Is.EqualTo(_user.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var names = SnapshotNames();
        Assert.That(names, Has.Count.EqualTo(2), "the user's backup before the restore");
        Assert.That(result.Output, Does.Contain($"the source as it was before is snapshot {names[1]}"));

        var elsewhere = Path.Combine(_home, "restored");
        AsUserOk("restore", "data1", "docs/b.txt", "--to", elsewhere, "--from", first, "--yes");
        Assert.That(File.ReadAllText(Path.Combine(elsewhere, "docs", "b.txt")), Is.EqualTo("b as backed up"));
        Assert.That(Stat("%u %a", Path.Combine(elsewhere, "docs", "b.txt")), Is.EqualTo($"{_user.Uid} 600"));
        Assert.That(SnapshotNames(), Has.Count.EqualTo(2), "no backup for --to");
    }
}
