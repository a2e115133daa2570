using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Tests.Unit;

/// <summary><c>min_free</c>'s grammar: a percentage of the filesystem or a size with its unit; anything else one clear error.</summary>
public sealed class FreeSpaceLimitTests : ConfigTestBase
{
    [TestCase("10%", 10.0)]
    [TestCase("0.5 %", 0.5)]
    [TestCase(" 99.9% ", 99.9)]
    public void A_percentage_is_of_the_filesystem_rounded_up_to_a_byte(string text, double percent)
    {
        Assert.That(FreeSpaceLimit.TryParse(text, out var limit, out var error), Is.True, error);

        Assert.That(limit!.Percent, Is.EqualTo(percent));
        Assert.That(limit.Bytes, Is.Null);
        Assert.That(limit.BytesFor(1000), Is.EqualTo((long)Math.Ceiling(1000 * percent / 100)));
        Assert.That(limit.BytesFor(1L << 40), Is.EqualTo((long)Math.Ceiling((1L << 40) * percent / 100)));
    }

    [TestCase("50 GiB", 50L << 30)]
    [TestCase("50GiB", 50L << 30)]
    [TestCase("50 gib", 50L << 30)]
    [TestCase("1.5G", 3L << 29)]
    [TestCase("500 MB", 500_000_000L)]
    [TestCase("500 MiB", 500L << 20)]
    [TestCase("500M", 500L << 20)]
    [TestCase("2 TB", 2_000_000_000_000L)]
    [TestCase("2 T", 2L << 40)]
    [TestCase("2TiB", 2L << 40)]
    [TestCase("64 KiB", 64L << 10)]
    [TestCase("64 kb", 64_000L)]
    [TestCase("64K", 64L << 10)]
    [TestCase("4096 B", 4096L)]
    [TestCase("0.5 KiB", 512L)]
    public void A_size_counts_binary_units_in_1024s_and_decimal_ones_in_1000s(string text, long bytes)
    {
        Assert.That(FreeSpaceLimit.TryParse(text, out var limit, out var error), Is.True, error);

        Assert.That(limit!.Bytes, Is.EqualTo(bytes));
        Assert.That(limit.Percent, Is.Null);
        Assert.That(limit.BytesFor(1L << 50), Is.EqualTo(bytes), "a size does not depend on the filesystem");
        Assert.That(limit.BytesFor(1), Is.EqualTo(bytes));
    }

    [TestCase("50", "needs its unit")]
    [TestCase("1.5", "needs its unit")]
    [TestCase("0%", "more than 0 and less than 100")]
    [TestCase("100%", "more than 0 and less than 100")]
    [TestCase("150 %", "more than 0 and less than 100")]
    [TestCase("0 GiB", "at least 1 byte")]
    [TestCase("0.1 B", "at least 1 byte")]
    [TestCase("-5%", "expected a percentage")]
    [TestCase("10 %%", "expected a percentage")]
    [TestCase("50 GB free", "expected a percentage")]
    [TestCase("50 Gb/s", "expected a percentage")]
    [TestCase("1,5 G", "expected a percentage")]
    [TestCase(".5G", "expected a percentage")]
    [TestCase("five GiB", "expected a percentage")]
    [TestCase("10 PiB", "expected a percentage")]
    [TestCase("99999999999 TiB", "no filesystem's")]
    [TestCase("100000000000000000 TiB", "no filesystem's")]
    [TestCase("100000000000000000000000000000 B", "no filesystem's")]
    [TestCase("99999999999999999999 KB", "no filesystem's")]
    public void Anything_else_is_refused_with_a_reason(string text, string reason)
    {
        Assert.That(FreeSpaceLimit.TryParse(text, out var limit, out var error), Is.False);

        Assert.That(limit, Is.Null);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void Messages_name_a_percentage_as_written_and_a_size_in_binary_units()
    {
        Assert.That(FreeSpaceLimit.OfPercent(12.5).ToString(), Is.EqualTo("12.5%"));
        Assert.That(FreeSpaceLimit.OfBytes(50L << 30).ToString(), Is.EqualTo("50.0 GiB"));
        Assert.That(FreeSpaceLimit.OfBytes(500_000_000).ToString(), Is.EqualTo("477 MiB"));
    }

    [Test]
    public void The_config_reads_min_free_per_section_with_DEFAULT_inherited_and_an_empty_value_off()
    {
        var path = Write("snapshotbackup.ini", """
            [DEFAULT]
            min_free = 10%
            [a]
            source = /src/a
            backups = /backups/a
            [b]
            source = /src/b
            backups = /backups/b
            min_free = 50 GiB
            [c]
            source = /src/c
            backups = /backups/c
            min_free =
            """);

        var config = Load(path);

        Assert.That(config.Backups["a"].MinFree, Is.EqualTo(FreeSpaceLimit.OfPercent(10)));
        Assert.That(config.Backups["b"].MinFree, Is.EqualTo(FreeSpaceLimit.OfBytes(50L << 30)));
        Assert.That(config.Backups["c"].MinFree, Is.Null);
        Assert.That(config.Warnings, Is.Empty, "a percentage in min_free is no interpolation worth a warning");
    }

    [Test]
    public void Without_min_free_nothing_is_deleted_for_space()
    {
        var path = Write("snapshotbackup.ini", "[a]\nsource = /src/a\nbackups = /backups/a\n");

        Assert.That(Load(path).Backups["a"].MinFree, Is.Null);
    }

    [Test]
    public void A_bad_value_is_one_clear_error_naming_file_section_key_and_value()
    {
        var path = Write("snapshotbackup.ini", "[a]\nsource = /src/a\nbackups = /backups/a\nmin_free = 50\n");

        var message = LoadError(path);

        Assert.That(message, Is.EqualTo($"{path}: [a] min_free = '50': a number needs its unit (50 GiB, 500 MB or 10%)"));
    }

    [Test]
    public void A_bad_value_in_DEFAULT_is_refused_even_when_every_section_sets_its_own()
    {
        var path = Write("snapshotbackup.ini", "[DEFAULT]\nmin_free = lots\n[a]\nsource = /src/a\nbackups = /backups/a\nmin_free = 1 GiB\n");

        Assert.That(LoadError(path), Does.Contain("[DEFAULT] min_free = 'lots': expected a percentage"));
    }
}
