/**
 * `npm run bench`: measures the plugin in a real Node-RED 4 process against baselines, in one run,
 * everything on 127.0.0.1; writes the results as JSON (bench/results/<date>.json or --json FILE),
 * then BENCHMARKS.md rendered from them (render.ts). The sections are modules (sections/index.ts):
 *  1. broker: event → route latency behind Debian's Mosquitto (QoS 1): the plugin's sample flow chain
 *     in Node-RED on Thrift and on gRPC vs bare mqtt.js + npm thrift and mqtt.js + grpc-js clients
 *     and a Python replica of the original app;
 *  1b. latency: the same through the in-process aedes broker, at 1, 100 and 1000 events/s;
 *  2. throughput: 10,000 prefixes in one message and in 10,000 messages through jet-route-add (Thrift
 *     and gRPC router nodes) vs the baseline clients;
 *  3. idle: CPU % and RSS with the sample flow deployed and connected, next to Node-RED alone and the
 *     two baselines, in the same window;
 *  4. leaks: memory after a full GC and active handles around 100,000 events, 30,000 keys and 50 redeploys;
 *  5. micro (only with --only micro): the route path without Node-RED next to the bare grpc-js client.
 *
 *   node dist/bench/run.js [--quick] [--only broker,latency,throughput,idle,leaks,micro] [--size KEY=VALUE ...]
 *        [--json FILE] [--out FILE] [--profile] [--logs] [--nagle] [--red-flags "--flag ..."] [--repeats N]
 *        [--plugin-qos 0|1|2] [--ab-dir DIR --ab-label TEXT] [--dump FILE]
 * (bench/README.md says what each does.) Sections run by stage (what the shared Node-RED must hold:
 * their own processes first, then the sample flow, then the bench flow), then in the list's order;
 * the shared processes start before the first section that needs them and stop after the last.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { log } from './lib/util';
import { ROOT } from './lib/paths';
import { Children } from './lib/children';
import { PythonGen } from './lib/python';
import { Fixture, type Resource } from './lib/fixture';
import { machine, versions } from './lib/env';
import { fullSizes, quickSizes, sizeHelp, withOverrides, type Sizes } from './lib/sizes';
import { DISTURBED_BASE_MS, DISTURBED_SHARE } from './lib/outside';
import { defaultResultsFile, writeResults } from './lib/results-file';
import { LATE_MS } from './sections/broker-repeat';
import { SECTIONS } from './sections';
import { STAGES, type AnySection, type BenchResults, type DumpSample, type RunOptions, type SectionContext } from './sections/section';
import { renderReport, renderText } from './render';

const OPTIONS = {
  quick: { type: 'boolean' },
  only: { type: 'string' },
  size: { type: 'string', multiple: true },
  json: { type: 'string' },
  out: { type: 'string' },
  profile: { type: 'boolean' },
  logs: { type: 'boolean' },
  nagle: { type: 'boolean' },
  'red-flags': { type: 'string' },
  repeats: { type: 'string' },
  'plugin-qos': { type: 'string' },
  'ab-dir': { type: 'string' },
  'ab-label': { type: 'string' },
  dump: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options whose value may start with a dash (node flags): `--red-flags X` is read as `--red-flags=X`. */
const DASH_VALUES = ['--red-flags'];

function usage(): string {
  return [
    'node dist/bench/run.js [--quick] [--only SECTIONS] [--size KEY=VALUE ...] [--json FILE] [--out FILE] [--profile] [--logs]',
    '                       [--nagle] [--red-flags "--node-flag ..."] [--repeats N] [--plugin-qos 0|1|2]',
    '                       [--ab-dir DIR] [--ab-label TEXT] [--dump FILE]',
    `  --only      comma-separated, of ${SECTIONS.map((s) => s.name).join(', ')} (default: ${SECTIONS.filter((s) => s.byDefault).map((s) => s.name).join(',')})`,
    '  --json      the results file (default bench/results/<date>.json); --out the report (default BENCHMARKS.md)',
    '  --quick     smaller counts; --repeats N: rounds of the throughput section (default 3, 1 with --quick)',
    sizeHelp(),
    'bench/README.md has the rest.',
  ].join('\n');
}

export interface Cli {
  options: RunOptions;
  sizes: Sizes;
  sections: AnySection[];
  json: string | null;
  out: string;
  dump: string | null;
  logs: boolean;
  help: boolean;
}

