/**
 * `npm run scorecard`: the Flow Library scorecard, checked locally (rules.ts says which rules and
 * how). `node-red-dev validate` needs the Flow Library catalogue (catalogue.nodered.org), which is
 * out of reach here, so the same rules are checked with this package's own code.
 *
 *   node dist/tools/scorecard/cli.js [--dir <packageDir>] [--json] [--only P01,N02,...] [--node-red-majors 4,5]
 *
 * Prints `PASS|FAIL|SKIP <id> <title>: <detail>` per rule, then a summary line; exit code 1 when a
 * rule fails, 2 on a usage error or an unreadable package.json. The rules need a build first
 * (`npm run build`): the node files and examples/ are read from what the build makes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { checkPackage, RULES, type Options } from './rules';
import { isObject, ROOT, type Json } from './util';

function usage(): string {
  return [
    'usage: node dist/tools/scorecard/cli.js [--dir <packageDir>] [--json] [--only <ids>] [--node-red-majors <list>]',
    '  --dir <packageDir>      package to check (default: this repository)',
    '  --json                  machine output: { package, results: [{ id, title, status, detail, data }], summary }',
    '  --only <ids>            comma-separated rule ids to run, e.g. P04,D01',
    '  --node-red-majors <l>   Node-RED majors whose newest release node-red.version must admit (P06;',
    "                          default 4,5; empty to check only the rule's latest/maintenance tags)",
  ].join('\n');
}

interface Cli extends Options {
  json: boolean;
  help: boolean;
}

/** The command line; throws on an unknown option, a missing value or a bad major. */
export function readCli(args: string[]): Cli {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: 'string' },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      'node-red-majors': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const majorsArg = values['node-red-majors'];
  let majors = [4, 5];
  if (majorsArg !== undefined) {
    const v = majorsArg.trim();
    majors = v === ''
      ? []
      : v.split(',').map((s) => {
          const n = Number(s.trim());
          if (!Number.isInteger(n) || n < 0) throw new Error(`--node-red-majors: not a major version: ${s}`);
          return n;
        });
  }
  return {
    dir: values.dir === undefined ? ROOT : path.resolve(values.dir),
    json: !!values.json,
    only: values.only === undefined ? null : values.only.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean),
    majors,
    help: !!values.help,
  };
}

async function main(): Promise<number> {
  let opts: Cli;
  try {
    opts = readCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`scorecard: ${(e as Error).message}\n${usage()}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const known = RULES.map((r) => r.id);
  if (opts.only) {
    const unknown = opts.only.filter((id) => !known.includes(id));
    if (unknown.length) {
      process.stderr.write(`scorecard: unknown rule ${unknown.join(', ')} (rules: ${known.join(', ')})\n`);
      return 2;
    }
  }
  let pkg: Json;
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(opts.dir, 'package.json'), 'utf8'));
    if (!isObject(parsed)) throw new Error('not a JSON object');
    pkg = parsed;
  } catch (e) {
    process.stderr.write(`scorecard: cannot read ${path.join(opts.dir, 'package.json')}: ${(e as Error).message}\n`);
    return 2;
  }
  const card = await checkPackage(opts, pkg);
  const { results, summary } = card;
  let out: string;
  if (opts.json) {
    out = `${JSON.stringify(card, null, 2)}\n`;
  } else {
    out = results.map((r) => `${r.status} ${r.id} ${r.title}: ${r.detail}`).join('\n');
    const skipped = results.filter((r) => r.status === 'SKIP').map((r) => r.id);
    const failed = results.filter((r) => r.status === 'FAIL').map((r) => r.id);
    out += `\n${summary.fail ? 'FAILED' : 'OK'} ${pkg.name}@${pkg.version}: ${summary.pass} passed, ${summary.fail} failed${failed.length ? ` (${failed.join(', ')})` : ''}, ${summary.skip} skipped${skipped.length ? ` (${skipped.join(', ')})` : ''}\n`;
  }
  await new Promise((resolve) => process.stdout.write(out, resolve));
  return summary.fail ? 1 : 0;
}

if (require.main === module) {
  main().then(
    // Exit explicitly: loading the node files may have left handles open.
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`scorecard: ${e && e.stack ? e.stack : e}\n`);
      process.exit(2);
    },
  );
}
