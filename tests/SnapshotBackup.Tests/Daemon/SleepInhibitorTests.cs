using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using SnapshotBackup.Daemon.Power;

namespace SnapshotBackup.Tests.Daemon;

[TestFixture]
public class SleepInhibitorTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);

    private DBusDaemonFixture _bus = null!;

    [SetUp]
    public async Task StartBus() => _bus = await DBusDaemonFixture.StartAsync();

    [TearDown]
    public async Task StopBus() => await _bus.DisposeAsync();

    private SleepInhibitor Inhibitor(TimeSpan? timeout = null, ILogger<SleepInhibitor>? logger = null) =>
        new(logger ?? NullLogger<SleepInhibitor>.Instance, _bus.Address, timeout ?? TimeSpan.FromSeconds(5));

    [Test]
    public async Task Inhibit_is_called_with_what_sleep_who_snapshotbackup_mode_delay_and_the_given_why()
    {
        await using FakeLogind logind = await FakeLogind.StartAsync(_bus.Address);

        await using IAsyncDisposable handle = await Inhibitor().AcquireAsync("Backing up /home", CancellationToken.None);

        Assert.That(handle, Is.InstanceOf<InhibitorLock>());
        InhibitCall call = logind.Calls.Single();
        Assert.Multiple(() =>
        {
            Assert.That(call.What, Is.EqualTo("sleep"));
            Assert.That(call.Who, Is.EqualTo("snapshotbackup"));
            Assert.That(call.Why, Is.EqualTo("Backing up /home"));
            Assert.That(call.Mode, Is.EqualTo("delay"));
        });
    }

    [Test]
    public async Task The_inhibitor_is_held_until_the_handle_is_disposed()
    {
        await using FakeLogind logind = await FakeLogind.StartAsync(_bus.Address);

        IAsyncDisposable handle = await Inhibitor().AcquireAsync("backup", CancellationToken.None);
        InhibitCall call = logind.Calls.Single();
        await Task.Delay(300);
        Assert.That(call.Released.IsCompleted, Is.False, "released while the handle is still held");

        await handle.DisposeAsync();

        Assert.That(async () => await call.Released.WaitAsync(TimeSpan.FromSeconds(1)), Throws.Nothing);
    }

    [Test]
    public async Task Disposing_the_handle_twice_is_harmless()
    {
        await using FakeLogind logind = await FakeLogind.StartAsync(_bus.Address);
        IAsyncDisposable handle = await Inhibitor().AcquireAsync("backup", CancellationToken.None);

        await handle.DisposeAsync();

        Assert.That(async () => await handle.DisposeAsync(), Throws.Nothing);
        await logind.Calls.Single().Released.WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Test]
    public async Task Without_logind_on_the_bus_acquire_returns_a_no_op_quickly()
    {
        var watch = Stopwatch.StartNew();

        IAsyncDisposable handle = await Inhibitor().AcquireAsync("backup", CancellationToken.None);

        Assert.That(watch.Elapsed, Is.LessThan(Quick));
        Assert.That(handle, Is.SameAs(NoOpInhibitorLock.Instance));
        Assert.That(async () => await handle.DisposeAsync(), Throws.Nothing);
    }

    [Test]
    public async Task With_a_bus_address_of_a_nonexistent_socket_acquire_returns_a_no_op_quickly()
    {
        string address = "unix:path=" + Path.Combine(_bus.TempDirectory, "no-such-dir", "bus");
        var inhibitor = new SleepInhibitor(NullLogger<SleepInhibitor>.Instance, address, TimeSpan.FromSeconds(5));
        var watch = Stopwatch.StartNew();

        IAsyncDisposable handle = await inhibitor.AcquireAsync("backup", CancellationToken.None);

        Assert.That(watch.Elapsed, Is.LessThan(Quick));
        Assert.That(handle, Is.SameAs(NoOpInhibitorLock.Instance));
    }

    [Test]
    public async Task When_logind_does_not_answer_in_time_acquire_returns_a_no_op_after_the_timeout()
    {
        await using FakeLogind logind = await FakeLogind.StartAsync(_bus.Address);
        logind.ReplyDelay = TimeSpan.FromSeconds(30);
        var watch = Stopwatch.StartNew();

        IAsyncDisposable handle = await Inhibitor(timeout: TimeSpan.FromMilliseconds(500)).AcquireAsync("backup", CancellationToken.None);

        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(450)).And.LessThan(Quick));
        Assert.That(handle, Is.SameAs(NoOpInhibitorLock.Instance));
    }

    [Test]
    public async Task When_logind_replies_with_an_error_acquire_returns_a_no_op()
    {
        await using FakeLogind logind = await FakeLogind.StartAsync(_bus.Address);
        logind.ReplyErrorName = "org.freedesktop.DBus.Error.AccessDenied";

        IAsyncDisposable handle = await Inhibitor().AcquireAsync("backup", CancellationToken.None);

        Assert.That(handle, Is.SameAs(NoOpInhibitorLock.Instance));
        Assert.That(logind.Calls, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Cancelling_the_token_while_waiting_for_logind_throws_OperationCanceledException_promptly()
    {
        await using FakeLogind logind = await FakeLogind.StartAsync(_bus.Address);
        logind.ReplyDelay = TimeSpan.FromSeconds(30);
        using var cts = new CancellationTokenSource();
        SleepInhibitor inhibitor = Inhibitor(timeout: TimeSpan.FromSeconds(30));
        var watch = Stopwatch.StartNew();

        Task<IAsyncDisposable> acquiring = inhibitor.AcquireAsync("backup", cts.Token);
        await logind.FirstCall.WaitAsync(Quick);
        await cts.CancelAsync();

        Assert.That(async () => await acquiring, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(watch.Elapsed, Is.LessThan(Quick));
    }

    [Test]
    public async Task An_already_cancelled_token_throws_without_calling_logind()
    {
        await using FakeLogind logind = await FakeLogind.StartAsync(_bus.Address);

        Assert.That(
            async () => await Inhibitor().AcquireAsync("backup", new CancellationToken(canceled: true)),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(logind.Calls, Is.Empty);
    }

    [Test]
    public async Task Failures_are_logged_at_debug_and_nothing_louder()
    {
        var logger = new Mock<ILogger<SleepInhibitor>>();
        logger.Setup(l => l.IsEnabled(It.IsAny<LogLevel>())).Returns(true);

        await Inhibitor(logger: logger.Object).AcquireAsync("backup", CancellationToken.None);

        logger.Verify(
            l => l.Log(LogLevel.Debug, It.IsAny<EventId>(), It.IsAny<It.IsAnyType>(), It.IsAny<Exception?>(), It.IsAny<Func<It.IsAnyType, Exception?, string>>()),
            Times.AtLeastOnce);
        logger.Verify(
            l => l.Log(It.Is<LogLevel>(level => level > LogLevel.Debug), It.IsAny<EventId>(), It.IsAny<It.IsAnyType>(), It.IsAny<Exception?>(), It.IsAny<Func<It.IsAnyType, Exception?, string>>()),
            Times.Never);
    }

    [Test]
    public void It_resolves_from_dependency_injection_using_the_system_bus_defaults()
    {
        using ServiceProvider services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<ISleepInhibitor, SleepInhibitor>()
            .BuildServiceProvider();

        Assert.That(services.GetRequiredService<ISleepInhibitor>(), Is.InstanceOf<SleepInhibitor>());
        Assert.That(SnapshotBackup.Core.DBus.Logind.SystemBusAddress(), Does.StartWith("unix:"));
    }
}
