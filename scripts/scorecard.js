#!/usr/bin/env node
// Flow Library scorecard, checked locally. `node-red-dev validate` needs the Flow Library catalogue
// (catalogue.nodered.org), which is out of reach here, so this script checks the same rules as their
// documentation (github.com/node-red/node-red-dev-cli, docs/*.md) defines them, with its own code:
//
//   P01 License                 P05 Node-RED keyword           N01 Node names
//   P02 (skipped, see below)    P06 Minimum Node-RED version   N02 Examples
//   P03 Repository or bugs      P07 Minimum Node version       D01 Number of dependencies
//   P04 Naming                  P08 (skipped, see below)       D02 Bad packages
//                                                              D03 Out-of-date dependencies
//
// P08 (similar names) needs the catalogue and is printed as SKIP; P02 is disabled in node-red-dev
// itself (it clones the repository) and is printed as SKIP too. N01 cannot compare with the other
// catalogue packages either: it checks the types against the Node-RED core nodes and within the
// package. P06, P07 and D03 ask the npm registry (`npm view`); a failed look-up fails the rule.
//
// Usage: node scripts/scorecard.js [--dir <packageDir>] [--json] [--only P01,N02,...]
//                                  [--node-red-majors 4,5]
// Prints `PASS|FAIL|SKIP <id> <title>: <detail>` per rule, then a summary line; exit code 1 when a
// rule fails, 2 on a usage error or an unreadable package.json. The rules need a build first
// (`npm run build`): the node files and examples/ are read from what the build makes.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');

const ROOT = path.resolve(__dirname, '..');

// ---------------------------------------------------------------------------------------------
// Command line

function usage() {
  return [
    'usage: node scripts/scorecard.js [--dir <packageDir>] [--json] [--only <ids>] [--node-red-majors <list>]',
    '  --dir <packageDir>      package to check (default: this repository)',
    '  --json                  machine output: { package, results: [{ id, title, status, detail, data }], summary }',
    '  --only <ids>            comma-separated rule ids to run, e.g. P04,D01',
    '  --node-red-majors <l>   Node-RED majors whose newest release node-red.version must admit (P06;',
    '                          default 4,5; empty to check only the rule\'s latest/maintenance tags)',
  ].join('\n');
}

