/**
 * The simulated router's side of the JET management API (`jnx.jet.management`, docs/protocol.md §6),
 * as a pure model that the simulator's gRPC server serves (sim/grpc/management.ts): the operational
 * commands the plugin runs, answered in JSON, XML or CLI text and cut into several chunks for the
 * streamed OpCommandGet, and ConfigSet of `[edit snmp rmon]` with a candidate configuration, a
 * committed one and a commit history.
 *
 * Commands (CLI, or the XML RPC of the same):
 * - `show interfaces [<name>] [detail | extensive]`, `<get-interface-information>`: the interface
 *   table (sim/management/interfaces.ts); an unknown name is "error: device <name> not found";
 * - `show configuration snmp rmon`, `<get-configuration>`: the committed alarms and events
 *   (sim/management/rmon-render.ts);
 * - `show system commit`, `<get-commit-information>`: the commits, newest first.
 * Anything else, and any pipe (`| display json`: whether a router takes pipes here is not known, so
 * the plugin must not rely on them), is refused with a message naming what the simulator answers.
 * A refused command is a failed call (status failure with the message), not output.
 *
 * ConfigSet (sim/management/rmon-load.ts): the load goes into the candidate; with a commit, the
 * candidate passes the commit check and becomes the committed configuration, and the commit is
 * recorded (its comment, user and time) and announced ('commit' event with the RMON engine's new
 * alarms). A load or commit that fails changes nothing. Every commit counts, an unchanged one too
 * (as on Junos, where each lands in the commit history): a client that commits only what changed
 * leaves the count alone.
 */
import { EventEmitter } from 'events';
import { rmonConfig } from '../../lib/junos/config-commands';
import { tokenize } from '../../lib/junos/config-text';
import { cloneRmonConfiguration, emptyRmonConfiguration, RmonConfiguration } from '../../lib/junos/rmon-statements';
import { childText, fromXml } from '../../lib/junos/tree';
import { DEFAULT_INTERFACE_TABLE, InterfaceTable, SimInterface } from './interfaces';
import { chunks, container, leaf, renderJson, renderXml } from './render';
import { commitCheck, engineAlarms, loadConfig, LoadType, SkippedAlarm } from './rmon-load';
import { CommitStamp, renderRmonJson, renderRmonText, renderRmonXml } from './rmon-render';
import type { RmonAlarmSpec } from '../rmon';

export type OpFormat = 'json' | 'xml' | 'cli';
export type OpReply = { ok: true; chunks: string[] } | { ok: false; message: string };

export interface CommitRecord {
  /** 1 for the first commit through the API, and so on. */
  sequence: number;
  time: Date;
  user: string;
  comment: string;
}

export interface ConfigSetInput {
  text: string;
  /** The request's `config` oneof: only text_config is simulated. */
  format?: 'text' | 'xml' | 'json';
  loadType: LoadType;
  /** Commit with this comment; null or absent: leave the change in the candidate. */
  commit?: { comment: string } | null;
  /** Who commits (the session's login); default the model's user. */
  user?: string;
}

export type ConfigSetReply = { ok: true; warnings: string[]; commit: CommitRecord | null } | { ok: false; message: string };

export interface EngineAlarms {
  alarms: RmonAlarmSpec[];
  skipped: SkippedAlarm[];
}

export interface ManagementModelOptions {
  /** Default DEFAULT_INTERFACE_TABLE (ge-0/0/0.0 is ifIndex 541). */
  interfaces?: readonly SimInterface[];
  /**
   * The committed `snmp rmon` configuration at start, as `set` lines. Default: the lab's alarm 1 and
   * event 541 as the plugin's command builder writes them for ifIndex 541 (the RMON engine's default
   * alarm). '' for none.
   */
  rmon?: string;
  /** The user of commits whose ConfigSet names none (default 'jet'). */
  user?: string;
  now?: () => Date;
  /** Configuration JSON with values as strings instead of numbers. */
  jsonNumbersAsStrings?: boolean;
  /** Characters per streamed chunk (default 512). */
  chunkSize?: number;
}

export interface ManagementModelEvents {
  commit: [record: CommitRecord, engine: EngineAlarms];
}

const ANSWERS = 'show interfaces [<name>], show configuration snmp rmon, show system commit';

/** A command the router refuses (its message), as opposed to output. */
class Refusal {
  constructor(readonly message: string) {}
}

export class ManagementModel extends EventEmitter<ManagementModelEvents> {
  readonly interfaces: InterfaceTable;
  private candidate: RmonConfiguration;
  private committed: RmonConfiguration;
  private readonly commits: CommitRecord[] = [];
  private readonly boot: CommitStamp;
  private readonly now: () => Date;
  private readonly user: string;
  /** Who holds the configuration locked (`configure exclusive`), or null. */
  private lockedBy: string | null = null;

  /** Throws a RangeError for a bad interface table or a start configuration the loader refuses. */
  constructor(private readonly options: ManagementModelOptions = {}) {
    super();
    this.interfaces = new InterfaceTable(options.interfaces ?? DEFAULT_INTERFACE_TABLE);
    this.now = options.now ?? ((): Date => new Date());
    this.user = options.user ?? 'jet';
    this.boot = { time: this.now(), user: 'root' };
    const start = options.rmon ?? rmonConfig({ ifIndex: 541 }).text;
    const loaded = loadConfig(emptyRmonConfiguration(), start, 'set');
    if (!loaded.ok) throw new RangeError(`start configuration: ${loaded.message}`);
    const refused = commitCheck(loaded.config);
    if (refused) throw new RangeError(`start configuration: ${refused}`);
    this.committed = loaded.config;
    this.candidate = cloneRmonConfiguration(loaded.config);
  }

