namespace SnapshotBackup.Tests.Daemon;

/// <summary>One parsed journal field; <see cref="Binary"/> when it used the length-prefixed form.</summary>
internal sealed record JournalField(string Name, string Value, bool Binary);