function parseArgs(argv) {
  const opts = { dir: ROOT, json: false, only: null, majors: [4, 5] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--json') opts.json = true;
    else if (a === '--dir') opts.dir = path.resolve(value());
    else if (a === '--only') opts.only = value().split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    else if (a === '--node-red-majors') {
      const v = value().trim();
      opts.majors = v === '' ? [] : v.split(',').map((s) => {
        const n = Number(s.trim());
        if (!Number.isInteger(n) || n < 0) throw new Error(`--node-red-majors: not a major version: ${s}`);
        return n;
      });
    } else if (a === '-h' || a === '--help') opts.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Requires a module from the checked package's node_modules or from this repository's. */
function optionalRequire(name, dir, extraPaths = []) {
  for (const base of [dir, ROOT, ...extraPaths]) {
    try {
      return require(require.resolve(name, { paths: [base] }));
    } catch (e) { /* try the next place */ }
  }
  return null;
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nonEmptyString(v) {
  return typeof v === 'string' && v.trim() !== '';
}

function q(v) {
  return JSON.stringify(v);
}

/** `npm view <spec> <fields…> --json`, parsed; rejects with a one-line reason. Results cached. */
const npmViewCache = new Map();
function npmView(cwd, spec, fields) {
  const key = `${spec} ${fields.join(' ')}`;
  if (!npmViewCache.has(key)) {
    npmViewCache.set(key, new Promise((resolve, reject) => {
      const win = process.platform === 'win32';
      execFile(win ? 'npm.cmd' : 'npm', ['view', spec, ...fields, '--json'],
        { cwd, timeout: 60000, maxBuffer: 16 * 1024 * 1024, shell: win, windowsHide: true },
        (err, stdout, stderr) => {
          let parsed;
          try { parsed = stdout.trim() === '' ? undefined : JSON.parse(stdout); } catch (e) { /* below */ }
          if (parsed && isObject(parsed.error)) {
            return reject(new Error(`npm view ${spec}: ${parsed.error.code || 'error'} ${parsed.error.summary || ''}`.trim()));
          }
          if (err) {
            const line = String(stderr || err.message).split('\n').map((s) => s.trim()).find(Boolean) || String(err.code);
            return reject(new Error(`npm view ${spec}: ${err.killed ? 'timed out' : line}`));
          }
          if (parsed === undefined) return reject(new Error(`npm view ${spec}: no answer (not in the registry?)`));
          resolve(parsed);
        });
    }));
  }
  return npmViewCache.get(key);
}

/** Every file under dir (recursively) whose name ends with ext. */
function filesUnder(dir, ext) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.toLowerCase().endsWith(ext)) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// Node type registrations

/**
 * The registerType calls of a node's editor .html: [{ type, category }] (category undefined when it
 * is not a literal). Reads the JavaScript <script> blocks with acorn when it is installed (it comes
 * with node-red), else with a regular expression.
 */
function htmlRegistrations(file, dir) {
  const text = fs.readFileSync(file, 'utf8');
  const blocks = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  let m;
  while ((m = re.exec(text)) !== null) {
    const attrs = m[1];
    if (/\bsrc\s*=/i.test(attrs)) continue;
    const t = /\btype\s*=\s*["']([^"']*)["']/i.exec(attrs);
    if (t && !/^(text|application)\/javascript$|^module$/i.test(t[1].trim())) continue;
    blocks.push(m[2]);
  }
  const acorn = optionalRequire('acorn', dir);
  const regs = [];
  for (const src of blocks) {
    let ast = null;
    if (acorn) {
      for (const sourceType of ['script', 'module']) {
        try { ast = acorn.parse(src, { ecmaVersion: 'latest', sourceType }); break; } catch (e) { /* next */ }
      }
    }
    if (ast) regs.push(...registrationsFromAst(ast));
    else regs.push(...registrationsFromText(src));
  }
  return regs;
}

function literalString(node) {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return undefined;
}

function registrationsFromAst(ast) {
  const regs = [];
  const visit = (node) => {
    if (Array.isArray(node)) { node.forEach(visit); return; }
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'CallExpression') {
      const callee = node.callee;
      const name = callee && callee.type === 'MemberExpression' && !callee.computed ? callee.property.name : undefined;
      if (name === 'registerType') {
        const type = literalString(node.arguments[0]);
        const def = node.arguments[1];
        let category;
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
    for (const k of Object.keys(node)) {
      if (k === 'type' || k === 'start' || k === 'end' || k === 'loc') continue;
      const v = node[k];
      if (v && typeof v === 'object') visit(v);
    }
  };
  visit(ast);
  return regs;
}

function registrationsFromText(src) {
  const regs = [];
  const re = /registerType\s*\(\s*(?:(['"`])((?:\\.|(?!\1)[^\\])*)\1)?/g;
  const starts = [];
  let m;
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
async function runtimeRegistrations(file) {
  const types = [];
  const handler = {
    get(target, prop) {
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return fake([...target.chain, String(prop)]);
    },
    apply(target, thisArg, args) {
      if (target.chain[target.chain.length - 1] === 'registerType') types.push(typeof args[0] === 'string' ? args[0] : null);
      return fake([...target.chain, '()']);
    },
    construct(target) {
      return fake([...target.chain, 'new']);
    },
  };
  function fake(chain) {
    const f = function () {};
    f.chain = chain;
    return new Proxy(f, handler);
  }
  // eslint-disable-next-line global-require, import/no-dynamic-require
  let init = require(file);
  if (init && typeof init !== 'function' && typeof init.default === 'function') init = init.default;
  if (typeof init !== 'function') throw new Error('module.exports is not a function(RED)');
  await Promise.race([
    Promise.resolve(init(fake(['RED']))),
    new Promise((resolve, reject) => setTimeout(() => reject(new Error('module.exports(RED) did not settle in 10 s')), 10000).unref()),
  ]);
  return types;
}

/** The types the Node-RED core registers (from @node-red/nodes as installed), plus editor built-ins. */
function coreTypes(dir) {
  let pkgFile = null;
  for (const base of [dir, ROOT]) {
    try { pkgFile = require.resolve('@node-red/nodes/package.json', { paths: [base] }); break; } catch (e) { /* next */ }
  }
  if (!pkgFile) throw new Error('@node-red/nodes is not installed (it comes with the node-red devDependency): the core node types cannot be read');
  const base = path.dirname(pkgFile);
  const types = new Set(['tab', 'subflow', 'group', 'junction', 'unknown']);
  for (const f of filesUnder(path.join(base, 'core'), '.html')) {
    for (const r of htmlRegistrations(f, dir)) if (r.type) types.add(r.type);
  }
  if (types.size < 20) throw new Error(`only ${types.size} core node types read from ${base}`);
  return { types, version: JSON.parse(fs.readFileSync(pkgFile, 'utf8')).version };
}

/** What each node set of package.json "node-red".nodes registers, from its .js and its .html. */
async function readNodeSets(dir, pkg) {
  const sets = [];
  for (const [name, rel] of Object.entries(pkg['node-red'].nodes)) {
    const set = { name, js: rel, html: null, jsTypes: null, htmlRegs: null, errors: [] };
    const jsFile = path.resolve(dir, String(rel));
    const htmlFile = jsFile.replace(/\.js$/i, '') + '.html';
    set.html = path.relative(dir, htmlFile).split(path.sep).join('/');
    if (!fs.existsSync(jsFile)) set.errors.push(`${rel} not found (run npm run build)`);
    else {
      try { set.jsTypes = await runtimeRegistrations(jsFile); } catch (e) {
        set.errors.push(`${rel} could not be loaded with a fake RED: ${e && e.message ? e.message.split('\n')[0] : e}`);
      }
    }
    if (!fs.existsSync(htmlFile)) set.errors.push(`${set.html} not found`);
    else {
      try { set.htmlRegs = htmlRegistrations(htmlFile, dir); } catch (e) { set.errors.push(`${set.html}: ${e.message}`); }
    }
    sets.push(set);
  }
  return sets;
}

// ---------------------------------------------------------------------------------------------
// Dependency tree (D02)

/** The production dependency tree: [{ name, version, where }], from the lockfile or node_modules. */
function productionTree(dir, pkg) {
  const deps = Object.assign({}, pkg.dependencies || {}, pkg.optionalDependencies || {});
  for (const lockName of ['npm-shrinkwrap.json', 'package-lock.json']) {
    const lockFile = path.join(dir, lockName);
    if (!fs.existsSync(lockFile)) continue;
    const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    if (!isObject(lock.packages)) throw new Error(`${lockName} has no "packages" map (lockfileVersion ${lock.lockfileVersion}; npm 7 or newer writes it)`);
    const missing = Object.keys(deps).filter((d) => !lock.packages[`node_modules/${d}`]);
    if (missing.length) throw new Error(`${lockName} lacks ${missing.join(', ')} (run npm install)`);
    const list = [];
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (key === '' || entry.dev || entry.link || !key.includes('node_modules/')) continue;
      const name = entry.name || key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      list.push({ name, version: entry.version, where: key });
    }
    return { source: lockName, list };
  }
  if (!fs.existsSync(path.join(dir, 'node_modules'))) {
    throw new Error('neither package-lock.json nor node_modules: the dependency tree cannot be read');
  }
  // No lockfile: follow Node's module resolution through the installed node_modules.
  const list = [];
  const seen = new Set();
  const queue = Object.keys(deps).map((name) => ({ name, from: dir, optional: !(pkg.dependencies || {})[name] }));
  const missing = [];
  while (queue.length) {
    const { name, from, optional } = queue.shift();
    let found = null;
    for (let d = from; ; d = path.dirname(d)) {
      const candidate = path.join(d, 'node_modules', name, 'package.json');
      if (fs.existsSync(candidate)) { found = candidate; break; }
      if (d === dir || path.dirname(d) === d) break;
    }
    if (!found) { if (!optional) missing.push(name); continue; }
    const real = fs.realpathSync(found);
    if (seen.has(real)) continue;
    seen.add(real);
    const p = JSON.parse(fs.readFileSync(found, 'utf8'));
    list.push({ name: p.name || name, version: p.version, where: path.relative(dir, path.dirname(found)) });
    const pdir = path.dirname(found);
    for (const n of Object.keys(p.dependencies || {})) queue.push({ name: n, from: pdir, optional: false });
    for (const n of Object.keys(p.optionalDependencies || {})) queue.push({ name: n, from: pdir, optional: true });
  }
  if (missing.length) throw new Error(`not installed: ${[...new Set(missing)].join(', ')} (run npm install)`);
  return { source: 'node_modules', list };
}

// ---------------------------------------------------------------------------------------------
// Rules. Each returns { status: 'PASS'|'FAIL'|'SKIP', detail, data? }.

const SCOPED = /^@[a-z0-9~][a-z0-9._~-]*\/[a-z0-9~][a-z0-9._~-]*$/;
// From node-red-dev's src/badpackages.json: packages known to break Node-RED core (docs/D02.md).
const BAD_PACKAGES = { 'agent-base': '<6.0.0' };

function spdxParser(dir) {
  // No dependency of ours: spdx-expression-parse as npm itself carries it, when it can be found.
  const npmDirs = [path.join(dir, 'node_modules', 'npm'), path.join(ROOT, 'node_modules', 'npm'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm')];
  return optionalRequire('spdx-expression-parse', dir, npmDirs);
}

const RULES = [
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
        try { parse(lic.trim()); } catch (e) {
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
      const found = [];
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
      try { info = await ctx.nodeRedInfo(); } catch (e) { return { status: 'FAIL', detail: `cannot check: ${e.message}` }; }
      const tags = Object.entries(info['dist-tags'] || {}).filter(([t]) => t === 'latest' || /maintenance/.test(t));
      if (!tags.length) return { status: 'FAIL', detail: 'cannot check: the registry shows no latest or maintenance tag for node-red' };
      const ok = tags.filter(([, v]) => semver.satisfies(v, range));
      const not = tags.filter(([, v]) => !semver.satisfies(v, range));
      const problems = [];
      if (!ok.length) problems.push(`admits none of the current releases (${tags.map(([t, v]) => `${t} ${v}`).join(', ')})`);
      const majors = [];
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
      try { info = await ctx.nodeRedInfo(); } catch (e) { return { status: 'FAIL', detail: `cannot check: ${e.message}` }; }
      const latest = info['dist-tags'] && info['dist-tags'].latest;
      const nrNode = isObject(info.engines) ? info.engines.node : undefined;
      if (!latest || !nonEmptyString(nrNode) || !semver.validRange(nrNode)) {
        return { status: 'FAIL', detail: `cannot check: the registry shows no usable engines.node for node-red@${latest || 'latest'}` };
      }
      const min = semver.minVersion(nrNode).version;
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
      const problems = [];
      const owners = new Map(); // type -> Set of node set names registering it
      const add = (type, set) => {
        if (!owners.has(type)) owners.set(type, new Set());
        owners.get(type).add(set);
      };
      for (const s of sets) {
        problems.push(...s.errors);
        const jsTypes = s.jsTypes || [];
        const htmlTypes = (s.htmlRegs || []).map((r) => r.type);
        if (jsTypes.includes(null)) problems.push(`${s.js} calls registerType without a string type`);
        if (htmlTypes.includes(null)) problems.push(`${s.html} calls registerType with a type that is not a string literal`);
        for (const [list, where] of [[jsTypes, s.js], [htmlTypes, s.html]]) {
          const seen = new Set();
          for (const t of list.filter((x) => x !== null)) {
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
      let core;
      try { core = coreTypes(ctx.dir); } catch (e) { problems.push(e.message); }
      const types = [...owners.keys()].sort();
      if (core) {
        const clash = types.filter((t) => core.types.has(t));
        if (clash.length) problems.push(`${clash.map(q).join(', ')} clash${clash.length === 1 ? 'es' : ''} with Node-RED core node types`);
      }
      const data = { types, coreNodesVersion: core ? core.version : null };
      if (problems.length) return { status: 'FAIL', detail: problems.join('; '), data };
      return {
        status: 'PASS',
        detail: `${types.length} types (${types.join(', ')}) registered once each, alike in .js and .html, none a core type of @node-red/nodes ${core.version}; other catalogue packages not compared (no catalogue here)`,
        data,
      };
    },
  },
  {
    id: 'N02', title: 'Examples',
    async run(ctx) {
      const sets = await ctx.nodeSets();
      if (!sets) return { status: 'SKIP', detail: 'no "node-red"."nodes" declared (a plugin?): node-red-dev skips the node checks too' };
      const problems = [];
      const nodeTypes = new Map(); // type -> category as the .html declares it
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
      const used = new Set();
      for (const f of files) {
        const rel = path.relative(ctx.dir, f).split(path.sep).join('/');
        let flow;
        try { flow = JSON.parse(fs.readFileSync(f, 'utf8')); } catch (e) { problems.push(`${rel} is not valid JSON`); continue; }
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
      try { tree = productionTree(ctx.dir, ctx.pkg); } catch (e) { return { status: 'FAIL', detail: `cannot check: ${e.message}` }; }
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
      const results = await Promise.all(deps.map(async ([name, spec]) => {
        let lookup = name;
        let range = String(spec);
        const alias = /^npm:((?:@[^/@]+\/)?[^@]+)(?:@(.*))?$/.exec(range);
        if (alias) { lookup = alias[1]; range = alias[2] || '*'; }
        if (!semver.validRange(range)) return { name, spec, problem: `${name} ${q(spec)} is not a registry version range, cannot compare` };
        try {
          const latest = await npmView(ctx.dir, lookup, ['version']);
          if (typeof latest !== 'string' || !semver.valid(latest)) return { name, spec, problem: `${lookup}: the registry gave no latest version` };
          return semver.satisfies(latest, range)
            ? { name, spec, latest }
            : { name, spec, latest, problem: `${name} ${spec} excludes the latest ${latest}` };
        } catch (e) {
          return { name, spec, problem: `lookup failed: ${e.message}` };
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

// ---------------------------------------------------------------------------------------------

async function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) {
    process.stderr.write(`scorecard: ${e.message}\n${usage()}\n`);
    return 2;
  }
  if (opts.help) { process.stdout.write(`${usage()}\n`); return 0; }
  const known = RULES.map((r) => r.id);
  if (opts.only) {
    const unknown = opts.only.filter((id) => !known.includes(id));
    if (unknown.length) { process.stderr.write(`scorecard: unknown rule ${unknown.join(', ')} (rules: ${known.join(', ')})\n`); return 2; }
  }
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(opts.dir, 'package.json'), 'utf8'));
    if (!isObject(pkg)) throw new Error('not a JSON object');
  } catch (e) {
    process.stderr.write(`scorecard: cannot read ${path.join(opts.dir, 'package.json')}: ${e.message}\n`);
    return 2;
  }
  let setsPromise = null;
  const ctx = {
    opts,
    dir: opts.dir,
    pkg,
    semver: optionalRequire('semver', opts.dir),
    nodeRedInfo: () => npmView(opts.dir, 'node-red', ['dist-tags', 'versions', 'engines']),
    nodeSets: () => {
      if (!setsPromise) {
        const nodes = isObject(pkg['node-red']) ? pkg['node-red'].nodes : undefined;
        setsPromise = isObject(nodes) && Object.keys(nodes).length ? readNodeSets(opts.dir, pkg) : Promise.resolve(null);
      }
      return setsPromise;
    },
  };
  const results = [];
  for (const rule of RULES) {
    if (opts.only && !opts.only.includes(rule.id)) continue;
    let r;
    try { r = await rule.run(ctx); } catch (e) { r = { status: 'FAIL', detail: `check crashed: ${e && e.stack ? e.stack.split('\n')[0] : e}` }; }
    results.push(Object.assign({ id: rule.id, title: rule.title }, r));
  }
  const count = (s) => results.filter((r) => r.status === s).length;
  const summary = { pass: count('PASS'), fail: count('FAIL'), skip: count('SKIP'), total: results.length };
  let out;
  if (opts.json) {
    out = `${JSON.stringify({ package: { name: pkg.name, version: pkg.version, dir: opts.dir }, results, summary }, null, 2)}\n`;
  } else {
    out = results.map((r) => `${r.status} ${r.id} ${r.title}: ${r.detail}`).join('\n');
    const skipped = results.filter((r) => r.status === 'SKIP').map((r) => r.id);
    const failed = results.filter((r) => r.status === 'FAIL').map((r) => r.id);
    out += `\n${summary.fail ? 'FAILED' : 'OK'} ${pkg.name}@${pkg.version}: ${summary.pass} passed, ${summary.fail} failed${failed.length ? ` (${failed.join(', ')})` : ''}, ${summary.skip} skipped${skipped.length ? ` (${skipped.join(', ')})` : ''}\n`;
  }
  await new Promise((resolve) => process.stdout.write(out, resolve));
  return summary.fail ? 1 : 0;
}

if (require.main === module) {
  main().then(
    // Exit explicitly: loading the node files may have left handles open.
    (code) => process.exit(code),
    (e) => { process.stderr.write(`scorecard: ${e && e.stack ? e.stack : e}\n`); process.exit(2); },
  );
} else {
  module.exports = { RULES, htmlRegistrations, registrationsFromText, runtimeRegistrations, coreTypes, productionTree };
}
