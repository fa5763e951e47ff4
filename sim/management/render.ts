/**
 * How the simulated router writes operational output (docs/protocol.md §6, "The management API"):
 * one tree of {@link OutNode}s rendered the way Junos renders its XML replies, as XML (inside an
 * `rpc-reply`, `junos:` attributes, some values wrapped in newlines as Junos prints them) or as
 * Junos's JSON (every element an array of objects, a leaf `{"data": "…"}`, a flag
 * `{"data": [null]}`, an empty container `{}`, attributes under `"attributes"`). The plugin's
 * parsers (lib/junos) read these shapes; test/sim/management.test.ts checks them against
 * samples in Junos's own shape.
 */
import { escapeXml } from '../../lib/junos/tree';

/** The Junos release the simulator's XML namespaces name. */
export const JUNOS_RELEASE = '19.4R1';
export const JUNOS_NS = `http://xml.juniper.net/junos/${JUNOS_RELEASE}/junos`;

export interface OutNode {
  name: string;
  /** A leaf's value; absent for a container or a flag. */
  text?: string;
  /** A flag (`<iff-up/>`, `{"data": [null]}`). */
  flag?: boolean;
  /** XML: the value on its own line (`<name>\nge-0/0/0\n</name>`), as Junos prints some. */
  wrap?: boolean;
  attributes?: Record<string, string>;
  children?: OutNode[];
}

export function leaf(name: string, text: string | number, extra: Partial<OutNode> = {}): OutNode {
  return { name, text: String(text), ...extra };
}

export function flag(name: string): OutNode {
  return { name, flag: true };
}

export function container(name: string, children: OutNode[], attributes?: Record<string, string>): OutNode {
  return attributes ? { name, children, attributes } : { name, children };
}

function xmlOf(node: OutNode, indent: string): string {
  const attrs = Object.entries(node.attributes ?? {}).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  if (node.text !== undefined) {
    const value = escapeXml(node.text);
    return `${indent}<${node.name}${attrs}>${node.wrap ? `\n${value}\n` : value}</${node.name}>\n`;
  }
  const kids = node.children ?? [];
  if (node.flag || kids.length === 0) return `${indent}<${node.name}${attrs}/>\n`;
  return `${indent}<${node.name}${attrs}>\n${kids.map((k) => xmlOf(k, `${indent}    `)).join('')}${indent}</${node.name}>\n`;
}

/** The XML reply: `roots` inside `<rpc-reply xmlns:junos=…>`. */
export function renderXml(roots: readonly OutNode[]): string {
  return `<rpc-reply xmlns:junos="${JUNOS_NS}">\n${roots.map((r) => xmlOf(r, '    ')).join('')}</rpc-reply>\n`;
}

type Json = Record<string, unknown>;

function jsonOf(node: OutNode): Json {
  const out: Json = {};
  if (node.attributes) out.attributes = { ...node.attributes };
  if (node.text !== undefined) out.data = node.text;
  else if (node.flag) out.data = [null];
  for (const child of node.children ?? []) {
    const list = (out[child.name] ??= []) as Json[];
    list.push(jsonOf(child));
  }
  return out;
}

/** Junos's JSON of the same reply (no rpc-reply: Junos leaves it out of JSON). */
export function renderJson(roots: readonly OutNode[]): string {
  const top: Json = {};
  for (const r of roots) ((top[r.name] ??= []) as Json[]).push(jsonOf(r));
  return `${JSON.stringify(top, null, 4)}\n`;
}

/**
 * `text` cut into pieces of about `size` characters for a streamed reply, at any character (not at
 * line ends: a client must concatenate before parsing), never inside a surrogate pair. Text of
 * `size` or less is still two pieces when it has two characters, so every reply streams; '' is one
 * empty piece.
 */
export function chunks(text: string, size = 512): string[] {
  if (text.length <= 1) return [text];
  const step = Math.max(1, Math.min(size, Math.ceil(text.length / 2)));
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + step);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end++;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}
