"""Side-by-side figures for `Benchmarks/compare.sh`: hedgeops against psrecord,
pidstat and GNU grep on the same machine, in one run. Prints one table of
figures and ratios; never fails on speed (targets are reported, not asserted).

Usage: compare.py BIN_DIR TOOLS_DIR WORK_DIR VENV_PYTHON [--quick]
(BIN_DIR holds hedgeops and hedge-sim, TOOLS_DIR hedgeops-logscan; the venv has psrecord.)
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

BIN, TOOLS, WORK, VENV_PYTHON = sys.argv[1:5]
QUICK = "--quick" in sys.argv
HEDGEOPS = os.path.join(BIN, "hedgeops")
SIM = os.path.join(BIN, "hedge-sim")
LOGSCAN = os.path.join(TOOLS, "hedgeops-logscan")
PSRECORD = os.path.join(os.path.dirname(VENV_PYTHON), "psrecord")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")
RATE = 40  # samples per second, for every sampler compared
SECONDS = 12 if QUICK else 30
PATTERNS = [
    " - ERROR - ",
    "Reconnecting in [0-9.]+s",
    "Connection closed unexpectedly",
    "ERROR_LOCK",
    "[Oo]rder placed",
    "[Oo]rder modified",
    "WebSocket (Connected|Disconnected|Reconnecting)",
]


def cpu_seconds(pid):
    """CPU time of every thread of the process itself (not its children), in
    seconds, from the scheduler's nanosecond counters."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e9


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def environment(extra=None):
    env = {
        "PATH": BIN + ":/usr/bin:/bin",
        "HOME": WORK,
        "LANG": "C.UTF-8",
        "HEDGEOPS_CONFIG_DIR": WORK + "/config",
        "BITUNIX_API_KEY": "bench-key-0001",
        "BITUNIX_API_SECRET": "bench-secret-0001",
        "BITUNIX_USE_TESTNET": "true",
    }
    env.update(extra or {})
    return env


def start_api():
    """The mock TESTNET exchange (REST and WebSocket) the demo checklist's pre-flight and executor talk to."""
    out = open(WORK + "/api.out", "w+")
    api = subprocess.Popen(
        [SIM, "exchange", "--port", "0", "--api-key", "bench-key-0001", "--api-secret", "bench-secret-0001",
         "--parent", str(os.getpid())],
        stdout=out, stderr=subprocess.DEVNULL, env=environment())
    for _ in range(500):
        out.seek(0)
        line = out.readline()
        if line.startswith("listening on "):
            return api, line.split()[-1]
        time.sleep(0.01)
    raise SystemExit("error: hedge-sim exchange did not start (see " + WORK + "/api.out)")


def bench_checklist(hours):
    """The demo checklist with one sample a simulated second, `hours` long."""
    text = open(REPO + "/checklists/demo.yaml").read()
    text = re.sub(r"(?m)^  duration: 8h", f"  duration: {hours}h", text)
    text = re.sub(r"(?m)^  sample_interval: 5s", "  sample_interval: 1s", text)
    text = text.replace("command: [hedge-sim, run, --log-dir, data/load_test]",
                        f'command: [hedge-sim, run, --log-dir, data/load_test, --hours, "{hours}"]')
    path = WORK + f"/bench-{hours}h.yaml"
    open(path, "w").write(text)
    return path


def workspace(name):
    path = os.path.join(WORK, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path + "/data/load_test")
    return path


def journal_samples(ws):
    runs = ws + "/data/runs"
    if not os.path.isdir(runs):
        return 0
    count = 0
    for run in os.listdir(runs):
        try:
            with open(os.path.join(runs, run, "journal.jsonl"), "rb") as f:
                count += sum(1 for line in f if b'"type":"sample"' in line)
        except FileNotFoundError:
            pass
    return count


def journal_has(ws, marker):
    runs = ws + "/data/runs"
    for run in os.listdir(runs) if os.path.isdir(runs) else []:
        try:
            with open(os.path.join(runs, run, "journal.jsonl"), "rb") as f:
                if marker in f.read():
                    return True
        except FileNotFoundError:
            pass
    return False


