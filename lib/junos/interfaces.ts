/**
 * The SNMP ifIndex of an interface, from the router's answer to `show interfaces <name>`
 * (docs/protocol.md §6, "The management API"), in any of the three formats Junos answers in:
 * - JSON and XML (lib/junos/tree.ts): a `logical-interface` element for an IFL (ge-0/0/0.0), a
 *   `physical-interface` for an IFD (ge-0/0/0) with its own `snmp-index` and its units nested;
 *   the index is the `snmp-index` child of the element named as asked, never a nested unit's;
 * - CLI text: `Logical interface ge-0/0/0.0 (Index 70) (SNMP ifIndex 541)` for an IFL;
 *   `Physical interface: ge-0/0/0, Enabled, Physical link is Up` followed by
 *   `Interface index: 148, SNMP ifIndex: 513` for an IFD.
 * An error the router reports (`error: device ge-9/9/9 not found`, as a CLI line, an `rpc-error`
 * or a failed call's status message: {@link lookupFailure}) comes back in the router's words.
 *
 * Output streamed in several messages is parsed once concatenated. Pure: no I/O, never throws.
 */
import { childrenNamed, childText, findElements, JunosElement, readJunosOutput, routerErrors, escapeXml } from './tree';

export type InterfaceKind = 'logical' | 'physical';

export type InterfaceLookup =
  | { found: true; name: string; kind: InterfaceKind; ifIndex: number }
  | {
      found: false;
      /**
       * not-found: the router says there is no such interface; router-error: it reported another
       * error; no-index: the interface is there but its answer has no SNMP ifIndex (cRPD's CLI
       * output has none); unreadable: the answer does not show the interface at all.
       */
      reason: 'not-found' | 'router-error' | 'no-index' | 'unreadable';
      /** The router's words for not-found and router-error; what was missing otherwise. */
      message: string;
    };

/** SNMP ifIndex: 1 .. 2^31-1. */
const MAX_IFINDEX = 0x7fffffff;
/** An interface name as Junos writes one (ge-0/0/0.0, ae0, xe-1/0/0:2.100, irb.10, lo0): nothing a CLI would read as more. */
const NAME = /^[A-Za-z][A-Za-z0-9_./:-]{0,63}$/;

/** Whether `name` can be put in a command as an interface name (no blanks, pipes, quotes or wildcards). */
export function isInterfaceName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}

/** An IFL has a unit number after a dot (ge-0/0/0.0); anything else is an IFD. */
export function interfaceKind(name: string): InterfaceKind {
  return /\.\d+$/.test(name) ? 'logical' : 'physical';
}

/** The CLI command that asks for one interface. Throws a RangeError for a name {@link isInterfaceName} refuses. */
export function showInterfacesCommand(name: string): string {
  if (!isInterfaceName(name)) throw new RangeError(`not an interface name: ${JSON.stringify(name)}`);
  return `show interfaces ${name}`;
}

/** The XML RPC for the same command. Throws a RangeError for a name {@link isInterfaceName} refuses. */
export function interfaceInformationRpc(name: string): string {
  if (!isInterfaceName(name)) throw new RangeError(`not an interface name: ${JSON.stringify(name)}`);
  return `<get-interface-information><interface-name>${escapeXml(name)}</interface-name></get-interface-information>`;
}

function ifIndexOf(text: string | null): number | null {
  if (text === null || !/^\d{1,10}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= MAX_IFINDEX ? n : null;
}

function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * What a router's error message means for a lookup of `name`: not-found when it says the
 * interface is not found or does not exist, else router-error. For a call that failed with a
 * status message instead of answering.
 */
export function lookupFailure(message: string): Extract<InterfaceLookup, { found: false }> {
  const words = message.replace(/\s+/g, ' ').trim();
  const notFound = /\bnot found\b|does not exist|no such (device|interface)/i.test(words);
  return { found: false, reason: notFound ? 'not-found' : 'router-error', message: words };
}

function fromTree(root: JunosElement, name: string): InterfaceLookup {
  const candidates = findElementsDeep(root);
  const match = candidates.find((el) => sameName(childText(el, 'name') ?? '', name));
  if (!match) {
    const listed = candidates.map((el) => childText(el, 'name') ?? '?');
    const what = listed.length ? `lists ${listed.slice(0, 5).join(', ')}${listed.length > 5 ? ', …' : ''}` : 'lists no interface';
    return { found: false, reason: 'unreadable', message: `the router's answer ${what}, not ${name}` };
  }
  const kind: InterfaceKind = match.name === 'logical-interface' ? 'logical' : 'physical';
  const ifIndex = ifIndexOf(childText(match, 'snmp-index'));
  if (ifIndex === null) {
    return { found: false, reason: 'no-index', message: `the router's answer for ${name} has no SNMP ifIndex` };
  }
  return { found: true, name: (childText(match, 'name') ?? name).trim(), kind, ifIndex };
}

/** Every physical and logical interface element, the units nested in an IFD included. */
function findElementsDeep(root: JunosElement): JunosElement[] {
  const out: JunosElement[] = [];
  for (const el of findElements(root, ['physical-interface', 'logical-interface'])) {
    out.push(el);
    out.push(...childrenNamed(el, 'logical-interface'));
  }
  return out;
}

const LOGICAL = /^\s*Logical interface\s+(\S+)(.*)$/;
const PHYSICAL = /^\s*Physical interface:\s*([^,\s]+)(.*)$/;
const SNMP = /SNMP ifIndex:?\s*(\d+)/;

function fromText(text: string, name: string): InterfaceLookup {
  const lines = text.split(/\r?\n/);
  const seen: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const logical = LOGICAL.exec(lines[i]);
    const physical = logical ? null : PHYSICAL.exec(lines[i]);
    const m = logical ?? physical;
    if (!m) continue;
    seen.push(m[1]);
    if (!sameName(m[1], name)) continue;
    // The index is on the header line (IFL; some IFD layouts) or on a line of this interface's
    // own block, before any unit or other interface begins.
    let index = SNMP.exec(m[2]);
    for (let j = i + 1; !index && j < lines.length && !LOGICAL.test(lines[j]) && !PHYSICAL.test(lines[j]); j++) {
      index = SNMP.exec(lines[j]);
    }
    const ifIndex = ifIndexOf(index ? index[1] : null);
    if (ifIndex === null) return { found: false, reason: 'no-index', message: `the router's answer for ${name} has no SNMP ifIndex` };
    return { found: true, name: m[1], kind: logical ? 'logical' : 'physical', ifIndex };
  }
  const what = seen.length ? `lists ${seen.slice(0, 5).join(', ')}${seen.length > 5 ? ', …' : ''}` : 'shows no interface';
  return { found: false, reason: 'unreadable', message: `the router's answer ${what}, not ${name}` };
}

/**
 * The SNMP ifIndex of interface `name` in `output`, the whole (concatenated) answer to
 * `show interfaces <name>` in JSON, XML or CLI text (told apart by content).
 */
export function parseInterfaceIndex(output: string, name: string): InterfaceLookup {
  const out = readJunosOutput(output);
  const errors = routerErrors(out);
  if (errors.length > 0) return lookupFailure(errors[0]);
  return out.format === 'text' ? fromText(out.text, name) : fromTree(out.root, name);
}
