#!/usr/bin/env python3
"""Benchmark harness for snapshotbackup (issue 6): overhead against the floor, prune and list at scale, daemon footprint.

    python3 bench/run.py --full     # the real figures; writes bench/RESULTS.md (takes ~10-20 minutes)
    python3 bench/run.py --smoke    # the same code paths on a small workload (~1 minute); used by the test command

Needs root (loopback btrfs), mkfs.btrfs, rsync, btrfs-progs and the published binaries (bash packaging/publish.sh, or
--bin DIR). Everything happens on a loopback btrfs in /var/tmp/sb-bench-*, unmounted and removed on exit, also on
failure or SIGINT/SIGTERM. Timings are wall-clock medians of alternated runs (A B, B A, A B, ...); see bench/README.md.
"""
import argparse
import atexit
import ctypes
import datetime
import fcntl
import json
import os
import re
import platform
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The product's rsync options (src/SnapshotBackup.Core/Rsync/RsyncCommandBuilder.cs, BaseOptions). The floor uses the
# same; read_base_options() checks this copy against the source so the two cannot drift apart silently.
RSYNC_OPTIONS = ["--archive", "--hard-links", "--acls", "--xattrs", "--numeric-ids", "--sparse", "--delete",
                 "--delete-excluded", "--stats", "--modify-window=-1"]

# btrfs ioctls, for making thousands of snapshots quickly (one process per snapshot would dominate the setup time).
BTRFS_IOC_SNAP_CREATE_V2 = 0x50009417  # _IOW(0x94, 23, struct btrfs_ioctl_vol_args_v2), 4096 bytes
BTRFS_SUBVOL_RDONLY = 1 << 1


class Config:
    def __init__(self, smoke):
        self.smoke = smoke
        if smoke:
            self.files, self.pairs, self.image = 2000, 2, "2G"
            self.prune_sizes, self.prune_runs = [100], {100: 2}
            self.list_sizes, self.list_runs = [100, 500], 3
            self.sections, self.idle = 20, 5
            self.startup_runs = 10
            self.diff_sizes, self.diff_runs, self.history_image = [2000, 20000], 2, "3G"
            self.versions_snapshots, self.versions_runs = 100, 3
            self.restore_files, self.restore_runs = 2000, 1
            self.copy_files, self.copy_pairs, self.copy_full_pairs, self.copy_images = 500, 2, 1, ("1G", "1G")
            self.ops_files, self.ops_pairs = 500, 3
            self.journal_sizes, self.journal_rounds, self.journal_image = (1000, 5000), {1000: 1, 5000: 1}, "2G"
            self.journal_window, self.journal_writes = 1, 150
        else:
            self.files, self.pairs, self.image = 50000, 9, "6G"
            # Each prune run needs two fresh volumes (A and B): 5,000-snapshot runs are few to keep setup time sane.
            self.prune_sizes, self.prune_runs = [100, 1000, 5000], {100: 5, 1000: 5, 5000: 2}
            self.list_sizes, self.list_runs = [100, 1000, 5000], 7
            self.sections, self.idle = 20, 60
            self.startup_runs = 50
            # diff on the benchmark tree and on the same tree grown 10x; each size has its own volume.
            self.diff_sizes, self.diff_runs, self.history_image = [50000, 500000], 5, "24G"
            self.versions_snapshots, self.versions_runs = 1000, 7
            # mktree.py's sizes average ~9 KB: 120,000 files are about 1 GiB.
            self.restore_files, self.restore_runs = 120000, 5
            # Copies (issue 15): the source tree of figures 1/2 (565 MB) on one image; on the other, the two copies of
            # the parent (ours and the floor's) and one full copy at a time.
            self.copy_files, self.copy_pairs, self.copy_full_pairs, self.copy_images = 50000, 7, 5, ("3G", "5G")
            # Hooks, metrics, pings (issue 16): what each adds to a no-change backup of a small tree, where the fixed
            # costs show (on the 50,000-file tree the scan's noise would hide them; with 2,000 files it was ±20 ms).
            self.ops_files, self.ops_pairs = 200, 41
            # Journal backups (issue 18): the benchmark tree and the same grown 10x (mktree.py's files, ~11 KB on average:
            # ~6 GB at 500,000; the four volumes' .sync are snapshots of the source, so the tree is stored once).
            self.journal_sizes, self.journal_rounds, self.journal_image = (50000, 500000), {50000: 5, 500000: 3}, "24G"
            self.journal_window, self.journal_writes = 60, 10000


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(cmd, check=True, **kw):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return result


def timed(cmd, env=None, then_sync=False, timeout=None):
    """Wall time of one command (and of a sync after it with then_sync); output is captured (as a terminal-less caller
    would) and checked."""
    start = time.perf_counter()
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=timeout)
    if then_sync:
        os.sync()
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return elapsed, result


def timed_exit(cmd, expected):
    """Wall time of one command that must exit with `expected` (output captured)."""
    start = time.perf_counter()
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != expected:
        raise RuntimeError(f"{' '.join(cmd)} exited {result.returncode}, expected {expected}: {result.stderr.strip()[-2000:]}")
    return elapsed


def read_base_options():
    path = os.path.join(REPO, "src/SnapshotBackup.Core/Rsync/RsyncCommandBuilder.cs")
    text = open(path, encoding="utf-8").read()
    block = text[text.index("BaseOptions"):]
    block = block[block.index("[") + 1:block.index("];")]
    block = re.sub(r"//[^\n]*", "", block)  # comments inside the list
    options = re.findall(r'"([^"]*)"', block)
    if options != RSYNC_OPTIONS:
        log(f"note: the product's rsync options changed to {options}; the floor follows them")
    return options


def snapshot_name(t):
    """SnapshotName format: 2026-11-24T18:07:43+01:00 (local time, seconds, offset with a colon)."""
    s = t.astimezone().isoformat(timespec="seconds")
    return s


class Workspace:
    """A loopback btrfs in /var/tmp/sb-bench-*; always unmounted and removed (atexit, signals, finally)."""

    def __init__(self, size):
        self.root = tempfile.mkdtemp(prefix="sb-bench-", dir="/var/tmp")
        self.image = os.path.join(self.root, "btrfs.img")
        self.mnt = os.path.join(self.root, "mnt")
        self.mounted = False
        self.children = []
        self.on_close = []  # run first (an sshd serving this filesystem, for one)
        atexit.register(self.close)
        os.makedirs(self.mnt)
        run(["truncate", "-s", size, self.image])
        run(["mkfs.btrfs", "-q", self.image])
        run(["mount", "-o", "loop", self.image, self.mnt])
        self.mounted = True

    def path(self, *parts):
        return os.path.join(self.mnt, *parts)

    def close(self):
        while self.on_close:
            self.on_close.pop()()
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.wait()
        self.children.clear()
        if self.mounted:
            for attempt in range(10):
                if run(["umount", self.mnt], check=False).returncode == 0:
                    break
                time.sleep(0.3)
            else:
                run(["umount", "-l", self.mnt], check=False)
            self.mounted = False
            # mount -o loop sets autoclear; detach anything left anyway.
            for line in run(["losetup", "-j", self.image], check=False).stdout.splitlines():
                run(["losetup", "-d", line.split(":")[0]], check=False)
        if os.path.isdir(self.root):
            shutil.rmtree(self.root, ignore_errors=True)


def subvolume(path):
    run(["btrfs", "subvolume", "create", path])