def measure_hedgeops(url, seconds, scale, hours=8, settle=3.0):
    """CPU per sample and peak RSS of `hedgeops run` itself, sampling at `scale` samples/s."""
    ws = workspace(f"run-{scale}")
    env = environment({"BITUNIX_REST_URL": url, "BITUNIX_WS_URL": url.replace("http:", "ws:") + "/public/"})
    proc = subprocess.Popen(
        [HEDGEOPS, "run", "--checklist", bench_checklist(hours), "--time-scale", str(scale), "--yes"],
        cwd=ws, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(settle)
    # The run is measured once start-up is over: from 5 s after the hour-0
    # baseline, when start-up's pages were handed back (MonitorMemory; they
    # are released every 10 minutes, so a window just after one would put
    # ten minutes of its cost on 30 samples). Start-up's peak is VmHWM, on its own row.
    deadline = time.monotonic() + 180
    while not journal_has(ws, b'"type":"checkpoint"') and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    # The pages handed back then are mapped in again over the next seconds, once.
    time.sleep(5)
    profile = None
    if os.environ.get("PROFILE"):
        # PROFILE=FILE: a perf profile of the monitor during the measurement.
        profile = subprocess.Popen(
            ["perf", "record", "-e", "cpu-clock", "-F", "2000", "--call-graph", "dwarf,16384", "-p",
             str(proc.pid), "-o", os.environ["PROFILE"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c0, n0, t0 = cpu_seconds(proc.pid), journal_samples(ws), time.monotonic()
    rss = []
    while time.monotonic() - t0 < seconds:
        time.sleep(0.5)
        rss.append(status_kb(proc.pid, "VmRSS"))
    c1, n1 = cpu_seconds(proc.pid), journal_samples(ws)
    hwm = status_kb(proc.pid, "VmHWM")
    if os.environ.get("SMAPS"):
        shutil.copy(f"/proc/{proc.pid}/smaps", os.environ["SMAPS"])
    if profile:
        profile.send_signal(signal.SIGINT)
        profile.wait()
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
    samples = max(1, n1 - n0)
    return {"cpu_per_sample_ms": (c1 - c0) / samples * 1000, "samples": samples,
            "rate": samples / seconds, "hwm_mb": hwm / 1024, "peak_rss_mb": max(rss) / 1024, "rss_mb": rss}


def run_env(url):
    return environment({"BITUNIX_REST_URL": url, "BITUNIX_WS_URL": url.replace("http:", "ws:") + "/public/"})


def start_tree(url, name, scale):
    """The executor alone (what the checklist's run command starts), for the peers to watch."""
    ws = workspace(name)
    env = run_env(url)
    env["HEDGEOPS_TIME_SCALE"] = str(scale)
    return subprocess.Popen([SIM, "run", "--log-dir", "data/load_test"], cwd=ws, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure_psrecord(url, seconds, psrecord, settle=3.0):
    """psrecord watching the same tree at the same rate: its own CPU per sample and RSS."""
    tree = start_tree(url, "psrecord", RATE)
    log = WORK + "/psrecord.log"
    proc = subprocess.Popen([psrecord, str(tree.pid), "--interval", str(1 / RATE), "--include-children",
                             "--log", log], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(settle)
        figures = watch_peer(proc.pid, lambda: sum(1 for _ in open(log)) if os.path.exists(log) else 0, seconds)
    finally:
        proc.kill()
        proc.wait()
        stop(tree)
    figures["rate"] = figures["samples"] / seconds
    return figures


def measure_pidstat(url, seconds, settle=1.5):
    """pidstat at 1 Hz on the same tree (its children's figures too): CPU per report, RSS."""
    tree = start_tree(url, "pidstat", RATE)
    out = WORK + "/pidstat.out"
    reports = lambda: sum(1 for line in open(out) if line.startswith("# Time") and "%usr" in line)
    try:
        time.sleep(1)
        with open(out, "w") as sink:
            proc = subprocess.Popen(["pidstat", "-h", "-u", "-r", "-T", "ALL", "-p", str(tree.pid), "1"],
                                    stdout=sink, stderr=subprocess.DEVNULL)
        time.sleep(settle)
        figures = watch_peer(proc.pid, reports, seconds)
        proc.kill()
        proc.wait()
    finally:
        stop(tree)
    return figures


def watch_peer(pid, count, seconds):
    """A peer's own CPU per sample (count() says how many it has written) and its peak RSS over `seconds`."""
    c0, n0, t0 = cpu_seconds(pid), count(), time.monotonic()
    rss = []
    while time.monotonic() - t0 < seconds:
        time.sleep(0.5)
        rss.append(status_kb(pid, "VmRSS"))
    c1, n1 = cpu_seconds(pid), count()
    samples = max(1, n1 - n0)
    return {"cpu_per_sample_ms": (c1 - c0) / samples * 1000, "samples": samples, "peak_rss_mb": max(rss) / 1024}


def best_of(times, command, **kwargs):
    results = []
    for _ in range(times):
        t = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True, **kwargs)
        results.append((time.perf_counter() - t, out))
    return min(results, key=lambda r: r[0])


def measure_log_scan(size):
    """MB/s of the follower over a generated log against `grep -c -E` with the same patterns ORed."""
    path = WORK + "/scan/load_test_scan.log"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path) or os.path.getsize(path) < size * 0.99:
        subprocess.run([LOGSCAN, "generate", path, str(size)], check=True)
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)  # into the page cache
    size = os.path.getsize(path)
    grep_seconds, grep_out = best_of(3, ["grep", "-c", "-E", "|".join(PATTERNS), path])
    ours = [json.loads(subprocess.run([LOGSCAN, "scan", path], capture_output=True, text=True, check=True).stdout)
            for _ in range(3)]
    best = max(ours, key=lambda r: r["mb_per_s"])
    return {"bytes": size, "mb_per_s": best["mb_per_s"], "grep_mb_per_s": size / 1048576 / grep_seconds,
            "grep_lines": int(grep_out.stdout.strip() or 0), "counts": best["counts"]}


def measure_following(rate_mb, seconds):
    """CPU of following a log that grows at `rate_mb` MB/s, read as a run sampling at RATE reads it
    (every sample, ten times a second at most: RunSupervisor.logReadInterval)."""
    directory = WORK + "/follow"
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    block = open(WORK + "/scan/load_test_scan.log", "rb").read(8 << 20)
    follower = subprocess.Popen([LOGSCAN, "follow", directory, str(seconds), str(1 / RATE)],
                                stdout=subprocess.PIPE, text=True)
    time.sleep(0.3)
    written = 0
    start = time.monotonic()
    step = int(rate_mb * 1048576 / 100)
    with open(directory + "/load_test_follow.log", "ab", buffering=0) as log:
        while time.monotonic() - start < seconds - 0.6:
            offset = written % (len(block) - step)
            log.write(block[offset:offset + step])
            written += step
            time.sleep(max(0.0, start + written / (rate_mb * 1048576) - time.monotonic()))
    out, _ = follower.communicate()
    result = json.loads(out)
    return {"core_pct": result["cpu_seconds"] / result["seconds"] * 100, "mb": result["bytes"] / 1048576,
            "rate_mb_s": written / 1048576 / (time.monotonic() - start)}


def last_sample_hour(ws):
    runs = ws + "/data/runs"
    for run in os.listdir(runs) if os.path.isdir(runs) else []:
        path = os.path.join(runs, run, "journal.jsonl")
        try:
            with open(path, "rb") as f:
                f.seek(max(0, os.path.getsize(path) - 65536))
                for line in reversed(f.read().splitlines()):
                    if b'"type":"sample"' in line:
                        return json.loads(line).get("hour", 0)
        except (FileNotFoundError, ValueError):
            pass
    return None


def measure_long_run(url, scale):
    """The monitor's RSS over a compressed 72-hour run: at hour 1, hour 2 and hour 72, and its peak."""
    ws = workspace("long")
    proc = subprocess.Popen(
        [HEDGEOPS, "run", "--checklist", bench_checklist(72), "--time-scale", str(scale), "--yes"],
        cwd=ws, env=run_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # VmRSS and RssAnon (the monitor's own heap and stacks: what a leak would grow), read
    # every 0.1 s. "At hour N" is the median of the readings over the simulated half hour
    # from N (hour 72: the half hour before it): a checkpoint maps its code in for a moment
    # and hands it back (MonitorMemory), which the median passes over and the peak shows.
    readings = []
    try:
        while proc.poll() is None:
            hour = last_sample_hour(ws)
            if hour is not None:
                readings.append((hour, status_kb(proc.pid, "VmRSS"), status_kb(proc.pid, "RssAnon")))
            time.sleep(0.1)
    except (FileNotFoundError, ProcessLookupError):
        pass
    proc.wait()

    def at(first, last, column):
        values = [r[column] for r in readings if first <= r[0] < last and r[column]]
        return statistics.median(values) / 1024 if values else 0

    return {"hour1_mb": at(1, 1.5, 1), "hour2_mb": at(2, 2.5, 1), "hour72_mb": at(71.5, 72, 1),
            "anon1_mb": at(1, 1.5, 2), "anon72_mb": at(71.5, 72, 2),
            "peak_mb": max((r[1] for r in readings if r[0] >= 0.5), default=0) / 1024,
            "readings": len(readings)}


def startup(venv_python):
    """Median wall time of `hedgeops --help`, `verify-env --offline` and `python3 -c 'import psutil'`."""
    ws = workspace("verify")
    with open(ws + "/requirements.txt", "w") as f:
        f.write("psutil\n")
    env = environment({"VIRTUAL_ENV": os.path.dirname(os.path.dirname(venv_python)),
                       "PATH": os.path.dirname(venv_python) + ":" + BIN + ":/usr/bin:/bin",
                       "BITUNIX_REST_URL": "http://127.0.0.1:1", "BITUNIX_WS_URL": "ws://127.0.0.1:1/public/"})
    runs = 7 if QUICK else 21

    def median(command):
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(command, cwd=ws, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    return {"help_ms": median([HEDGEOPS, "--help"]),
            "verify_ms": median([HEDGEOPS, "verify-env", "--offline", "--checklist",
                                 REPO + "/checklists/load-test-8h.yaml"]),
            "psutil_ms": median([venv_python, "-c", "import psutil"])}


def row(label, ours, peer, ratio, target):
    print(f"| {label} | {ours} | {peer} | {ratio} | {target} |")


def main():
    os.makedirs(WORK + "/config", exist_ok=True)
    api, url = start_api()
    try:
        ours = measure_hedgeops(url, SECONDS, RATE)
        # At pidstat's rate: every sample then carries the once-a-second work (swap, descriptors, fsync).
        ours_1hz = measure_hedgeops(url, SECONDS, 1)
        ps = measure_psrecord(url, SECONDS, PSRECORD)
        pid = measure_pidstat(url, SECONDS)
        scan = measure_log_scan((256 if QUICK else 1024) << 20)
        follow = measure_following(5, 10 if QUICK else 20)
        long = measure_long_run(url, 600)
        start = startup(VENV_PYTHON)
    finally:
        api.terminate()
    met = lambda ok: "met" if ok else "**missed**"
    print(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, {os.uname().release}; "
          f"release build; {RATE} samples/s for {SECONDS} s on the same hedge-sim tree.")
    print()
    print("| | hedgeops | peer | ratio | target |")
    print("|---|---|---|---|---|")
    r = ours["cpu_per_sample_ms"] / ps["cpu_per_sample_ms"]
    row(f"sampling CPU per sample, {RATE}/s", f"{ours['cpu_per_sample_ms']:.3f} ms",
        f"psrecord {ps['cpu_per_sample_ms']:.3f} ms", f"{r:.2f}×", f"≤ 0.1× psrecord: {met(r <= 0.1)}")
    r = ours_1hz["cpu_per_sample_ms"] / pid["cpu_per_sample_ms"]
    row("sampling CPU per sample, 1/s, vs pidstat (1 Hz)", f"{ours_1hz['cpu_per_sample_ms']:.3f} ms",
        f"pidstat {pid['cpu_per_sample_ms']:.3f} ms", f"{r:.2f}×", f"≤ pidstat: {met(r <= 1)}")
    row("monitor RSS during the run (max)", f"{ours['peak_rss_mb']:.1f} MB",
        f"psrecord {ps['peak_rss_mb']:.1f} MB, pidstat {pid['peak_rss_mb']:.1f} MB",
        f"{ours['peak_rss_mb'] / ps['peak_rss_mb']:.2f}× psrecord", f"≤ 15 MB: {met(ours['peak_rss_mb'] <= 15)}")
    row("monitor peak RSS incl. start-up (VmHWM)", f"{ours['hwm_mb']:.1f} MB", "", "", "")
    r = scan["mb_per_s"] / scan["grep_mb_per_s"]
    row(f"log scanning, {scan['bytes'] >> 20} MiB, 7 patterns", f"{scan['mb_per_s']:.0f} MB/s",
        f"grep -c -E {scan['grep_mb_per_s']:.0f} MB/s", f"{r:.2f}×", f"≥ grep: {met(r >= 1)}")
    row(f"following a log growing {follow['rate_mb_s']:.1f} MB/s", f"{follow['core_pct']:.2f} % of a core", "", "",
        f"≤ 1 %: {met(follow['core_pct'] <= 1)}")
    row("monitor RSS, peak over the compressed 72-hour run (checkpoints included)", f"{long['peak_mb']:.1f} MB", "", "",
        f"≤ 15 MB: {met(long['peak_mb'] <= 15)}")
    drift = long["hour72_mb"] / long["hour1_mb"] if long["hour1_mb"] else float("nan")
    row("monitor RSS, hour 1 → hour 72 (compressed run)", f"{long['hour1_mb']:.1f} → {long['hour72_mb']:.1f} MB",
        "", f"{drift:.3f}×", f"within 5 %: {met(abs(drift - 1) <= 0.05)}")
    for label, first, last in (("RSS, hour 2", "hour2_mb", "hour72_mb"), ("RssAnon, hour 1", "anon1_mb", "anon72_mb")):
        ratio = long[last] / long[first] if long[first] else float("nan")
        row(f"monitor {label} → hour 72 (same run)", f"{long[first]:.1f} → {long[last]:.1f} MB", "",
            f"{ratio:.3f}×", f"within 5 %: {met(abs(ratio - 1) <= 0.05)}")
    row("start-up: hedgeops --help", f"{start['help_ms']:.1f} ms", f"python3 -c 'import psutil' {start['psutil_ms']:.1f} ms",
        f"{start['help_ms'] / start['psutil_ms']:.2f}×", f"≤ 20 ms: {met(start['help_ms'] <= 20)}")
    row("start-up: hedgeops verify-env --offline", f"{start['verify_ms']:.1f} ms",
        f"python3 -c 'import psutil' {start['psutil_ms']:.1f} ms", f"{start['verify_ms'] / start['psutil_ms']:.2f}×",
        f"≤ 20 ms: {met(start['verify_ms'] <= 20)}")
    if os.environ.get("VERBOSE"):
        print(json.dumps({"hedgeops": {k: v for k, v in ours.items() if k != "rss_mb"},
                          "hedgeops_1hz": {k: v for k, v in ours_1hz.items() if k != "rss_mb"}, "psrecord": ps, "pidstat": pid,
                          "scan": scan, "follow": follow, "long": long, "startup": start}, indent=1))


if __name__ == "__main__":
    main()
