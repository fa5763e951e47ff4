/**
 * The Flow Library scorecard rules (node-red-dev validate), checked locally with this package's own
 * code, as their documentation (github.com/node-red/node-red-dev-cli, docs/*.md) defines them:
 *
 *   P01 License                 P05 Node-RED keyword           N01 Node names
 *   P02 (skipped, see below)    P06 Minimum Node-RED version   N02 Examples
 *   P03 Repository or bugs      P07 Minimum Node version       D01 Number of dependencies
 *   P04 Naming                  P08 (skipped, see below)       D02 Bad packages
 *                                                              D03 Out-of-date dependencies
 *
 * P08 (similar names) needs the catalogue (catalogue.nodered.org), out of reach here, and is SKIP;
 * P02 is disabled in node-red-dev itself (it clones the repository) and is SKIP too. N01 cannot
 * compare with the other catalogue packages either: it checks the types against the Node-RED core
 * nodes and within the package. P06, P07 and D03 ask the npm registry (`npm view`); a failed
 * look-up fails the rule. The rules read the built node files and examples/ (npm run build).
 */
import * as fs from 'fs';
import * as path from 'path';
import { filesUnder, isObject, Json, nonEmptyString, NpmView, optionalRequire, q, ROOT } from './util';
import { coreTypes, NodeSet, readNodeSets } from './node-types';
import { productionTree } from './deps';

export interface Options {
  /** The package to check. */
  dir: string;
  /** Rule ids to run (null: all). */
  only: string[] | null;
  /** Node-RED majors whose newest release node-red.version must admit (P06). */
  majors: number[];
}

export type Status = 'PASS' | 'FAIL' | 'SKIP';

export interface RuleResult {
  status: Status;
  detail: string;
  data?: unknown;
}

/** What the semver module offers the rules (it comes with npm's dependencies; optional). */
export interface Semver {
  valid(v: string): string | null;
  validRange(range: string): string | null;
  satisfies(version: string, range: string): boolean;
  maxSatisfying(versions: readonly string[], range: string): string | null;
  minVersion(range: string): { version: string } | null;
}

/** `npm view node-red dist-tags versions engines`. */
export interface NodeRedInfo {
  'dist-tags'?: Record<string, string>;
  versions?: string[];
  engines?: unknown;
}

export interface Context {
  opts: Options;
  dir: string;
  pkg: Json;
  semver: Semver | null;
  npm: NpmView;
  nodeRedInfo(): Promise<NodeRedInfo>;
  /** The node sets of "node-red".nodes, read once (null: none declared). */
  nodeSets(): Promise<NodeSet[] | null>;
}

export interface Rule {
  id: string;
  title: string;
  run(ctx: Context): RuleResult | Promise<RuleResult>;
}

const SCOPED = /^@[a-z0-9~][a-z0-9._~-]*\/[a-z0-9~][a-z0-9._~-]*$/;
// From node-red-dev's src/badpackages.json: packages known to break Node-RED core (docs/D02.md).
const BAD_PACKAGES: Record<string, string> = { 'agent-base': '<6.0.0' };

