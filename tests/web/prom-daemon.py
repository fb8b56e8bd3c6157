#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""prom-daemon.py METRICS_URL PA_CLI WORKLOAD WORKDIR - a real Prometheus scrapes perf-analysisd.

The daemon (started by the calling shell test with --http on loopback, monitoring
enabled) runs while WORKLOAD makes system calls in a loop. A `prometheus` on a
random 127.0.0.1 port scrapes METRICS_URL every second; we then check through
its HTTP API:
  - the target is up and a scraped counter lies between two readings of
    `perf-analysis --json stats` taken before and after that scrape;
  - rate() equals Prometheus' extrapolation computed here from the raw samples;
  - histogram_quantile(0.99, rate(..._bucket[5s])) equals the interpolation
    computed here from the bucket rates, and lies within the kernel's range.
Prints "ok NAME" / "not ok NAME: why"; stops what it started (by pid). Exit 1 on failure.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

URL, PA, WORKLOAD, WORK = sys.argv[1:5]
DEADLINE_S = 60
EVENT = "syscall"
METRIC = f'perf_analysis_events_total{{event="{EVENT}"}}'
BUCKETS = f'perf_analysis_event_duration_seconds_bucket{{event="{EVENT}"}}'
failed = 0


def report(name, fn):
    global failed
    try:
        note = fn()
        print(f"ok {name}{' ' + note if note else ''}", flush=True)
    except Exception as e:  # noqa: BLE001 - each failure is reported, the rest still run
        failed += 1
        print(f"not ok {name}: {e}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port, path, **params):
    url = f"http://127.0.0.1:{port}/api/v1/{path}?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=5) as r:
        data = json.load(r)
    if data.get("status") != "success":
        raise RuntimeError(f"{path}: {data}")
    return data["data"]


def cli_count():
    out = subprocess.run([PA, "--json", "stats", EVENT], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["events"][0]["count"]


def rate_of(samples, t_start, t_end):
    """Prometheus 2.x rate() of a counter without resets: the increase over the
    sampled interval, extrapolated towards the range's ends (by at most half an
    average sample interval beyond the first/last sample, and never below zero
    at the start), divided by the range."""
    (t0, v0), (t1, v1) = samples[0], samples[-1]
    delta, sampled = v1 - v0, t1 - t0
    avg = sampled / (len(samples) - 1)
    to_start, to_end = t0 - t_start, t_end - t1
    if delta > 0 and v0 >= 0:
        to_start = min(to_start, sampled * v0 / delta)
    limit = avg * 1.1
    span = sampled + (to_start if to_start < limit else avg / 2) + (to_end if to_end < limit else avg / 2)
    return delta * span / sampled / (t_end - t_start)


def quantile(q, buckets):
    """histogram_quantile() over [(le, cumulative value)] sorted by le, +Inf last."""
    total = buckets[-1][1]
    if total <= 0:
        return float("nan")
    rank = q * total
    i = next(k for k, (_, c) in enumerate(buckets) if c >= rank)
    le, c = buckets[i]
    if le == float("inf"):
        return buckets[-2][0]
    lo, clo = (0.0, 0.0) if i == 0 else buckets[i - 1]
    return lo + (le - lo) * (rank - clo) / (c - clo) if c > clo else le


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def main():
    port = free_port()
    target = urllib.parse.urlparse(URL)
    cfg = os.path.join(WORK, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: perf-analysisd\n"
                f"    metrics_path: {target.path}\n"
                f"    static_configs:\n      - targets: ['{target.netloc}']\n")
    log = open(os.path.join(WORK, "prometheus.log"), "w")
    prom = subprocess.Popen(
        ["timeout", str(DEADLINE_S + 30), "prometheus", f"--config.file={cfg}",
         f"--storage.tsdb.path={os.path.join(WORK, 'prom-data')}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT)
    # a steady system-call load: getppid() loops, restarted as they finish
    load = subprocess.Popen(["sh", "-c", f"while :; do '{WORKLOAD}' -g 200000 -p 50 >/dev/null; done"],
                            start_new_session=True)
    try:
        run_checks(port)
    finally:
        os.killpg(load.pid, signal.SIGTERM)
        load.wait()
        prom.send_signal(signal.SIGTERM)
        try:
            prom.wait(timeout=15)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()


def run_checks(port):
    deadline = time.monotonic() + DEADLINE_S
    state = {}

    def scraped():
        while time.monotonic() < deadline:
            try:
                r = api(port, "query", query=f"count_over_time({METRIC}[1m])")
                if r["result"] and int(r["result"][0]["value"][1]) >= 8:
                    up = api(port, "query", query='up{job="perf-analysisd"}')["result"]
                    if not up or up[0]["value"][1] != "1":
                        raise RuntimeError(f"target not up: {up}")
                    return None
            except OSError:
                pass  # Prometheus not listening yet
            time.sleep(0.5)
        raise RuntimeError(f"fewer than 8 scrapes of the daemon within {DEADLINE_S} s (see {WORK}/prometheus.log)")

    report("Prometheus scrapes the daemon's /metrics (target up, 8 scrapes)", scraped)

    def bracket():
        c1, t1 = cli_count(), time.time()
        while time.monotonic() < deadline:
            raw = api(port, "query", query=f"{METRIC}[10s]")["result"][0]["values"]
            later = [(float(t), float(v)) for t, v in raw if float(t) > t1 + 0.05]
            if later:
                break
            time.sleep(0.3)
        else:
            raise RuntimeError("no scrape after the first reading")
        c2 = cli_count()
        ts, v = later[0]
        if not c1 <= v <= c2:
            raise RuntimeError(f"scraped {v} at {ts}, outside the RPC readings [{c1}, {c2}]")
        if c2 <= c1:
            raise RuntimeError(f"the workload made no system calls: {c1} -> {c2}")
        return f"({c1} <= {v:.0f} <= {c2})"

    report("a scraped counter agrees with the RPC interface's count", bracket)

    raw = api(port, "query", query=f"{METRIC}[10s]")["result"][0]["values"]
    t_eval = float(raw[-1][0]) + 0.25

    def rates():
        window = [(float(t), float(v)) for t, v in
                  api(port, "query", query=f"{METRIC}[5s]", time=t_eval)["result"][0]["values"]]
        if len(window) < 3:
            raise RuntimeError(f"only {len(window)} samples in 5 s")
        got = float(api(port, "query", query=f"rate({METRIC}[5s])", time=t_eval)["result"][0]["value"][1])
        want = rate_of(window, t_eval - 5, t_eval)
        if not close(got, want, 1e-6):
            raise RuntimeError(f"rate() = {got}, computed from the samples {want}")
        if got < 1000:
            raise RuntimeError(f"rate() = {got}/s while a getppid loop runs")
        return f"({got:.0f} system calls/s)"

    report("rate() of the daemon's counter", rates)

    def quantiles():
        # rate() extrapolates each bucket series on its own and stops at the
        # counter's zero point, so right after the counters started the rates
        # of a few buckets can come out non-cumulative (Prometheus then repairs
        # them inside histogram_quantile). In that case judge the cumulative
        # counters themselves, where the buckets must be exactly cumulative.
        for expr in (f"rate({BUCKETS}[5s])", BUCKETS):
            res = api(port, "query", query=expr, time=t_eval)["result"]
            buckets = sorted((float(r["metric"]["le"]), float(r["value"][1])) for r in res)
            if len(buckets) < 10 or buckets[-1][0] != float("inf"):
                raise RuntimeError(f"{len(buckets)} buckets, last {buckets[-1] if buckets else None}")
            if not any(b[1] > a[1] + 1e-9 * max(1, a[1]) for a, b in zip(buckets[1:], buckets)):
                break
            if expr == BUCKETS:
                raise RuntimeError("the scraped bucket counters are not cumulative")
        want = quantile(0.99, buckets)
        got = float(api(port, "query", query=f"histogram_quantile(0.99, {expr})",
                        time=t_eval)["result"][0]["value"][1])
        if not close(got, want, 1e-9):
            raise RuntimeError(f"histogram_quantile(0.99, {expr}) = {got}, computed from the buckets {want}")
        st = json.loads(subprocess.run([PA, "--json", "stats", EVENT], check=True, capture_output=True,
                                       text=True).stdout)["events"][0]
        if not 0 < got <= st["max_ns"] / 1e9 * 1.5 + 1e-6:
            raise RuntimeError(f"p99 {got} s outside (0, 1.5 x max {st['max_ns']} ns]")
        return f"(p99 {got * 1e6:.2f} us)"

    report("histogram_quantile(0.99) over the daemon's buckets", quantiles)


main()
sys.exit(1 if failed else 0)
