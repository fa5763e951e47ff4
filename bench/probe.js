'use strict';
// Preloaded into the Node-RED process by the bench (`node --expose-gc --require bench/probe.js`):
// answers the bench's questions over the IPC channel (memory after a full GC, active handles by
// type). It adds one IPC pipe to the process and nothing else; it is never loaded outside the bench.
if (typeof process.send === 'function') {
  process.on('message', (m) => {
    if (!m || typeof m !== 'object' || !m.probe) return;
    const reply = { probe: m.probe, id: m.id };
    if (m.probe === 'alloc-start' || m.probe === 'alloc-stop') {
      allocation(m, reply);
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
      { samplingInterval: m.interval || 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true },
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