def snapshot_ro(source, dest_dir, name):
    """A read-only snapshot of source as dest_dir/name, by ioctl (fast, no process)."""
    src_fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY)
    dst_fd = os.open(dest_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        args = bytearray(4096)
        struct.pack_into("=qQQ", args, 0, src_fd, 0, BTRFS_SUBVOL_RDONLY)
        encoded = name.encode()
        args[56:56 + len(encoded)] = encoded
        fcntl.ioctl(dst_fd, BTRFS_IOC_SNAP_CREATE_V2, args)
    finally:
        os.close(src_fd)
        os.close(dst_fd)


def make_hourly(ws, volume, count, now=None):
    """A backup volume with `count` read-only snapshots named hourly back from now (newest first)."""
    os.makedirs(volume, exist_ok=True)
    seed = ws.path("seed")
    if not os.path.isdir(seed):
        subvolume(seed)
        with open(os.path.join(seed, "file"), "w") as f:
            f.write("x\n")
    now = now or datetime.datetime.now().astimezone().replace(microsecond=0)
    for i in range(count):
        snapshot_ro(seed, volume, snapshot_name(now - datetime.timedelta(hours=i)))


def delete_volume(volume):
    names = [os.path.join(volume, n) for n in os.listdir(volume) if not n.startswith(".snapshotbackup")]
    for i in range(0, len(names), 500):
        run(["btrfs", "subvolume", "delete", *names[i:i + 500]])
    shutil.rmtree(volume, ignore_errors=True)


def write_config(path, sections):
    with open(path, "w") as f:
        for name, values in sections.items():
            f.write(f"[{name}]\n")
            for key, value in values.items():
                f.write(f"{key} = {value}\n")
            f.write("\n")


def median(values):
    return statistics.median(values) if values else float("nan")


def pair_ratio(times_a, times_b):
    """The median of the per-pair ratios A_i / B_i: each pair ran back to back, so a load change between pairs (this
    harness often runs on shared machines) cancels out; the median of A over the median of B would not."""
    ratios = [a / b for a, b in zip(times_a, times_b) if b > 0]
    return median(ratios) if ratios else None


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class LocalSshd:
    """sshd on 127.0.0.1 and a free port with throw-away host and client keys, for root: key "a" may only run the
    product's forced command (as users deploy it), key "b" runs anything (the floor's `btrfs receive`). Each side
    reaches it through its own `ssh` wrapper (`exec /usr/bin/ssh -F <its client config> "$@"`) put first in the PATH:
    the product has no setting for an ssh configuration (it uses the running user's, i.e. root's ~/.ssh, which the bench
    must not touch; ssh reads it from the password database's home, not $HOME), and the floor gets the same wrapper so
    both pay for the same exec. Stopped (with its session children) and its files removed with the workspace."""

    def __init__(self, ws, forced_command):
        self.dir = os.path.join(ws.root, "ssh")
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        self.proc = None
        ws.on_close.append(self.close)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        host_key = os.path.join(self.dir, "host_key")
        for key in (host_key, self.key("a"), self.key("b")):
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", os.path.basename(key), "-f", key])
        public = {side: open(self.key(side) + ".pub").read().strip() for side in "ab"}
        authorized = os.path.join(self.dir, "authorized_keys")
        with open(authorized, "w") as f:
            f.write(f'command="{forced_command}",restrict {public["a"]}\n')
            f.write(f'{public["b"]}\n')
        with open(os.path.join(self.dir, "known_hosts"), "w") as f:
            f.write(f"[127.0.0.1]:{self.port} {open(host_key + '.pub').read().strip()}\n")
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write(f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
                    f"PidFile {os.path.join(self.dir, 'sshd.pid')}\nAuthorizedKeysFile {authorized}\n"
                    "StrictModes no\nUsePAM no\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nAllowUsers root\n"
                    "X11Forwarding no\nLogLevel ERROR\n"
                    # bash sources ~/.bashrc for a command from sshd unless it is a nested shell; root's .bashrc on the
                    # bench machine runs `pyenv init` (1-2 s under load), which would be billed to every connection.
                    "SetEnv SHLVL=1\n")
        for side in "ab":
            os.makedirs(self.bin(side))
            client = os.path.join(self.dir, f"ssh_config_{side}")
            with open(client, "w") as f:
                f.write(f"Host 127.0.0.1\n  Port {self.port}\n  IdentityFile {self.key(side)}\n  IdentitiesOnly yes\n"
                        f"  UserKnownHostsFile {os.path.join(self.dir, 'known_hosts')}\n  GlobalKnownHostsFile /dev/null\n"
                        "  StrictHostKeyChecking yes\n  LogLevel ERROR\n")
            wrapper = os.path.join(self.bin(side), "ssh")
            with open(wrapper, "w") as f:
                f.write(f'#!/bin/sh\nexec /usr/bin/ssh -F {client} "$@"\n')
            os.chmod(wrapper, 0o755)
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        self.log = os.path.join(self.dir, "sshd.log")
        with open(self.log, "w") as out:
            # Its own session: close() kills the listener and every per-connection child with one killpg.
            self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", config], stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("sshd did not start: " + open(self.log).read()[-2000:])
                time.sleep(0.1)
        check = run([os.path.join(self.bin("b"), "ssh"), "root@127.0.0.1", "true"], check=False, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"ssh to the bench's sshd failed: {check.stderr.strip()} {open(self.log).read()[-1000:]}")

    def key(self, side):
        return os.path.join(self.dir, f"client_key_{side}")

    def bin(self, side):
        return os.path.join(self.dir, f"bin_{side}")

    def env(self, side):
        return dict(os.environ, PATH=self.bin(side) + ":" + os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"))

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        self.proc = None


def journal_fields(data):
    """The fields of one entry of the systemd journal's native protocol (KEY=value lines; a value holding a newline as
    KEY, newline, its length as 64-bit little-endian, the bytes, newline)."""
    fields, i = {}, 0
    while i < len(data):
        nl = data.find(b"\n", i)
        if nl < 0:
            nl = len(data)
        line = data[i:nl]
        if b"=" in line:
            key, _, value = line.partition(b"=")
            i = nl + 1
        else:
            key, size = line, struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            value = data[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        fields[key.decode(errors="replace")] = value.decode(errors="replace")
    return fields


class BenchDaemon:
    """snapshotbackupd with one section, its log received on a journal socket of the bench's own (`--log journal`,
    SNAPSHOTBACKUPD_JOURNAL_SOCKET): each message is stamped by the bench the moment it arrives (perf_counter), so a
    backup's time comes from the daemon's own lines with sub-millisecond resolution (the console's timestamps have whole
    seconds). READY=1 (after start and after each reload) arrives on a NOTIFY_SOCKET of the bench's own. `backup_now()`
    rewrites the section's schedule to a Quartz cron for a second just ahead and reloads (SIGHUP): a scheduled run, on
    demand. Stopped (SIGTERM, then SIGKILL) by close(), which the workspace also calls."""

    def __init__(self, ws, daemon, name, section, tag):
        import threading
        self.ws, self.name, self.section = ws, name, dict(section)
        self.config = os.path.join(ws.root, f"{tag}.ini")
        self.log_path = os.path.join(ws.root, f"{tag}.log")
        self.messages = []  # (perf_counter at arrival, MESSAGE)
        self.ready = []  # perf_counter of each READY=1
        self.cond = threading.Condition()
        self.section["schedule"] = self.cron(datetime.datetime.now() - datetime.timedelta(hours=1))  # not today
        write_config(self.config, {name: self.section})
        self.journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.journal.bind(os.path.join(ws.root, f"{tag}-journal.sock"))
        self.journal.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(os.path.join(ws.root, f"{tag}-notify.sock"))
        for s in (self.journal, self.notify):
            s.settimeout(0.5)  # the receiving threads look at self.closed twice a second
        self.closed = False
        self.proc = None
        ws.on_close.append(self.close)
        self.threads = [threading.Thread(target=self.receive_log, daemon=True),
                        threading.Thread(target=self.receive_notify, daemon=True)]
        for thread in self.threads:
            thread.start()
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.getsockname(),
                   SNAPSHOTBACKUPD_JOURNAL_SOCKET=self.journal.getsockname())
        for variable in ("WATCHDOG_USEC", "WATCHDOG_PID"):
            env.pop(variable, None)
        with open(self.log_path + ".out", "w") as out:
            self.proc = subprocess.Popen([daemon, "-c", self.config, "--state-file", os.path.join(ws.root, f"{tag}-state.json"),
                                          "--log", "journal"], stdout=out, stderr=subprocess.STDOUT, env=env)
        ws.children.append(self.proc)
        self.wait_ready(1, 30)

    @staticmethod
    def cron(t):
        """A Quartz cron expression that fires daily at t's second (the daemon reads it in local time)."""
        return f"{t.second} {t.minute} {t.hour} * * ?"

    def receive_log(self):
        with open(self.log_path, "a") as out:
            while not self.closed:
                try:
                    data, fds, _flags, _addr = socket.recv_fds(self.journal, 1 << 20, 4)
                except TimeoutError:
                    continue
                except OSError:
                    return
                stamp = time.perf_counter()
                for fd in fds:  # a large entry comes in a sealed memfd
                    with os.fdopen(fd, "rb") as f:
                        data += f.read()
                message = journal_fields(data).get("MESSAGE", "")
                out.write(f"{time.strftime('%H:%M:%S')} {message}\n")
                out.flush()
                with self.cond:
                    self.messages.append((stamp, message))
                    self.cond.notify_all()

    def receive_notify(self):
        while not self.closed:
            try:
                message = self.notify.recv(4096).decode(errors="replace")
            except TimeoutError:
                continue
            except OSError:
                return
            if "READY=1" in message.split("\n"):
                with self.cond:
                    self.ready.append(time.perf_counter())
                    self.cond.notify_all()

    def wait_ready(self, count, timeout):
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.ready) >= count or self.proc.poll() is not None, timeout):
                raise RuntimeError(f"the daemon sent no READY=1 #{count} within {timeout} s: {self.tail()}")
            if self.proc.poll() is not None:
                raise RuntimeError(f"the daemon exited {self.proc.returncode}: {self.tail()}")
            return self.ready[count - 1]

    def wait_for(self, pattern, start, timeout):
        """The first message from index `start` on that matches `pattern`: (index, arrival, match)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for index in range(start, len(self.messages)):
                    if m := regex.search(self.messages[index][1]):
                        return index, self.messages[index][0], m
                start = len(self.messages)
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise RuntimeError(f"no daemon message /{pattern}/ within {timeout} s: {self.tail()}")
                self.cond.wait(min(left, 1.0))

    def tail(self):
        lines = [m for _, m in self.messages[-30:]]
        out = open(self.log_path + ".out", errors="replace").read()[-1500:] if os.path.exists(self.log_path + ".out") else ""
        return "\n".join(lines) + ("\n[stdout/stderr] " + out if out.strip() else "")

    def backup_done(self, start, timeout):
        """Waits for one whole run's lines from message index `start`: started, the scan line, snapshot taken, succeeded.
        Returns a dict: seconds (started → snapshot taken, by arrival), reported (its own 'succeeded in S s'), scan
        (its 'journal backup: ...' or 'full scan: ...' line), snapshot, next (the index after its last line)."""
        esc = re.escape(self.name)
        i, t_started, _ = self.wait_for(rf"^backup {esc} started \(", start, timeout)
        j, _, scan = self.wait_for(r"^(journal backup: .*|full scan: .*)$", i, timeout)
        _, t_rsync, _ = self.wait_for(r"^backing up .* into ", j, timeout)
        k, t_taken, snap = self.wait_for(r"^snapshot (\S+) taken \(", j, timeout)
        failed = [m for _, m in self.messages[i:k] if re.match(rf"^backup {esc} (failed|skipped|interrupted)", m)]
        if failed:
            raise RuntimeError(f"the daemon's backup did not succeed: {failed}")
        n, _, done = self.wait_for(rf"^backup {esc} (succeeded in ([0-9.]+) s|failed|skipped|interrupted)", k, timeout)
        if not done.group(1).startswith("succeeded"):
            raise RuntimeError(f"the daemon's backup ended: {self.messages[n][1]}")
        return {"seconds": t_taken - t_started, "before_rsync": t_rsync - t_started, "reported": float(done.group(2)), "scan": scan.group(1),
                "snapshot": snap.group(1), "next": n + 1}

    def backup_now(self, timeout=3600):
        """A scheduled run now: the section's schedule becomes a cron for a whole second at least 0.7 s ahead, the daemon
        reloads (SIGHUP; READY=1 when done) and the run starts at that second. Tried again if the reload was late."""
        for attempt in range(3):
            start = len(self.messages)
            now = datetime.datetime.now()
            fire = (now + datetime.timedelta(seconds=1.7)).replace(microsecond=0)
            self.section["schedule"] = self.cron(fire)
            write_config(self.config, {self.name: self.section})
            readies = len(self.ready)
            self.proc.send_signal(signal.SIGHUP)
            self.wait_ready(readies + 1, 30)
            try:
                self.wait_for(rf"^backup {re.escape(self.name)} started \(", start, (fire - datetime.datetime.now()).total_seconds() + 5)
            except RuntimeError:
                if self.proc.poll() is not None:
                    raise
                log(f"the daemon's run due at {fire:%H:%M:%S} did not start (reload late?); again")
                continue
            return self.backup_done(start, timeout)
        raise RuntimeError("the daemon did not start a backup on its schedule three times: " + self.tail())

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.closed:
            self.closed = True
            for thread in self.threads:
                thread.join(timeout=2)
            for s in (self.journal, self.notify):
                s.close()


def subvolume_show(path):
    """The `btrfs subvolume show` fields (UUID, Received UUID, Flags, ...)."""
    fields = {}
    for line in run(["btrfs", "subvolume", "show", path]).stdout.splitlines()[1:]:
        if ":" in line and not line.startswith("\t\t"):
            key, _, value = line.strip().partition(":")
            fields[key.strip()] = value.strip()
    return fields


def send_stream_bytes(snapshot, parent=None):
    """Length of `btrfs send [-p parent] snapshot`'s stream, read by the bench itself (not timed)."""
    cmd = ["btrfs", "send", "-q", *(["-p", parent] if parent else []), snapshot]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    total = 0
    while chunk := proc.stdout.read(1 << 20):
        total += len(chunk)
    proc.stdout.close()
    if proc.wait(timeout=60) != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    return total


