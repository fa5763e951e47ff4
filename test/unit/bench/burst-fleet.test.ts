/**
 * bench/ sections 6 (burst) and 7 (fleet): their tables and verdicts rendered from a results file (a
 * small run's, tiny counts), the command line naming them (they run only when named), and a smoke
 * run of both with tiny counts, from the command line to the results file: every implementation's
 * routes added and deleted, the fleet's sessions up, its routes back after the restart. No timing is
 * asserted.
 */
import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, DIST } from '../../support/paths';
import { renderReport } from '../../../bench/render';
import { readResults } from '../../../bench/lib/results-file';
import { readCli, runOrder } from '../../../bench/run';
import type { BurstResult } from '../../../bench/sections/burst';
import type { FleetResult } from '../../../bench/sections/fleet';

const FIXTURE = path.join(ROOT, 'test', 'unit', 'bench', 'burst-fleet.fixture.json');
const RUNNER = path.join(DIST, 'bench', 'run.js');

/** The lines of `md` between the heading `from` and the next heading of the same level. */
function part(md: string, from: string): string {
  const start = md.indexOf(`${from}\n`);
  assert.ok(start >= 0, `no "${from}" in the report`);
  const next = md.indexOf(`\n${from.split(' ')[0]} `, start + from.length);
  return md.slice(start, next < 0 ? undefined : next);
}

describe('bench burst and fleet sections (rendered from a results file)', () => {
  const md = renderReport(readResults(FIXTURE));

  it('lists their targets, and each figure next to its baseline or target', () => {
    const targets = part(md, '## Targets');
    assert.match(targets, /- Burst: many alarms on one sampling tick: PASS/);
    assert.match(targets, /- Fleet: many routers in one Node-RED: MISS \(1 of 7\)/);
    const burst = part(md, '### 6. Burst: many alarms on one sampling tick');
    assert.match(burst, /\| Thrift \| plugin in Node-RED \(sample flow chain\) \| \d+ \| \d+ \|/);
    assert.match(burst, /\| gRPC \| Python replica: paho \+ grpcio \(one call at a time\) \|/);
    assert.match(burst, /\| 20 \/ 20 of 20 \| 0 \|/);
    assert.match(burst, /- PASS: gRPC, 20 rising: plugin \d+ ms ≤ 1\.5 × the bare client's \d+ ms/);
    assert.match(burst, /- PASS: gRPC, 20 falling: the Python replica \d+ ms = [\d.]+ × the plugin's \d+ ms \(the plugin at least 1\.5× faster\)/);
    assert.match(burst, /- \(reference\) Thrift, 20 rising: the Python replica/);
    assert.match(burst, /- PASS: Thrift: plugin added 20 and deleted 20 of 20 routes, RIB after: 0/);
    const fleet = part(md, '### 7. Fleet: many routers in one Node-RED');
    assert.match(fleet, /\| deploy: all sessions up \| 49 ms \(2 of 2 routers\) \| ≤ 10 s \|/);
    assert.match(fleet, /\| memory growth per router \(after a full GC\) \| RSS 0\.4 MiB, heap 0\.5 MiB \| ≤ 2 MiB \|/);
    assert.match(fleet, /\| 100 events\/s, one router \| p50 1\.57 ms, p99 15\.8 ms,[^|]*\| {2}\| the reference \|/);
    assert.match(fleet, /- PASS: 100 events\/s over 2 routers: p50 1\.40 ms ≤ 1\.5 × one router's 1\.57 ms \(0\.89×\)/);
    assert.match(fleet, /- PASS: all 2 routers restarted at once: 8 desired routes back in 1,185 ms ≤ 30 s, at most 1 Login call\(s\) per router ≤ 2/);
    assert.match(fleet, /- MISS: 100 desired routes on one router: 2,171 bytes per route ≤ 1 KiB/);
    const how = part(md, '## How it is measured');
    assert.match(how, /\*\*Burst \(section 6, only with `--only burst`\)\*\*: .* 20 rising events for 20 interfaces/);
    assert.match(how, /\*\*Fleet \(section 7, only with `--only fleet`\)\*\*: .* for 2 routers × 2 interfaces × 2 backup prefixes/);
  });

  it('runs them only when named, with their own processes, before the shared ones', () => {
    assert.deepEqual(readCli([]).sections.map((s) => s.name), ['broker', 'latency', 'throughput', 'idle', 'leaks']);
    assert.deepEqual(runOrder(readCli(['--only', 'leaks,fleet,idle,burst']).sections).map((s) => s.name), ['burst', 'fleet', 'idle', 'leaks']);
    const cli = readCli(['--only', 'fleet', '--size', 'fleetRouters=3', '--size', 'burstEvents=10']);
    assert.equal(cli.sizes.fleetRouters, 3);
    assert.equal(cli.sizes.burstEvents, 10);
    assert.equal(readCli([]).sizes.fleetRouters, 50);
    assert.equal(readCli([]).sizes.fleetBigRoutes, 100000);
  });
});

describe('bench smoke run (burst and fleet, tiny counts)', function () {
  this.timeout(180000);

  it('writes both sections: every route added then deleted, the fleet up, its routes back after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-bench-test-'));
    try {
      const json = path.join(dir, 'r.json');
      const sizes = ['burstEvents=20', 'burstRepeats=1', 'fleetRouters=2', 'fleetInterfaces=2', 'fleetPrefixes=2', 'fleetChunk=20', 'fleetRepeats=1', 'fleetIdleSeconds=1', 'fleetSettleSeconds=0', 'fleetBigRoutes=100', 'fleetRate=100'];
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
        execFile(process.execPath, [RUNNER, '--only', 'burst,fleet', ...sizes.flatMap((s) => ['--size', s]), '--json', json, '--out', path.join(dir, 'B.md')], { cwd: ROOT, timeout: 170000, maxBuffer: 16 * 1024 * 1024 }, (err, _out, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
        ),
      );
      assert.equal(r.code, 0, r.stderr);
      const doc = readResults(json);
      const burst = doc.sections.burst as BurstResult;
      assert.deepEqual(burst.rows.map((x) => x.impl), ['plugin', 'node', 'python', 'node-red', 'plugin-grpc', 'grpc', 'python-grpc']);
      for (const row of burst.rows) {
        assert.equal(row.added, row.n * row.bursts, `${row.impl} added`);
        assert.equal(row.deleted, row.n * row.bursts, `${row.impl} deleted`);
        assert.equal(row.ribAfter, 0, `${row.impl} RIB after`);
      }
      const fleet = doc.sections.fleet as FleetResult;
      assert.equal(fleet.deploy.ok, true);
      assert.equal(fleet.deploy.up, 2);
      assert.deepEqual(fleet.events.rows.map((x) => [x.who, x.lost]), [['fleet', 0], ['one', 0]]);
      assert.equal(fleet.restart.ok, true);
      assert.equal(fleet.restart.routes, 2 * 2 * 2);
      assert.equal(fleet.big.added, 100);
      assert.equal(fleet.big.deleted, 100);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
