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
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

GEN, WORK = sys.argv[1], sys.argv[2]
SCRAPES_WANTED = 8
DEADLINE_S = 60  # the whole test; Prometheus itself is killed by `timeout` too
METRIC = 'perf_analysis_events_total{event="syscall"}'
BUCKETS = 'perf_analysis_event_duration_seconds_bucket{event="syscall"}'
failed = 0


def report(name, fn):
    global failed
    try:
        note = fn()
        print(f"ok {name}{' ' + note if note else ''}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal
        failed += 1
        print(f"not ok {name}: {e}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def api(port, path, **params):
    url = f"http://127.0.0.1:{port}/api/v1/{path}?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=5) as r:
        data = json.load(r)
    if data.get("status") != "success":
        raise RuntimeError(f"{path}: {data}")
    return data["data"]


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def extrapolated_rate(samples, t_start, t_end):
    """Prometheus' rate() for a counter without resets (promql/functions.go, 2.x)."""
    (t0, v0), (t1, v1) = samples[0], samples[-1]
    result = v1 - v0
    sampled = t1 - t0
    avg = sampled / (len(samples) - 1)
    to_start, to_end = t0 - t_start, t_end - t1
    if result > 0 and v0 >= 0:
        to_start = min(to_start, sampled * (v0 / result))
    threshold = avg * 1.1
    interval = sampled + (to_start if to_start < threshold else avg / 2)
    interval += to_end if to_end < threshold else avg / 2
    return result * (interval / sampled) / (t_end - t_start)


def quantile(q, buckets):
    """histogram_quantile() over [(le, cumulative count)] sorted by le, +Inf last."""
    total = buckets[-1][1]
    rank = q * total
    for i, (le, c) in enumerate(buckets):
        if c >= rank:
            break
    if le == float("inf"):
        return buckets[-2][0]
    lo, clo = (0.0, 0.0) if i == 0 else buckets[i - 1]
    return lo + (le - lo) * (rank - clo) / (c - clo)


def main():
    srv_port, prom_port = free_port(), free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", srv_port), Metrics)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    cfg = os.path.join(WORK, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: perf-analysis\n"
                f"    static_configs:\n      - targets: ['127.0.0.1:{srv_port}']\n")
    log = open(os.path.join(WORK, "prometheus.log"), "w")
    prom = subprocess.Popen(
        ["timeout", str(DEADLINE_S + 30), "prometheus", f"--config.file={cfg}",
         f"--storage.tsdb.path={os.path.join(WORK, 'data')}",
         f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        run_checks(prom_port)
    finally:
        prom.send_signal(signal.SIGTERM)
        try:
            prom.wait(timeout=15)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()
        httpd.shutdown()


def run_checks(port):
    deadline = time.monotonic() + DEADLINE_S
    state = {}

    def scraped():
        while time.monotonic() < deadline:
            try:
                r = api(port, "query", query=f"count_over_time({METRIC}[1m])")
                if r["result"] and int(r["result"][0]["value"][1]) >= SCRAPES_WANTED:
                    up = api(port, "query", query='up{job="perf-analysis"}')["result"]
                    if not up or up[0]["value"][1] != "1":
                        raise RuntimeError(f"target not up: {up}")
                    state["t"] = float(r["result"][0]["value"][0])
                    return f"({Metrics.step} scrapes served)"
            except OSError:
                pass  # Prometheus not listening yet
            time.sleep(0.5)
        raise RuntimeError(f"fewer than {SCRAPES_WANTED} scrapes within {DEADLINE_S} s "
                           f"(see {WORK}/prometheus.log)")

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
        window = api(port, "query", query=f"{METRIC}[5s]", time=t_eval)["result"][0]["values"]
        window = [(float(t), float(v)) for t, v in window]
        if len(window) < 3:
            raise RuntimeError(f"only {len(window)} samples in 5 s")
        got = float(api(port, "query", query=f"rate({METRIC}[5s])", time=t_eval)["result"][0]["value"][1])
        want = extrapolated_rate(window, t_eval - 5, t_eval)
        if not close(got, want, 1e-6):
            raise RuntimeError(f"rate() = {got}, computed from the samples {want}")
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
        want = quantile(0.99, buckets)
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
sys.exit(1 if failed else 0)
