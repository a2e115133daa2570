using SnapshotBackup.Core.Copies;

namespace SnapshotBackup.Tests.Copies.Remote;

/// <summary>The validator in front of btrfs receive, on hand-made hostile streams (real streams: <see cref="RemoteCopyTests"/>).</summary>
public sealed class SendStreamValidatorTests
{
    private const string Name = "2026-11-24T18:07:43+01:00";

    private static async Task<(Exception? Error, byte[] Passed)> RelayAsync(byte[] stream, int bufferSize = 1 << 20)
    {
        var output = new MemoryStream();
        try
        {
            await SendStreamValidator.RelayAsync(new MemoryStream(stream), output, Name, CancellationToken.None, bufferSize);
            return (null, output.ToArray());
        }
        catch (SendStreamRejectedException e)
        {
            return (e, output.ToArray());
        }
    }

    [Test]
    public async Task A_well_formed_stream_passes_byte_for_byte()
    {
        var data = new byte[200_000];
        Random.Shared.NextBytes(data);
        var stream = new SendStreamBuilder().BeginSubvolume(Name).Mkfile("o257-5-0")
            .Command(SendStreamBuilder.Rename, (SendStreamBuilder.Path, SendStreamBuilder.Text("o257-5-0")), (SendStreamBuilder.PathTo, SendStreamBuilder.Text("dir/file")))
            .WriteData("dir/file", data[..60_000]).WriteData("dir/file", data[60_000..120_000])
            .Command(SendStreamBuilder.Symlink, (SendStreamBuilder.Path, SendStreamBuilder.Text("abs")), (SendStreamBuilder.Ino, SendStreamBuilder.U64(300)), (SendStreamBuilder.PathLink, SendStreamBuilder.Text("/etc")))
            .Command(SendStreamBuilder.Link, (SendStreamBuilder.Path, SendStreamBuilder.Text("dir/hard")), (SendStreamBuilder.PathLink, SendStreamBuilder.Text("dir/file")))
            .Finish().ToArray();

        foreach (var buffer in new[] { 64 * 1024, 1 << 20 })
        {
            var (error, passed) = await RelayAsync(stream, buffer);
            Assert.That(error, Is.Null);
            Assert.That(passed, Is.EqualTo(stream));
        }
    }

