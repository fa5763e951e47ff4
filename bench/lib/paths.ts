/**
 * Where the bench finds things. Its modules run compiled, from dist/bench/...: the child processes
 * it forks are compiled modules next to them, while the Python replica, the report's template and
 * the hand-written findings are read from the checkout's bench/ directory.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The checkout's root (this file runs from dist/bench/lib). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The compiled bench (dist/bench): the entry points of its child processes. */
export const BENCH_DIST = path.resolve(__dirname, '..');
/** The bench's sources (bench/): baseline_python.py, report-template.md, FINDINGS.md. */
export const BENCH_SRC = path.join(ROOT, 'bench');

/** The package's name and version, from its package.json. */
export const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** The compiled module `name` of the bench (e.g. 'baseline-node'), for fork(). */
export const benchModule = (name: string): string => path.join(BENCH_DIST, `${name}.js`);
