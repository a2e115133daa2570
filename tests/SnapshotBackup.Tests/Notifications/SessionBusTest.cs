namespace SnapshotBackup.Tests.Notifications;

/// <summary>
/// Base of the tests that deliver to a desktop: one <see cref="UserSessionBus"/> for the fixture, its recorded
/// notifications cleared before each test.
/// </summary>
[Category("Notifications")]
[NonParallelizable]
public abstract class SessionBusTest
{
    protected UserSessionBus Bus { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartBus() => Bus = await UserSessionBus.StartAsync();

    [OneTimeTearDown]
    public async Task StopBus()
    {
        if (Bus is not null)
        {
            await Bus.DisposeAsync();
        }
    }

    [SetUp]
    public void ClearRecordedNotifications() => Bus.Recorder.Clear();
}
