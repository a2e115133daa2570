using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Hooks;

/// <summary>
/// The hook the feature is for, with a real PostgreSQL from Debian's packages (tests/packages.txt): a cluster of the
/// test's own (initdb and postgres as the postgres user, on 127.0.0.1 on a free port, socket and data in a temp
/// directory), a database with varied types, a <c>before_backup</c> that dumps it into the source; the dump is then
/// restored from the snapshot (not the source) into a new database and every table compared.
/// </summary>
[NonParallelizable]
public class PostgresDumpHookTests : VolumeTest
{
    private string _pgRoot = null!;
    private string _bin = null!;
    private int _port;
    private Process? _postmaster;

    private string Data => Path.Combine(_pgRoot, "data");

    [SetUp]
    public void StartPostgres()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).FirstOrDefault() ?? ""
            : "";
        Assert.That(_bin, Is.Not.Empty, "PostgreSQL is not installed: apt-get install postgresql (tests/packages.txt)");
        _pgRoot = Directory.CreateTempSubdirectory("sbtest-pg-").FullName;
        Shell.Check("chown", "postgres:postgres", _pgRoot);
        Shell.Check("chmod", "700", _pgRoot);
        AsPostgres(Path.Combine(_bin, "initdb"), "-D", Data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8");

        _port = FreePort();
        var info = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // setpriv execs postgres in place: the pid is the postmaster's; it dies with the test host (pdeathsig).
        foreach (var a in (string[])["--reuid=postgres", "--regid=postgres", "--init-groups", "--pdeathsig", "KILL", "--",
                     Path.Combine(_bin, "postgres"), "-D", Data, "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-c", "listen_addresses=127.0.0.1", "-c", $"unix_socket_directories={_pgRoot}", "-c", "fsync=off", "-c", "full_page_writes=off"])
        {
            info.ArgumentList.Add(a);
        }
        _postmaster = Process.Start(info)!;
        _postmaster.StandardInput.Close();
        _postmaster.BeginErrorReadLine();
        _postmaster.BeginOutputReadLine();
        var ready = Poll.Until(() => _postmaster.HasExited || Shell.Run(Path.Combine(_bin, "pg_isready"), "-h", "127.0.0.1", "-p", Port, "-U", "postgres").ExitCode == 0,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        Assert.That(ready && !_postmaster.HasExited, Is.True, "postgres did not start");
    }

    [TearDown]
    public void StopPostgres()
    {
        try
        {
            if (_postmaster is { HasExited: false })
            {
                Shell.Run(Path.Combine(_bin, "pg_ctl"), ["stop", "-D", Data, "-m", "immediate", "-w", "-t", "10"], null, TimeSpan.FromSeconds(20));
                if (!_postmaster.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    _postmaster.Kill(entireProcessTree: true);
                    _postmaster.WaitForExit(TimeSpan.FromSeconds(10));
                }
            }
        }
        finally
        {
            _postmaster?.Dispose();
            if (_pgRoot is not null && Directory.Exists(_pgRoot))
            {
                Directory.Delete(_pgRoot, recursive: true);
            }
        }
    }

    private string Port => _port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a PostgreSQL program as the postgres user (initdb refuses root); pg_ctl reads the uid of the data directory.</summary>
    private static void AsPostgres(string program, params string[] args)
    {
        var result = Shell.Run("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program, .. args], null, TimeSpan.FromMinutes(1));
        Assert.That(result.ExitCode, Is.Zero, $"{program}: {result}");
    }

    /// <summary>psql as root over TCP (trust), stopping at the first error; its unaligned, tuples-only output.</summary>
    private string Psql(string database, params string[] args)
    {
        var result = Shell.Run(Path.Combine(_bin, "psql"),
            ["-h", "127.0.0.1", "-p", Port, "-U", "postgres", "-d", database, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", .. args], null, TimeSpan.FromMinutes(1));
        Assert.That(result.ExitCode, Is.Zero, $"psql {string.Join(' ', args)}: {result}");
        return result.Output;
    }

    private const string Schema = """
        CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, note text, born date, balance numeric(12,2), created timestamptz, active boolean);
        INSERT INTO people
          SELECT i,
                 'name ' || i || ' O''Brien "quoted" ' || chr(10) || 'second line ünïcødé ☃ 🎉 ' || chr(13) || 'cr',
                 CASE WHEN i % 7 = 0 THEN NULL ELSE repeat('x', i % 50) || E'\ttab\\backslash;$(touch nope)' END,
                 date '2000-01-01' + i,
                 CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 12.34 - 5000)::numeric(12,2) END,
                 timestamptz '2020-01-01 00:00:00+00' + i * interval '37 minutes 13.5 seconds',
                 CASE WHEN i % 13 = 0 THEN NULL ELSE i % 2 = 0 END
          FROM generate_series(1, 3000) i;
        CREATE TABLE blobs (id bigserial PRIMARY KEY, data bytea, meta json, tags jsonb, weights double precision[]);
        INSERT INTO blobs (data, meta, tags, weights)
          SELECT CASE WHEN i % 9 = 0 THEN NULL ELSE decode(md5(i::text) || md5((i * 7)::text), 'hex') || '\x00ff0a0d5c'::bytea END,
                 json_build_object('i', i, 's', 'quote '' and "dq" and \ back', 'u', 'Grüße ✓'),
                 jsonb_build_object('k', i % 10, 'arr', jsonb_build_array(i, 'x', null, 1.5e10)),
                 ARRAY[i * 0.5, -i, 1e-300]
          FROM generate_series(1, 2000) i;
        CREATE TABLE "Events ; quoted" (at timestamptz, kind text, amount numeric, id uuid, span interval);
        INSERT INTO "Events ; quoted"
          SELECT timestamptz '2026-01-01 12:00:00+01' - i * interval '1 hour',
                 CASE WHEN i % 3 = 0 THEN NULL ELSE 'kind' || (i % 5) END,
                 CASE WHEN i % 4 = 0 THEN NULL ELSE i / 3.0 END,
                 md5(i::text)::uuid,
                 i * interval '1 day 3 minutes'
          FROM generate_series(1, 2500) i;
        CREATE TABLE empty_table (id int);
        """;

    /// <summary>Each table's name, row count and md5 over its rows in order.</summary>
    private List<string> Fingerprint(string database)
    {
        var tables = Psql(database, "-c", "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return tables.Select(table =>
        {
            var quoted = "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            var sums = Psql(database, "-c", $"SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '-') FROM {quoted} t").Trim();
            return $"{table}: {sums}";
        }).ToList();
    }

    [Test]
    public void A_before_backup_pg_dump_restored_from_the_snapshot_gives_every_table_back()
    {
        Psql("postgres", "-c", "CREATE DATABASE shop");
        var schema = Path.Combine(_pgRoot, "schema.sql");
        File.WriteAllText(schema, Schema);
        Psql("shop", "-f", schema);
        var original = Fingerprint("shop");
        Assert.That(original.Select(t => string.Join(' ', t.Split(' ')[..^1])),
            Is.EqualTo(new[] { "Events ; quoted: 2500", "blobs: 2000", "empty_table: 0", "people: 3000" }), string.Join("\n", original));
        WriteFile(Path.Combine(Source, "other.txt"), "not a database");
        WriteConfig($"before_backup = {Path.Combine(_bin, "pg_dump")} -h 127.0.0.1 -p {Port} -U postgres -d shop --no-password -f \"$SNAPSHOTBACKUP_SOURCE/shop.sql\"");
        Directory.CreateDirectory(Backups);

        var backup = CliOk("backup", "data1");

        var snapshot = backup.Output.Trim();
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { snapshot }));
        // From the snapshot, and not the source: the source's copy is changed first to make sure.
        var dump = Path.Combine(Backups, snapshot, "shop.sql");
        File.WriteAllText(Path.Combine(Source, "shop.sql"), "this is not the dump\n");
        Psql("postgres", "-c", "CREATE DATABASE restored");
        Psql("restored", "-f", dump);

        Assert.That(Fingerprint("restored"), Is.EqualTo(original));
    }
}
