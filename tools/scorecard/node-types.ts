/**
 * What a package's node sets register: the types of each node's editor .html (its registerType
 * calls, read with acorn when it is installed, else with a regular expression) and of its runtime
 * .js (loaded with a fake RED that records registerType), and the types the Node-RED core registers.
 */
import * as fs from 'fs';
import * as path from 'path';
import { filesUnder, Json, optionalRequire, ROOT } from './util';

export interface Registration {
  /** The type (null when it is not a string literal). */
  type: string | null;
  /** Its palette category, when a literal. */
  category: string | undefined;
}

/** An ESTree node, as far as these checks read it. */
interface AstNode {
  type: string;
  [key: string]: unknown;
}

interface Acorn {
  parse(src: string, options: { ecmaVersion: 'latest'; sourceType: 'script' | 'module' }): AstNode;
}

/**
 * The registerType calls of a node's editor .html: [{ type, category }] (category undefined when it
 * is not a literal). Reads the JavaScript <script> blocks with acorn when it is installed (it comes
 * with node-red), else with a regular expression.
 */
export function htmlRegistrations(file: string, dir: string): Registration[] {
  const text = fs.readFileSync(file, 'utf8');
  const blocks: string[] = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const attrs = m[1];
    if (/\bsrc\s*=/i.test(attrs)) continue;
    const t = /\btype\s*=\s*["']([^"']*)["']/i.exec(attrs);
    if (t && !/^(text|application)\/javascript$|^module$/i.test(t[1].trim())) continue;
    blocks.push(m[2]);
  }
  const acorn = optionalRequire<Acorn>('acorn', dir);
  const regs: Registration[] = [];
  for (const src of blocks) {
    let ast: AstNode | null = null;
    if (acorn) {
      for (const sourceType of ['script', 'module'] as const) {
        try {
          ast = acorn.parse(src, { ecmaVersion: 'latest', sourceType });
          break;
        } catch {
          /* next */
        }
      }
    }
    if (ast) regs.push(...registrationsFromAst(ast));
    else regs.push(...registrationsFromText(src));
  }
  return regs;
}

function literalString(node: unknown): string | undefined {
  const n = node as (AstNode & { value?: unknown; expressions?: unknown[]; quasis?: Array<{ value: { cooked: string } }> }) | undefined;
  if (!n) return undefined;
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n.type === 'TemplateLiteral' && n.expressions?.length === 0 && n.quasis) return n.quasis[0].value.cooked;
  return undefined;
}

export function registrationsFromAst(ast: AstNode): Registration[] {
  const regs: Registration[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    const n = node as AstNode | null;
    if (!n || typeof n.type !== 'string') return;
    if (n.type === 'CallExpression') {
      const callee = n.callee as (AstNode & { computed?: boolean; property: { name?: string } }) | undefined;
      const name = callee && callee.type === 'MemberExpression' && !callee.computed ? callee.property.name : undefined;
      if (name === 'registerType') {
        const args = n.arguments as AstNode[];
        const type = literalString(args[0]);
        const def = args[1] as (AstNode & { properties: Array<AstNode & { computed: boolean; key: { type: string; name?: string; value?: unknown }; value: unknown }> }) | undefined;
        let category: string | undefined;
        if (def && def.type === 'ObjectExpression') {
          for (const p of def.properties) {
            if (p.type !== 'Property' || p.computed) continue;
            const key = p.key.type === 'Identifier' ? p.key.name : p.key.value;
            if (key === 'category') category = literalString(p.value);
          }
        }
        regs.push({ type: type === undefined ? null : type, category });
      }
    }
    for (const k of Object.keys(n)) {
      if (k === 'type' || k === 'start' || k === 'end' || k === 'loc') continue;
      const v = n[k];
      if (v && typeof v === 'object') visit(v);
    }
  };
  visit(ast);
  return regs;
}

