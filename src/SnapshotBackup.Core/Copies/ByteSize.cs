using System.Globalization;

namespace SnapshotBackup.Core.Copies;

/// <summary>Bytes for people: <c>512 B</c>, <c>1.5 KiB</c>, <c>12.3 MiB</c>, <c>4.07 GiB</c>.</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Format(long bytes)
    {
        if (bytes < 1024)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " B";
        }
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        var format = value >= 100 ? "0" : value >= 10 ? "0.0" : "0.00";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + Units[unit];
    }

    /// <summary>A rate: <c>85.2 MiB/s</c>.</summary>
    public static string Rate(double bytesPerSecond) =>
        Format(double.IsFinite(bytesPerSecond) && bytesPerSecond > 0 ? (long)bytesPerSecond : 0) + "/s";
}
