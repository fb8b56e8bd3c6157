# SPDX-License-Identifier: GPL-2.0-or-later
"""prom.py - what the tests that run a real Prometheus share.

tests/export/prom-scrape.py (Prometheus scrapes pa_export_prom's output) and
tests/web/prom-daemon.py (it scrapes the daemon's /metrics) import this from
tests/helpers/. It starts and stops a `prometheus` on a free 127.0.0.1 port,
waits for its scrapes, queries its HTTP API, and computes here what
Prometheus' rate() and histogram_quantile() should return, so the tests can
compare. report() prints the "ok NAME" / "not ok NAME: why" lines the calling
shell tests count; `failed` counts the "not ok" ones.
"""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

failed = 0


def report(name, fn):
    """Run the check fn(); print "ok NAME [note]" with what it returns, or
    "not ok NAME: why" with what it raised (and count it in `failed`)."""
    global failed
    try:
        note = fn()
        print(f"ok {name}{' ' + note if note else ''}", flush=True)
    except Exception as e:  # noqa: BLE001 - each failure is reported, the rest still run
        failed += 1
        print(f"not ok {name}: {e}", flush=True)


def free_port():
    """A TCP port free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(work, job, target, metrics_path="/metrics", lifetime_s=90):
    """Start a prometheus that scrapes http://TARGET/METRICS_PATH (TARGET is
    host:port) every second as job JOB, on a free 127.0.0.1 port, with its
    configuration, log (WORK/prometheus.log) and data under WORK; timeout(1)
    kills it after lifetime_s whatever happens. Returns (process, port);
    stop it with stop()."""
    port = free_port()
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                f"scrape_configs:\n  - job_name: {job}\n"
                f"    metrics_path: {metrics_path}\n"
                f"    static_configs:\n      - targets: ['{target}']\n")
    with open(os.path.join(work, "prometheus.log"), "w") as log:
        proc = subprocess.Popen(
            ["timeout", str(lifetime_s), "prometheus", f"--config.file={cfg}",
             f"--storage.tsdb.path={os.path.join(work, 'prom-data')}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT)
    return proc, port


def stop(proc):
    """SIGTERM the prometheus start() returned, SIGKILL if it has not exited within 15 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def api(port, path, **params):
    """GET /api/v1/PATH?PARAMS of the prometheus on PORT; its "data", or RuntimeError."""
    url = f"http://127.0.0.1:{port}/api/v1/{path}?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=5) as r:
        data = json.load(r)
    if data.get("status") != "success":
        raise RuntimeError(f"{path}: {data}")
    return data["data"]


def wait_for_scrapes(port, metric, job, wanted, deadline):
    """Wait until the last minute holds at least `wanted` scraped samples of
    `metric`, then check that JOB's target is up (RuntimeError if not).
    Returns the evaluation time of the query that saw them, or None once
    time.monotonic() passes `deadline`."""
    while time.monotonic() < deadline:
        try:
            r = api(port, "query", query=f"count_over_time({metric}[1m])")
            if r["result"] and int(r["result"][0]["value"][1]) >= wanted:
                up = api(port, "query", query=f'up{{job="{job}"}}')["result"]
                if not up or up[0]["value"][1] != "1":
                    raise RuntimeError(f"target not up: {up}")
                return float(r["result"][0]["value"][0])
        except OSError:
            pass  # Prometheus not listening yet
        time.sleep(0.5)
    return None


def close(a, b, rel=1e-9):
    """a and b agree to a relative difference of at most rel."""
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def rate(samples, t_start, t_end):
    """Prometheus 2.x rate() over [t_start, t_end] of a counter without resets,
    from its [(time, value)] samples (at least two): the increase over the
    sampled interval, extrapolated towards the range's ends (by at most half an
    average sample interval beyond the first/last sample, and never below zero
    at the start), divided by the range (promql/functions.go)."""
    (t0, v0), (t1, v1) = samples[0], samples[-1]
    delta, sampled = v1 - v0, t1 - t0
    avg = sampled / (len(samples) - 1)
    to_start, to_end = t0 - t_start, t_end - t1
    if delta > 0 and v0 >= 0:
        to_start = min(to_start, sampled * v0 / delta)
    limit = avg * 1.1
    span = sampled + (to_start if to_start < limit else avg / 2) + (to_end if to_end < limit else avg / 2)
    return delta * span / sampled / (t_end - t_start)


def checked_rate(port, metric, t_eval, range_s=5):
    """Prometheus' rate(METRIC[RANGE_S s]) at t_eval, checked against rate()
    above over the raw samples of that range: RuntimeError if the range holds
    fewer than 3 samples or the two differ by more than 1e-6 (relative).
    Returns (the rate, the [(time, value)] samples)."""
    window = [(float(t), float(v)) for t, v in
              api(port, "query", query=f"{metric}[{range_s}s]", time=t_eval)["result"][0]["values"]]
    if len(window) < 3:
        raise RuntimeError(f"only {len(window)} samples in {range_s} s")
    got = float(api(port, "query", query=f"rate({metric}[{range_s}s])", time=t_eval)["result"][0]["value"][1])
    want = rate(window, t_eval - range_s, t_eval)
    if not close(got, want, 1e-6):
        raise RuntimeError(f"rate() = {got}, computed from the samples {want}")
    return got, window


def quantile(q, buckets):
    """histogram_quantile(q) over [(le, cumulative value)] sorted by le, +Inf
    last: NaN for an empty histogram, the highest finite bound if the rank
    falls into +Inf, else linear interpolation inside the bucket."""
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