/** The command line, read; throws on an unknown option, section or size. */
export function readCli(argv: readonly string[]): Cli {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (DASH_VALUES.includes(argv[i]) && i + 1 < argv.length) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  const { values: v } = parseArgs({ args, options: OPTIONS, strict: true });
  const names = (v.only ?? SECTIONS.filter((s) => s.byDefault).map((s) => s.name).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`--only: no section ${unknown.join(', ')} (sections: ${SECTIONS.map((s) => s.name).join(', ')})`);
  let sizes = v.quick ? quickSizes() : fullSizes();
  const repeats = Number(v.repeats ?? '0') || 0;
  if (repeats > 0) sizes.throughputRounds = repeats;
  const sizeOverrides = v.size ?? [];
  sizes = withOverrides(sizes, sizeOverrides);
  const qos = v['plugin-qos'];
  if (qos !== undefined && qos !== '' && !['0', '1', '2'].includes(qos)) throw new Error(`--plugin-qos: not an MQTT QoS: ${qos}`);
  const options: RunOptions = {
    quick: !!v.quick,
    nagle: !!v.nagle,
    only: names,
    sizeOverrides,
    profileDir: v.profile ? path.join(os.tmpdir(), `jet-bench-profiles-${Date.now()}`) : null,
    redFlags: (v['red-flags'] ?? '').split(' ').filter(Boolean),
    pluginQos: qos === undefined || qos === '' ? undefined : Number(qos),
    abDir: v['ab-dir'] ? path.resolve(v['ab-dir']) : null,
    abLabel: v['ab-label'] ?? '',
  };
  return {
    options,
    sizes,
    sections: SECTIONS.filter((s) => names.includes(s.name)),
    json: v.json ? path.resolve(v.json) : null,
    out: path.resolve(v.out ?? path.join(ROOT, 'BENCHMARKS.md')),
    dump: v.dump ? path.resolve(v.dump) : null,
    logs: !!v.logs,
    help: !!v.help,
  };
}

/** The sections in the order they run: by stage, then as listed. */
export function runOrder(sections: readonly AnySection[]): AnySection[] {
  return [...sections].sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
}

const needsOf = (sections: readonly AnySection[]): Set<Resource> => new Set(sections.flatMap((s) => s.needs));

/** `file` for the log: relative to the working directory when below it. */
const shown = (file: string): string => {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
};

/** Runs the sections of `cli`; writes the results file, the report, the console tables. */
async function bench(cli: Cli, children: Children): Promise<void> {
  const started = Date.now();
  const loadStart = os.loadavg()[0];
  const env = versions();
  const mach = machine();
  log(`${mach.cores} × ${mach.model}, ${mach.memory}; node ${env.node}, node-red ${env.nodeRed}, thrift ${env.thrift}, mqtt ${env.mqtt}${cli.options.quick ? ' (quick)' : ''}`);
  const pythonGen = new PythonGen();
  const fixture = new Fixture({ log, children, pythonGen, nodelay: !cli.options.nagle, profileDir: cli.options.profileDir, redFlags: cli.options.redFlags });
  const dump: DumpSample[] | null = cli.dump ? [] : null;
  const ctx: SectionContext = { log, sizes: cli.sizes, options: cli.options, fixture, children, pythonGen, dump };
  const sections: Record<string, unknown> = {};
  try {
    const plan = runOrder(cli.sections);
    for (const [i, s] of plan.entries()) {
      if (s.needs.length) await fixture.ensure(needsOf(plan.slice(i)));
      if (s.stage === 'bench-flow') await fixture.deployBenchFlow();
      sections[s.name] = await s.run(ctx);
      await fixture.release(needsOf(plan.slice(i + 1)));
    }
  } finally {
    await fixture.close();
    if (cli.logs) {
      for (const red of fixture.reds) {
        const f = path.join(os.tmpdir(), `jet-bench-${red.name}.log`);
        fs.writeFileSync(f, red.log);
        log(`Node-RED log: ${f}`);
      }
    }
    fixture.remove();
    pythonGen.remove();
  }
  if (cli.options.profileDir) log(`CPU profiles in ${cli.options.profileDir}`);
  const { profileDir, redFlags, abDir, ...rest } = cli.options;
  const generated = new Date().toISOString();
  const doc: BenchResults = {
    schema: 1,
    generated,
    seconds: (Date.now() - started) / 1000,
    options: { ...rest, profile: profileDir !== null, redFlags, abDir },
    sizes: cli.sizes,
    machine: mach,
    versions: env,
    load: { start: loadStart, end: os.loadavg()[0] },
    constants: { disturbedBaseMs: DISTURBED_BASE_MS, disturbedShare: DISTURBED_SHARE, lateMs: LATE_MS },
    sections,
  };
  const jsonFile = cli.json ?? defaultResultsFile(generated);
  writeResults(jsonFile, doc);
  log(`wrote ${shown(jsonFile)}`);
  console.log(renderText(doc));
  fs.writeFileSync(cli.out, renderReport(doc));
  log(`wrote ${shown(cli.out)} (${doc.seconds.toFixed(0)} s)`);
  if (dump && cli.dump) fs.writeFileSync(cli.dump, JSON.stringify(dump));
}

function main(): void {
  let cli: Cli;
  try {
    cli = readCli(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${(err as Error).message} (--help lists the options)`);
    process.exit(2);
  }
  if (cli.help) {
    console.log(usage());
    process.exit(0);
  }
  const children = new Children();
  let exiting = false;
  const finish = (code: number): void => {
    if (exiting) return;
    exiting = true;
    children.killAll();
    process.exit(code);
  };
  process.on('SIGINT', () => finish(130));
  bench(cli, children).then(
    () => finish(0),
    (err: Error) => {
      console.error(`[bench] failed: ${err.stack || err.message}`);
      finish(1);
    },
  );
}

if (require.main === module) main();