  /** The committed alarms and events (a copy). */
  committedRmon(): RmonConfiguration {
    return cloneRmonConfiguration(this.committed);
  }

  /** The candidate configuration (a copy): the committed one plus loads not committed yet. */
  candidateRmon(): RmonConfiguration {
    return cloneRmonConfiguration(this.candidate);
  }

  /** Commits through ConfigSet so far. */
  get commitCount(): number {
    return this.commits.length;
  }

  /** The commits, newest first (copies). */
  commitHistory(): CommitRecord[] {
    return this.commits.map((c) => ({ ...c })).reverse();
  }

  /** The RMON engine's alarms for the committed configuration. */
  engineAlarms(): EngineAlarms {
    return engineAlarms(this.committed);
  }

  /** OpCommandGet: the output in chunks, or the message of a refused command. */
  opCommand(command: { cli: string } | { xml: string }, format: OpFormat): OpReply {
    const out = 'cli' in command ? this.cli(command.cli, format) : this.rpc(command.xml, format);
    return out instanceof Refusal ? { ok: false, message: out.message } : { ok: true, chunks: chunks(out, this.options.chunkSize) };
  }

  /**
   * Locks the configuration as another user's `configure exclusive` session does: every ConfigSet is
   * refused (with Junos's "configuration database locked by" words) until unlock().
   */
  lock(holder = 'root'): void {
    this.lockedBy = holder;
  }

  unlock(): void {
    this.lockedBy = null;
  }

  /** ConfigSet. */
  configSet(input: ConfigSetInput): ConfigSetReply {
    if (this.lockedBy !== null) return { ok: false, message: `error: configuration database locked by: ${this.lockedBy} terminal pts/0 (pid 4242) exclusive [edit]` };
    if ((input.format ?? 'text') !== 'text') return { ok: false, message: `error: the simulator loads text_config only, not ${input.format}_config` };
    const loaded = loadConfig(this.candidate, input.text, input.loadType);
    if (!loaded.ok) return loaded;
    if (!input.commit) {
      this.candidate = loaded.config;
      return { ok: true, warnings: loaded.warnings, commit: null };
    }
    const refused = commitCheck(loaded.config);
    if (refused) return { ok: false, message: refused };
    this.candidate = loaded.config;
    this.committed = cloneRmonConfiguration(loaded.config);
    const record: CommitRecord = { sequence: this.commits.length + 1, time: this.now(), user: input.user ?? this.user, comment: input.commit.comment };
    this.commits.push(record);
    this.emit('commit', { ...record }, this.engineAlarms());
    return { ok: true, warnings: loaded.warnings, commit: { ...record } };
  }

  private stamp(): CommitStamp {
    const last = this.commits[this.commits.length - 1];
    return last ? { time: last.time, user: last.user } : this.boot;
  }

  private cli(line: string, format: OpFormat): string | Refusal {
    const t = tokenize(line);
    const words = t.ok ? t.words : [];
    if (words.some((w) => w.includes('|'))) return new Refusal(`error: pipes (|) are not simulated; the simulator answers ${ANSWERS}`);
    const [verb, what, ...rest] = words;
    if (verb === 'show' && what === 'interfaces') {
      const modifiers = ['detail', 'extensive'];
      const names = rest.filter((w) => !modifiers.includes(w));
      if (names.length <= 1) return this.showInterfaces(names[0], format);
    }
    if (verb === 'show' && what === 'configuration' && rest.join(' ') === 'snmp rmon') return this.showRmon(format);
    if (verb === 'show' && what === 'system' && rest.join(' ') === 'commit') return this.showCommits(format);
    return new Refusal(`error: the simulator does not answer "${line.trim()}"; it answers ${ANSWERS}`);
  }

  private rpc(xml: string, format: OpFormat): string | Refusal {
    const doc = fromXml(xml);
    const rpc = doc.children.length === 1 && doc.children[0].name === 'rpc' ? doc.children[0] : doc;
    const call = rpc.children[0];
    if (!call) return new Refusal(`error: no RPC in ${JSON.stringify(xml.slice(0, 80))}`);
    if (call.name === 'get-interface-information') return this.showInterfaces(childText(call, 'interface-name') ?? undefined, format);
    if (call.name === 'get-configuration') return this.showRmon(format);
    if (call.name === 'get-commit-information') return this.showCommits(format);
    return new Refusal(`error: the simulator does not answer the RPC <${call.name}>; it answers <get-interface-information>, <get-configuration>, <get-commit-information>`);
  }

  private showInterfaces(name: string | undefined, format: OpFormat): string | Refusal {
    return this.interfaces.show(name, format) ?? new Refusal(`error: device ${name} not found`);
  }

  private showRmon(format: OpFormat): string {
    if (format === 'cli') return renderRmonText(this.committed);
    if (format === 'xml') return renderRmonXml(this.committed, this.stamp());
    return renderRmonJson(this.committed, this.stamp(), { numbersAsStrings: this.options.jsonNumbersAsStrings });
  }

  private showCommits(format: OpFormat): string {
    const history = this.commitHistory();
    const when = (d: Date): string => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    if (format === 'cli') {
      return history.map((c, i) => `${String(i).padEnd(4)}${when(c.time)} by ${c.user} via grpc\n${c.comment ? `    ${c.comment}\n` : ''}`).join('');
    }
    const info = container(
      'commit-information',
      history.map((c, i) =>
        container('commit-history', [
          leaf('sequence-number', i),
          leaf('user', c.user),
          leaf('client', 'grpc'),
          leaf('date-time', when(c.time), { attributes: { 'junos:seconds': String(Math.floor(c.time.getTime() / 1000)) } }),
          ...(c.comment ? [leaf('log', c.comment)] : []),
        ]),
      ),
    );
    return format === 'json' ? renderJson([info]) : renderXml([info]);
  }
}
