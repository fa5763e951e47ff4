#!/usr/bin/env node
'use strict';
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`, e.g. `node bench/run.js --profile`):
// self time per function and per file, top N.   node bench/profile-summary.js FILE [N] [FROM_S]
const fs = require('fs');
const path = require('path');

const [file, topArg, fromArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js FILE.cpuprofile [N]');
  process.exit(2);
}
const top = Number(topArg) || 25;
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
// Optional third argument: only the samples after that many seconds of the profile (skips start-up).
const fromUs = (Number(fromArg) || 0) * 1e6;
let at = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  at += dt[i] || 0;
  if (at < fromUs) continue;
  self.set(id, (self.get(id) || 0) + (dt[i] || 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const short = (url) => (url ? url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm/').replace(process.cwd() + path.sep, '') : '');
const fnKey = (n) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const perFn = new Map();
const perFile = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  const k = fnKey(n);
  perFn.set(k, (perFn.get(k) || 0) + us);
  const f = short(n.callFrame.url) || `(${n.callFrame.functionName})`;
  perFile.set(f, (perFile.get(f) || 0) + us);
}
const show = (title, m) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  }
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
show('self time by function', perFn);
show('self time by file', perFile);