def timed_pipeline(first, second, env=None, timeout=1800):
    """Wall time of `first | second` (a kernel pipe between them, nothing in between) and of a sync after it, so that
    the time covers the data reaching the disk as for the product."""
    with tempfile.TemporaryFile() as err1, tempfile.TemporaryFile() as err2:
        start = time.perf_counter()
        p1 = subprocess.Popen(first, stdout=subprocess.PIPE, stderr=err1, env=env)
        try:
            p2 = subprocess.Popen(second, stdin=p1.stdout, stdout=subprocess.DEVNULL, stderr=err2, env=env)
        except BaseException:
            p1.kill()
            p1.wait()
            raise
        p1.stdout.close()
        try:
            r2 = p2.wait(timeout=timeout)
            r1 = p1.wait(timeout=timeout)
        finally:
            for p in (p1, p2):
                if p.poll() is None:
                    p.kill()
                    p.wait()
        os.sync()
        elapsed = time.perf_counter() - start
        if r1 != 0 or r2 != 0:
            err1.seek(0)
            err2.seek(0)
            raise RuntimeError(f"{' '.join(first)} | {' '.join(second)} exited {r1}/{r2}: "
                               f"{err1.read().decode(errors='replace')[-1000:]} {err2.read().decode(errors='replace')[-1000:]}")
    return elapsed


# What `snapshotbackup copy` prints per snapshot sent (src/SnapshotBackup.Cli/CopyCommand.cs, Describe):
# "TARGET: sent NAME, incremental from PARENT, 1.23 MiB (1291845 bytes) in 0.4 s".
SENT_BYTES = re.compile(r": sent \S+, [^\n]*?\((\d+) bytes\)")


def reported_bytes(output):
    """The bytes of every snapshot `snapshotbackup copy` says it sent: (count of snapshots, total), or (0, None)."""
    found = [int(m.group(1).replace(",", "")) for m in SENT_BYTES.finditer(output)]
    return len(found), (sum(found) if found else None)


