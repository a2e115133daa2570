using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Tests.Unit.Copies;

/// <summary>The copy relay between real children's pipes (splice) and between other streams (the copy loop): every byte
/// arrives, a receiver that is gone is a write failure, and a relay blocked on either side returns when that side's child
/// is killed (what cancellation does).</summary>
public class StreamRelayTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("sbrelay-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static PipedProcess Start(string program, bool writeInput, bool readOutput, params string[] arguments) =>
        PipedProcess.Start(new ExternalCommand(program, arguments), NullLogger.Instance, writeInput, readOutput);

    private string RandomFile(int bytes)
    {
        var path = Path.Combine(_dir, "in.bin");
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(path, data);
        return path;
    }

    [Test]
    public async Task Splices_every_byte_from_one_child_into_another()
    {
        // More than the pipes hold (1 MiB each) and not a multiple of a page.
        var input = RandomFile((5 << 20) + 4097);
        var output = Path.Combine(_dir, "out.bin");
        await using var source = Start("cat", writeInput: false, readOutput: true, input);
        await using var sink = Start("dd", writeInput: true, readOutput: false, $"of={output}", "bs=1M", "status=none");
        var counted = new List<long>();

        var result = await StreamRelay.RunAsync(source.Output, sink.Input, counted.Add, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        sink.CloseInput();
        Assert.That((await sink.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None)).ExitCode, Is.Zero);
        Assert.That((await source.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None)).ExitCode, Is.Zero);

        Assert.That(result.Spliced, Is.True);
        Assert.That(result.WriteFailure, Is.Null);
        Assert.That(result.Bytes, Is.EqualTo(new FileInfo(input).Length));
        Assert.That(counted, Is.Ordered.And.Not.Empty);
        Assert.That(counted[^1], Is.EqualTo(result.Bytes));
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(File.ReadAllBytes(input)));
    }

    [Test]
    public async Task A_receiver_that_stops_reading_is_a_write_failure()
    {
        var input = RandomFile(4 << 20);
        await using var source = Start("cat", writeInput: false, readOutput: true, input);
        await using var sink = Start("head", writeInput: true, readOutput: false, "-c", "1000");

        var result = await StreamRelay.RunAsync(source.Output, sink.Input, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.That(result.Spliced, Is.True);
        Assert.That(result.WriteFailure, Is.Not.Null);
        Assert.That(result.Bytes, Is.LessThan(4 << 20));
    }

    [Test]
    public async Task A_relay_blocked_on_a_full_receiver_returns_when_the_receiver_is_killed()
    {
        var input = RandomFile(8 << 20);
        await using var source = Start("cat", writeInput: false, readOutput: true, input);
        await using var sink = Start("sleep", writeInput: true, readOutput: false, "60");
        var relay = StreamRelay.RunAsync(source.Output, sink.Input, _ => { }, CancellationToken.None);
        await Task.Delay(500);
        Assert.That(relay.IsCompleted, Is.False, "the receiver reads nothing: the relay must be blocked");

        var stopwatch = Stopwatch.StartNew();
        sink.Kill();
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(result.WriteFailure, Is.Not.Null);
    }

    [Test]
    public async Task A_relay_blocked_on_a_silent_sender_returns_when_the_sender_is_killed()
    {
        var output = Path.Combine(_dir, "out.bin");
        await using var source = Start("sleep", writeInput: false, readOutput: true, "60");
        await using var sink = Start("dd", writeInput: true, readOutput: false, $"of={output}", "status=none");
        var relay = StreamRelay.RunAsync(source.Output, sink.Input, _ => { }, CancellationToken.None);
        await Task.Delay(500);
        Assert.That(relay.IsCompleted, Is.False, "the sender writes nothing: the relay must be blocked");

        var stopwatch = Stopwatch.StartNew();
        source.Kill();
        var result = await relay.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(result.Bytes, Is.Zero);
        Assert.That(result.WriteFailure, Is.Null);
    }

    [Test]
    public async Task Streams_that_are_not_pipes_go_through_the_copy_loop()
    {
        var data = new byte[(3 << 20) + 17];
        Random.Shared.NextBytes(data);
        using var from = new MemoryStream(data);
        using var to = new MemoryStream();
        long last = 0;

        var result = await StreamRelay.RunAsync(from, to, total => last = total, CancellationToken.None);

        Assert.That(result.Spliced, Is.False);
        Assert.That(result.Bytes, Is.EqualTo(data.Length));
        Assert.That(last, Is.EqualTo(data.Length));
        Assert.That(to.ToArray(), Is.EqualTo(data));
    }
}
