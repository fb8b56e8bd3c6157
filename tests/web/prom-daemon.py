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
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import prom  # noqa: E402 - tests/helpers/prom.py
from prom import api, close, report  # noqa: E402

URL, PA, WORKLOAD, WORK = sys.argv[1:5]
DEADLINE_S = 60
EVENT = "syscall"
METRIC = f'perf_analysis_events_total{{event="{EVENT}"}}'
BUCKETS = f'perf_analysis_event_duration_seconds_bucket{{event="{EVENT}"}}'


def cli_count():
    out = subprocess.run([PA, "--json", "stats", EVENT], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["events"][0]["count"]


def main():
    target = urllib.parse.urlparse(URL)
    proc, port = prom.start(WORK, "perf-analysisd", target.netloc, target.path, lifetime_s=DEADLINE_S + 30)
    # a steady system-call load: getppid() loops, restarted as they finish
    load = subprocess.Popen(["sh", "-c", f"while :; do '{WORKLOAD}' -g 200000 -p 50 >/dev/null; done"],
                            start_new_session=True)
    try:
        run_checks(port)
    finally:
        os.killpg(load.pid, signal.SIGTERM)
        load.wait()
        prom.stop(proc)


def run_checks(port):
    deadline = time.monotonic() + DEADLINE_S
    state = {}

    def scraped():
        if prom.wait_for_scrapes(port, METRIC, "perf-analysisd", 8, deadline) is None:
            raise RuntimeError(f"fewer than 8 scrapes of the daemon within {DEADLINE_S} s "
                               f"(see {WORK}/prometheus.log)")

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
        got, _ = prom.checked_rate(port, METRIC, t_eval)
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
        want = prom.quantile(0.99, buckets)
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
sys.exit(1 if prom.failed else 0)