function spdxParser(dir: string): ((expression: string) => unknown) | null {
  // No dependency of ours: spdx-expression-parse as npm itself carries it, when it can be found.
  const npmDirs = [path.join(dir, 'node_modules', 'npm'), path.join(ROOT, 'node_modules', 'npm'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm')];
  return optionalRequire<(expression: string) => unknown>('spdx-expression-parse', dir, npmDirs);
}

export const RULES: readonly Rule[] = [
  {
    id: 'P01', title: 'License',
    run(ctx) {
      const { pkg, dir } = ctx;
      const lic = pkg.license;
      if (lic === undefined) {
        return { status: 'FAIL', detail: `no "license" in package.json${pkg.licenses ? ' (the old "licenses" array is not read: use a "license" SPDX expression)' : ''}` };
      }
      if (!nonEmptyString(lic)) return { status: 'FAIL', detail: `"license" must be an SPDX expression or "SEE LICENSE IN <file>", not ${q(lic)}` };
      const see = /^SEE LICEN[CS]E IN (.+)$/i.exec(lic.trim());
      if (see) {
        const file = see[1].trim();
        return fs.existsSync(path.join(dir, file))
          ? { status: 'PASS', detail: `custom license in ${file}`, data: { license: lic } }
          : { status: 'FAIL', detail: `"license" refers to ${file}, which is not in the package`, data: { license: lic } };
      }
      if (lic.trim() === 'UNLICENSED') return { status: 'PASS', detail: 'UNLICENSED (proprietary)', data: { license: lic } };
      const parse = spdxParser(dir);
      if (parse) {
        try { parse(lic.trim()); } catch {
          return { status: 'FAIL', detail: `${q(lic)} is not a recognised SPDX license expression`, data: { license: lic } };
        }
        return { status: 'PASS', detail: `${lic} (a recognised SPDX expression)`, data: { license: lic } };
      }
      return /^[A-Za-z0-9.+-]+( +(AND|OR|WITH) +[A-Za-z0-9.+-]+)*$/.test(lic.replace(/[()]/g, ' ').trim().replace(/ +/g, ' '))
        ? { status: 'PASS', detail: `${lic} (SPDX list not available here: syntax checked only)`, data: { license: lic } }
        : { status: 'FAIL', detail: `${q(lic)} does not look like an SPDX license expression`, data: { license: lic } };
    },
  },
  {
    id: 'P02', title: 'Package name matches the repository',
    run() {
      return { status: 'SKIP', detail: 'not checked: node-red-dev disables this rule too (it needs a clone of the repository named in package.json)' };
    },
  },
  {
    id: 'P03', title: 'Repository or bugs URL/email',
    run({ pkg }) {
      const found: string[] = [];
      const repo = pkg.repository;
      if (nonEmptyString(repo)) found.push(`repository ${repo}`);
      else if (isObject(repo) && nonEmptyString(repo.url)) found.push(`repository ${repo.url}${repo.directory ? ` (${repo.directory})` : ''}`);
      const bugs = pkg.bugs;
      if (nonEmptyString(bugs)) found.push(`bugs ${bugs}`);
      else if (isObject(bugs)) {
        if (nonEmptyString(bugs.url)) found.push(`bugs ${bugs.url}`);
        if (nonEmptyString(bugs.email)) found.push(`bugs ${bugs.email}`);
      }
      if (found.length) return { status: 'PASS', detail: found.join('; ') };
      const bad = [repo !== undefined ? `repository ${q(repo)}` : '', bugs !== undefined ? `bugs ${q(bugs)}` : ''].filter(Boolean);
      return { status: 'FAIL', detail: `package.json needs a "repository" (URL) or "bugs" (URL or email)${bad.length ? `; unusable: ${bad.join(', ')}` : ''}` };
    },
  },
  {
    id: 'P04', title: 'Naming',
    run({ pkg }) {
      const name = pkg.name;
      if (!nonEmptyString(name)) return { status: 'FAIL', detail: 'package.json has no "name"' };
      if (SCOPED.test(name)) return { status: 'PASS', detail: `${name} is a scoped name` };
      if (name.startsWith('@')) return { status: 'FAIL', detail: `${name} is not a valid scoped name (@scope/name, lower case)` };
      if (/^node-?red/i.test(name) && !/^node-?red-contrib-/i.test(name)) {
        return { status: 'FAIL', detail: `${name}: an unscoped name starting with node-red or nodered must start with node-red-contrib- (new packages should use a scoped name, e.g. @scope/${name})` };
      }
      return { status: 'PASS', detail: `${name} is unscoped: acceptable only for packages first published before 1 December 2021; new packages should use a scoped name` };
    },
  },
  {
    id: 'P05', title: 'Node-RED keyword',
    run({ pkg }) {
      return Array.isArray(pkg.keywords) && pkg.keywords.includes('node-red')
        ? { status: 'PASS', detail: '"keywords" contains "node-red"' }
        : { status: 'FAIL', detail: '"keywords" must contain "node-red" (without it the Flow Library does not list the package)' };
    },
  },
  {
    id: 'P06', title: 'Minimum Node-RED version',
    async run(ctx) {
      const { pkg, semver } = ctx;
      const nr = isObject(pkg['node-red']) ? pkg['node-red'] : null;
      if (!nr) return { status: 'FAIL', detail: 'package.json has no "node-red" section' };
      if (!nonEmptyString(nr.version)) return { status: 'FAIL', detail: '"node-red"."version" (the minimum Node-RED version, e.g. ">=3.0.0") is not declared' };
      if (!semver) return { status: 'FAIL', detail: 'cannot check: the semver module is not installed' };
      const range = nr.version;
      if (!semver.validRange(range)) return { status: 'FAIL', detail: `"node-red"."version" ${q(range)} is not a semver range` };
      let info;
      try { info = await ctx.nodeRedInfo(); } catch (e) { return { status: 'FAIL', detail: `cannot check: ${(e as Error).message}` }; }
      const tags = Object.entries(info['dist-tags'] || {}).filter(([t]) => t === 'latest' || /maintenance/.test(t));
      if (!tags.length) return { status: 'FAIL', detail: 'cannot check: the registry shows no latest or maintenance tag for node-red' };
      const ok = tags.filter(([, v]) => semver.satisfies(v, range));
      const not = tags.filter(([, v]) => !semver.satisfies(v, range));
      const problems: string[] = [];
      if (!ok.length) problems.push(`admits none of the current releases (${tags.map(([t, v]) => `${t} ${v}`).join(', ')})`);
      const majors: Array<{ major: number; version: string; ok: boolean }> = [];
      for (const m of ctx.opts.majors) {
        const newest = semver.maxSatisfying(info.versions || [], `${m}.x`);
        if (!newest) { problems.push(`no Node-RED ${m}.x release found in the registry`); continue; }
        majors.push({ major: m, version: newest, ok: semver.satisfies(newest, range) });
        if (!semver.satisfies(newest, range)) problems.push(`does not admit Node-RED ${newest}, the newest ${m}.x`);
      }
      const data = { range, tags: Object.fromEntries(tags), admitted: ok.map(([, v]) => v), majors };
      if (problems.length) return { status: 'FAIL', detail: `${q(range)} ${problems.join('; ')}`, data };
      let detail = `${q(range)} admits ${ok.map(([t, v]) => `${t} ${v}`).join(', ')}`;
      if (not.length) detail += ` (not ${not.map(([t, v]) => `${t} ${v}`).join(', ')})`;
      if (majors.length) detail += `; newest of each supported major: ${majors.map((x) => x.version).join(', ')}`;
      return { status: 'PASS', detail, data };
    },
  },
  {
    id: 'P07', title: 'Minimum Node version',
    async run(ctx) {
      const { pkg, semver } = ctx;
      const want = isObject(pkg.engines) ? pkg.engines.node : undefined;
      if (!nonEmptyString(want)) return { status: 'FAIL', detail: '"engines"."node" (the minimum Node.js version) is not declared' };
      if (!semver) return { status: 'FAIL', detail: 'cannot check: the semver module is not installed' };
      if (!semver.validRange(want)) return { status: 'FAIL', detail: `"engines"."node" ${q(want)} is not a semver range` };
      let info;
      try { info = await ctx.nodeRedInfo(); } catch (e) { return { status: 'FAIL', detail: `cannot check: ${(e as Error).message}` }; }
      const latest = info['dist-tags'] && info['dist-tags'].latest;
      const nrNode = isObject(info.engines) ? info.engines.node : undefined;
      if (!latest || !nonEmptyString(nrNode) || !semver.validRange(nrNode)) {
        return { status: 'FAIL', detail: `cannot check: the registry shows no usable engines.node for node-red@${latest || 'latest'}` };
      }
      const min = (semver.minVersion(nrNode) as { version: string }).version;
      const data = { range: want, nodeRed: latest, nodeRedEngines: nrNode, nodeRedMinNode: min };
      return semver.satisfies(min, want)
        ? { status: 'PASS', detail: `${q(want)} admits Node ${min}, the minimum of Node-RED ${latest} (engines.node ${q(nrNode)})`, data }
        : { status: 'FAIL', detail: `${q(want)} does not admit Node ${min}, the minimum of Node-RED ${latest} (engines.node ${q(nrNode)})`, data };
    },
  },
  {
    id: 'P08', title: 'Similar names',
    run({ pkg }) {
      const base = String(pkg.name || '').split('/').pop();
      return { status: 'SKIP', detail: `needs the Flow Library catalogue (catalogue.nodered.org), which cannot be reached here: it compares ${q(base)} with the names of every catalogue package in any scope` };
    },
  },
  {
    id: 'N01', title: 'Node names',
    async run(ctx) {
      const sets = await ctx.nodeSets();
      if (!sets) return { status: 'SKIP', detail: 'no "node-red"."nodes" declared (a plugin?): node-red-dev skips the node checks too' };
      const problems: string[] = [];
      const owners = new Map<string, Set<string>>(); // type -> Set of node set names registering it
      const add = (type: string, set: string): void => {
        if (!owners.has(type)) owners.set(type, new Set());
        (owners.get(type) as Set<string>).add(set);
      };
      for (const s of sets) {
        problems.push(...s.errors);
        const jsTypes = s.jsTypes || [];
        const htmlTypes = (s.htmlRegs || []).map((r) => r.type);
        if (jsTypes.includes(null)) problems.push(`${s.js} calls registerType without a string type`);
        if (htmlTypes.includes(null)) problems.push(`${s.html} calls registerType with a type that is not a string literal`);
        for (const [list, where] of [[jsTypes, s.js], [htmlTypes, s.html]] as Array<[Array<string | null>, string]>) {
          const seen = new Set<string>();
          for (const t of list.filter((x): x is string => x !== null)) {
            if (seen.has(t)) problems.push(`${where} registers ${q(t)} twice`);
            seen.add(t);
            add(t, s.name);
          }
        }
        if (s.jsTypes && s.htmlRegs) {
          const onlyJs = [...new Set(jsTypes)].filter((t) => t !== null && !htmlTypes.includes(t));
          const onlyHtml = [...new Set(htmlTypes)].filter((t) => t !== null && !jsTypes.includes(t));
          if (onlyJs.length) problems.push(`${s.js} registers ${onlyJs.map(q).join(', ')}, which ${s.html} does not define`);
          if (onlyHtml.length) problems.push(`${s.html} defines ${onlyHtml.map(q).join(', ')}, which ${s.js} does not register`);
        }
        if (!jsTypes.length && !htmlTypes.length && !s.errors.length) problems.push(`node set ${q(s.name)} registers no type`);
      }
      for (const [t, who] of owners) if (who.size > 1) problems.push(`${q(t)} is registered by more than one node set (${[...who].join(', ')})`);
      let core: { types: Set<string>; version: string } | undefined;
      try { core = coreTypes(ctx.dir); } catch (e) { problems.push((e as Error).message); }
      const types = [...owners.keys()].sort();
      if (core) {
        const clash = types.filter((t) => core.types.has(t));
        if (clash.length) problems.push(`${clash.map(q).join(', ')} clash${clash.length === 1 ? 'es' : ''} with Node-RED core node types`);
      }
      const data = { types, coreNodesVersion: core ? core.version : null };
      if (problems.length) return { status: 'FAIL', detail: problems.join('; '), data };
      return {
        status: 'PASS',
        detail: `${types.length} types (${types.join(', ')}) registered once each, alike in .js and .html, none a core type of @node-red/nodes ${core ? core.version : ''}; other catalogue packages not compared (no catalogue here)`,
        data,
      };
    },
  },
  {
    id: 'N02', title: 'Examples',
    async run(ctx) {
      const sets = await ctx.nodeSets();
      if (!sets) return { status: 'SKIP', detail: 'no "node-red"."nodes" declared (a plugin?): node-red-dev skips the node checks too' };
      const problems: string[] = [];
      const nodeTypes = new Map<string, string | undefined>(); // type -> category as the .html declares it
      for (const s of sets) {
        if (!s.htmlRegs) { problems.push(`${s.html} not read, its node types cannot be checked`); continue; }
        for (const r of s.htmlRegs) if (r.type !== null) nodeTypes.set(r.type, r.category);
      }
      const checked = [...nodeTypes].filter(([, c]) => c !== 'config').map(([t]) => t).sort();
      const configs = [...nodeTypes].filter(([, c]) => c === 'config').map(([t]) => t).sort();
      const unknownCategory = [...nodeTypes].filter(([, c]) => c === undefined).map(([t]) => t);
      const exDir = path.join(ctx.dir, 'examples');
      const files = filesUnder(exDir, '.json');
      if (!files.length) return { status: 'FAIL', detail: 'no example flows: examples/ has no .json file (the build makes it from flows/)' };
      const used = new Set<string>();
      for (const f of files) {
        const rel = path.relative(ctx.dir, f).split(path.sep).join('/');
        let flow: unknown;
        try { flow = JSON.parse(fs.readFileSync(f, 'utf8')); } catch { problems.push(`${rel} is not valid JSON`); continue; }
        if (!Array.isArray(flow)) { problems.push(`${rel} is not a flow (a JSON array of nodes)`); continue; }
        for (const n of flow) if (isObject(n) && typeof n.type === 'string') used.add(n.type);
      }
      const missing = checked.filter((t) => !used.has(t));
      if (missing.length) problems.push(`no example uses ${missing.join(', ')}`);
      const data = { files: files.map((f) => path.relative(ctx.dir, f).split(path.sep).join('/')), checked, configExcluded: configs, missing };
      let note = '';
      const flowsDir = path.join(ctx.dir, 'flows');
      if (fs.existsSync(flowsDir)) {
        const stale = filesUnder(flowsDir, '.json').map((f) => path.relative(flowsDir, f))
          .filter((r) => !fs.existsSync(path.join(exDir, r)) || !fs.readFileSync(path.join(exDir, r)).equals(fs.readFileSync(path.join(flowsDir, r))));
        if (stale.length) note = `; note: examples/ differs from flows/ for ${stale.join(', ')} (run npm run build)`;
      }
      if (unknownCategory.length) note += `; note: category of ${unknownCategory.join(', ')} not a literal, counted as not config`;
      if (problems.length) return { status: 'FAIL', detail: problems.join('; ') + note, data };
      return {
        status: 'PASS',
        detail: `${checked.join(', ')} each used in ${data.files.join(', ')}${configs.length ? ` (config ${configs.join(', ')} excluded)` : ''}${note}`,
        data,
      };
    },
  },
  {
    id: 'D01', title: 'Number of dependencies',
    run({ pkg }) {
      const names = Object.keys(isObject(pkg.dependencies) ? pkg.dependencies : {});
      const list = names.length ? ` (${names.join(', ')})` : '';
      return names.length <= 6
        ? { status: 'PASS', detail: `${names.length} dependencies${list}, at most 6`, data: { total: names.length } }
        : { status: 'FAIL', detail: `${names.length} dependencies${list}, more than 6: check each is needed, or say why in the README`, data: { total: names.length } };
    },
  },
  {
    id: 'D02', title: 'Bad packages',
    run(ctx) {
      const { semver } = ctx;
      if (!semver) return { status: 'FAIL', detail: 'cannot check: the semver module is not installed' };
      let tree;
      try { tree = productionTree(ctx.dir, ctx.pkg); } catch (e) { return { status: 'FAIL', detail: `cannot check: ${(e as Error).message}` }; }
      const bad = tree.list.filter((p) => BAD_PACKAGES[p.name] && p.version && semver.satisfies(p.version, BAD_PACKAGES[p.name]));
      const rules = Object.entries(BAD_PACKAGES).map(([n, r]) => `${n} ${r}`).join(', ');
      const data = { source: tree.source, packages: tree.list.length, found: bad.map((p) => `${p.name}@${p.version}`) };
      return bad.length
        ? { status: 'FAIL', detail: `known to break Node-RED: ${bad.map((p) => `${p.name}@${p.version} (${p.where})`).join(', ')}`, data }
        : { status: 'PASS', detail: `none of ${rules} among the ${tree.list.length} packages of the production tree (${tree.source})`, data };
    },
  },
  {
    id: 'D03', title: 'Out-of-date dependencies',
    async run(ctx) {
      const { semver, pkg } = ctx;
      if (!semver) return { status: 'FAIL', detail: 'cannot check: the semver module is not installed' };
      const deps = Object.entries(isObject(pkg.dependencies) ? pkg.dependencies : {});
      if (!deps.length) return { status: 'PASS', detail: 'no dependencies' };
      const results = await Promise.all(deps.map(async ([name, spec]): Promise<{ name: string; spec: unknown; latest?: string; problem?: string }> => {
        let lookup = name;
        let range = String(spec);
        const alias = /^npm:((?:@[^/@]+\/)?[^@]+)(?:@(.*))?$/.exec(range);
        if (alias) { lookup = alias[1]; range = alias[2] || '*'; }
        if (!semver.validRange(range)) return { name, spec, problem: `${name} ${q(spec)} is not a registry version range, cannot compare` };
        try {
          const latest = await ctx.npm.view(lookup, ['version']);
          if (typeof latest !== 'string' || !semver.valid(latest)) return { name, spec, problem: `${lookup}: the registry gave no latest version` };
          return semver.satisfies(latest, range)
            ? { name, spec, latest }
            : { name, spec, latest, problem: `${name} ${spec} excludes the latest ${latest}` };
        } catch (e) {
          return { name, spec, problem: `lookup failed: ${(e as Error).message}` };
        }
      }));
      const data = { dependencies: results };
      const problems = results.filter((r) => r.problem).map((r) => r.problem);
      return problems.length
        ? { status: 'FAIL', detail: problems.join('; '), data }
        : { status: 'PASS', detail: `each range admits the latest release: ${results.map((r) => `${r.name} ${r.spec} -> ${r.latest}`).join(', ')}`, data };
    },
  },
];


/** The scorecard of one package: each rule's result, in rule order, and the counts. */
export interface Card {
  package: { name: unknown; version: unknown; dir: string };
  results: Array<{ id: string; title: string } & RuleResult>;
  summary: { pass: number; fail: number; skip: number; total: number };
}

/** Runs the rules (those of opts.only, or all) on the package whose package.json is `pkg`; a rule that throws fails. */
export async function checkPackage(opts: Options, pkg: Json): Promise<Card> {
  let setsPromise: Promise<NodeSet[] | null> | null = null;
  const npm = new NpmView(opts.dir);
  const ctx: Context = {
    opts,
    dir: opts.dir,
    pkg,
    semver: optionalRequire<Semver>('semver', opts.dir),
    npm,
    nodeRedInfo: () => npm.view('node-red', ['dist-tags', 'versions', 'engines']) as Promise<NodeRedInfo>,
    nodeSets: () => {
      if (!setsPromise) {
        const nodes = isObject(pkg['node-red']) ? pkg['node-red'].nodes : undefined;
        setsPromise = isObject(nodes) && Object.keys(nodes).length ? readNodeSets(opts.dir, pkg) : Promise.resolve(null);
      }
      return setsPromise;
    },
  };
  const results: Card['results'] = [];
  for (const rule of RULES) {
    if (opts.only && !opts.only.includes(rule.id)) continue;
    let r: RuleResult;
    try {
      r = await rule.run(ctx);
    } catch (e) {
      r = { status: 'FAIL', detail: `check crashed: ${e && (e as Error).stack ? (e as Error).stack?.split('\n')[0] : e}` };
    }
    results.push(Object.assign({ id: rule.id, title: rule.title }, r));
  }
  const count = (s: Status): number => results.filter((r) => r.status === s).length;
  return {
    package: { name: pkg.name, version: pkg.version, dir: opts.dir },
    results,
    summary: { pass: count('PASS'), fail: count('FAIL'), skip: count('SKIP'), total: results.length },
  };
}
