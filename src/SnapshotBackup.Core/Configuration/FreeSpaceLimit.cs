using System.Globalization;
using System.Text.RegularExpressions;
using SnapshotBackup.Core.Copies;

namespace SnapshotBackup.Core.Configuration;

/// <summary>
/// <c>min_free</c>: the free space a backup volume keeps, a percentage of the filesystem (<c>10%</c>) or a size
/// (<c>50 GiB</c>, <c>500 MB</c>, <c>1.5G</c>). Sizes: a whole or decimal number and a unit; B, KiB, MiB, GiB and TiB
/// count in powers of 1024 (and K, M, G and T mean the same), KB, MB, GB and TB in powers of 1000. Units are read
/// without regard to case; a number without a unit is refused (bytes or gigabytes?).
/// </summary>
public sealed partial record FreeSpaceLimit
{
    private FreeSpaceLimit(double? percent, long? bytes)
    {
        Percent = percent;
        Bytes = bytes;
    }

    /// <summary>The percentage of the filesystem's size (0 &lt; p &lt; 100); null for a fixed size.</summary>
    public double? Percent { get; }

    /// <summary>The fixed size in bytes; null for a percentage.</summary>
    public long? Bytes { get; }

    public static FreeSpaceLimit OfPercent(double percent) =>
        percent is > 0 and < 100 ? new(percent, null) : throw new ArgumentOutOfRangeException(nameof(percent));

    public static FreeSpaceLimit OfBytes(long bytes) =>
        bytes > 0 ? new(null, bytes) : throw new ArgumentOutOfRangeException(nameof(bytes));

    /// <summary>The limit in bytes on a filesystem of <paramref name="totalBytes"/> (a percentage rounds up).</summary>
    public long BytesFor(long totalBytes) =>
        Bytes ?? (long)Math.Ceiling(totalBytes * Percent!.Value / 100);

    /// <summary>As a message names it: <c>10%</c>, <c>50.0 GiB</c>.</summary>
    public override string ToString() =>
        Percent is { } p ? p.ToString("0.###", CultureInfo.InvariantCulture) + "%" : ByteSize.Format(Bytes!.Value);

    /// <summary>What <see cref="TryParse"/> accepts, for error messages.</summary>
    public const string Expected =
        "expected a percentage of the filesystem such as 10% (more than 0, less than 100) or a size such as 50 GiB or " +
        "500 MB (B, KiB, MiB, GiB, TiB count in 1024s, as K, M, G, T do; KB, MB, GB, TB in 1000s)";

    /// <summary>Reads <c>N%</c> or a size with its unit; false with <paramref name="error"/> otherwise.</summary>
    public static bool TryParse(string text, out FreeSpaceLimit? limit, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        limit = null;
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            error = Regex.IsMatch(text, @"^\s*\d+(\.\d+)?\s*$") ? "a number needs its unit (50 GiB, 500 MB or 10%)" : Expected;
            return false;
        }
        if (!decimal.TryParse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = "a number that large is no filesystem's size";
            return false;
        }
        var unit = match.Groups["unit"].Value.ToUpperInvariant();
        if (unit == "%")
        {
            if (number is <= 0 or >= 100)
            {
                error = "a percentage must be more than 0 and less than 100";
                return false;
            }
            limit = new FreeSpaceLimit((double)number, null);
            error = string.Empty;
            return true;
        }
        var factor = unit switch
        {
            "B" => 1m,
            "K" or "KIB" => 1L << 10,
            "M" or "MIB" => 1L << 20,
            "G" or "GIB" => 1L << 30,
            "T" or "TIB" => 1L << 40,
            "KB" => 1e3m,
            "MB" => 1e6m,
            "GB" => 1e9m,
            "TB" => 1e12m,
            _ => 0m,
        };
        if (number > long.MaxValue / factor)
        {
            error = "a size that large is no filesystem's";
            return false;
        }
        var bytes = number * factor;
        if (bytes < 1)
        {
            error = "a size must be at least 1 byte";
            return false;
        }
        if (bytes > long.MaxValue)
        {
            error = "a size that large is no filesystem's";
            return false;
        }
        limit = new FreeSpaceLimit(null, (long)Math.Ceiling(bytes));
        error = string.Empty;
        return true;
    }

    [GeneratedRegex(@"^\s*(?<number>\d+(\.\d+)?)\s*(?<unit>%|B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
