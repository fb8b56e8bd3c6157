// SPDX-License-Identifier: GPL-2.0-or-later
// dashboard.js - perf-analysisd's dashboard: reads /api/... (read-only) and
// draws with uPlot (bundled into the daemon). Endpoints other developers add
// (alerts, top, baselines, history) are used when /api lists them, and shown
// as "not available" otherwise; nothing is requested that /api does not list,
// so an absent feature never shows up as an error.
'use strict';

const FAST_MS = 1000;   // stats, windows, status
const SLOW_MS = 5000;   // alerts, top, baselines, verdicts, history
const WINDOWS = 120;    // closed windows charted per event
const $ = (id) => document.getElementById(id);

let endpoints = new Set();
let status = null;
const charts = new Map(); // event name -> uPlot

function fmtNs(ns) {
  if (ns === null || ns === undefined || Number.isNaN(ns)) return '–';
  if (ns < 1e3) return `${Math.round(ns)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}
// Axis labels at powers of ten: "1 µs", "100 ms".
function fmtTick(v) {
  const u = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']].find(([d]) => v >= d) || [1, 'ns'];
  return `${+(v / u[0]).toPrecision(3)} ${u[1]}`;
}
function fmtInt(n) { return n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US'); }
function fmtRate(r) {
  if (r === undefined || r === null || Number.isNaN(r)) return '–';
  if (r >= 1e6) return `${(r / 1e6).toFixed(2)} M`;
  if (r >= 1e4) return `${(r / 1e3).toFixed(1)} k`;
  return r.toFixed(r < 10 ? 1 : 0);
}
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}
function tag(text, cls) { return el('span', { class: `tag ${cls || text}`, text }); }
function notAvailable(id, why) {
  $(id).replaceChildren(el('span', { class: 'na', text: `not available${why ? ': ' + why : ''}` }));
}

async function api(path) {
  const r = await fetch(path, { cache: 'no-store' });
  const body = await r.json();
  if (!r.ok) throw new Error(body && body.error ? body.error.message : `HTTP ${r.status}`);
  return body;
}

// A table of whatever objects an endpoint returns: for sections whose schema other developers define.
function genericTable(rows) {
  if (!rows.length) return el('span', { class: 'muted', text: 'none' });
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => typeof rows[0][k] !== 'object' && !/^period_/.test(k)).slice(0, 9);
  const t = el('table', { class: 'grid' });
  t.append(el('thead', {}, el('tr', {}, ...keys.map((k) => el('th', { text: k })))));
  const tb = el('tbody');
  for (const r of rows.slice(0, 20)) {
    tb.append(el('tr', {}, ...keys.map((k) => {
      const v = r[k];
      const s = typeof v === 'number' && /_unix$/.test(k) ? new Date(v * 1000).toLocaleString('en-GB')
        : typeof v === 'number' && /_ns$/.test(k) ? fmtNs(v) : typeof v === 'number' ? fmtInt(v) : String(v ?? '');
      return el('td', { text: s });
    })));
  }
  t.append(tb);
  return t;
}
function firstArray(o) {
  if (Array.isArray(o)) return o;
  for (const v of Object.values(o || {})) if (Array.isArray(v)) return v;
  return null;
}

// ---- status and cards --------------------------------------------------------

async function refreshStatus() {
  status = await api('/api/status');
  const up = status.uptime_ns / 1e9;
  const upS = up > 3600 ? `${(up / 3600).toFixed(1)} h` : up > 60 ? `${(up / 60).toFixed(1)} min` : `${up.toFixed(0)} s`;
  $('status-line').textContent = `perf-analysisd ${status.version} · pid ${status.pid} · up ${upS} · monitoring ` +
    `${status.enabled ? 'enabled' : 'disabled'} · kernel capture ${status.kernel.available ? 'loaded' : 'unavailable'}` +
    ` · window ${status.window_ms} ms`;
  const dropped = status.dropped + status.queue_overwritten;
  $('card-dropped').textContent = fmtInt(dropped);
  $('card-dropped').className = `value ${dropped ? 'bad' : 'ok'}`;
  $('card-dropped').title = `ring buffer ${status.dropped}, daemon queue ${status.queue_overwritten}, lost ${status.lost}`;
  $('card-sampled').textContent = fmtInt(status.sampled_out);
  const cpuS = status.overhead.cpu_ns / 1e9;
  $('card-cpu').textContent = `${cpuS.toFixed(1)} s · ${(status.overhead.rss_kb / 1024).toFixed(0)} MiB`;
  $('card-baselines').textContent = fmtInt(status.baselines);
}

// ---- events table ----------------------------------------------------------

let lastRates = new Map();

async function refreshStats() {
  const st = await api('/api/stats');
  const tb = $('events').querySelector('tbody');
  const rows = st.events.map((e) => {
    const d = e.has_duration;
    const tr = el('tr', { 'data-event': e.name, class: e.available ? '' : 'unavailable' },
      el('td', { text: String(e.id) }),
      el('td', { text: e.name }),
      el('td', { class: 'num count', 'data-count': String(e.count), text: fmtInt(e.count) }),
      el('td', { class: 'num', text: fmtRate(lastRates.get(e.name)) }),
      el('td', { class: 'num', text: fmtInt(e.errors) }),
      el('td', { class: 'num', text: d ? fmtNs(e.avg_ns) : '–' }),
      el('td', { class: 'num', text: d ? fmtNs(e.p50_ns) : '–' }),
      el('td', { class: 'num', text: d ? fmtNs(e.p90_ns) : '–' }),
      el('td', { class: 'num', text: d ? fmtNs(e.p99_ns) : '–' }),
      el('td', { class: 'num', text: d ? fmtNs(e.p999_ns) : '–' }),
      el('td', { class: 'num', text: d ? fmtNs(e.max_ns) : '–' }),
      el('td', { class: 'num', text: fmtInt(e.dropped) }),
      el('td', {}, e.available ? tag(e.completeness) : tag('unavailable')));
    return tr;
  });
  tb.replaceChildren(...rows);
}

// ---- live charts -------------------------------------------------------------

const SERIES = [
  { label: 'p50', stroke: '#58a6ff', key: 'p50_ns' },
  { label: 'p90', stroke: '#d29922', key: 'p90_ns' },
  { label: 'p99', stroke: '#f85149', key: 'p99_ns' },
];

function makeChart(ev, box) {
  const width = Math.max(280, box.clientWidth - 16);
  const series = [{}];
  if (ev.has_duration) {
    for (const s of SERIES) series.push({ label: s.label, stroke: s.stroke, width: 1.5, scale: 'ns', value: (u, v) => fmtNs(v) });
  }
  series.push({ label: 'rate/s', stroke: '#3fb950', fill: 'rgba(63,185,80,0.10)', width: 1, scale: 'rate',
    value: (u, v) => fmtRate(v) });
  const grid = { stroke: '#262c35', width: 1 };
  const axes = [
    { stroke: '#8391a3', grid, ticks: grid, space: 70,
      values: (u, vals) => vals.map((v) => new Date(v * 1000).toLocaleTimeString('en-GB')) },
  ];
  // log scale: label the powers of ten only, the minor ticks stay as lines
  if (ev.has_duration) {
    axes.push({ scale: 'ns', stroke: '#8391a3', grid, ticks: grid, size: 66, space: 12,
      values: (u, vals) => vals.map((v) => (Math.abs(Math.log10(v) % 1) < 1e-9 ? fmtTick(v) : '')) });
  }
  axes.push({ scale: 'rate', side: 1, stroke: '#3fb950', grid: { show: !ev.has_duration, ...grid }, ticks: grid, size: 50,
    values: (u, vals) => vals.map(fmtRate) });
  const opts = {
    width, height: 150, series, axes,
    scales: { x: { time: true }, ns: { distr: 3, log: 10 }, rate: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
  const data = [[]];
  for (let i = 1; i < series.length; i++) data.push([]);
  return new uPlot(opts, data, box);
}

async function refreshWindows() {
  const w = await api(`/api/windows?last=${WINDOWS}`);
  $('window-note').textContent = `last ${WINDOWS} windows of ${w.window_ms} ms (the daemon keeps ${w.capacity})`;
  const box = $('charts');
  let total = 0;
  for (const ev of w.events) {
    let c = charts.get(ev.name);
    if (!c) {
      const wrap = el('div', { class: 'chart', 'data-event': ev.name },
        el('div', { class: 'title' }, el('span', { text: ev.name }), el('span', { class: 'muted', text: ev.has_duration ? 'latency (log) · rate' : 'rate (counts only)' })));
      box.append(wrap);
      c = makeChart(ev, wrap);
      charts.set(ev.name, c);
    }
    const xs = ev.end_ns.map((t) => (t - w.now_ns) / 1e9 + Date.now() / 1000);
    const rate = ev.count.map((n, i) => n / Math.max(1e-9, (ev.end_ns[i] - ev.start_ns[i]) / 1e9));
    const data = [xs];
    if (ev.has_duration) for (const s of SERIES) data.push(ev[s.key].map((v, i) => (ev.count[i] ? v : null)));
    data.push(rate);
    c.setData(data);
    const last = rate.length ? rate[rate.length - 1] : undefined;
    lastRates.set(ev.name, last);
    total += last || 0;
  }
  $('card-rate').textContent = fmtRate(total);
}

// ---- sections other developers fill ---------------------------------------------

async function refreshAlerts() {
  if (!endpoints.has('alerts')) return notAvailable('alerts', 'this daemon has no alerts endpoint');
  const a = await api('/api/alerts');
  const rows = firstArray(a) || [];
  const firing = rows.filter((r) => r.firing === true || r.state === 'firing' || r.active === true).length;
  $('card-alerts').textContent = fmtInt(firing);
  $('card-alerts').className = `value ${firing ? 'bad' : 'ok'}`;
  $('alerts').replaceChildren(genericTable(rows));
}

async function refreshTop() {
  if (!endpoints.has('top')) return notAvailable('top', 'this daemon has no top-tasks endpoint');
  $('top').replaceChildren(genericTable(firstArray(await api('/api/top')) || []));
}

let baselineNames = null; // from /api/baselines when the daemon has it

async function refreshBaselines() {
  if (endpoints.has('baselines')) {
    const rows = firstArray(await api('/api/baselines')) || [];
    baselineNames = new Set(rows.map((r) => r.name));
    $('baselines').replaceChildren(genericTable(rows));
  } else if (status) {
    $('baselines').replaceChildren(el('span', { text: `${status.baselines} stored · ` }),
      el('span', { class: 'na', text: 'list not available (no baselines endpoint)' }));
  }
}

function pct(v) { return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)} %` : '–'; }

