using SnapshotBackup.Core;

namespace SnapshotBackup.Cli;

/// <summary>[y/N] questions on the controlling terminal.</summary>
internal static class Prompt
{
    /// <summary>A question asker when standard input and error are a terminal; null otherwise.</summary>
    public static Func<string, bool>? FromTerminal()
    {
        if (!Terminal.IsTerminal(0) || !Terminal.IsTerminal(2))
        {
            return null;
        }
        return question =>
        {
            Console.Error.Write(question + " [y/N] ");
            var answer = Console.ReadLine();
            return answer is not null && (answer.Trim().Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase));
        };
    }
}