export function registrationsFromText(src: string): Registration[] {
  const regs: Registration[] = [];
  const re = /registerType\s*\(\s*(?:(['"`])((?:\\.|(?!\1)[^\\])*)\1)?/g;
  const starts: Array<{ index: number; type: string | null }> = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) starts.push({ index: m.index, type: m[1] ? m[2] : null });
  starts.forEach((s, i) => {
    const body = src.slice(s.index, i + 1 < starts.length ? starts[i + 1].index : src.length);
    const c = /\bcategory\s*:\s*(['"`])([^'"`]*)\1/.exec(body);
    regs.push({ type: s.type, category: c ? c[2] : undefined });
  });
  return regs;
}

/**
 * Loads a node's runtime .js with a fake RED that records the registerType calls, as Node-RED
 * would call it: module.exports(RED). Every other RED property is a callable no-op.
 */
export async function runtimeRegistrations(file: string): Promise<Array<string | null>> {
  const types: Array<string | null> = [];
  type Fake = (() => void) & { chain: string[] };
  const handler: ProxyHandler<Fake> = {
    get(target, prop) {
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return fake([...target.chain, String(prop)]);
    },
    apply(target, _thisArg, args: unknown[]) {
      if (target.chain[target.chain.length - 1] === 'registerType') types.push(typeof args[0] === 'string' ? args[0] : null);
      return fake([...target.chain, '()']);
    },
    construct(target) {
      return fake([...target.chain, 'new']);
    },
  };
  function fake(chain: string[]): Fake {
    const f = function () {} as Fake;
    f.chain = chain;
    return new Proxy(f, handler);
  }
  let init = require(file) as unknown;
  if (init && typeof init !== 'function' && typeof (init as { default?: unknown }).default === 'function') init = (init as { default: unknown }).default;
  if (typeof init !== 'function') throw new Error('module.exports is not a function(RED)');
  await Promise.race([
    Promise.resolve((init as (red: unknown) => unknown)(fake(['RED']))),
    new Promise((_resolve, reject) => setTimeout(() => reject(new Error('module.exports(RED) did not settle in 10 s')), 10000).unref()),
  ]);
  return types;
}

/** The types the Node-RED core registers (from @node-red/nodes as installed), plus editor built-ins. */
export function coreTypes(dir: string): { types: Set<string>; version: string } {
  let pkgFile: string | null = null;
  for (const base of [dir, ROOT]) {
    try {
      pkgFile = require.resolve('@node-red/nodes/package.json', { paths: [base] });
      break;
    } catch {
      /* next */
    }
  }
  if (!pkgFile) throw new Error('@node-red/nodes is not installed (it comes with the node-red devDependency): the core node types cannot be read');
  const base = path.dirname(pkgFile);
  const types = new Set(['tab', 'subflow', 'group', 'junction', 'unknown']);
  for (const f of filesUnder(path.join(base, 'core'), '.html')) {
    for (const r of htmlRegistrations(f, dir)) if (r.type) types.add(r.type);
  }
  if (types.size < 20) throw new Error(`only ${types.size} core node types read from ${base}`);
  return { types, version: (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { version: string }).version };
}

/** One node set of package.json "node-red".nodes, as its files register it. */
export interface NodeSet {
  name: string;
  js: string;
  html: string;
  jsTypes: Array<string | null> | null;
  htmlRegs: Registration[] | null;
  errors: string[];
}

/** What each node set of package.json "node-red".nodes registers, from its .js and its .html. */
export async function readNodeSets(dir: string, pkg: Json): Promise<NodeSet[]> {
  const sets: NodeSet[] = [];
  for (const [name, rel] of Object.entries((pkg['node-red'] as { nodes: Json }).nodes)) {
    const set: NodeSet = { name, js: String(rel), html: '', jsTypes: null, htmlRegs: null, errors: [] };
    const jsFile = path.resolve(dir, String(rel));
    const htmlFile = jsFile.replace(/\.js$/i, '') + '.html';
    set.html = path.relative(dir, htmlFile).split(path.sep).join('/');
    if (!fs.existsSync(jsFile)) set.errors.push(`${rel} not found (run npm run build)`);
    else {
      try {
        set.jsTypes = await runtimeRegistrations(jsFile);
      } catch (e) {
        set.errors.push(`${rel} could not be loaded with a fake RED: ${e && (e as Error).message ? (e as Error).message.split('\n')[0] : e}`);
      }
    }
    if (!fs.existsSync(htmlFile)) set.errors.push(`${set.html} not found`);
    else {
      try {
        set.htmlRegs = htmlRegistrations(htmlFile, dir);
      } catch (e) {
        set.errors.push(`${set.html}: ${(e as Error).message}`);
      }
    }
    sets.push(set);
  }
  return sets;
}
