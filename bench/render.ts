/**
 * The report: BENCHMARKS.md rendered from a results file (the JSON a run of run.ts writes) and the
 * template bench/report-template.md, whose {{placeholders}} it fills; the sections' tables and
 * verdicts come from their modules (sections/*.ts), the findings from bench/FINDINGS.md. Also the
 * console's plain-text tables. Run by run.ts after a run, or alone:
 *   node dist/bench/render.js RESULTS.json [AGAIN.json ...] [--out BENCHMARKS.md] [--template FILE] [--findings FILE]
 * With more than one results file the tables are the first run's, and each target counts as met
 * only when it was met in every run given (the "Targets in every run" part lists each run's verdict).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { mdTable, textTable } from './lib/util';
import { BENCH_SRC, ROOT } from './lib/paths';
import { readResults } from './lib/results-file';
import { SECTIONS } from './sections';
import { isTarget, verdictLine, type AnySection, type BenchResults, type Table, type TargetVerdict } from './sections/section';

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

/** A section's targets in a run (none when it did not run there). */
function targetsOf(doc: BenchResults, section: AnySection): TargetVerdict[] {
  if (!Object.prototype.hasOwnProperty.call(doc.sections, section.name)) return [];
  const table = section.table(doc.sections[section.name], doc);
  return table ? table.verdicts.filter(isTarget) : [];
}

/**
 * Each target of a section over several runs: met when met in every run (a run that did not
 * measure it counts as not met), with each run's verdict.
 */
export interface Confirmed {
  key: string;
  met: boolean;
  runs: Array<TargetVerdict | null>;
}

export function confirm(docs: readonly BenchResults[], section: AnySection): Confirmed[] {
  const per = docs.map((d) => targetsOf(d, section));
  const keys = [...new Set(per.flat().map((v) => v.key))];
  return keys.map((key) => {
    const runs = per.map((vs) => vs.find((v) => v.key === key) ?? null);
    return { key, met: runs.every((v) => v !== null && v.pass), runs };
  });
}

/** The "Targets in every run" part: one table per section, a row per target, a column per run. */
function confirmation(docs: readonly BenchResults[], sections: readonly AnySection[]): string {
  if (docs.length < 2) return '';
  const out = [`\n## Targets in every run

A target counts as met when it was met in each of these ${docs.length} runs: ${docs.map((d, i) => `run ${i + 1} ended ${d.generated} (${d.seconds.toFixed(0)} s, load ${d.load.start.toFixed(2)} / ${d.load.end.toFixed(2)})`).join('; ')}. The tables under Results are run 1's.
`];
  for (const s of sections) {
    const rows = confirm(docs, s);
    if (rows.length === 0) continue;
    out.push(`### ${s.title}
`);
    out.push(mdTable(['target', ...docs.map((_d, i) => `run ${i + 1}`), 'in every run'], rows.map((r) => [r.key, ...r.runs.map((v) => (v ? verdictLine(v) : 'not run')), r.met ? 'met' : '**not met**'])), '');
  }
  return out.join('\n');
}

/**
 * The report's Markdown: the tables of `doc`; with `again` (other runs' results), each target met
 * only when met in every run.
 */
export function renderReport(doc: BenchResults, template = readTemplate(), findings = readFindings(), sections: readonly AnySection[] = SECTIONS, again: readonly BenchResults[] = []): string {
  const all = tables(doc, sections);
  const shown = all.filter((t) => t.ran && t.table);
  const docs = [doc, ...again];
  const targets = shown.map(({ section }) => {
    const v = confirm(docs, section);
    const miss = v.filter((x) => !x.met).length;
    const runs = docs.length > 1 ? ` in all ${docs.length} runs` : '';
    const verdict = v.length === 0 ? 'no targets (reference figures)' : miss === 0 ? `PASS${runs}` : `MISS (${miss} of ${v.length}${docs.length > 1 ? ' not met in every run' : ''})`;
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
    for (const v of table.verdicts) results.push(`- ${verdictLine(v)}`);
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
    command: commandOf(o, sections),
    generated: doc.generated,
    seconds: doc.seconds.toFixed(0),
    targets: targets.join('\n'),
    confirmation: confirmation(docs, sections),
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

/** The command a run was made with, as far as it chose what ran: `npm run bench [-- --quick] [--only ...]`. */
function commandOf(o: BenchResults['options'], sections: readonly AnySection[]): string {
  const dflt = sections.filter((s) => s.byDefault).map((s) => s.name);
  const only = o.only.length === dflt.length && o.only.every((n) => dflt.includes(n)) ? [] : ['--only', o.only.join(',')];
  const args = [...(o.quick ? ['--quick'] : []), ...only];
  return `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
}

/** The sections' tables and verdicts as plain text, for the console. */
export function renderText(doc: BenchResults, sections: readonly AnySection[] = SECTIONS): string {
  const out: string[] = [];
  for (const { section, table } of tables(doc, sections)) {
    if (!table) continue;
    out.push(`\n${section.title}\n${textTable(table.head, table.rows)}`);
    for (const v of table.verdicts) out.push(`  ${verdictLine(v)}`);
  }
  return out.join('\n');
}

function main(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, template: { type: 'string' }, findings: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help || positionals.length < 1) {
    console.log('node dist/bench/render.js RESULTS.json [AGAIN.json ...] [--out BENCHMARKS.md] [--template FILE] [--findings FILE]');
    console.log('  the tables are the first run\'s; with more runs a target is met only when met in every one');
    process.exit(values.help ? 0 : 2);
  }
  const [doc, ...again] = positionals.map((f) => readResults(path.resolve(f)));
  const out = path.resolve(values.out ?? path.join(ROOT, 'BENCHMARKS.md'));
  fs.writeFileSync(out, renderReport(doc, readTemplate(values.template), readFindings(values.findings), SECTIONS, again));
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
