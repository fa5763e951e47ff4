/**
 * Junos output as one tree, whatever format the router answered in (docs/protocol.md §6, "The
 * management API"): an XML document, or the JSON Junos makes of the same XML. The parsers of
 * lib/junos read this tree, so one walk serves both formats.
 *
 * How Junos renders XML as JSON, and how it is read back here:
 * - operational output: every element is an array of objects, every leaf `{"data": "…"}`, a flag
 *   `{"data": [null]}`, XML attributes under `"attributes"`
 *   (`{"interface-information":[{"logical-interface":[{"name":[{"data":"ge-0/0/0.0"}]}]}]}`);
 * - configuration: containers are objects, lists arrays, leaves plain values (strings or numbers:
 *   which one is not documented, both are read), flags `[null]`, attributes under `"@"` and a
 *   leaf's under `"@<leaf>"` (`{"@interval": {"inactive": true}}`).
 * XML: namespace prefixes are dropped from element names (`junos:comment` is `comment`), attributes
 * keep theirs; text keeps its surrounding whitespace (Junos wraps some in newlines): callers trim.
 *
 * Nothing here throws on what a router may send: text around the JSON or XML (a CLI prompt suffix
 * such as `{master:0}`, a warning line) is kept as `preamble`/ignored, unbalanced XML is closed.
 */

export interface JunosElement {
  /** Local name (no namespace prefix); '' for the document. */
  name: string;
  attributes: Record<string, string>;
  /** The element's own text (concatenated, entities decoded, not trimmed); '' for a flag or a container. */
  text: string;
  children: JunosElement[];
}

export type JunosOutput =
  | { format: 'json' | 'xml'; root: JunosElement; preamble: string }
  | { format: 'text'; text: string };

function element(name: string): JunosElement {
  return { name, attributes: {}, text: '', children: [] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(scalar).join(' ');
  if (isRecord(v)) return '';
  return String(v);
}

function attributesOf(v: unknown, into: Record<string, string>): void {
  if (!isRecord(v)) return;
  for (const [k, a] of Object.entries(v)) into[k] = a === true ? k.replace(/^.*:/, '') : scalar(a);
}

/** The elements named `name` that a JSON value stands for (an array: one per item). */
function jsonElements(name: string, value: unknown): JunosElement[] {
  if (Array.isArray(value)) return value.map((item) => jsonElement(name, item));
  return [jsonElement(name, value)];
}

function jsonElement(name: string, value: unknown): JunosElement {
  const el = element(name);
  if (!isRecord(value)) {
    el.text = scalar(value);
    return el;
  }
  const leafAttributes: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === 'data') el.text = scalar(v);
    else if (k === 'attributes' || k === '@') attributesOf(v, el.attributes);
    else if (k.startsWith('@')) leafAttributes.push([k.slice(1), v]);
    else el.children.push(...jsonElements(k, v));
  }
  for (const [leaf, attrs] of leafAttributes) {
    const targets = el.children.filter((c) => c.name === leaf);
    targets.forEach((t, i) => attributesOf(Array.isArray(attrs) ? attrs[i] : attrs, t.attributes));
  }
  return el;
}