// One call for every event: the daemon's verdict (statistical where the daemon has it).
async function refreshVerdicts() {
  if (!endpoints.has('check_regression')) return notAvailable('verdicts');
  const have = baselineNames ? baselineNames.has('default') : status && status.baselines > 0;
  if (!have) {
    $('verdicts').replaceChildren(el('span', { class: 'muted', text: 'no baseline "default" yet (perf-analysis baseline)' }));
    return;
  }
  let events;
  let overall = null;
  if (baselineNames) {
    const v = await api('/api/check_regression');
    events = v.events || [];
    overall = v.verdict;
  } else {
    const st = await api('/api/stats');
    events = [];
    for (const e of st.events.filter((x) => x.has_duration && x.available)) events.push(await api(`/api/check_regression?event=${e.id}`));
  }
  const rows = events.map((v) => el('tr', { 'data-event': v.name }, el('td', { text: v.name }), el('td', {}, tag(v.verdict)),
    el('td', { class: 'num', text: pct(v.change_pct) }),
    el('td', { class: 'num', text: fmtNs(v.baseline_avg_ns) }), el('td', { class: 'num', text: fmtNs(v.current_avg_ns) }),
    el('td', { class: 'muted', text: v.reason || '' })));
  const t = el('table', { class: 'grid' },
    el('thead', {}, el('tr', {}, ...['event', 'verdict', 'change', 'baseline avg', 'current avg', 'reason']
      .map((h, i) => el('th', { class: i >= 2 && i <= 4 ? 'num' : '', text: h })))),
    el('tbody', {}, ...rows));
  $('verdicts').replaceChildren(...(overall ? [el('div', { class: 'overall' }, el('span', { text: 'overall ' }), tag(overall))] : []), t);
}

