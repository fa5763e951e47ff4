/**
 * Preloaded into the Node-RED process by the bench (`node --expose-gc --require dist/bench/probe.js`):
 * answers the bench's questions over the IPC channel (memory after a full GC, active handles by
 * type). It adds one IPC pipe to the process and nothing else, unless the bench's diagnostics ask
 * for more (JET_BENCH_GC_TRACE: a GC observer, JET_BENCH_STALL_TRACE=<ms> with event-loop stalls of
 * that many ms or more, lib/pause-trace.ts; JET_BENCH_HOP_TRACE: two Node-RED message hooks);
 * it is never loaded outside the bench. Everything it keeps lives in installProbe()'s closure.
 */
import type { Session } from 'inspector';
import { tracePauses, type PauseTrace } from './lib/pause-trace';

interface Question {
  probe: string;
  id: number;
  gc?: boolean;
  interval?: number;
  survivors?: boolean;
  file?: string;
}

type Reply = Record<string, unknown>;
/** Per message: [node type or 'send', hrtime ms] of each hop. */
type Hops = Array<[string, number]>;

interface HookEvent {
  msg?: { payload?: { ifIndex?: number } };
  source?: { node: { type: string } };
  destination?: { node: { type: string } };
}

function installProbe(): void {
  const send = process.send?.bind(process);
  if (!send) return;
  const env = process.env;

  // GC pauses (and event-loop stalls), on the hrtime clock, kept until the bench takes them (only
  // when it asks: JET_BENCH_GC_TRACE, JET_BENCH_STALL_TRACE).
  const stallMs = Number(env.JET_BENCH_STALL_TRACE) || 0;
  const pauses: PauseTrace | null = env.JET_BENCH_GC_TRACE || stallMs ? tracePauses(stallMs) : null;

  // Message timing (diagnostic, JET_BENCH_HOP_TRACE=1): per message, the hrtime (ms) at which each
  // node of the chain received it (Node-RED's onReceive hook) and at which the event node sent it
  // (onSend), keyed by the event's ifIndex; the bench takes them with {probe: 'hops-take'} after each
  // repeat of section 1. Recorded only once taken the first time: other sections never take them,
  // and the trace must not show as growth in the leak section.
  const hops = new Map<number, Hops>();
  let hopsTaken = false;
  if (env.JET_BENCH_HOP_TRACE) {
    const now = (): number => Number(process.hrtime.bigint()) / 1e6;
    const Module = require('module') as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = Module._load;
    let done = false;
    Module._load = function (this: unknown, request: string, ...rest: unknown[]) {
      const m = load.call(this, request, ...rest) as { hooks?: { add(name: string, fn: (e: never) => void): void } };
      if (!done && request === '@node-red/util' && m && m.hooks) {
        done = true;
        const key = (msg: HookEvent['msg']): number | undefined => msg && msg.payload && msg.payload.ifIndex;
        m.hooks.add('onSend', (events: HookEvent[]) => {
          if (!hopsTaken) return;
          const t = now();
          for (const e of events) {
            const k = key(e.msg);
            if (k === undefined || e.source?.node.type !== 'jet-rmon-event') continue;
            hops.set(k, [['send', t]]);
          }
        });
        m.hooks.add('onReceive', (e: HookEvent) => {
          const k = key(e.msg);
          const h = k !== undefined && hops.get(k);
          if (h && e.destination) h.push([e.destination.node.type, now()]);
        });
      }
      return m;
    };
  }

  // Allocation sampling (profiling aid): every allocation, collected or not, sampled by size.
  let session: Session | null = null;
  const allocation = (m: Question, reply: Reply): void => {
    const inspector = require('inspector') as typeof import('inspector');
    const done = (err: Error | null, extra: Reply): void => void send(Object.assign(reply, err ? { error: err.message } : extra));
    if (m.probe === 'alloc-start') {
      const s = new inspector.Session();
      session = s;
      s.connect();
      s.post(
        'HeapProfiler.startSampling',
        // m.survivors: only objects that outlived a scavenge (promoted to the old generation, dead or alive).
        { samplingInterval: m.interval || 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !m.survivors } as never,
        (err) => done(err, {}),
      );
    } else if (session) {
      const s = session;
      s.post('HeapProfiler.stopSampling', (err, res) => {
        if (!err && m.file) (require('fs') as typeof import('fs')).writeFileSync(m.file, JSON.stringify(res.profile));
        s.disconnect();
        session = null;
        done(err, { file: m.file });
      });
    } else done(new Error('not sampling'), {});
  };

  process.on('message', (m: Question) => {
    if (!m || typeof m !== 'object' || !m.probe) return;
    const reply: Reply = { probe: m.probe, id: m.id };
    if (m.probe === 'alloc-start' || m.probe === 'alloc-stop') {
      allocation(m, reply);
      return;
    }
    if (m.probe === 'hops-take') {
      hopsTaken = true;
      const out = [...hops];
      hops.clear();
      send(Object.assign(reply, { hops: out }));
      return;
    }
    if (m.probe === 'gc-take') {
      // Diagnostic (JET_BENCH_GC_TRACE): the pauses seen since the last take, [start, duration, kind],
      // start on the process.hrtime clock in ms (shared by every process of the machine).
      send(Object.assign(reply, { gcs: pauses ? pauses.take() : [] }));
      return;
    }
    try {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (m.gc && typeof gc === 'function') {
        // Several passes: weak callbacks and finalizers of one pass free more in the next.
        for (let i = 0; i < 3; i++) gc();
      }
      const mem = process.memoryUsage();
      const byType: Record<string, number> = {};
      for (const t of process.getActiveResourcesInfo()) byType[t] = (byType[t] || 0) + 1;
      const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
      Object.assign(reply, { mem, resources: byType, handles });
    } catch (err) {
      reply.error = (err as Error).message;
    }
    send(reply);
  });
}

installProbe();