    private static IEnumerable<TestCaseData> Hostile()
    {
        static SendStreamBuilder Start() => new SendStreamBuilder().BeginSubvolume(Name);
        yield return new TestCaseData(Start().Mkfile("../escape").Finish(), "leaves its subvolume").SetName("a ../ path");
        yield return new TestCaseData(Start().Mkfile("a/../../escape").Finish(), "leaves its subvolume").SetName("a ../ inside a path");
        yield return new TestCaseData(Start().Mkfile("/etc/cron.d/x").Finish(), "absolute path").SetName("an absolute path");
        yield return new TestCaseData(Start().Mkfile("a\0b").Finish(), "NUL byte").SetName("a NUL byte");
        yield return new TestCaseData(Start().Mkfile("x").Command(SendStreamBuilder.Rename, (SendStreamBuilder.Path, SendStreamBuilder.Text("x")), (SendStreamBuilder.PathTo, SendStreamBuilder.Text("../../x"))).Finish(),
            "leaves its subvolume").SetName("a rename to ../");
        yield return new TestCaseData(Start().Command(SendStreamBuilder.Link, (SendStreamBuilder.Path, SendStreamBuilder.Text("h")), (SendStreamBuilder.PathLink, SendStreamBuilder.Text("../../etc/shadow"))).Finish(),
            "leaves its subvolume").SetName("a hard link to ../");
        yield return new TestCaseData(Start().Command(SendStreamBuilder.Clone, (SendStreamBuilder.Path, SendStreamBuilder.Text("f")), (SendStreamBuilder.CloneUuid, Guid.NewGuid().ToByteArray()),
                (SendStreamBuilder.ClonePath, SendStreamBuilder.Text("../other/f"))).Finish(), "leaves its subvolume").SetName("a clone from ../");
        yield return new TestCaseData(Start().Command(SendStreamBuilder.Symlink, (SendStreamBuilder.Path, SendStreamBuilder.Text("l")), (SendStreamBuilder.Ino, SendStreamBuilder.U64(258)), (SendStreamBuilder.PathLink, SendStreamBuilder.Text("/etc")))
            .Mkfile("l/passwd").Finish(), "through a symlink").SetName("a path through a symlink it made");
        yield return new TestCaseData(Start().Command(SendStreamBuilder.Symlink, (SendStreamBuilder.Path, SendStreamBuilder.Text("l")), (SendStreamBuilder.Ino, SendStreamBuilder.U64(258)), (SendStreamBuilder.PathLink, SendStreamBuilder.Text("/etc")))
            .Command(SendStreamBuilder.Rename, (SendStreamBuilder.Path, SendStreamBuilder.Text("l")), (SendStreamBuilder.PathTo, SendStreamBuilder.Text("m")))
            .Mkfile("m/passwd").Finish(), "through a symlink").SetName("a path through a renamed symlink it made");
        yield return new TestCaseData(new SendStreamBuilder().BeginSubvolume("../" + Name).Finish(), "leaves its subvolume").SetName("a subvolume outside");
        yield return new TestCaseData(new SendStreamBuilder().BeginSubvolume(Name + "/x").Finish(), "not '" + Name + "'").SetName("a subvolume name with /");
        yield return new TestCaseData(new SendStreamBuilder().BeginSubvolume("2026-01-01T00:00:00+00:00").Finish(), "not '" + Name + "'").SetName("another name");
        yield return new TestCaseData(new SendStreamBuilder().Mkfile("x").Finish(), "not a subvolume").SetName("no subvolume first");
        yield return new TestCaseData(Start().BeginSubvolume(Name).Finish(), "second subvolume").SetName("a second subvolume");
        yield return new TestCaseData(Start().Finish().Raw(new SendStreamBuilder().BeginSubvolume("x").Finish().ToArray()), "after its END").SetName("a second stream after END");
        yield return new TestCaseData(Start().Mkfile("x"), "before its END").SetName("a cut stream");
        yield return new TestCaseData(new SendStreamBuilder(version: 9).BeginSubvolume(Name).Finish(), "version 9").SetName("an unknown version");
        yield return new TestCaseData(new SendStreamBuilder().Raw(new byte[] { 1, 2 }), "before its END").SetName("a cut command header");
    }

    [TestCaseSource(nameof(Hostile))]
    public async Task A_hostile_stream_is_refused_before_the_command_passes(SendStreamBuilder stream, string why)
    {
        var bytes = stream.ToArray();
        var (error, passed) = await RelayAsync(bytes);

        Assert.That(error, Is.Not.Null, "accepted");
        Assert.That(error!.Message, Does.Contain(why));
        if (why != "before its END")
        {
            Assert.That(passed.Length, Is.LessThan(bytes.Length), "the whole stream went through");
        }
    }

    [Test]
    public void A_sender_that_stops_sending_times_out()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var header = new SendStreamBuilder().BeginSubvolume(Name).ToArray();
        pipe.Writer.AsStream().Write(header);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        Assert.ThrowsAsync<TimeoutException>(() => SendStreamValidator.RelayAsync(pipe.Reader.AsStream(), new MemoryStream(), Name,
            CancellationToken.None, stallTimeout: TimeSpan.FromMilliseconds(300)));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public async Task Not_a_send_stream_is_refused_and_nothing_passes()
    {
        var (error, passed) = await RelayAsync("#!/bin/sh\nrm -rf /\n-------"u8.ToArray());
        Assert.That(error?.Message, Does.Contain("not a btrfs send stream"));
        Assert.That(passed, Is.Empty);
    }
}
