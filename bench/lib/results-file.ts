/**
 * The results file (JSON) of a run. Numbers JSON cannot hold (NaN: no figure; ±Infinity) are
 * written as the strings "NaN", "Infinity", "-Infinity" and read back as numbers, so that a report
 * rendered from the file is the one the run would have printed.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BenchResults } from '../sections/section';
import { BENCH_SRC } from './paths';

const NON_FINITE: ReadonlySet<string> = new Set(['NaN', 'Infinity', '-Infinity']);

export function writeResults(file: string, doc: BenchResults): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
  fs.writeFileSync(file, `${text}\n`);
}

export function readResults(file: string): BenchResults {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'), (_k, v: unknown) => (typeof v === 'string' && NON_FINITE.has(v) ? Number(v) : v)) as BenchResults;
  if (!doc || doc.schema !== 1 || typeof doc.sections !== 'object') throw new Error(`${file}: not a bench results file (schema 1)`);
  return doc;
}

/** Where a run's results go by default: bench/results/<when it ended>.json. */
export function defaultResultsFile(generated: string): string {
  return path.join(BENCH_SRC, 'results', `${generated.replace(/[:.]/g, '-')}.json`);
}
