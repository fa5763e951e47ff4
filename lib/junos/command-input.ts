/**
 * What a jet-command message asks the router for (nodes/jet-command.ts): an operational command
 * (`msg.xml` an XML RPC, else `msg.payload` one CLI command) or configuration lines for a load set
 * (`msg.payload`: text or an array of lines; blank lines and `#` comments dropped). Pure: the
 * errors say what is wrong in words a flow author can act on.
 */
import type { OpCommand, OutputFormat } from '../core/management';

/** Longest command or configuration accepted from a message. */
const MAX_INPUT = 1024 * 1024;

/** A node's output format: 'xml' or 'cli', anything else JSON. */
export function outputFormatOf(value: unknown): OutputFormat {
  return value === 'xml' || value === 'cli' ? value : 'json';
}

/** The command a message asks for; throws an Error saying what is wrong. */
export function commandOf(msg: { payload?: unknown; xml?: unknown }): OpCommand {
  if (msg.xml !== undefined && msg.xml !== null && msg.xml !== '') {
    if (typeof msg.xml !== 'string') throw new Error('msg.xml: expected the text of an XML RPC, e.g. <get-software-information/>');
    const xml = msg.xml.trim();
    if (!xml.startsWith('<') || xml.length > MAX_INPUT) throw new Error('msg.xml: expected the text of an XML RPC, e.g. <get-software-information/>');
    return { xml };
  }
  if (typeof msg.payload !== 'string' || msg.payload.trim() === '') throw new Error('msg.payload: expected a Junos operational command, e.g. "show version"');
  const cli = msg.payload.trim();
  if (cli.length > MAX_INPUT || /[\r\n]/.test(cli)) throw new Error('msg.payload: expected one Junos operational command on one line');
  return { cli };
}

/** The configuration lines of a message: text or an array of lines; throws an Error saying what is wrong. */
export function configurationOf(payload: unknown): string[] {
  const lines = Array.isArray(payload) ? payload : typeof payload === 'string' ? payload.split(/\r?\n/) : null;
  if (!lines || lines.some((l) => typeof l !== 'string')) throw new Error('msg.payload: expected configuration lines ("set ..." / "delete ..."), as text or an array of strings');
  const kept = (lines as string[]).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (kept.length === 0) throw new Error('msg.payload: no configuration lines to load');
  if (kept.join('\n').length > MAX_INPUT) throw new Error('msg.payload: more configuration than 1 MiB');
  return kept;
}
