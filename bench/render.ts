/**
 * The report: BENCHMARKS.md rendered from a results file (the JSON a run of run.ts writes) and the
 * template bench/report-template.md, whose {{placeholders}} it fills; the sections' tables and
 * verdicts come from their modules (sections/*.ts), the findings from bench/FINDINGS.md. Also the
 * console's plain-text tables. Run by run.ts after a run, or alone:
 *   node dist/bench/render.js RESULTS.json [--out BENCHMARKS.md] [--template FILE] [--findings FILE]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { mdTable, textTable } from './lib/util';
import { BENCH_SRC, ROOT } from './lib/paths';
import { readResults } from './lib/results-file';
import { SECTIONS } from './sections';
import type { AnySection, BenchResults, Table } from './sections/section';

export const TEMPLATE_FILE = path.join(BENCH_SRC, 'report-template.md');
export const FINDINGS_FILE = path.join(BENCH_SRC, 'FINDINGS.md');

/** The template, without its leading <!-- comment -->. */
export function readTemplate(file = TEMPLATE_FILE): string {
  return fs.readFileSync(file, 'utf8').replace(/^<!--[\s\S]*?-->\r?\n/, '');
}

/** Hand-written notes on profiling and what was changed, kept in bench/FINDINGS.md and copied into the report. */
export function readFindings(file = FINDINGS_FILE): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '_none recorded_';
}

/** `template` with every {{name}} replaced by vars[name]; throws on a name without a value. */
export function fill(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`report template: no value for {{${name}}}`);
    return v;
  });
}

interface Rendered {
  section: AnySection;
  ran: boolean;
  table: Table | null;
}

/** Each section with its table, in the report's order; a section not run shows only when it runs by default. */
function tables(doc: BenchResults, sections: readonly AnySection[]): Rendered[] {
  const out: Rendered[] = [];
  for (const s of sections) {
    const ran = Object.prototype.hasOwnProperty.call(doc.sections, s.name);
    if (!ran && !s.byDefault) continue;
    out.push({ section: s, ran, table: ran ? s.table(doc.sections[s.name], doc) : null });
  }
  return out;
}

/** The report's Markdown. */
export function renderReport(doc: BenchResults, template = readTemplate(), findings = readFindings(), sections: readonly AnySection[] = SECTIONS): string {
  const all = tables(doc, sections);
  const shown = all.filter((t) => t.ran && t.table);
  const targets = shown.map(({ section, table }) => {
    const v = (table as Table).verdicts.filter((x) => /^(PASS|MISS)/.test(x));
    const miss = v.filter((x) => x.startsWith('MISS')).length;
    const verdict = v.length === 0 ? 'no targets (reference figures)' : miss === 0 ? 'PASS' : `MISS (${miss} of ${v.length})`;
    return `- ${section.title.replace(/^\d+\. /, '')}: ${verdict}`;
  });
  const results: string[] = [];
  for (const { section, table } of all) {
    results.push(`### ${section.title}`, '');
    if (!table) {
      results.push('_not run_', '');
      continue;
    }
    results.push(mdTable(table.head, table.rows), '');
    for (const v of table.verdicts) results.push(`- ${v}`);
    results.push('');
  }
  const env = doc.versions;
  const mach = doc.machine;
  const o = doc.options;
  const extraRows = shown.flatMap(({ section }) => (section.machineRows ? section.machineRows(doc.sections[section.name]) : []));
  const machine = mdTable(
    ['', ''],
    [
      ['CPU', `${mach.cores} × ${mach.model}${mach.mhz ? ` (${mach.mhz} MHz)` : ''}`],
      ['memory', mach.memory],
      ['OS', mach.kernel],
      ['Node.js', env.node],
      ['Node-RED', env.nodeRed],
      ['npm thrift', env.thrift],
      ['@grpc/grpc-js / @grpc/proto-loader', `${env.grpcJs} / ${env.protoLoader}`],
      ['mqtt (MQTT.js)', env.mqtt],
      ["aedes (the simulator's MQTT broker)", env.aedes],
      ...extraRows,
      ['Python / paho-mqtt / python3-thrift', `${env.python} / ${env.paho} / ${env.pythonThrift}`],
      ['Thrift compiler (Python baseline)', env.thriftCompiler],
      ['run', `${o.quick ? '--quick (smaller counts)' : 'full'}${o.nagle ? ', --nagle' : ''}${o.sizeOverrides.length ? `, ${o.sizeOverrides.map((s) => `--size ${s}`).join(' ')}` : ''}`],
      ['load average (1 min) at start / end', `${doc.load.start.toFixed(2)} / ${doc.load.end.toFixed(2)}`],
    ],
  );
  const vars: Record<string, string> = {
    command: `npm run bench${o.quick ? ' -- --quick' : ''}`,
    generated: doc.generated,
    seconds: doc.seconds.toFixed(0),
    targets: targets.join('\n'),
    machine,
    results: results.join('\n'),
    findings,
    paho: env.paho,
    warmup: String(doc.sizes.warmup),
    disturbedBaseMs: String(doc.constants.disturbedBaseMs),
    disturbedPercent: String(doc.constants.disturbedShare * 100),
  };
  for (const s of sections) if (s.vars) Object.assign(vars, s.vars(doc.sections[s.name], doc));
  return fill(template, vars);
}

/** The sections' tables and verdicts as plain text, for the console. */
export function renderText(doc: BenchResults, sections: readonly AnySection[] = SECTIONS): string {
  const out: string[] = [];
  for (const { section, table } of tables(doc, sections)) {
    if (!table) continue;
    out.push(`\n${section.title}\n${textTable(table.head, table.rows)}`);
    for (const v of table.verdicts) out.push(`  ${v}`);
  }
  return out.join('\n');
}

function main(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, template: { type: 'string' }, findings: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log('node dist/bench/render.js RESULTS.json [--out BENCHMARKS.md] [--template FILE] [--findings FILE]');
    process.exit(values.help ? 0 : 2);
  }
  const doc = readResults(path.resolve(positionals[0]));
  const out = path.resolve(values.out ?? path.join(ROOT, 'BENCHMARKS.md'));
  fs.writeFileSync(out, renderReport(doc, readTemplate(values.template), readFindings(values.findings)));
  console.log(`wrote ${path.relative(process.cwd(), out) || out}`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`render: ${(err as Error).message}`);
    process.exit(1);
  }
}
