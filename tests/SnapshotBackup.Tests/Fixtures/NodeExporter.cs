using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SnapshotBackup.Core.Metrics;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>
/// The real Prometheus node_exporter (Debian's prometheus-node-exporter), started by the test on 127.0.0.1 on a free
/// port with only the textfile collector, reading <see cref="Directory"/>; killed on dispose.
/// </summary>
public sealed class NodeExporter : IDisposable
{
    public const string Program = "/usr/bin/prometheus-node-exporter";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeExporter(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Url = $"http://127.0.0.1:{port}/metrics";
    }

    public string Directory { get; }

    public string Url { get; }

    /// <summary>Starts it and waits until it answers a scrape.</summary>
    public static NodeExporter Start(string directory)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            $"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults", "--collector.textfile",
            $"--collector.textfile.directory={directory}",
        })
        {
            info.ArgumentList.Add(arg);
        }
        var exporter = new NodeExporter(Process.Start(info)!, directory, port);
        exporter._process.OutputDataReceived += (_, e) => exporter.Append(e.Data);
        exporter._process.ErrorDataReceived += (_, e) => exporter.Append(e.Data);
        exporter._process.BeginOutputReadLine();
        exporter._process.BeginErrorReadLine();
        if (!Poll.Until(() => exporter.TryScrape() is not null || exporter._process.HasExited, TimeSpan.FromSeconds(10)) || exporter._process.HasExited)
        {
            var output = exporter.Output;
            exporter.Dispose();
            throw new InvalidOperationException($"node_exporter did not start on port {port}: {output}");
        }
        return exporter;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>The text of one scrape.</summary>
    public string Scrape() => Http.GetStringAsync(new Uri(Url)).GetAwaiter().GetResult();

    private string? TryScrape()
    {
        try
        {
            return Scrape();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>One scrape, parsed: node_exporter's own series and the textfile's.</summary>
    public IReadOnlyList<MetricSample> ScrapeSamples() => PrometheusText.Parse(Scrape());

    /// <summary>The value of the sample named <paramref name="name"/> whose labels include <paramref name="labels"/>, or null.</summary>
    public static double? Value(IReadOnlyList<MetricSample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.FirstOrDefault(s => s.Name == name && labels.All(l => s.Label(l.Key) == l.Value))?.Value;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.WaitForExit(10_000);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
