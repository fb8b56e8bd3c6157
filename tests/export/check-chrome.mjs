// SPDX-License-Identifier: GPL-2.0-or-later
// check-chrome.mjs TRACE.json INPUT.json SCHEMA.json [--captured]
//
// Checks a trace written by pa_export_chrome against what went into it
// (INPUT.json from export-gen), against our JSON schema (ajv), and through
// the Chrome DevTools performance panel's trace engine
// (@paulirish/trace_engine). Prints one "ok NAME" or "not ok NAME: why" line
// per check; exit 1 if any failed. --captured: the input is a real capture,
// not export-gen's fixture, so what the fixture is built to contain (slices
// nested 3 deep, samples that overlap without nesting) is reported, not
// required.
import fs from 'node:fs';
import Ajv from 'ajv';
import * as Trace from '@paulirish/trace_engine';

const [tracePath, inputPath, schemaPath, mode] = process.argv.slice(2);
const fixture = mode !== '--captured';
let failed = 0;
async function check(name, fn) {
  try {
    const note = await fn();
    console.log(`ok ${name}${note ? ' ' + note : ''}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${name}: ${e.message}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const text = fs.readFileSync(tracePath, 'utf8');
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
let trace;
const ns = (us) => Math.round(us * 1000); // exact: the file has three decimals of us
const PERF_SAMPLE_F_NO_DURATION = 4;

await check('parses as JSON', () => {
  trace = JSON.parse(text);
});
if (!trace) process.exit(1);
const events = trace.traceEvents;

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
await check('valid against chrome-trace.schema.json', () => {
  assert(validate(trace), ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 500));
});
await check('schema rejects what it should (a complete event without dur, an unknown phase)', () => {
  const bad1 = structuredClone(trace);
  delete bad1.traceEvents.find((e) => e.ph === 'X').dur;
  assert(!validate(bad1), 'accepted an X event without dur');
  const bad2 = structuredClone(trace);
  bad2.traceEvents[0].ph = 'Q';
  assert(!validate(bad2), 'accepted phase Q');
});

// Every input sample is in the trace exactly once, with its exact times and fields.
function key(name, pid, tid, startNs, endNs, a) {
  return [name, pid, tid, startNs, endNs, a.cpu, a.data1, a.data2, a.flags].join('/');
}
await check('every sample exported once, exact times and fields', () => {
  const want = new Map();
  for (const [ts, dur, ev, flags, cpu, pid, tid, d1, d2] of input.samples) {
    const instant = (flags & PERF_SAMPLE_F_NO_DURATION) !== 0;
    const start = instant ? ts : Math.max(0, ts - dur);
    const k = key(input.names[ev], pid, tid, start, ts, { cpu, data1: d1, data2: d2, flags });
    want.set(k, (want.get(k) || 0) + 1);
  }
  const begins = new Map();
  const got = [];
  for (const e of events) {
    if (e.ph === 'X') got.push(key(e.name, e.pid, e.tid, ns(e.ts), ns(e.ts) + ns(e.dur), e.args));
    else if (e.ph === 'i') got.push(key(e.name, e.pid, e.tid, ns(e.ts), ns(e.ts), e.args));
    else if (e.ph === 'b') begins.set(e.id, e);
    else if (e.ph === 'e') {
      const b = begins.get(e.id);
      assert(b && b.name === e.name && b.pid === e.pid && b.tid === e.tid, `async end ${e.id} without its begin`);
      got.push(key(b.name, b.pid, b.tid, ns(b.ts), ns(e.ts), b.args));
      begins.delete(e.id);
    }
  }
  assert(begins.size === 0, `${begins.size} async begin(s) without an end`);
  for (const k of got) {
    const n = want.get(k);
    assert(n, `exported event not in the input (or exported twice): ${k}`);
    want.set(k, n - 1);
  }
  const missing = [...want].filter(([, n]) => n !== 0);
  assert(missing.length === 0, `${missing.length} input sample(s) missing, e.g. ${missing[0]?.[0]}`);
  assert(got.length === input.samples.length, `${got.length} events for ${input.samples.length} samples`);
});

// Our own nesting rule: per thread, slices [start, end) in ns sorted by
// start (longer first) never cross the end of an enclosing one. threads maps
// "pid/tid" to its slices. An error is found if and only if two slices of a
// thread cross (one starts inside the other and ends after it).
function nestingErrors(threads) {
  let errors = 0, maxDepth = 0;
  for (const list of threads.values()) {
    list.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const stack = [];
    for (const [s, end] of list) {
      while (stack.length && stack[stack.length - 1] <= s) stack.pop();
      if (stack.length && end > stack[stack.length - 1]) errors++;
      else stack.push(end);
      maxDepth = Math.max(maxDepth, stack.length);
    }
  }
  return { errors, maxDepth };
}
function push(map, k, v) {
  if (!map.has(k)) map.set(k, []);
  map.get(k).push(v);
}
// The complete ("X") events of a trace's events, as slices per thread.
function completeSlices(evs) {
  const byThread = new Map();
  for (const e of evs.filter((x) => x.ph === 'X')) push(byThread, `${e.pid}/${e.tid}`, [ns(e.ts), ns(e.ts) + ns(e.dur)]);
  return byThread;
}
// The input's samples with a duration, as slices per thread.
function inputSlices() {
  const byThread = new Map();
  for (const [ts, dur, , flags, , pid, tid] of input.samples)
    if (!(flags & PERF_SAMPLE_F_NO_DURATION)) push(byThread, `${pid}/${tid}`, [Math.max(0, ts - dur), ts]);
  return byThread;
}
await check('complete events nest properly on every thread', () => {
  const { errors, maxDepth } = nestingErrors(completeSlices(events));
  assert(errors === 0, `${errors} X event(s) cross the end of their parent`);
  assert(!fixture || maxDepth >= 3, `the fixture nests 3 deep, found ${maxDepth}`);
  return `(nested ${maxDepth} deep)`;
});
await check('the nesting check finds an overlap when there is one', () => {
  const x = events.find((e) => e.ph === 'X' && e.dur > 1);
  const bad = [...events, { ...x, ts: x.ts + x.dur / 2 }];
  assert(nestingErrors(completeSlices(bad)).errors > 0, 'an overlapping X event went unnoticed');
});
await check('async events only where a sample overlaps without nesting', () => {
  const xs = completeSlices(events);
  const begins = new Map(events.filter((e) => e.ph === 'b').map((e) => [e.id, e]));
  let n = 0;
  for (const e of events.filter((x) => x.ph === 'e')) {
    const b = begins.get(e.id), s = ns(b.ts), end = ns(e.ts);
    const crossed = (xs.get(`${b.pid}/${b.tid}`) || []).some(([xs0, xe]) => xs0 <= s && s < xe && xe < end);
    assert(crossed, `async ${b.name} ${b.id} on ${b.pid}/${b.tid} overlaps no complete event: it could have nested`);
    n++;
  }
  // Some async event is needed exactly when two of the input's samples on a thread cross.
  const crossing = nestingErrors(inputSlices()).errors > 0;
  assert(!fixture || crossing, 'the fixture has no samples that overlap without nesting');
  assert(crossing === (n > 0), crossing ? 'the input has overlapping samples, but no async event was written'
    : `${n} async event(s), but no two samples of the input cross`);
  assert(n === trace.metadata.async_events, `metadata says ${trace.metadata.async_events} async events, found ${n}`);
  return `(${n} async)`;
});

// Names as the kernel gave them: bytes decoded as UTF-8, each invalid byte U+FFFD.
await check('process and thread names from the comm table', () => {
  const dec = new TextDecoder('utf-8');
  const comm = new Map(input.comms.map(([tid, tgid, hex]) => [tid, dec.decode(Buffer.from(hex, 'hex'))]));
  const threads = new Set(input.samples.map((s) => `${s[5]}/${s[6]}`));
  const procs = new Set(input.samples.map((s) => s[5]));
  const seenT = new Map(), seenP = new Map();
  for (const e of events.filter((x) => x.ph === 'M')) {
    if (e.name === 'thread_name') seenT.set(`${e.pid}/${e.tid}`, e.args.name);
    if (e.name === 'process_name') seenP.set(e.pid, e.args.name);
  }
  for (const t of threads) {
    const tid = Number(t.split('/')[1]);
    assert(seenT.get(t) === comm.get(tid), `thread ${t}: ${JSON.stringify(seenT.get(t))}, expected ${JSON.stringify(comm.get(tid))}`);
  }
  for (const p of procs) assert(seenP.get(p) === comm.get(p), `process ${p}: ${JSON.stringify(seenP.get(p))}`);
  assert(!fixture || [...seenT.values()].some((n) => n.includes('\ufffd')), 'the fixture has a name with invalid UTF-8');
});
await check('drops and sampled-out counts in the metadata', () => {
  const m = trace.metadata;
  assert(m.samples_dropped === input.dropped, `samples_dropped ${m.samples_dropped}, expected ${input.dropped}`);
  // a JSON export (the input of a --captured check) carries no per-CPU drops
  if (fixture || m.samples_dropped_per_cpu) {
    const perCpu = Object.values(m.samples_dropped_per_cpu).reduce((a, b) => a + b, 0);
    assert(perCpu === input.dropped, `per-CPU drops add up to ${perCpu}`);
  }
  assert(m.samples_sampled_out === input.sampled_out, `samples_sampled_out ${m.samples_sampled_out}`);
  assert(m.samples === input.samples.length, `samples ${m.samples}`);
  assert(m.realtime_offset_ns === input.realtime_offset_ns, 'realtime offset');
});

// The DevTools performance panel's engine: it must take the trace as a
// generic (non-Chrome) trace, find every thread with its name, and build
// per-thread trees whose nodes are exactly our complete events.
await check('Chrome DevTools trace engine builds the threads and their call trees', async () => {
  if (!globalThis.DOMRect) globalThis.DOMRect = class {}; // the engine's only browser need (README)
  const model = Trace.TraceModel.Model.createWithAllHandlers();
  await model.parse(events);
  const data = model.parsedTrace().data;
  let floatDropped = 0;
  assert(data.Meta.traceIsGeneric, 'not recognised as a generic trace');
  const xByThread = new Map();
  for (const e of events.filter((x) => x.ph === 'X')) {
    const k = `${e.pid}/${e.tid}`;
    xByThread.set(k, (xByThread.get(k) || 0) + 1);
  }
  const names = new Map(events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [`${e.pid}/${e.tid}`, e.args.name]));
  for (const [k, nx] of xByThread) {
    const [pid, tid] = k.split('/').map(Number);
    const th = data.Renderer.processes.get(pid)?.threads.get(tid);
    assert(th, `thread ${k} missing from the engine's model`);
    assert(th.entries.length === nx, `thread ${k}: ${th.entries.length} entries, ${nx} complete events`);
    assert((th.name ?? undefined) === names.get(k), `thread ${k} named ${th.name}`);
    const inTree = new Set();
    const walk = (node, parent) => {
      inTree.add(node.entry);
      const s = ns(node.entry.ts), end = s + ns(node.entry.dur);
      if (parent) {
        const ps = ns(parent.entry.ts), pe = ps + ns(parent.entry.dur);
        assert(ps <= s && end <= pe, `thread ${k}: the engine put ${node.entry.name}@${node.entry.ts} outside its parent`);
      }
      for (const c of node.children) walk(c, node);
    };
    for (const r of th.tree.roots) walk(r, null);
    // The engine adds ts + dur in floating-point microseconds: a slice that
    // starts exactly where the previous one ended (exact in ns) can look as
    // if it started 1e-9 us early, and the engine leaves it out of the tree.
    // That is the only omission allowed; Perfetto rounds to integer ns.
    const ends = new Map(th.entries.map((e) => [ns(e.ts) + ns(e.dur), e]));
    for (const e of th.entries.filter((x) => !inTree.has(x))) {
      const prev = ends.get(ns(e.ts));
      assert(prev && prev.ts + prev.dur > e.ts,
        `thread ${k}: the engine left ${e.name}@${e.ts} out of its tree, and not for float rounding`);
      floatDropped++;
    }
    assert(inTree.size > 0.9 * nx, `thread ${k}: only ${inTree.size} of ${nx} complete events in the tree`);
  }
  for (const [pid, p] of data.Meta.processNames) {
    const want = events.find((e) => e.ph === 'M' && e.name === 'process_name' && e.pid === pid);
    assert(want && p.args.name === want.args.name, `process ${pid} named ${p.args.name}`);
  }
  return `(${floatDropped} back-to-back slices outside the engine's tree by float rounding)`;
});

process.exit(failed ? 1 : 0);
