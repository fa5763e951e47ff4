/**
 * Junos configuration as text, in its two renderings (docs/protocol.md §6), read into statements:
 * - `set` lines, as `show configuration … | display set` prints them and as `load set` takes them
 *   (`set snmp rmon alarm 1 interval 1`), with `delete`, `deactivate` and `activate` lines;
 * - the curly-brace text of `show configuration` (`alarm 1 {` … `interval 1;` … `}`), relative to
 *   the hierarchy shown or from the top, with `inactive:` / `protect:` tags, `##` comments and
 *   `/* … *\/` annotations.
 * Both come out as {@link ConfigStatement}s: the words of a `set` line after the verb. A value in
 * double quotes is one word (quotes and backslash escapes removed). Shared by the readers of a
 * router's configuration (lib/junos/rmon-config.ts) and the simulator's loader (sim/management).
 */

export type ConfigVerb = 'set' | 'delete' | 'deactivate' | 'activate';

export interface ConfigStatement {
  verb: ConfigVerb;
  words: string[];
  /** Curly-brace text: the statement or an enclosing one is tagged `inactive:`. */
  inactive: boolean;
  /** 1-based line of the text it came from. */
  line: number;
}

export type Tokens = { ok: true; words: string[] } | { ok: false; column: number; message: string };

/**
 * The words of one line: blanks separate, a double-quoted string is one word (`\"` and `\\`
 * inside), `{`, `}`, `;`, `[` and `]` are words of their own, `##` outside quotes starts a comment.
 */
export function tokenize(line: string): Tokens {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' && line[i + 1] === '#') {
      break;
    } else if (c === '"') {
      let word = '';
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        word += line[j];
      }
      if (j >= line.length) return { ok: false, column: i + 1, message: 'unterminated quoted string' };
      words.push(word);
      i = j + 1;
    } else if ('{};[]'.includes(c)) {
      words.push(c);
      i++;
    } else {
      let j = i;
      while (j < line.length && !' \t\r"{};[]'.includes(line[j])) j++;
      words.push(line.slice(i, j));
      i = j;
    }
  }
  return { ok: true, words };
}

/** A word as a `set` line writes it: quoted when it holds a blank, a quote or a special character. */
export function quoteWord(word: string): string {
  return word === '' || /[\s"{};[\]#\\]/.test(word) ? `"${word.replace(/[\\"]/g, '\\$&')}"` : word;
}

export type ParsedText = { ok: true; statements: ConfigStatement[] } | { ok: false; line: number; message: string };

const VERBS: readonly ConfigVerb[] = ['set', 'delete', 'deactivate', 'activate'];

/** `set`-style lines: one statement per non-empty line; a line without a known verb is an error. */
export function parseSetLines(text: string): ParsedText {
  const statements: ConfigStatement[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const t = tokenize(lines[n]);
    if (!t.ok) return { ok: false, line: n + 1, message: t.message };
    if (t.words.length === 0) continue;
    const verb = t.words[0] as ConfigVerb;
    if (!VERBS.includes(verb)) return { ok: false, line: n + 1, message: `syntax error: ${t.words[0]}` };
    statements.push({ verb, words: t.words.slice(1), inactive: false, line: n + 1 });
  }
  return { ok: true, statements };
}

/**
 * Curly-brace text: every leaf (`words;`) and every container (`words {`) becomes a `set`
 * statement of its full path, so an empty container is still there. `inactive:` on a container
 * makes everything in it inactive. Unbalanced braces and a statement without its `;` are errors.
 */
export function parseCurlyText(text: string): ParsedText {
  const statements: ConfigStatement[] = [];
  const path: Array<{ words: string[]; inactive: boolean }> = [];
  let pending: string[] = [];
  let pendingLine = 0;
  const lines = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).split('\n');
  for (let n = 0; n < lines.length; n++) {
    const t = tokenize(lines[n]);
    if (!t.ok) return { ok: false, line: n + 1, message: t.message };
    for (const w of t.words) {
      if (pending.length === 0) pendingLine = n + 1;
      if (w === '{' || w === ';') {
        let inactive = path.length > 0 && path[path.length - 1].inactive;
        const words = pending.filter((x) => {
          if (x === 'inactive:') inactive = true;
          return x !== 'inactive:' && x !== 'protect:';
        });
        pending = [];
        if (words.length === 0) {
          if (w === '{') return { ok: false, line: n + 1, message: 'syntax error: { without a statement' };
          continue;
        }
        const full = [...path.flatMap((p) => p.words), ...words.filter((x) => x !== '[' && x !== ']')];
        statements.push({ verb: 'set', words: full, inactive, line: pendingLine });
        if (w === '{') path.push({ words, inactive });
      } else if (w === '}') {
        if (pending.length > 0) return { ok: false, line: n + 1, message: `syntax error: missing ; after ${pending.join(' ')}` };
        if (path.length === 0) return { ok: false, line: n + 1, message: 'syntax error: } without {' };
        path.pop();
      } else {
        pending.push(w);
      }
    }
  }
  if (pending.length > 0) return { ok: false, line: pendingLine, message: `syntax error: missing ; after ${pending.join(' ')}` };
  if (path.length > 0) return { ok: false, line: lines.length, message: 'syntax error: missing }' };
  return { ok: true, statements };
}

/** Set-style when the first statement starts with a verb, else curly-brace text. */
export function parseConfigText(text: string): ParsedText {
  const first = text.split('\n').map((l) => tokenize(l)).find((t) => !t.ok || t.words.length > 0);
  if (first && first.ok && VERBS.includes(first.words[0] as ConfigVerb)) return parseSetLines(text);
  return parseCurlyText(text);
}