async function refreshHistory() {
  if (!endpoints.has('history')) {
    return notAvailable('history', 'no stored-history endpoint in this daemon; the live charts above cover the windows kept in memory');
  }
  $('history').replaceChildren(genericTable(firstArray(await api('/api/history')) || []));
}

// ---- loop ---------------------------------------------------------------------

async function guarded(id, fn) {
  try {
    await fn();
  } catch (err) {
    if (id) notAvailable(id, err.message);
  }
}

async function fast() {
  try {
    await refreshStatus();
    await refreshWindows();
    await refreshStats();
    $('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`;
    document.body.dataset.ready = 'true';
  } catch (err) {
    $('status-line').textContent = `daemon unreachable: ${err.message}`;
  }
}

async function slow() {
  await guarded('alerts', refreshAlerts);
  await guarded('top', refreshTop);
  await guarded('baselines', refreshBaselines);
  await guarded('verdicts', refreshVerdicts);
  await guarded('history', refreshHistory);
  document.body.dataset.slowReady = 'true';
}

async function start() {
  try {
    endpoints = new Set((await api('/api')).endpoints);
  } catch (err) {
    $('status-line').textContent = `daemon unreachable: ${err.message}`;
  }
  await fast();
  await slow();
  setInterval(fast, FAST_MS);
  setInterval(slow, SLOW_MS);
  window.addEventListener('resize', () => {
    for (const c of charts.values()) c.setSize({ width: Math.max(280, c.root.parentNode.clientWidth - 16), height: 150 });
  });
}

start();
