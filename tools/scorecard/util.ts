/** Helpers of the scorecard rules: where things are, optional modules, JSON checks, the npm registry, files. */
import * as fs from 'fs';
import * as path from 'path';
import { execFile } from 'child_process';

/** This repository (the scorecard runs from dist/tools/scorecard). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

/** A JSON object (package.json and what it holds). */
export type Json = Record<string, unknown>;

/** Requires a module from the checked package's node_modules or from this repository's. */
export function optionalRequire<T>(name: string, dir: string, extraPaths: string[] = []): T | null {
  for (const base of [dir, ROOT, ...extraPaths]) {
    try {
      return require(require.resolve(name, { paths: [base] })) as T;
    } catch {
      /* try the next place */
    }
  }
  return null;
}

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

export function q(v: unknown): string {
  return JSON.stringify(v);
}

/** `npm view <spec> <fields…> --json`, parsed; rejects with a one-line reason. Each look-up made once per instance. */
export class NpmView {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(private readonly cwd: string) {}

  view(spec: string, fields: string[]): Promise<unknown> {
    const key = `${spec} ${fields.join(' ')}`;
    let p = this.cache.get(key);
    if (!p) {
      p = new Promise((resolve, reject) => {
        const win = process.platform === 'win32';
        execFile(
          win ? 'npm.cmd' : 'npm',
          ['view', spec, ...fields, '--json'],
          { cwd: this.cwd, timeout: 60000, maxBuffer: 16 * 1024 * 1024, shell: win, windowsHide: true },
          (err, stdout, stderr) => {
            let parsed: unknown;
            try {
              parsed = stdout.trim() === '' ? undefined : JSON.parse(stdout);
            } catch {
              /* below */
            }
            if (isObject(parsed) && isObject(parsed.error)) {
              const e = parsed.error;
              return reject(new Error(`npm view ${spec}: ${e.code || 'error'} ${e.summary || ''}`.trim()));
            }
            if (err) {
              const line = String(stderr || err.message).split('\n').map((s) => s.trim()).find(Boolean) || String(err.code);
              return reject(new Error(`npm view ${spec}: ${err.killed ? 'timed out' : line}`));
            }
            if (parsed === undefined) return reject(new Error(`npm view ${spec}: no answer (not in the registry?)`));
            resolve(parsed);
          },
        );
      });
      this.cache.set(key, p);
    }
    return p;
  }
}

/** Every file under dir (recursively) whose name ends with ext. */
export function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.toLowerCase().endsWith(ext)) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}