class Bench:
    def __init__(self, cfg, ws, bin_dir, shared):
        self.cfg, self.ws, self.bin, self.shared = cfg, ws, bin_dir, shared
        self.cli = os.path.join(bin_dir, "snapshotbackup")
        self.daemon = os.path.join(bin_dir, "snapshotbackupd")
        self.rows = []  # (figure, A, B, ratio, target, ok)
        self.rsync_options = read_base_options()
        self.config_file = os.path.join(ws.root, "bench.ini")
        self.root_ssh_existed = os.path.exists(os.path.expanduser("~root/.ssh"))

    def row(self, figure, a, b=None, ratio=None, target=None, ok=None, unit="s"):
        fmt = (lambda v: "" if v is None else (f"{v:.3f} {unit}" if unit == "s" else
                                               f"{v:,.0f} {unit}" if unit == "B" else f"{v:.1f} {unit}"))
        self.rows.append((figure, fmt(a), fmt(b) if b is not None else "", "" if ratio is None else f"{ratio:.3f}",
                          target or "", "" if ok is None else ("yes" if ok else "**NO**")))
        log(f"{figure}: {fmt(a)} {fmt(b) if b is not None else ''} {'' if ratio is None else f'ratio {ratio:.3f}'}")

    def sb(self, *args):
        return [self.cli, "-c", self.config_file, *args]

    # --- figures 1 and 2: backup against the floor ----------------------------------------------------------------
    def backup_figures(self):
        ws, cfg = self.ws, self.cfg
        src, vol_a, vol_b = ws.path("src"), ws.path("vol_a"), ws.path("vol_b")
        subvolume(src)
        log(f"making the source tree: {cfg.files} files")
        run([sys.executable, os.path.join(self.shared, "mktree.py"), src, str(cfg.files), "1"])
        write_config(self.config_file, {"a": {"source": src, "backups": vol_a}})
        run(self.sb("setup", "a"))
        os.makedirs(vol_b)
        subvolume(os.path.join(vol_b, ".sync"))
        log("initial full backups (untimed)")
        run(self.sb("backup", "a"))
        self.floor_backup(vol_b)
        os.sync()

        for pct, figure, count in ((1, "1. backup after a 1 % change (50,000 files)" if not cfg.smoke else
                                    f"1. backup after a 1 % change ({cfg.files:,} files)", cfg.pairs),
                                   (0, "2. backup with no change (pure scan)", cfg.pairs)):
            times_a, times_b = [], []
            for i in range(count):
                if pct:
                    # One change, then both sides back up the same change from the same state: each side's .sync
                    # held the previous source state, so A and B do exactly the same rsync work.
                    run([sys.executable, os.path.join(self.shared, "mutate.py"), src, str(pct)])
                os.sync()
                order = ("A", "B") if i % 2 == 0 else ("B", "A")
                for side in order:
                    if side == "A":
                        t, _ = timed(self.sb("backup", "a"))
                        times_a.append(t)
                    else:
                        t = self.floor_backup(vol_b)
                        times_b.append(t)
                    os.sync()  # the next timed run does not pay for this one's dirty pages
                    self.sleep_to_next_second()
            a, b, ratio = median(times_a), median(times_b), pair_ratio(times_a, times_b)
            log(f"{figure}: A {['%.3f' % t for t in times_a]} B {['%.3f' % t for t in times_b]}")
            self.row(figure, a, b, ratio, "≤ 1.05", ratio <= 1.05)
        # Check the work was the same: the product's newest snapshot equals the floor's.
        diff = run(["diff", "-rq", ws.path("vol_a", ".sync"), ws.path("vol_b", ".sync")], check=False)
        if diff.returncode != 0:
            raise RuntimeError("product and floor .sync differ: " + diff.stdout[:2000])

    @staticmethod
    def sleep_to_next_second():
        # Snapshot names have one-second resolution; the product waits for the next second rather than collide,
        # which would bill up to a second to whichever side runs second within the same second.
        time.sleep(1.0 - (time.time() % 1.0) + 0.01)

    def floor_backup(self, volume, src=None):
        start = time.perf_counter()
        run(["rsync", *self.rsync_options, "--", (src or self.ws.path("src")) + "/", os.path.join(volume, ".sync") + "/"])
        run(["btrfs", "subvolume", "snapshot", "-r", os.path.join(volume, ".sync"),
             os.path.join(volume, snapshot_name(datetime.datetime.now()))])
        return time.perf_counter() - start

    # --- figures 3, 4, 6: prune and list at scale --------------------------------------------------------------------
    def prune_figures(self):
        cfg = self.cfg
        for size in cfg.prune_sizes:
            times_a, times_b, deleted = [], [], []
            for i in range(cfg.prune_runs[size]):
                vol_a, vol_b = self.ws.path(f"prune{size}_{i}_a"), self.ws.path(f"prune{size}_{i}_b")
                make_hourly(self.ws, vol_a, size)
                make_hourly(self.ws, vol_b, size)
                write_config(self.config_file, {"p": {"backups": vol_a, "source": "/"},
                                                "q": {"backups": vol_b, "source": "/"}})
                candidates = [e["name"] for e in json.loads(run(self.sb("list", "q", "--json")).stdout) if e["prune"]]
                os.sync()
                order = ("A", "B") if i % 2 == 0 else ("B", "A")
                for side in order:
                    if side == "A":
                        t, result = timed(self.sb("prune", "p", "--yes"))
                        times_a.append(t)
                        deleted.append(sum(1 for line in result.stdout.splitlines() if line.startswith("deleted ")))
                    else:
                        start = time.perf_counter()
                        if candidates:
                            run(["btrfs", "subvolume", "delete", *[os.path.join(vol_b, n) for n in candidates]])
                        times_b.append(time.perf_counter() - start)
                    os.sync()
                delete_volume(vol_a)
                delete_volume(vol_b)
            a, b = median(times_a), median(times_b)
            log(f"prune {size}: A {['%.3f' % t for t in times_a]} B {['%.3f' % t for t in times_b]}")
            target = 0.3 if size == 1000 else None
            label = ("3. " if size == 1000 else "6. ") + f"prune {size:,} hourly snapshots ({median(deleted):.0f} deleted)"
            self.row(label, a, b, pair_ratio(times_a, times_b), "≤ 0.3 s" if target else "",
                     a <= target if target else None)

    def list_figures(self):
        cfg = self.cfg
        previous = 0
        volume = self.ws.path("list")
        write_config(self.config_file, {"l": {"backups": volume, "source": "/"}})
        now = datetime.datetime.now().astimezone().replace(microsecond=0)
        for size in cfg.list_sizes:
            # Grow one volume: snapshots previous..size hours back.
            os.makedirs(volume, exist_ok=True)
            seed = self.ws.path("seed")
            if not os.path.isdir(seed):
                make_hourly(self.ws, volume, 0)
            for h in range(previous, size):
                snapshot_ro(seed, volume, snapshot_name(now - datetime.timedelta(hours=h)))
            previous = size
            os.sync()
            times_a, times_b = [], []
            for i in range(cfg.list_runs):
                order = ("A", "B") if i % 2 == 0 else ("B", "A")
                for side in order:
                    if side == "A":
                        t, result = timed(self.sb("list", "l"))
                        lines = len(result.stdout.splitlines())
                        if lines != size:
                            raise RuntimeError(f"list printed {lines} lines for {size} snapshots")
                        times_a.append(t)
                    else:
                        t, _ = timed(["ls", "-l", "--time-style=full-iso", volume])
                        times_b.append(t)
            a, b = median(times_a), median(times_b)
            log(f"list {size}: A {['%.3f' % t for t in times_a]} B {['%.3f' % t for t in times_b]}")
            target = 0.2 if size == 5000 else None
            label = ("4. " if size == 5000 else "6. ") + f"list {size:,} snapshots"
            self.row(label, a, b, pair_ratio(times_a, times_b), "≤ 0.2 s" if target else "", a <= target if target else None)
            # 13. plan (every snapshot's rule, its until dates and next change) against list of the same volume.
            times_p, times_l = [], []
            for i in range(cfg.list_runs):
                order = ("P", "L") if i % 2 == 0 else ("L", "P")
                for side in order:
                    if side == "P":
                        t, result = timed(self.sb("plan", "l"))
                        lines = len(result.stdout.splitlines())
                        if lines != size + 2:
                            raise RuntimeError(f"plan printed {lines} lines for {size} snapshots")
                        times_p.append(t)
                    else:
                        t, _ = timed(self.sb("list", "l"))
                        times_l.append(t)
            p, l = median(times_p), median(times_l)
            log(f"plan {size}: {['%.3f' % t for t in times_p]} list {['%.3f' % t for t in times_l]}")
            self.row(f"13. plan {size:,} snapshots (B: list)", p, l, pair_ratio(times_p, times_l),
                     "≤ 0.5 s" if size == 5000 else "", p <= 0.5 if size == 5000 else None)

    def startup_figure(self):
        """Start-up of the NativeAOT command: --version, and a command that parses its line, reads a configuration and
        fails at once (its backups directory is missing: exit 1), so argument parsing and configuration are counted."""
        runs = self.cfg.startup_runs
        config = os.path.join(self.ws.root, "startup.ini")
        with open(config, "w") as f:
            f.write(f"[data1]\nsource = {self.ws.root}\nbackups = {self.ws.root}/missing/data1\n")
        version = [timed([self.cli, "--version"])[0] for _ in range(runs)]
        failing = [timed_exit([self.cli, "-c", config, "list", "data1"], 1) for _ in range(runs)]
        log(f"start-up ({runs} runs each): --version min {min(version):.4f} s, list (fails fast) min {min(failing):.4f} s")
        self.row(f"CLI start-up (`snapshotbackup --version`, median of {runs})", median(version))
        self.row(f"CLI start-up to a failed `list` (backups directory missing, median of {runs})", median(failing))

    # --- figures 7, 8, 9: getting data back (issue 14) ------------------------------------------------------------------
    def history_volume(self, name, files, seed, changes=(1,)):
        """A section whose volume holds consecutive snapshots of one lineage, each percentage of `changes` changed after
        the one before, made as the product makes them (a writable .sync, read-only snapshots of it) but without
        copying the tree twice. Returns the volume and the snapshot names, oldest first."""
        volume = self.ws.path(name)
        os.makedirs(volume)
        sync = os.path.join(volume, ".sync")
        subvolume(sync)
        log(f"{name}: making the tree: {files:,} files")
        run([sys.executable, os.path.join(self.shared, "mktree.py"), sync, str(files), str(seed)])
        now = datetime.datetime.now().astimezone().replace(microsecond=0)
        names = [snapshot_name(now - datetime.timedelta(hours=len(changes) - i)) for i in range(len(changes) + 1)]
        snapshot_ro(sync, volume, names[0])
        for pct, name in zip(changes, names[1:]):
            run([sys.executable, os.path.join(self.shared, "mutate.py"), sync, str(pct)])
            snapshot_ro(sync, volume, name)
        os.sync()
        return volume, names

    def diff_figures(self):
        """7. diff between two consecutive snapshots against rsync's full compare of the same pair: on the benchmark tree
        (1 % changed), and on the tree grown 10x, once with the same files changed (0.1 %: the same work in a 10x tree)
        and once with 1 % changed (10x the work)."""
        cfg = self.cfg
        small, large = cfg.diff_sizes
        medians = {}
        # The first change after the tree was made is a warm-up: its send stream is twice as long as the next ones' for
        # the same change (the fresh tree's directories), and a volume of backups is past it after its second backup.
        volume, names = self.history_volume(f"diff{small}", small, 1, changes=(1, 1))
        medians["small"] = self.diff_pair(volume, names[1], names[2], f"{small:,} files, 1 % changed", target=0.2)
        delete_volume(volume)
        volume, names = self.history_volume(f"diff{large}", large, 1, changes=(1, small / large, 1))
        medians["same"] = self.diff_pair(volume, names[1], names[2], f"{large:,} files, the same {small // 100:,} files changed")
        medians["pct"] = self.diff_pair(volume, names[2], names[3], f"{large:,} files, 1 % changed")
        delete_volume(volume)
        for key, what in (("same", "the same files changed"), ("pct", "1 % changed")):
            growth_a, growth_b = medians[key][0] / medians["small"][0], medians[key][1] / medians["small"][1]
            self.row(f"7. growth from {small:,} to {large:,} files, {what} (time at {large // small}x / time at 1x)",
                     growth_a, growth_b, None, "diff nearly flat" if key == "same" else "",
                     growth_a <= 1.5 if key == "same" else None, unit="x")

    def diff_pair(self, volume, first, second, what, target=None):
        write_config(self.config_file, {"h": {"source": self.ws.root, "backups": volume, "ignore": "/mnt"}})
        a_dir, b_dir = os.path.join(volume, first), os.path.join(volume, second)
        times_a, times_b = [], []
        summary = method = changes = None
        for i in range(self.cfg.diff_runs):
            order = ("A", "B") if i % 2 == 0 else ("B", "A")
            for side in order:
                if side == "A":
                    t, result = timed(self.sb("diff", "h", first, second, "--stat"))
                    times_a.append(t)
                    summary, method = result.stdout.strip().splitlines()[-1:], result.stderr.strip()[-300:]
                else:
                    t, rsync = timed(["rsync", "-naic", "--delete", "--", a_dir + "/", b_dir + "/"])
                    times_b.append(t)
                    changes = len(rsync.stdout.splitlines())
        a, b = median(times_a), median(times_b)
        log(f"diff {what}: A {['%.3f' % t for t in times_a]} B {['%.3f' % t for t in times_b]}; "
            f"diff says {summary} ({method!r}); rsync listed {changes} changes")
        ratio = pair_ratio(times_a, times_b)
        self.row(f"7. diff of two consecutive snapshots ({what}) vs `rsync -naic --delete A/ B/`", a, b, ratio,
                 f"≤ {target}" if target else "", ratio <= target if target else None)
        return a, b

    def versions_figure(self):
        """8. versions of one file (changed every 10th snapshot) and of a 200-file directory over many snapshots."""
        cfg = self.cfg
        volume = self.ws.path("versions")
        os.makedirs(volume)
        seed = self.ws.path("versions_seed")
        subvolume(seed)
        os.makedirs(os.path.join(seed, "docs"))
        for j in range(200):
            with open(os.path.join(seed, "docs", f"note{j:03d}.txt"), "w") as f:
                f.write(f"note {j}\n")
        now = datetime.datetime.now().astimezone().replace(microsecond=0)
        count = cfg.versions_snapshots
        for i in range(count):
            if i % 10 == 0:
                # Replaced as rsync replaces a changed file: a new inode renamed over the old name.
                with open(os.path.join(seed, "report.txt.tmp"), "w") as f:
                    f.write(f"version {i // 10}\n" * (i + 1))
                os.rename(os.path.join(seed, "report.txt.tmp"), os.path.join(seed, "report.txt"))
                with open(os.path.join(seed, "docs", f"note{i % 200:03d}.txt"), "a") as f:
                    f.write("more\n")
            snapshot_ro(seed, volume, snapshot_name(now - datetime.timedelta(hours=count - i)))
        os.sync()
        write_config(self.config_file, {"v": {"source": self.ws.root, "backups": volume}})
        paths = [os.path.join(volume, n, "report.txt") for n in os.listdir(volume)]
        for what, path, expected in (("one file", "report.txt", (count + 9) // 10), ("a 200-file directory", "docs", (count + 9) // 10)):
            times_a, times_b = [], []
            for i in range(cfg.versions_runs):
                order = ("A", "B") if i % 2 == 0 else ("B", "A")
                for side in order:
                    if side == "A":
                        t, result = timed(self.sb("versions", "v", path, "--json"))
                        times_a.append(t)
                        found = len(json.loads(result.stdout)["versions"]) if result.stdout.strip().startswith("{") \
                            else len(json.loads(result.stdout))
                    else:
                        t, _ = timed(["stat", "-c", "%i %Z %s %Y", *paths])
                        times_b.append(t)
            if expected is not None and found != expected:
                raise RuntimeError(f"versions found {found} versions of {path}, expected {expected}")
            a = median(times_a)
            log(f"versions {path}: A {['%.3f' % t for t in times_a]} B {['%.3f' % t for t in times_b]}; {found} versions")
            # A directory costs a statx per entry below it per snapshot (200,000 here): no target, the figure says what that costs.
            single = expected is not None and path == "report.txt"
            self.row(f"8. versions of {what} over {count:,} snapshots ({found} versions) vs `stat` of the file in each",
                     a, median(times_b), pair_ratio(times_a, times_b), "well under 1 s" if single else "", a <= 0.5 if single else None)
        delete_volume(volume)

    def restore_figure(self):
        """9. restore of ~1 GiB (a whole snapshot, --to an empty directory) against `rsync -aHAX` of the same data."""
        cfg = self.cfg
        volume = self.ws.path("restore")
        os.makedirs(volume)
        sync = os.path.join(volume, ".sync")
        subvolume(sync)
        log(f"restore: making the tree: {cfg.restore_files:,} files")
        run([sys.executable, os.path.join(self.shared, "mktree.py"), sync, str(cfg.restore_files), "3"])
        name = snapshot_name(datetime.datetime.now().astimezone().replace(microsecond=0))
        snapshot_ro(sync, volume, name)
        size = int(run(["du", "-sb", os.path.join(volume, name)]).stdout.split()[0])
        write_config(self.config_file, {"r": {"source": self.ws.path("restore_source_unused"), "backups": volume}})
        os.makedirs(self.ws.path("restore_source_unused"))
        times_a, times_b = [], []
        for i in range(cfg.restore_runs):
            order = ("A", "B") if i % 2 == 0 else ("B", "A")
            for side in order:
                target = self.ws.path(f"restored_{side}")
                os.makedirs(target)
                os.sync()
                # Until the data is on disk (a sync inside the timing, for both): otherwise each side's time depends
                # on how much of its writing the kernel happened to flush before it exited.
                if side == "A":
                    t, _ = timed(self.sb("restore", "r", ".", "--from", name, "--to", target, "--yes"), then_sync=True)
                    times_a.append(t)
                else:
                    t, _ = timed(["rsync", "-aHAX", "--", os.path.join(volume, name) + "/", target + "/"], then_sync=True)
                    times_b.append(t)
                check = run(["diff", "-rq", os.path.join(volume, name), target], check=False)
                if check.returncode != 0:
                    raise RuntimeError(f"restore side {side} differs from the snapshot: {check.stdout[:2000]}")
                shutil.rmtree(target)
                os.sync()
        ratio = pair_ratio(times_a, times_b)
        log(f"restore: A {['%.3f' % t for t in times_a]} B {['%.3f' % t for t in times_b]}")
        self.row(f"9. restore {size / 2**30:.2f} GiB ({cfg.restore_files:,} files) --to an empty directory vs `rsync -aHAX`",
                 median(times_a), median(times_b), ratio, "≤ 1.05", ratio <= 1.05)
        delete_volume(volume)

    # --- figures 10, 11: copies to a second btrfs filesystem, locally and over ssh (issue 15) --------------------------
    def copy_figures(self, target_ws):
        """10. incremental copy of a 1 % change and 11. a full copy of the whole tree, locally (another btrfs filesystem)
        and over ssh to 127.0.0.1, against a bare `btrfs send [-p P] S | [ssh root@127.0.0.1] btrfs receive DIR` of
        the same snapshots into a directory of its own on the same target filesystem."""
        cfg, ws = self.cfg, self.ws
        sshd = LocalSshd(target_ws, f"{self.cli} serve --copies {target_ws.path('a')}")
        # The source volume as the product makes it: a writable .sync and read-only snapshots of it. It holds exactly
        # P and S (P is past a first change: the first change after a tree is made gives a send stream twice as long).
        volume = ws.path("inc")
        os.makedirs(volume)
        sync = os.path.join(volume, ".sync")
        subvolume(sync)
        log(f"copies: making the tree: {cfg.copy_files:,} files")
        run([sys.executable, os.path.join(self.shared, "mktree.py"), sync, str(cfg.copy_files), "1"])
        now = datetime.datetime.now().astimezone().replace(microsecond=0)
        parent, name = snapshot_name(now - datetime.timedelta(hours=1)), snapshot_name(now)
        warm = ws.path("warm-up")
        os.makedirs(warm)
        snapshot_ro(sync, warm, "0")
        run([sys.executable, os.path.join(self.shared, "mutate.py"), sync, "1"])
        snapshot_ro(sync, volume, parent)
        run([sys.executable, os.path.join(self.shared, "mutate.py"), sync, "1"])
        snapshot_ro(sync, volume, name)
        run(["btrfs", "subvolume", "delete", os.path.join(warm, "0")])
        # The full copy: one snapshot of the same tree in a volume of its own (nothing to be incremental from).
        full_volume = ws.path("full")
        os.makedirs(full_volume)
        snapshot_ro(sync, full_volume, name)
        source = ws.path("copy_source_unused")
        os.makedirs(source)
        remote = lambda d: f"root@127.0.0.1:{d}"
        # One directory receives ours, locally and over ssh (sshd runs on this machine, its forced command serves that
        # directory): one copy of P serves both; the floor's copies go to a directory of its own beside it.
        a_dir, b_dir = target_ws.path("a"), target_ws.path("b")
        for d in (a_dir, b_dir):
            os.makedirs(d)
        write_config(self.config_file, {
            "inc": {"source": source, "backups": volume, "copy_to": f"{a_dir}, {remote(a_dir)}"},
            "full": {"source": source, "backups": full_volume, "copy_to": f"{a_dir}, {remote(a_dir)}"}})
        os.sync()
        log("copies: the parent's copies on the target (untimed): ours, the floor's")
        result = run(self.sb("copy", "inc", "--to", a_dir), timeout=1800)
        log(f"copies: ours set up the parent with: {(result.stdout + result.stderr).strip()[-500:]}")
        self.delete_copy(os.path.join(a_dir, name), target_ws)
        run(["sh", "-c", 'btrfs send -q "$1" | btrfs receive "$2"', "sh", os.path.join(volume, parent), b_dir], timeout=1800)
        for d in (a_dir, b_dir):
            self.check_copy(os.path.join(volume, parent), os.path.join(d, parent))

        inc_bytes = send_stream_bytes(os.path.join(volume, name), os.path.join(volume, parent))
        full_bytes = send_stream_bytes(os.path.join(full_volume, name))
        snapshot = os.path.join(volume, name)
        what = f"{cfg.copy_files:,} files"
        ssh_b = os.path.join(sshd.bin("b"), "ssh")
        send = ["btrfs", "send", "-q", "-p", os.path.join(volume, parent), snapshot]
        self.copy_figure(
            "10a", f"incremental copy of a 1 % change ({what}) to another btrfs filesystem vs "
                   "`btrfs send -p P S | btrfs receive DIR`",
            self.sb("copy", "inc", "--to", a_dir), None, send, ["btrfs", "receive", b_dir], None,
            snapshot, inc_bytes, cfg.copy_pairs, target_ws)
        self.copy_figure(
            "10b", f"incremental copy of a 1 % change ({what}) over ssh to 127.0.0.1 (`serve --copies` as the forced "
                   "command) vs `btrfs send -p P S | ssh root@127.0.0.1 btrfs receive DIR`",
            self.sb("copy", "inc", "--to", remote(a_dir)), sshd.env("a"), send,
            [ssh_b, "root@127.0.0.1", "btrfs", "receive", b_dir], sshd.env("b"), snapshot, inc_bytes, cfg.copy_pairs,
            target_ws)
        # The full copies go to the same directories, emptied of the parent's copies first (untimed).
        for d in (a_dir, b_dir):
            self.delete_copy(os.path.join(d, parent), target_ws)
        size = f"{full_bytes / 2**20:,.0f} MiB stream"
        snapshot = os.path.join(full_volume, name)
        send = ["btrfs", "send", "-q", snapshot]
        self.copy_figure(
            "11a", f"full copy of the tree ({what}, {size}) to another btrfs filesystem vs `btrfs send S | btrfs receive DIR`",
            self.sb("copy", "full", "--to", a_dir), None, send, ["btrfs", "receive", b_dir], None,
            snapshot, full_bytes, cfg.copy_full_pairs, target_ws)
        self.copy_figure(
            "11b", f"full copy of the tree ({what}, {size}) over ssh to 127.0.0.1 vs "
                   "`btrfs send S | ssh root@127.0.0.1 btrfs receive DIR`",
            self.sb("copy", "full", "--to", remote(a_dir)), sshd.env("a"), send,
            [ssh_b, "root@127.0.0.1", "btrfs", "receive", b_dir], sshd.env("b"), snapshot, full_bytes,
            cfg.copy_full_pairs, target_ws)
        sshd.close()
        if os.path.exists(os.path.expanduser("~root/.ssh")) != self.root_ssh_existed:
            raise RuntimeError("root's ~/.ssh changed during the copy figures")

    def copy_figure(self, number, label, ours, ours_env, send, receive, floor_env, snapshot, stream_bytes, pairs,
                    target_ws):
        """Alternated runs (A B, B A, ...) of one copy: each run receives the snapshot anew (the copy of the run before
        is deleted and cleaned away, untimed), each timed until its data is on disk (a sync inside the timing)."""
        times_a, times_b, sent_a = [], [], []
        ours_copy = os.path.join(target_ws.path("a"), os.path.basename(snapshot))
        floor_copy = os.path.join(target_ws.path("b"), os.path.basename(snapshot))
        for i in range(pairs):
            order = ("A", "B") if i % 2 == 0 else ("B", "A")
            for side in order:
                if side == "A":
                    t, result = timed(ours, env=ours_env, then_sync=True, timeout=1800)
                    times_a.append(t)
                    count, sent = reported_bytes(result.stdout + "\n" + result.stderr)
                    if count != 1:
                        raise RuntimeError(f"{' '.join(ours)} reported {count} snapshots sent, expected 1:\n"
                                           f"{result.stdout[-1500:]}{result.stderr[-1500:]}")
                    sent_a.append(sent)
                    self.check_copy(snapshot, ours_copy)
                    self.delete_copy(ours_copy, target_ws)
                else:
                    times_b.append(timed_pipeline(send, receive, env=floor_env))
                    self.check_copy(snapshot, floor_copy)
                    self.delete_copy(floor_copy, target_ws)
        ratio = pair_ratio(times_a, times_b)
        log(f"{number}: A {['%.3f' % t for t in times_a]} B {['%.3f' % t for t in times_b]}; "
            f"ours sent {sent_a} bytes, the send stream is {stream_bytes}")
        self.row(f"{number}. {label}", median(times_a), median(times_b), ratio, "≤ 1.05", ratio <= 1.05)
        sent = median(sent_a)
        self.row(f"{number}. bytes sent (ours as it reports them; the floor's stream counted by the bench)", sent,
                 stream_bytes, sent / stream_bytes, "≤ 1.01", sent / stream_bytes <= 1.01, unit="B")

    @staticmethod
    def check_copy(snapshot, copy):
        """The copy is read-only and a receive of exactly this snapshot."""
        source, received = subvolume_show(snapshot), subvolume_show(copy)
        if received.get("Received UUID") != source["UUID"] or "readonly" not in received.get("Flags", ""):
            raise RuntimeError(f"{copy} is not a read-only copy of {snapshot}: {received}")

    @staticmethod
    def delete_copy(copy, target_ws):
        """Deletes a received copy and waits until btrfs has cleaned it away, so the next run does the same work on a
        quiet filesystem."""
        run(["btrfs", "subvolume", "delete", "--commit-after", copy])
        run(["btrfs", "subvolume", "sync", target_ws.mnt], timeout=600)
        incoming = os.path.join(os.path.dirname(copy), ".incoming")
        if os.path.isdir(incoming) and os.listdir(incoming):
            raise RuntimeError(f"left in {incoming}: {os.listdir(incoming)}")
        os.sync()

    # --- figure 12: what hooks, metrics and pings add to a no-change backup (issue 16) ----------------------------------
    def operations_figure(self):
        ws, cfg = self.ws, self.cfg
        src = ws.path("ops-src")
        subvolume(src)
        run([sys.executable, os.path.join(self.shared, "mktree.py"), src, str(cfg.ops_files), "1"])
        metrics_dir = ws.path("ops-metrics")
        os.makedirs(metrics_dir)
        server, port = ping_server()
        own_hooks = median([self.time_hooks_alone() for _ in range(21)])
        # One config file per variant: metrics_dir is a [DEFAULT] key, it would reach every section of a shared file.
        variants = {
            "plain": ({}, {}),
            "hooks": ({}, {"before_backup": "true", "after_backup": "true"}),
            "metrics": ({"metrics_dir": metrics_dir}, {}),
            "ping": ({}, {"ping_url": f"http://127.0.0.1:{port}/ping/0f3e2d1c-4b5a-6978-8796-a5b4c3d2e1f0"}),
        }
        configs = {}
        for name, (defaults, keys) in variants.items():
            path = os.path.join(ws.root, f"ops-{name}.ini")
            sections = {"DEFAULT": defaults} if defaults else {}
            sections[name] = {"source": src, "backups": ws.path(f"ops-vol-{name}"), **keys}
            write_config(path, sections)
            configs[name] = path
            run([self.cli, "-c", path, "setup", name])
            run([self.cli, "-c", path, "backup", name])  # the full first backup, untimed
        times = {name: [] for name in variants}
        try:
            for i in range(cfg.ops_pairs):
                names = list(variants)
                names = names[i % len(names):] + names[:i % len(names)]  # rotate the order: no variant always first
                for name in names:
                    os.sync()
                    t, _ = timed([self.cli, "-c", configs[name], "backup", name])
                    times[name].append(t)
                    self.sleep_to_next_second()
        finally:
            server.shutdown()
        if not os.path.isfile(os.path.join(metrics_dir, "snapshotbackup.prom")):
            raise RuntimeError("the metrics variant wrote no snapshotbackup.prom")
        if server.requests < cfg.ops_pairs:
            raise RuntimeError(f"the ping variant pinged {server.requests} times in {cfg.ops_pairs} runs")
        plain = times["plain"]
        log(f"12: plain {['%.3f' % t for t in plain]}; hooks' own run time {own_hooks * 1000:.1f} ms")
        for number, name, label, own in (("12a", "hooks", "before_backup = true, after_backup = true", own_hooks),
                                         ("12b", "metrics", "metrics_dir set", 0.0),
                                         ("12c", "ping", "ping_url to a local server (start and success)", None)):
            added = median([a - b for a, b in zip(times[name], plain)])
            log(f"{number}: {name} {['%.3f' % t for t in times[name]]}; added {added * 1000:.1f} ms")
            if own is None:
                self.row(f"{number}. no-change backup ({cfg.ops_files:,} files), {label}: adds {added * 1000:.0f} ms",
                         median(times[name]), median(plain), pair_ratio(times[name], plain), "a few seconds at most", added < 3)
            else:
                beyond = added - own
                own_text = f", the hooks' own run time {own * 1000:.1f} ms" if own else ""
                self.row(f"{number}. no-change backup ({cfg.ops_files:,} files), {label}: adds {added * 1000:.0f} ms{own_text}",
                         median(times[name]), median(plain), pair_ratio(times[name], plain),
                         "< 20 ms beyond the hooks' own time" if own else "< 20 ms", beyond < 0.020)

    @staticmethod
    def time_hooks_alone():
        """Two hooks' own run time, outside the product: /bin/sh -c true twice, as the hook runner starts them."""
        start = time.perf_counter()
        for _ in range(2):
            subprocess.run(["/bin/sh", "-c", "true"], check=True)
        return time.perf_counter() - start

    # --- figure 5: the daemon ---------------------------------------------------------------------------------------
    def daemon_figure(self):
        cfg, ws = self.cfg, self.ws
        sections = {}
        src = ws.path("dsrc")
        os.makedirs(src, exist_ok=True)
        with open(os.path.join(src, "file"), "w") as f:
            f.write("x\n")
        now = datetime.datetime.now().astimezone().replace(microsecond=0)
        for i in range(cfg.sections):
            volume = ws.path(f"dvol{i:02d}")
            make_hourly(ws, volume, 1, now)  # a backup made just now: no catch-up at start
            sections[f"d{i:02d}"] = {"source": src, "backups": volume, "schedule": "daily"}
        daemon_config = os.path.join(ws.root, "daemon.ini")
        write_config(daemon_config, sections)
        notify_path = os.path.join(ws.root, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(notify_path)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        env.pop("WATCHDOG_USEC", None)
        env.pop("WATCHDOG_PID", None)
        log_path = os.path.join(ws.root, "daemon.log")
        with open(log_path, "w") as out:
            start = time.perf_counter()
            proc = subprocess.Popen([self.daemon, "-c", daemon_config, "--state-file", os.path.join(ws.root, "state.json"),
                                     "--log", "console"], stdout=out, stderr=subprocess.STDOUT, env=env)
        ws.children.append(proc)
        try:
            sock.settimeout(30)
            ready = None
            while ready is None:
                message = sock.recv(4096).decode(errors="replace")
                if "READY=1" in message.split("\n"):
                    ready = time.perf_counter() - start
            cpu_ready = cpu_seconds(proc.pid)
            time.sleep(cfg.idle)
            if proc.poll() is not None:
                raise RuntimeError("the daemon exited while idle: " + open(log_path).read()[-2000:])
            cpu_idle = cpu_seconds(proc.pid) - cpu_ready
            rss = rss_mb(proc.pid)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        finally:
            sock.close()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        daemon_log = open(log_path).read()
        if "catching up" in daemon_log:
            raise RuntimeError("the daemon ran a catch-up backup; the idle figures would be wrong:\n" + daemon_log[-2000:])
        self.row(f"5. daemon, {cfg.sections} sections: start → READY=1", ready, target="≤ 1 s", ok=ready <= 1.0)
        self.row(f"5. daemon: RSS after {cfg.idle} s idle", rss, target="≤ 60 MB", ok=rss <= 60, unit="MB")
        self.row(f"5. daemon: CPU time while idle {cfg.idle} s", cpu_idle,
                 target="≤ 0.1 s" + ("" if cfg.idle == 60 else f" per 60 s"), ok=cpu_idle * 60 / cfg.idle <= 0.1)
        self.row("5. daemon: CPU time from start to READY=1", cpu_ready)

    def mount_figure(self):
        """14. The daemon's mount watcher: a section with schedule = on-mount whose backups live on a loop btrfs that is
        mounted while the daemon runs; the time from mount(8)'s return (and from its start, an upper bound that includes
        setting up the loop device) to the daemon's 'backup usb started (volume appeared)' line, read by polling its
        log every 2 ms. The disk is unmounted after each backup and mounted again (min_interval 1 second)."""
        cfg, ws = self.cfg, self.ws
        rounds = 2 if cfg.smoke else 7
        image, mnt = os.path.join(ws.root, "usb.img"), os.path.join(ws.root, "usb")
        os.makedirs(mnt)
        run(["truncate", "-s", "256M", image])
        run(["mkfs.btrfs", "-q", image])
        mounted = []

        def umount():
            while mounted:
                for attempt in range(10):
                    if run(["umount", mnt], check=False).returncode == 0:
                        break
                    time.sleep(0.3)
                else:
                    run(["umount", "-l", mnt], check=False)
                mounted.pop()
        ws.on_close.append(umount)
        run(["mount", "-o", "loop", image, mnt])
        mounted.append(mnt)
        os.makedirs(os.path.join(mnt, "backups", "usb"))
        umount()
        src = ws.path("usbsrc")
        os.makedirs(src, exist_ok=True)
        with open(os.path.join(src, "file"), "w") as f:
            f.write("x\n")
        config = os.path.join(ws.root, "mount.ini")
        write_config(config, {"usb": {"source": src, "backups": os.path.join(mnt, "backups", "usb"),
                                      "schedule": "on-mount", "min_interval": "1 second"}})
        log_path = os.path.join(ws.root, "mount-daemon.log")
        env = dict(os.environ)
        for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
            env.pop(name, None)
        with open(log_path, "w") as out:
            proc = subprocess.Popen([self.daemon, "-c", config, "--state-file", os.path.join(ws.root, "mount-state.json"),
                                     "--log", "console"], stdout=out, stderr=subprocess.STDOUT, env=env)
        ws.children.append(proc)

        def wait_for(text, count, timeout):
            deadline = time.perf_counter() + timeout
            while time.perf_counter() < deadline:
                if open(log_path, errors="replace").read().count(text) >= count:
                    return time.perf_counter()
                if proc.poll() is not None:
                    raise RuntimeError("the daemon exited: " + open(log_path).read()[-2000:])
                time.sleep(0.002)
            raise RuntimeError(f"no '{text}' #{count} within {timeout} s: " + open(log_path).read()[-2000:])

        after, since = [], []
        try:
            wait_for("waiting for its volume to appear", 1, 30)
            for i in range(rounds):
                t0 = time.perf_counter()
                run(["mount", "-o", "loop", image, mnt])
                t1 = time.perf_counter()
                mounted.append(mnt)
                t2 = wait_for("backup usb started (volume appeared)", i + 1, 30)
                after.append(t2 - t1)
                since.append(t2 - t0)
                wait_for("backup usb succeeded", i + 1, 60)
                time.sleep(1.1)  # min_interval
                umount()
                time.sleep(0.5)
        finally:
            umount()
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log(f"mount -> backup start: after mount(8) {['%.3f' % t for t in after]}, since its start {['%.3f' % t for t in since]}")
        self.row(f"14. daemon: mount → on-mount backup start ({rounds} mounts, median)", median(after),
                 median(since), target="≤ 2 s", ok=median(since) <= 2.0)

    # --- figure 15: journal backups (the daemon's change journal, issue 18) ---------------------------------------------
    def journal_figures(self):
        """15. The daemon's journal backup (rsync --files-from the change journal's list) against the floor, plain
        `rsync -a` and our full scan (`snapshotbackup backup`), side by side in rotated order, after a 1 % change and with
        no change, on the benchmark tree and on it grown 10x (there also with the same absolute change); then the daemon's
        CPU and memory while 10,000 files a minute change under its source."""
        cfg = self.cfg
        small, large = cfg.journal_sizes[0], cfg.journal_sizes[-1]
        medians = {}
        for files in sorted(set(cfg.journal_sizes)):
            cases = [("1 %", 1.0), ("no change", 0.0)]
            if files == large and large != small:
                cases.append((f"the same {small // 100:,} files", small / large))
            with_idle = files == small
            medians.update(self.journal_tree(files, cases, cfg.journal_rounds.get(files, 3), with_idle))
        if small == large:
            return  # one tree (--journal-sizes N): no growth to report
        grown = large / small
        for what, key_large, key_small, target, limit in (
                # The change grows with the tree here: the cost may grow as much as the change, no more.
                ("1 % of each tree", (large, "1 %"), (small, "1 %"), f"≤ {grown:g}x (the change grows {grown:g}x too)", grown),
                (f"the same {small // 100:,} files changed", (large, f"the same {small // 100:,} files"), (small, "1 %"),
                 "nearly flat (≤ 1.5x)", 1.5)):
            growth = {side: medians[key_large][side] / medians[key_small][side] for side in "JLFPS"}
            self.row(f"15. growth from {small:,} to {large:,} files, {what} (time at {large // small}x / time at 1x; "
                     f"B: the floor; `--files-from` by hand {growth['L']:.1f}x, full scan {growth['S']:.1f}x, "
                     f"`rsync -a` {growth['P']:.1f}x)",
                     growth["J"], growth["F"], None, target, growth["J"] <= limit, unit="x")

    def journal_tree(self, files, cases, rounds, with_idle):
        """One tree of `files` files and its four volumes, each .sync starting as a writable snapshot of the source (the
        same state everywhere without copying the tree four times): J (the daemon's section, its journal running), S
        (our full scan: `snapshotbackup backup` of its own section), F (the floor: rsync with our options + a read-only
        snapshot) and P (`rsync -a` + a read-only snapshot). Returns {(files, case): {side: median seconds}}."""
        cfg, ws = self.cfg, self.ws
        tag = f"j{files}"
        src = ws.path(f"{tag}-src")
        subvolume(src)
        log(f"15: making the tree: {files:,} files")
        started = time.perf_counter()
        run([sys.executable, os.path.join(self.shared, "mktree.py"), src, str(files), "1"], timeout=7200)
        log(f"15: tree made in {time.perf_counter() - started:.0f} s")
        volumes = {side: ws.path(f"{tag}-vol-{side}") for side in "JLSFP"}
        for volume in volumes.values():
            os.makedirs(volume)
            run(["btrfs", "subvolume", "snapshot", src, os.path.join(volume, ".sync")])
        full_config = os.path.join(ws.root, f"{tag}-full.ini")
        write_config(full_config, {"s": {"source": src, "backups": volumes["S"]}})
        os.sync()
        # The daemon starts with no backup in its volume: its catch-up run at start is the full scan every daemon's
        # first backup is (untimed); from then on its journal has seen every change.
        daemon = BenchDaemon(ws, self.daemon, "j", {"source": src, "backups": volumes["J"]}, f"{tag}-daemon")
        first = daemon.backup_done(0, 7200)
        if not first["scan"].startswith("full scan"):
            raise RuntimeError(f"the daemon's first backup was no full scan: {first['scan']}")
        log(f"15: the daemon's first backup ({first['scan']}) took {first['seconds']:.3f} s")
        run([self.cli, "-c", full_config, "backup", "s"], timeout=7200)  # S's first snapshot (untimed)
        check_every = files <= 100000  # checksums of 500,000 files after every run would double the figure's time
        results = {}
        try:
            for label, pct in cases:
                times = {side: [] for side in "JLSFP"}
                entries, listed_by_hand, flushes = [], [], []
                generation_times, generation_files = [], []
                for i in range(rounds):
                    if pct:
                        marker = self.generation(src)
                        run([sys.executable, os.path.join(self.shared, "mutate.py"), src, f"{pct:g}"], timeout=3600)
                        # The alternative for a source that is a subvolume: btrfs's generation numbers (what find-new
                        # reads), after a sync that commits the change (untimed).
                        os.sync()
                        start = time.perf_counter()
                        found = run(["btrfs", "subvolume", "find-new", src, str(marker)], timeout=3600).stdout
                        generation_times.append(time.perf_counter() - start)
                        generation_files.append(len({line.split()[1] for line in found.splitlines() if line.startswith("inode ")}))
                    # L's list: what changed, found by a dry run against L's .sync (untimed), as the journal lists it:
                    # files written, created or deleted (not the directories holding them).
                    changed = self.changed_entries(src, os.path.join(volumes["L"], ".sync"))
                    listed_by_hand.append(len(changed))
                    order = ["J", "L", "F", "P", "S"]
                    order = order[i % 5:] + order[:i % 5]  # rotated: no side always first after the change
                    for side in order:
                        os.sync()  # nobody pays for another's dirty pages
                        if side == "J":
                            done = daemon.backup_now()
                            if not done["scan"].startswith("journal backup:"):
                                raise RuntimeError(f"15: the daemon scanned everything: {done['scan']}")
                            times["J"].append(done["seconds"])
                            entries.append(done["scan"])
                            log(f"15 {files:,} {label}: J {done['seconds']:.3f} s (before rsync {done['before_rsync']:.3f} s; its own "
                                f"'succeeded in' {done['reported']:.1f} s): "
                                f"{done['scan']}")
                            self.check_snapshot(src, os.path.join(volumes["J"], done["snapshot"]), checksums=check_every)
                        elif side == "S":
                            t, _ = timed([self.cli, "-c", full_config, "backup", "s"], timeout=7200)
                            times["S"].append(t)
                        elif side == "F":
                            times["F"].append(self.floor_backup(volumes["F"], src))
                        elif side == "L":
                            times["L"].append(self.files_from_backup(volumes["L"], src, changed))
                            start = time.perf_counter()
                            os.sync()  # untimed: what getting L's writes to disk costs (J's syncfs pays for its own)
                            flushes.append(time.perf_counter() - start)
                        else:
                            times["P"].append(self.plain_backup(volumes["P"], src))
                    self.sleep_to_next_second()  # the floor's and rsync -a's snapshot names have whole seconds
                result = {side: median(times[side]) for side in "JLSFP"}
                results[(files, label)] = result
                log(f"15 {files:,} {label}: " + "; ".join(f"{side} {['%.3f' % t for t in times[side]]}" for side in "JLFPS")
                    + f"; L's list {listed_by_hand} entries; a sync after L {['%.3f' % t for t in flushes]}")
                what = f"{files:,} files, " + ("no change" if not pct else
                                               f"{label} changed" if label.startswith("the same") else "1 % changed")
                listed = re.search(r"^journal backup: (\d+) entries", entries[-1]).group(1)
                goal = files == cfg.journal_sizes[0] and pct == 1.0
                self.row(f"15. journal backup ({what}; it listed {listed} entries) vs the floor (rsync with our options + snapshot)",
                         result["J"], result["F"], pair_ratio(times["J"], times["F"]),
                         "≤ 0.3" if goal else "", pair_ratio(times["J"], times["F"]) <= 0.3 if goal else None)
                self.row(f"15. journal backup ({what}) vs rsync with our options `--files-from` the same {median(listed_by_hand):,.0f} "
                         f"entries + snapshot (J's own floor; a sync after it took {median(flushes):.3f} s more)",
                         result["J"], result["L"], pair_ratio(times["J"], times["L"]))
                self.row(f"15. journal backup ({what}) vs plain `rsync -a` + snapshot", result["J"], result["P"],
                         pair_ratio(times["J"], times["P"]), "< 1", pair_ratio(times["J"], times["P"]) < 1)
                self.row(f"15. journal backup ({what}) vs our full scan (`snapshotbackup backup`)", result["J"], result["S"],
                         pair_ratio(times["J"], times["S"]))
                if generation_times:
                    self.row(f"15. btrfs generation search (`btrfs subvolume find-new`, {what}; it named "
                             f"{median(generation_files):,.0f} written files and sees no deletion, rename or attribute "
                             f"change) vs the journal backup", median(generation_times), result["J"])
            if with_idle:
                self.journal_idle(daemon, src)
            if not check_every:
                self.check_snapshot(src, os.path.join(volumes["J"], done["snapshot"]), checksums=True)
        finally:
            daemon.close()
        if daemon.proc.returncode not in (0, None):
            raise RuntimeError(f"the daemon exited {daemon.proc.returncode} at its stop: {daemon.tail()}")
        return results

    @staticmethod
    def generation(subvolume_path):
        """The subvolume's current generation (`find-new` with a marker past it prints 'transid marker was N')."""
        out = run(["btrfs", "subvolume", "find-new", subvolume_path, str(2 ** 62)]).stdout
        return int(re.search(r"transid marker was (\d+)", out).group(1))

    def check_snapshot(self, src, snapshot, checksums):
        """The journal backup's snapshot equals the source: `rsync -naHAX[c] --delete --modify-window=-1 -i` lists
        nothing (with checksums, or comparing size and mtime to the nanosecond only for the big tree)."""
        result = run(["rsync", "-naHAX" + ("c" if checksums else ""), "--delete", "--modify-window=-1", "-i", "--",
                      src + "/", snapshot + "/"], timeout=7200)
        if result.stdout.strip():
            lines = result.stdout.strip().splitlines()
            raise RuntimeError(f"15: PRODUCT DEFECT: the journal backup's snapshot {snapshot} differs from the source "
                               f"({len(lines)} entries):\n" + "\n".join(lines[:40]))

    @staticmethod
    def changed_entries(src, sync):
        """The entries of `src` that differ from `sync` (written, created, deleted; no directories), by `rsync -ni`."""
        result = run(["rsync", "-naHAXi", "--delete", "--modify-window=-1", "--", src + "/", sync + "/"], timeout=7200)
        changed = []
        for line in result.stdout.splitlines():
            if line.startswith("*deleting") or line[1:2] in ("f", "L"):
                changed.append(line[12:].rstrip("/"))
        return changed

    def files_from_backup(self, volume, src, entries):
        """What a journal backup must do at least: rsync with our options and the product's `--files-from` options of
        the changed entries (as the daemon runs it, less `--info=progress2`) + a read-only snapshot; no sync, as F."""
        listing = os.path.join(self.ws.root, "files-from.list")
        with open(listing, "wb") as f:
            f.write(b"".join(e.encode() + b"\0" for e in entries))
        start = time.perf_counter()
        run(["rsync", *self.rsync_options, "--files-from=" + listing, "--from0", "--recursive", "--delete-missing-args",
             "--", src + "/", os.path.join(volume, ".sync") + "/"])
        run(["btrfs", "subvolume", "snapshot", "-r", os.path.join(volume, ".sync"),
             os.path.join(volume, snapshot_name(datetime.datetime.now()))])
        return time.perf_counter() - start

    def plain_backup(self, volume, src):
        """`rsync -a` (no deletions, hard links, ACLs, xattrs) + a read-only snapshot, as someone would by hand."""
        start = time.perf_counter()
        run(["rsync", "-a", "--", src + "/", os.path.join(volume, ".sync") + "/"])
        run(["btrfs", "subvolume", "snapshot", "-r", os.path.join(volume, ".sync"),
             os.path.join(volume, snapshot_name(datetime.datetime.now()))])
        return time.perf_counter() - start

    def journal_idle(self, daemon, src):
        """The daemon with its journal on, no backup due: its CPU time over the window while a writer rewrites
        journal_writes distinct files of the source at an even rate (a child process), and its VmRSS at the end; the
        same window with nothing changing before it, for comparison. Then a journal backup must list every file written."""
        cfg = self.cfg
        window, writes = cfg.journal_window, cfg.journal_writes
        pid = daemon.proc.pid
        time.sleep(1)
        cpu0 = cpu_seconds(pid)
        time.sleep(window)
        quiet_cpu, quiet_rss = cpu_seconds(pid) - cpu0, rss_mb(pid)
        files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(src) for f in fs)
        pick = random.Random(15).sample(files, writes)
        listing = os.path.join(self.ws.root, "journal-writer.list")
        with open(listing, "w") as f:
            f.write("\n".join(pick) + "\n")
        writer = ("import os, sys, time\n"
                  "paths = open(sys.argv[1]).read().split()\n"
                  "window = float(sys.argv[2])\n"
                  "start = time.monotonic()\n"
                  "for i, p in enumerate(paths):\n"
                  "    delay = start + i * window / len(paths) - time.monotonic()\n"
                  "    if delay > 0:\n"
                  "        time.sleep(delay)\n"
                  "    with open(p, 'wb') as f:\n"
                  "        f.write(os.urandom(100 + i % 4000))\n")
        cpu0 = cpu_seconds(pid)
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", writer, listing, str(window)])
        self.ws.children.append(proc)
        if proc.wait(timeout=window * 3) != 0:
            raise RuntimeError("15: the writer failed")
        took = time.perf_counter() - start
        busy_cpu, busy_rss = cpu_seconds(pid) - cpu0, rss_mb(pid)
        log(f"15: writer: {writes} files in {took:.1f} s; daemon CPU {busy_cpu:.3f} s, VmRSS {busy_rss:.1f} MB "
            f"(quiet: {quiet_cpu:.3f} s, {quiet_rss:.1f} MB)")
        if daemon.proc.poll() is not None:
            raise RuntimeError("15: the daemon exited during the writer's window: " + daemon.tail())
        rate = f"{writes / window * 60:,.0f} files/min"
        self.row(f"15. daemon with the journal on: CPU time over {window} s while {rate} are rewritten under its source "
                 f"(B: the same {window} s with no change)", busy_cpu, quiet_cpu)
        self.row(f"15. daemon with the journal on: VmRSS at the end of those {window} s (B: after the quiet {window} s)",
                 busy_rss, quiet_rss, unit="MB")
        done = daemon.backup_now()
        listed = re.search(r"^journal backup: (\d+) entries", done["scan"])
        log(f"15: the backup after the writer: {done['scan']} in {done['seconds']:.3f} s")
        if listed is None or int(listed.group(1)) < writes:
            raise RuntimeError(f"15: after {writes} files were written the daemon's backup said: {done['scan']}")
        self.check_snapshot(src, os.path.join(daemon.section["backups"], done["snapshot"]), checksums=True)

    def table(self):
        header = ("figure", "snapshotbackup (A)", "floor (B)", "A / B", "target", "met")
        lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
        for row in self.rows:
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)


def machine_description():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) / 1024 / 1024
    return f"{platform.node()}: {cpu}, {os.cpu_count()} CPUs, {mem:.1f} GiB RAM, Linux {platform.release()}"


