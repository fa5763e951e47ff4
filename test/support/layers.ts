/**
 * The layers of lib/, as a rule over import lists (test/unit/layers.test.ts applies it to the tree):
 *  - lib/core is transport-neutral: it imports no transport (lib/grpc, lib/thrift, lib/mqtt) and
 *    not lib/router, which composes them;
 *  - nothing in lib imports nodes/, sim/, test/, `node-red` or `@node-red/*` (nor the other code
 *    that sits above it: editor/, bench/, scripts/);
 *  - lib/net and lib/flow-props.ts are the bottom: they import nothing in lib but each other;
 *  - a transport imports no other transport and not lib/router;
 *  - the folders of lib (a file at its top counts as a folder of its own) import each other
 *    without a cycle.
 * `layerViolations` is pure (no file system); `libImports` reads the tree.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** One import: the importing file (relative to the repository root, `/`-separated) and what it names. */
export interface ImportEdge {
  file: string;
  specifier: string;
}

export type LayerRule = 'core-imports-transport' | 'lib-imports-outside' | 'bottom-imports-lib' | 'transport-imports-transport' | 'folder-cycle';

export interface LayerViolation {
  rule: LayerRule;
  /** The import(s) that break the rule (a cycle: one per folder on it). */
  edges: ImportEdge[];
  message: string;
}

const TRANSPORTS = new Set(['grpc', 'thrift', 'mqtt']);
const BOTTOM = new Set(['net', 'flow-props']);
const OUTSIDE_DIRS = ['nodes', 'sim', 'test', 'editor', 'bench', 'scripts'];

/** The folder of lib a path is in (`lib/core/hub.ts` → core; `lib/flow-props.ts` → flow-props); null outside lib. */
export function libUnit(p: string): string | null {
  const parts = p.split('/');
  if (parts[0] !== 'lib' || parts.length < 2 || parts[1] === '' || parts[1] === '..') return null;
  return parts[1].replace(/\.(d\.)?[cm]?[jt]s$/, '');
}

/** Where an import points: a repository path for a relative one, else the package name as written. */
function target(edge: ImportEdge): { path: string | null; pkg: string | null } {
  if (edge.specifier.startsWith('.')) {
    return { path: path.posix.normalize(path.posix.join(path.posix.dirname(edge.file), edge.specifier)), pkg: null };
  }
  return { path: null, pkg: edge.specifier };
}

function isNodeRed(pkg: string): boolean {
  return pkg === 'node-red' || pkg.startsWith('node-red/') || pkg.startsWith('@node-red/');
}

function outsideDir(p: string): string | null {
  return OUTSIDE_DIRS.find((d) => p === d || p.startsWith(`${d}/`)) ?? null;
}

/** Every import of a lib file that breaks a rule of the header; [] when the layers hold. */
export function layerViolations(edges: readonly ImportEdge[]): LayerViolation[] {
  const out: LayerViolation[] = [];
  /** Folder graph: from → to → the first import that makes the edge. */
  const graph = new Map<string, Map<string, ImportEdge>>();
  for (const edge of edges) {
    const from = libUnit(edge.file);
    if (from === null) continue;
    const { path: p, pkg } = target(edge);
    const what = `${edge.file} imports '${edge.specifier}'`;
    if (pkg !== null) {
      if (isNodeRed(pkg)) out.push({ rule: 'lib-imports-outside', edges: [edge], message: `${what}: lib runs without Node-RED` });
      continue;
    }
    const dir = outsideDir(p!);
    if (dir !== null) {
      out.push({ rule: 'lib-imports-outside', edges: [edge], message: `${what}: lib never imports ${dir}/` });
      continue;
    }
    const to = libUnit(p!);
    if (to === null || to === from) continue;
    if (from === 'core' && (TRANSPORTS.has(to) || to === 'router')) {
      out.push({ rule: 'core-imports-transport', edges: [edge], message: `${what}: lib/core knows no transport and not lib/router (lib/${to})` });
    }
    if (BOTTOM.has(from) && !BOTTOM.has(to)) {
      out.push({ rule: 'bottom-imports-lib', edges: [edge], message: `${what}: lib/${from} is the bottom layer, it imports only lib/net and lib/flow-props` });
    }
    if (TRANSPORTS.has(from) && (TRANSPORTS.has(to) || to === 'router')) {
      out.push({ rule: 'transport-imports-transport', edges: [edge], message: `${what}: a transport imports no other transport and not lib/router (lib/${to})` });
    }
    let next = graph.get(from);
    if (!next) graph.set(from, (next = new Map()));
    if (!next.has(to)) next.set(to, edge);
  }
  for (const cycle of folderCycles(graph)) {
    const steps = cycle.map((unit, i) => graph.get(unit)!.get(cycle[(i + 1) % cycle.length])!);
    out.push({
      rule: 'folder-cycle',
      edges: steps,
      message: `lib folders import each other in a cycle ${[...cycle, cycle[0]].join(' → ')}: ${steps.map((e) => `${e.file} imports '${e.specifier}'`).join('; ')}`,
    });
  }
  return out;
}

/** One cycle (as a list of folders, each importing the next) per strongly connected group of folders. */
function folderCycles(graph: Map<string, Map<string, ImportEdge>>): string[][] {
  // Tarjan's strongly connected components; a component of more than one folder holds a cycle.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return components.map((component) => cycleWithin(graph, new Set(component)));
}

/** A cycle through the first folder (by name) of a strongly connected group: breadth-first back to it. */
function cycleWithin(graph: Map<string, Map<string, ImportEdge>>, members: Set<string>): string[] {
  const start = [...members].sort()[0];
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v)?.keys() ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const cycle = [v];
        while (cycle[0] !== start) cycle.unshift(parent.get(cycle[0])!);
        return cycle;
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...members].sort(); // not reached: every member of a strongly connected group leads back
}

/** Every import of every lib/**\/*.ts under `root`, except the generated lib/gen* folders. */
export function libImports(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!(dir === 'lib' && entry.name.startsWith('gen'))) walk(rel);
      } else if (entry.name.endsWith('.ts')) {
        const text = fs.readFileSync(path.join(root, rel), 'utf8');
        for (const f of ts.preProcessFile(text, true, true).importedFiles) edges.push({ file: rel, specifier: f.fileName });
      }
    }
  };
  walk('lib');
  return edges;
}
