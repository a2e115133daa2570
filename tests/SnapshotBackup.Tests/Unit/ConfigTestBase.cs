using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Tests.Unit;

/// <summary>A per-test temporary directory to write INI files into.</summary>
public abstract class ConfigTestBase
{
    protected string Dir { get; private set; } = "";

    [SetUp]
    public void CreateDirectory() =>
        Dir = Directory.CreateTempSubdirectory("snapshotbackup-config-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(Dir, recursive: true);

    protected string Write(string relativePath, string text)
    {
        var path = Path.Combine(Dir, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    protected static ConfigSet Load(params string[] files) => ConfigLoader.Load(files, files);

    protected static string LoadError(params string[] files)
    {
        var e = Assert.Throws<ConfigException>(() => Load(files));
        return e!.Message;
    }
}
