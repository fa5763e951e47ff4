'use strict';
// Preloaded into the Node-RED process by the bench (`node --expose-gc --require bench/probe.js`):
// answers the bench's questions over the IPC channel (memory after a full GC, active handles by
// type). It adds one IPC pipe to the process and nothing else, unless the bench's diagnostics ask
// for more (JET_BENCH_GC_TRACE: a GC observer; JET_BENCH_HOP_TRACE: two Node-RED message hooks);
// it is never loaded outside the bench.
if (typeof process.send === 'function') {
  process.on('message', (m) => {
    if (!m || typeof m !== 'object' || !m.probe) return;
    const reply = { probe: m.probe, id: m.id };
    if (m.probe === 'alloc-start' || m.probe === 'alloc-stop') {
      allocation(m, reply);
      return;
    }
    if (m.probe === 'hops-take') {
      hopsTaken = true;
      const out = [...hops];
      hops.clear();
      process.send(Object.assign(reply, { hops: out }));
      return;
    }
    if (m.probe === 'gc-take') {
      // Diagnostic (JET_BENCH_GC_TRACE): the GC pauses seen since the last take, [start, duration, kind],
      // start on the process.hrtime clock in ms (shared by every process of the machine).
      process.send(Object.assign(reply, { gcs: gcTrace.splice(0) }));
      return;
    }
    try {
      if (m.gc && typeof global.gc === 'function') {
        // Several passes: weak callbacks and finalizers of one pass free more in the next.
        for (let i = 0; i < 3; i++) global.gc();
      }
      const mem = process.memoryUsage();
      const byType = {};
      for (const t of process.getActiveResourcesInfo()) byType[t] = (byType[t] || 0) + 1;
      Object.assign(reply, { mem, resources: byType, handles: process._getActiveHandles().length });
    } catch (err) {
      reply.error = err.message;
    }
    process.send(reply);
  });
}

// GC pauses, on the hrtime clock, kept until the bench takes them (only when it asks: JET_BENCH_GC_TRACE).
const gcTrace = [];
if (process.env.JET_BENCH_GC_TRACE) {
  const { PerformanceObserver, performance } = require('perf_hooks');
  new PerformanceObserver((list) => {
    const hrNow = Number(process.hrtime.bigint()) / 1e6;
    const pNow = performance.now();
    for (const e of list.getEntries()) {
      gcTrace.push([hrNow - (pNow - e.startTime), e.duration, e.detail ? e.detail.kind : e.kind]);
      if (gcTrace.length > 100000) gcTrace.shift();
    }
  }).observe({ entryTypes: ['gc'] });
}

// Message timing (diagnostic, JET_BENCH_HOP_TRACE=1): per message, the hrtime (ms) at which each
// node of the chain received it (Node-RED's onReceive hook) and at which the event node sent it
// (onSend), keyed by the event's ifIndex; the bench takes them with {probe: 'hops-take'} after each
// repeat of section 1. Recorded only once taken the first time: other sections never take them,
// and the trace must not show as growth in the leak section.
const hops = new Map();
let hopsTaken = false;
if (process.env.JET_BENCH_HOP_TRACE) {
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const Module = require('module');
  const load = Module._load;
  let done = false;
  Module._load = function (request, parent, isMain) {
    const m = load.apply(this, arguments);
    if (!done && request === '@node-red/util' && m && m.hooks) {
      done = true;
      const key = (msg) => msg && msg.payload && msg.payload.ifIndex;
      m.hooks.add('onSend', (events) => {
        if (!hopsTaken) return;
        const t = now();
        for (const e of events) {
          const k = key(e.msg);
          if (k === undefined || e.source.node.type !== 'jet-rmon-event') continue;
          hops.set(k, [['send', t]]);
        }
      });
      m.hooks.add('onReceive', (e) => {
        const k = key(e.msg);
        const h = k !== undefined && hops.get(k);
        if (h) h.push([e.destination.node.type, now()]);
      });
    }
    return m;
  };
}

// Allocation sampling (profiling aid): every allocation, collected or not, sampled by size.
let session = null;
function allocation(m, reply) {
  const inspector = require('inspector');
  const done = (err, extra) => process.send(Object.assign(reply, err ? { error: err.message } : extra));
  if (m.probe === 'alloc-start') {
    session = new inspector.Session();
    session.connect();
    session.post(
      'HeapProfiler.startSampling',
      // m.survivors: only objects that outlived a scavenge (promoted to the old generation, dead or alive).
      { samplingInterval: m.interval || 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !m.survivors },
      (err) => done(err, {}),
    );
  } else if (session) {
    session.post('HeapProfiler.stopSampling', (err, res) => {
      if (!err) require('fs').writeFileSync(m.file, JSON.stringify(res.profile));
      session.disconnect();
      session = null;
      done(err, { file: m.file });
    });
  } else done(new Error('not sampling'));
}