def load():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def git_describe():
    r = run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], check=False)
    dirty = run(["git", "-C", REPO, "status", "--porcelain", "--", "src"], check=False).stdout.strip()
    return (r.stdout.strip() or "unknown") + (" (src modified)" if dirty else "")


FIGURES = ("backup", "prune", "list", "daemon", "startup", "diff", "versions", "restore", "copies", "operations", "journal")


def ping_server():
    """A health-check endpoint on 127.0.0.1 that answers every GET and POST with 200 at once; counts the requests."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.server.requests += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        do_GET = do_POST = do_HEAD = answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def write_section(path, heading, body):
    """Puts `heading` and `body` into the Markdown file at `path`: in place of a section with that heading (up to the
    next `## ` heading), or at the end."""
    lines = open(path, encoding="utf-8").read().rstrip("\n").split("\n")
    section = [heading, "", *body.rstrip("\n").split("\n")]
    if heading in lines:
        start = lines.index(heading)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        if end < len(lines):
            section.append("")
        lines[start:end] = section
    else:
        lines += ["", *section]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--smoke", action="store_true", help="small workload, a minute or so; writes no RESULTS.md")
    mode.add_argument("--full", action="store_true", help="the real workload (default)")
    parser.add_argument("--bin", default=os.path.join(REPO, "artifacts/publish"), help="where snapshotbackup(d) are")
    parser.add_argument("--shared", default=os.path.join(REPO, "bench"), help="where mktree.py and mutate.py are (default: bench/)")
    parser.add_argument("--only", default=",".join(FIGURES), help="comma-separated subset of " + ",".join(FIGURES))
    parser.add_argument("--results", help="where to write the results (default bench/RESULTS.md in --full mode)")
    parser.add_argument("--pairs", type=int, help="A/B pairs per backup figure")
    parser.add_argument("--idle", type=int, help="daemon idle seconds")
    parser.add_argument("--journal-sizes", help="figure 15's trees, SMALL[,LARGE] files (default 50000,500000; one size: no growth rows)")
    args = parser.parse_args()

    if os.geteuid() != 0:
        sys.exit("bench: needs root (loopback mounts)")
    cfg = Config(args.smoke)
    if args.pairs:
        cfg.pairs = args.pairs
    if args.idle:
        cfg.idle = args.idle
    if args.journal_sizes:
        cfg.journal_sizes = tuple(int(n) for n in args.journal_sizes.split(","))
    only = set(args.only.split(","))
    if only - set(FIGURES):
        sys.exit(f"bench: --only: unknown {','.join(sorted(only - set(FIGURES)))} (one of {','.join(FIGURES)})")
    for tool in ("mkfs.btrfs", "btrfs", "rsync", *(("ssh", "sshd", "ssh-keygen") if "copies" in only else ())):
        if shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") is None:
            sys.exit(f"bench: {tool} not found" + (" (apt-get install openssh-server openssh-client)" if "ssh" in tool else ""))
    bin_dir = os.path.abspath(args.bin)
    for exe in ("snapshotbackup", "snapshotbackupd"):
        if not os.access(os.path.join(bin_dir, exe), os.X_OK):
            sys.exit(f"bench: {bin_dir}/{exe} missing; run 'bash packaging/publish.sh' first")
    shared = os.path.abspath(args.shared)
    if not os.path.isfile(os.path.join(shared, "mktree.py")):
        sys.exit(f"bench: {shared}/mktree.py not found (--shared DIR)")

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    started = datetime.datetime.now().astimezone()
    load_before = load()
    log(f"mode {'smoke' if cfg.smoke else 'full'}; load average {load_before}")
    ws = Workspace(cfg.image)
    log(f"workspace {ws.root}")
    bench = Bench(cfg, ws, bin_dir, shared)
    try:
        if "startup" in only:
            bench.startup_figure()
        if "backup" in only:
            bench.backup_figures()
        if "prune" in only:
            bench.prune_figures()
        if "list" in only:
            bench.list_figures()
        if "daemon" in only:
            bench.daemon_figure()
            bench.mount_figure()
        if "operations" in only:
            bench.operations_figure()
    finally:
        ws.close()
    if only & {"diff", "versions", "restore"}:
        # Their own loopback image: the 10x tree needs more room than the other figures.
        ws = Workspace(cfg.history_image)
        log(f"workspace {ws.root}")
        bench.ws = ws
        bench.config_file = os.path.join(ws.root, "bench.ini")
        try:
            if "diff" in only:
                bench.diff_figures()
            if "versions" in only:
                bench.versions_figure()
            if "restore" in only:
                bench.restore_figure()
        finally:
            ws.close()
    if "copies" in only:
        # A source filesystem and a second one as the copy target.
        ws, target = Workspace(cfg.copy_images[0]), Workspace(cfg.copy_images[1])
        log(f"workspace {ws.root}, copy target {target.root}")
        bench.ws = ws
        bench.config_file = os.path.join(ws.root, "bench.ini")
        try:
            bench.copy_figures(target)
        finally:
            target.close()
            ws.close()
    if "journal" in only:
        # Its own loopback image: the 500,000-file tree.
        ws = Workspace(cfg.journal_image)
        log(f"workspace {ws.root}")
        bench.ws = ws
        bench.config_file = os.path.join(ws.root, "bench.ini")
        try:
            bench.journal_figures()
        finally:
            ws.close()
    load_after = load()
    elapsed = (datetime.datetime.now().astimezone() - started).total_seconds()
    table = bench.table()
    print(table)
    print(f"\nload average before {load_before}, after {load_after}; {elapsed:.0f} s")

    results = args.results or (None if cfg.smoke else os.path.join(REPO, "bench", "RESULTS.md"))
    if results:
        subset = [f for f in FIGURES if f in only]
        partial = len(subset) < len(FIGURES)
        meta = [f"- date: {started.isoformat(timespec='seconds')}",
                f"- machine: {machine_description()}",
                f"- load average (1, 5, 15 min): before {load_before}, after {load_after}"
                " (other work ran on this machine; absolute times are noisy)",
                f"- commit: {git_describe()}; binaries: {bin_dir.replace(REPO + '/', '')}"]
        if partial:
            runs = {"copies": f"{cfg.copy_pairs} A/B pairs per incremental copy figure, {cfg.copy_full_pairs} per full copy figure",
                    "operations": f"{cfg.ops_pairs} rotated runs per variant",
                    "journal": "rounds per case: " + ", ".join(f"{cfg.journal_rounds[n]} at {n:,} files" for n in cfg.journal_sizes)
                               + f"; writer window {cfg.journal_window} s"}
            how = f"python3 bench/run.py {'--smoke' if cfg.smoke else '--full'} --only {','.join(subset)}"
            meta += [f"- mode: {'smoke' if cfg.smoke else 'full'}; "
                     + "; ".join(runs[f] for f in subset if f in runs) + ("; " if any(f in runs for f in subset) else "")
                     + f"run took {elapsed:.0f} s",
                     f"- how: `{how}` (see bench/README.md)"]
        else:
            meta += [f"- mode: {'smoke' if cfg.smoke else 'full'}; {cfg.pairs} A/B pairs per backup figure, "
                     f"{'/'.join(str(cfg.prune_runs[s]) for s in cfg.prune_sizes)} per prune size, {cfg.list_runs} per list size; "
                     f"daemon idle {cfg.idle} s; {cfg.copy_pairs}/{cfg.copy_full_pairs} pairs per incremental/full copy figure; "
                     f"run took {elapsed:.0f} s",
                     "- how: `python3 bench/run.py --full` (see bench/README.md)"]
        body = "\n".join(meta) + "\n\n" + table + "\n"
        if partial and os.path.isfile(results):
            # A subset: its own section, replacing the one of an earlier run of the same subset; the rest stays.
            write_section(results, f"## Figures {', '.join(subset)} (a run of only these)", body)
        else:
            with open(results, "w") as f:
                f.write("# Benchmark results\n\n" + body)
        log(f"wrote {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
