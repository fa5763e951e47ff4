/**
 * What a section of the bench is: a module that measures (run, in the bench process, with the
 * shared fixture and its own child processes) and says what its results mean (table: the report's
 * table and verdicts, from the results as the JSON holds them). The runner takes the sections to
 * run from sections/index.ts; the renderer renders each from the results file.
 */
import type { Cell, Log } from '../lib/util';
import type { Fixture, Resource } from '../lib/fixture';
import type { Children } from '../lib/children';
import type { PythonGen } from '../lib/python';
import type { Machine, Versions } from '../lib/env';
import type { Sizes } from '../lib/sizes';

/**
 * When a section runs, by what the shared fixture must look like (sections run by stage, then in
 * the list's order): 'own' before any shared process starts (the section brings its own processes);
 * 'sample-flow' with the plugin's Node-RED running the sample flow; 'bench-flow' once the bench
 * flow replaced it.
 */
export type Stage = 'own' | 'sample-flow' | 'bench-flow';
export const STAGES: readonly Stage[] = ['own', 'sample-flow', 'bench-flow'];

/** One row of the latency dump (--dump): [implementation, rate, publish time (epoch ms), latency ms]. */
export type DumpSample = [string, number, number, number];

/** The command line of a run, as far as it shapes the results. */
export interface RunOptions {
  quick: boolean;
  /** --nagle: Nagle's algorithm left on in the in-process broker and the publisher. */
  nagle: boolean;
  /** The sections run (--only). */
  only: string[];
  /** --size overrides, as given. */
  sizeOverrides: string[];
  profileDir: string | null;
  redFlags: string[];
  /** --plugin-qos: the QoS of the plugin's event nodes behind Mosquitto (default: the section's). */
  pluginQos: number | undefined;
  abDir: string | null;
  abLabel: string;
}

export interface SectionContext {
  log: Log;
  sizes: Sizes;
  options: RunOptions;
  fixture: Fixture;
  children: Children;
  pythonGen: PythonGen;
  /** --dump: every latency sample of section 1b, or null. */
  dump: DumpSample[] | null;
}

/** The results file: what one run measured, everything the report is rendered from. */
export interface BenchResults {
  schema: 1;
  /** When the run ended (ISO 8601). */
  generated: string;
  /** How long it took. */
  seconds: number;
  options: Omit<RunOptions, 'profileDir' | 'redFlags' | 'abDir'> & { profile: boolean; redFlags: string[]; abDir: string | null };
  sizes: Sizes;
  machine: Machine;
  versions: Versions;
  /** 1-minute load average at the start and at the end of the run. */
  load: { start: number; end: number };
  /** The rules the figures were judged by: outside load (lib/outside.ts), late events (section 1). */
  constants: { disturbedBaseMs: number; disturbedShare: number; lateMs: number };
  /** Section name → its results (absent: not run). */
  sections: Record<string, unknown>;
}

/**
 * A target's verdict: `key` names the target the same way in every run (so that two runs' verdicts
 * can be set side by side), `text` says what was measured against what.
 */
export interface TargetVerdict {
  key: string;
  pass: boolean;
  text: string;
}

/** A verdict line: a target's, or a line for reference (a string). */
export type Verdict = TargetVerdict | string;

export interface Table {
  head: Cell[];
  rows: Cell[][];
  /** Targets (met or missed) and reference lines, in the report's order. */
  verdicts: Verdict[];
}

export interface Section<R> {
  /** Its --only name and its key in the results file. */
  name: string;
  /** Its heading in the report. */
  title: string;
  stage: Stage;
  /** The shared parts it uses (started before it, kept until no later section needs them). */
  needs: readonly Resource[];
  /** Run by `npm run bench` without --only (else only when named). */
  byDefault: boolean;
  run(ctx: SectionContext): Promise<R>;
  /** The report's table and verdicts for its results (null when they hold nothing to show). */
  table(result: R, doc: BenchResults): Table | null;
  /** Values for the report template's {{placeholders}} (they exist whether the section ran or not). */
  vars?(result: R | undefined, doc: BenchResults): Record<string, string>;
  /** Rows for the report's "Machine and versions" table, after the MQTT libraries (when it ran). */
  machineRows?(result: R): Array<[string, string]>;
}

/** A section with its result type erased, for the list of sections. */
export type AnySection = Section<unknown>;

/** Erases a section's result type for the list (its run() makes what its table() reads). */
export function section<R>(s: Section<R>): AnySection {
  return s as unknown as AnySection;
}

/** A target's verdict (`key`: the target's name, the same in every run). */
export function target(key: string, pass: boolean, text: string): TargetVerdict {
  return { key, pass, text };
}

export function isTarget(v: Verdict): v is TargetVerdict {
  return typeof v !== 'string';
}

/** A verdict as the report prints it: "PASS: ..." / "MISS: ..." for a target, a reference line as it is. */
export function verdictLine(v: Verdict): string {
  return isTarget(v) ? `${v.pass ? 'PASS' : 'MISS'}: ${v.text}` : v;
}
