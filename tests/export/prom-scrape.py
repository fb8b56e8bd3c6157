#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""prom-scrape.py EXPORT_GEN WORKDIR - a real Prometheus scrapes pa_export_prom.

Starts, on 127.0.0.1 only, a tiny HTTP server of ours whose /metrics runs
`export-gen prom STEP` (STEP grows by one per scrape, so every counter grows
at a known pace) and a `prometheus` scraping it every second; waits for
enough scrapes (bounded), then queries through Prometheus' HTTP API and
compares with values computed here from the raw samples: a counter, its
rate() and irate(), and histogram_quantile() over the buckets and over their
rate. Prints "ok NAME" / "not ok NAME: why" lines; stops everything it
started, by pid, whatever happens. Exit 1 on failure.
"""
import http.server
import os
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers"))
import prom  # noqa: E402 - tests/helpers/prom.py
from prom import api, close, report  # noqa: E402

GEN, WORK = sys.argv[1], sys.argv[2]
SCRAPES_WANTED = 8
DEADLINE_S = 60  # the whole test; Prometheus itself is killed by `timeout` too
METRIC = 'perf_analysis_events_total{event="syscall"}'
BUCKETS = 'perf_analysis_event_duration_seconds_bucket{event="syscall"}'


class Metrics(http.server.BaseHTTPRequestHandler):
    step = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 - the http.server API
        if self.path.split("?")[0] != "/metrics":
            self.send_error(404)
            return
        with Metrics.lock:
            Metrics.step += 1
            step = Metrics.step
        body = subprocess.run([GEN, "prom", str(step)], check=True, capture_output=True).stdout
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", prom.free_port()), Metrics)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    proc, port = prom.start(WORK, "perf-analysis", f"127.0.0.1:{httpd.server_address[1]}",
                            lifetime_s=DEADLINE_S + 30)
    try:
        run_checks(port)
    finally:
        prom.stop(proc)
        httpd.shutdown()


def run_checks(port):
    deadline = time.monotonic() + DEADLINE_S
    state = {}

    def scraped():
        t = prom.wait_for_scrapes(port, METRIC, "perf-analysis", SCRAPES_WANTED, deadline)
        if t is None:
            raise RuntimeError(f"fewer than {SCRAPES_WANTED} scrapes within {DEADLINE_S} s "
                               f"(see {WORK}/prometheus.log)")
        state["t"] = t
        return f"({Metrics.step} scrapes served)"

    report("Prometheus scrapes the rendered metrics", scraped)
    if "t" not in state:
        return
    # Evaluate at a fixed time a little after a scrape, so that every query sees the same samples.
    raw = api(port, "query", query=f"{METRIC}[10s]", time=state["t"])["result"][0]["values"]
    samples = [(float(t), float(v)) for t, v in raw]
    t_eval = samples[-1][0] + 0.25

    def counter():
        v = float(api(port, "query", query=METRIC, time=t_eval)["result"][0]["value"][1])
        if v != samples[-1][1] or v % 1000 or not 1 <= v / 1000 <= Metrics.step:
            raise RuntimeError(f"{METRIC} = {v}: not 1000 x a served step (last raw {samples[-1][1]})")
        return f"({v:.0f})"

    report("a counter reads back exactly as rendered", counter)

    def rates():
        got, window = prom.checked_rate(port, METRIC, t_eval)
        (ta, va), (tb, vb) = window[-2], window[-1]
        igot = float(api(port, "query", query=f"irate({METRIC}[5s])", time=t_eval)["result"][0]["value"][1])
        if not close(igot, (vb - va) / (tb - ta), 1e-6):
            raise RuntimeError(f"irate() = {igot}, expected {(vb - va) / (tb - ta)}")
        # 1000 events per scrape, one scrape a second: the rate is near 1000/s
        if not 500 <= got <= 2000:
            raise RuntimeError(f"rate() = {got}/s for 1000 events a scrape every 1 s")
        return f"({got:.1f}/s)"

    report("rate() and irate() of a counter", rates)

    def quantiles():
        res = api(port, "query", query=BUCKETS, time=t_eval)["result"]
        buckets = sorted((float(r["metric"]["le"]), float(r["value"][1])) for r in res)
        want = prom.quantile(0.99, buckets)
        got = float(api(port, "query", query=f"histogram_quantile(0.99, {BUCKETS})",
                        time=t_eval)["result"][0]["value"][1])
        if not close(got, want):
            raise RuntimeError(f"histogram_quantile(0.99) = {got}, computed {want}")
        rgot = float(api(port, "query", query=f"histogram_quantile(0.99, rate({BUCKETS}[5s]))",
                         time=t_eval)["result"][0]["value"][1])
        # every bucket grows by the same fraction per step, so the rate has the same shape
        if not close(rgot, want, 1e-6):
            raise RuntimeError(f"histogram_quantile(0.99, rate()) = {rgot}, expected {want}")
        # the exact p99 of the raw durations lies in the bucket Prometheus interpolated in
        values = sorted(int(x) for x in subprocess.run([GEN, "values", "syscall"], check=True,
                                                       capture_output=True, text=True).stdout.split())
        exact = values[-(-99 * len(values) // 100) - 1] / 1e9  # nearest rank
        les = [le for le, _ in buckets]
        i = next(k for k, le in enumerate(les) if le >= want)
        lo = les[i - 1] if i else 0.0
        if not lo <= exact <= les[i] + 1e-9:
            raise RuntimeError(f"exact p99 {exact} s outside the bucket ({lo}, {les[i]}] of {want}")
        return f"(p99 {got * 1e6:.1f} us, exact {exact * 1e6:.1f} us)"

    report("histogram_quantile() over the buckets and over their rate", quantiles)


main()
sys.exit(1 if prom.failed else 0)