/** The tree of a parsed JSON value: a document whose children are the top-level keys. */
export function fromJunosJson(value: unknown): JunosElement {
  return jsonElement('', isRecord(value) ? value : { data: value });
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * The tree of an XML text. Lenient: declarations, comments and doctypes are skipped, CDATA is
 * text, an end tag closes up to its matching open element (a stray one is ignored), elements
 * still open at the end are closed, and a `<` that starts no tag ends the document.
 */
export function fromXml(xml: string): JunosElement {
  const doc = element('');
  const stack: JunosElement[] = [doc];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const top = stack[stack.length - 1];
    if (lt < 0) {
      top.text += decodeEntities(xml.slice(i));
      break;
    }
    if (lt > i) top.text += decodeEntities(xml.slice(i, lt));
    const skip = (open: string, close: string): number => (xml.startsWith(open, lt) ? xml.indexOf(close, lt + open.length) : -2);
    const cdata = skip('<![CDATA[', ']]>');
    if (cdata !== -2) {
      const end = cdata < 0 ? xml.length : cdata;
      top.text += xml.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    const comment = skip('<!--', '-->');
    if (comment !== -2) {
      i = comment < 0 ? xml.length : comment + 3;
      continue;
    }
    const gt = tagEnd(xml, lt);
    if (gt < 0) break;
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('?') || tag.startsWith('!')) continue;
    if (tag.startsWith('/')) {
      const name = localName(tag.slice(1).trim());
      let at = stack.length - 1;
      while (at > 0 && stack[at].name !== name) at--;
      if (at > 0) stack.length = at;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^\s*([^\s/>]+)/.exec(body);
    if (!m) continue;
    const el = element(localName(m[1]));
    for (const a of body.slice(m[0].length).matchAll(ATTRIBUTE)) el.attributes[a[1]] = decodeEntities(a[2] ?? a[3] ?? '');
    top.children.push(el);
    if (!selfClosing) stack.push(el);
  }
  return doc;
}

/** The '>' that ends the tag starting at `lt`, outside quoted attribute values; -1 if none. */
function tagEnd(xml: string, lt: number): number {
  let quote = '';
  for (let i = lt + 1; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

function localName(qualified: string): string {
  const colon = qualified.lastIndexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** The end (exclusive) of the JSON value that starts at `start` ('{' or '['), or -1 if it never closes. */
function jsonEnd(s: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * What a router's output is: the first line that starts with '{' or '[' and holds a complete JSON
 * value makes it JSON, the first that starts with '<' makes it XML; anything else is text. The
 * lines before the structured part are the `preamble` (a warning, an error line).
 */
export function readJunosOutput(output: string): JunosOutput {
  const starts = /^[ \t]*([{[<])/gm;
  for (const m of output.matchAll(starts)) {
    const at = (m.index ?? 0) + m[0].length - 1;
    const preamble = output.slice(0, m.index ?? 0);
    if (m[1] === '<') return { format: 'xml', root: fromXml(output.slice(at)), preamble };
    const end = jsonEnd(output, at);
    if (end >= 0) {
      try {
        return { format: 'json', root: fromJunosJson(JSON.parse(output.slice(at, end))), preamble };
      } catch {
        // Not JSON after all.
      }
    }
    // A one-line brace that is no JSON (a prompt suffix such as {master:0}) is skipped; JSON that
    // never closes or does not parse is not read piecemeal (a fragment of cut output could mislead).
    if (end < 0 || output.slice(at, end).includes('\n')) break;
  }
  return { format: 'text', text: output };
}

/** The direct children named `name`. */
export function childrenNamed(el: JunosElement, name: string): JunosElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The trimmed text of the first direct child named `name`, or null when there is none. */
export function childText(el: JunosElement, name: string): string | null {
  const c = el.children.find((x) => x.name === name);
  return c ? c.text.trim() : null;
}

/** Every element named one of `names`, depth first, in document order (not below a match). */
export function findElements(root: JunosElement, names: readonly string[]): JunosElement[] {
  const out: JunosElement[] = [];
  const walk = (el: JunosElement): void => {
    for (const c of el.children) {
      if (names.includes(c.name)) out.push(c);
      else walk(c);
    }
  };
  walk(root);
  return out;
}

/** Whether Junos marks this element inactive (`inactive="inactive"`, JSON `{"inactive": true}`). */
export function isInactive(el: JunosElement): boolean {
  const v = el.attributes.inactive ?? el.attributes['junos:inactive'];
  return v !== undefined && v !== 'false';
}

/** A router's message as the CLI prints it: whitespace collapsed, `error: ` in front. */
export function errorLine(message: string): string {
  const m = message.replace(/\s+/g, ' ').trim();
  return /^error:/.test(m) ? m : `error: ${m}`;
}

/**
 * The errors a router's output reports, in its own words (`error: device ge-9/9/9 not found`):
 * `error:` lines of text output or of the preamble, and the `rpc-error` / `xnm:error` elements of
 * XML or JSON (warnings are not errors). Empty when there are none.
 */
export function routerErrors(out: JunosOutput): string[] {
  const errors: string[] = [];
  const lines = out.format === 'text' ? out.text : out.preamble;
  // Lower case, as Junos prints it: "Errors: 0" in interface counters is no error line.
  for (const m of lines.matchAll(/^[ \t]*error:[ \t]*(.*\S)[ \t]*\r?$/gm)) errors.push(errorLine(m[1]));
  if (out.format !== 'text') {
    for (const e of findElements(out.root, ['rpc-error', 'error'])) {
      const severity = childText(e, 'error-severity') ?? childText(e, 'severity');
      if (severity !== null && severity.toLowerCase() !== 'error') continue;
      const message = childText(e, 'error-message') ?? childText(e, 'message') ?? (e.children.length === 0 ? e.text.trim() : '');
      if (message !== '') errors.push(errorLine(message));
    }
  }
  return errors;
}
