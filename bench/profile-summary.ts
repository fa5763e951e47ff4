/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`, e.g. `node dist/bench/run.js --profile`):
 * self time per function and per file, top N.
 *   node dist/bench/profile-summary.js FILE [N] [FROM_S]
 * FROM_S: only the samples after that many seconds of the profile (skips start-up).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

function main(args: string[]): void {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  const [file, topArg, fromArg] = positionals;
  if (!file) {
    console.error('usage: node dist/bench/profile-summary.js FILE.cpuprofile [N] [FROM_S]');
    process.exit(2);
  }
  const top = Number(topArg) || 25;
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const dt = prof.timeDeltas;
  const fromUs = (Number(fromArg) || 0) * 1e6;
  let at = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    at += dt[i] || 0;
    if (at < fromUs) continue;
    self.set(id, (self.get(id) || 0) + (dt[i] || 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const short = (url: string): string => (url ? url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm/').replace(process.cwd() + path.sep, '') : '');
  const perFn = new Map<string, number>();
  const perFile = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const k = `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    perFn.set(k, (perFn.get(k) || 0) + us);
    const f = short(n.callFrame.url) || `(${n.callFrame.functionName})`;
    perFile.set(f, (perFile.get(f) || 0) + us);
  }
  const show = (title: string, m: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
    }
  };
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  show('self time by function', perFn);
  show('self time by file', perFile);
}

main(process.argv.slice(2));
