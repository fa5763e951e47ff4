/**
 * bench/lib/pause-trace.ts: the fleet section's diagnostic of late events: a process's GC pauses and
 * event-loop stalls on the shared hrtime clock, and each late event set against them.
 */
import { strict as assert } from 'assert';
import { attribute, hrMs, tracePauses, type Pause } from '../../../bench/lib/pause-trace';

const until = async (ok: () => boolean, ms: number): Promise<void> => {
  const t0 = Date.now();
  while (!ok() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10));
};

describe('bench pause trace', () => {
  it('records an event-loop stall where the loop was busy, on the hrtime clock, and GC pauses as such', async () => {
    const trace = tracePauses(20);
    try {
      await new Promise((r) => setTimeout(r, 30));
      const busyFrom = hrMs();
      while (hrMs() - busyFrom < 120) {
        /* the event loop is busy */
      }
      const busyTo = hrMs();
      // Garbage, for a scavenge or two.
      let keep: unknown[] = [];
      for (let i = 0; i < 200000; i++) keep.push({ i, s: `x${i}` });
      keep = [];
      const got: Pause[] = [];
      await until(() => {
        got.push(...trace.take());
        return got.some((p) => p[2] === 'stall' && p[0] < busyTo && p[0] + p[1] > busyFrom) && got.some((p) => p[2].startsWith('gc:'));
      }, 10000);
      const stall = got.find((p) => p[2] === 'stall' && p[0] < busyTo && p[0] + p[1] > busyFrom);
      assert.ok(stall, `a stall over the busy span: ${JSON.stringify(got)}`);
      assert.ok(stall[1] >= 20, `at least the threshold: ${stall[1]}`);
      assert.ok(got.some((p) => p[2].startsWith('gc:')), 'a GC pause, by kind');
      assert.deepEqual(trace.take().filter((p) => got.includes(p)), [], 'taken once');
    } finally {
      trace.stop();
    }
  });

  it('counts, per process, late events with a GC pause or else a stall inside, and those with none', () => {
    const pauses: Record<string, Pause[]> = {
      red: [
        [100, 10, 'gc:4'],
        [300, 30, 'stall'],
      ],
      sim: [
        [105, 5, 'stall'],
        [520, 1, 'gc:1'],
      ],
    };
    const a = attribute(
      [
        [95, 30], // red GC and sim stall inside
        [310, 25], // red stall
        [500, 40], // a 1 ms sim GC: under 2 ms of overlap, not counted
        [900, 30], // nothing
      ],
      pauses,
    );
    assert.deepEqual(a, {
      late: 4,
      byProcess: { red: { gc: 1, stall: 1, kinds: { 'gc:4': 1 }, longestMs: 30 }, sim: { gc: 0, stall: 1, kinds: {}, longestMs: 5 } },
      none: 2,
    });
    assert.deepEqual(attribute([], pauses), { late: 0, byProcess: { red: { gc: 0, stall: 0, kinds: {}, longestMs: 0 }, sim: { gc: 0, stall: 0, kinds: {}, longestMs: 0 } }, none: 0 });
  });
});
