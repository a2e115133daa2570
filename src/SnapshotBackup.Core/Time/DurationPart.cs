using System.Globalization;

namespace SnapshotBackup.Core.Time;

/// <summary>One amount of one unit in a <see cref="Duration"/>, such as the <c>12 hours</c> of <c>1 day 12 hours</c>.</summary>
public readonly record struct DurationPart(decimal Amount, DurationUnit Unit)
{
    /// <summary><c>1 day</c>, <c>1.5 days</c>, <c>0 minutes</c>: invariant digits without trailing zeros, plural unless exactly 1.</summary>
    public override string ToString()
    {
        var amount = Amount.ToString("0.############################", CultureInfo.InvariantCulture);
        var unit = Unit.ToString().ToLowerInvariant();
        return Amount == 1 ? $"{amount} {unit}" : $"{amount} {unit}s";
    }
}
