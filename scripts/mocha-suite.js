#!/usr/bin/env node
// Runs mocha on named parts of the built test suite (dist/test), with the options of .mocharc.json
// (reporter, timeout, exit): the one place that says which directories make which suite. Used by
// `npm run test:unit`, `npm run test:nodes` and scripts/ci-node.sh. Mocha adds command-line specs to
// the config file's spec instead of replacing them, so a subset runs with --no-config and the
// config's other options passed explicitly.
//
//   node scripts/mocha-suite.js unit            test/unit and test/sim (no Node-RED, no Python)
//   node scripts/mocha-suite.js unit nodes      ... and test/nodes (real Node-RED runtime)
//   node scripts/mocha-suite.js all             the whole suite (the spec of .mocharc.json)
//   node scripts/mocha-suite.js dist/test/e2e/install.test.js     only these built files
//   node scripts/mocha-suite.js unit -- --require dist/test/support/select-node-red.js
//                                               options after `--` go to mocha as they are
//
// The tests must be built first (npm run build). Runs mocha with the node that runs this script.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const rc = JSON.parse(fs.readFileSync(path.join(root, '.mocharc.json'), 'utf8'));

const SUITES = {
  all: [].concat(rc.spec),
  unit: ['dist/test/unit/**/*.test.js', 'dist/test/sim/**/*.test.js'],
  nodes: ['dist/test/nodes/**/*.test.js'],
  interop: ['dist/test/interop/**/*.test.js'],
  e2e: ['dist/test/e2e/**/*.test.js'],
};

function usage(message) {
  process.stderr.write(`mocha-suite: ${message}\nusage: node scripts/mocha-suite.js SUITE|FILE... [-- MOCHA-OPTION...]\n` +
    `suites: ${Object.keys(SUITES).join(', ')}; a FILE is a built test (dist/test/.../*.test.js)\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const names = dash < 0 ? argv : argv.slice(0, dash);
const extra = dash < 0 ? [] : argv.slice(dash + 1);
if (names.length === 0) usage('name at least one suite or file');

const specs = [];
for (const name of names) {
  if (Object.prototype.hasOwnProperty.call(SUITES, name)) specs.push(...SUITES[name]);
  else if (name.endsWith('.js')) specs.push(name);
  else usage(`unknown suite "${name}"`);
}

const options = ['--no-config', '--reporter', rc.reporter, '--timeout', String(rc.timeout)];
if (rc.exit) options.push('--exit');
const mocha = require.resolve('mocha/bin/mocha.js', { paths: [root] });
const run = spawnSync(process.execPath, [mocha, ...options, ...extra, ...[...new Set(specs)]], { cwd: root, stdio: 'inherit' });
if (run.error) throw run.error;
process.exit(run.status === null ? 1 : run.status);
