/** The production dependency tree of a package (rule D02), from its lockfile or its node_modules. */
import * as fs from 'fs';
import * as path from 'path';
import { isObject, Json } from './util';

export interface InstalledPackage {
  name: string;
  version: string | undefined;
  where: string;
}

/** The production dependency tree: [{ name, version, where }], from the lockfile or node_modules. */
export function productionTree(dir: string, pkg: Json): { source: string; list: InstalledPackage[] } {
  const ownDeps = (isObject(pkg.dependencies) ? pkg.dependencies : {}) as Json;
  const deps: Json = Object.assign({}, pkg.dependencies || {}, pkg.optionalDependencies || {});
  for (const lockName of ['npm-shrinkwrap.json', 'package-lock.json']) {
    const lockFile = path.join(dir, lockName);
    if (!fs.existsSync(lockFile)) continue;
    const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Json;
    if (!isObject(lock.packages)) throw new Error(`${lockName} has no "packages" map (lockfileVersion ${lock.lockfileVersion}; npm 7 or newer writes it)`);
    const packages = lock.packages as Record<string, { name?: string; version?: string; dev?: boolean; link?: boolean }>;
    const missing = Object.keys(deps).filter((d) => !packages[`node_modules/${d}`]);
    if (missing.length) throw new Error(`${lockName} lacks ${missing.join(', ')} (run npm install)`);
    const list: InstalledPackage[] = [];
    for (const [key, entry] of Object.entries(packages)) {
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
  const list: InstalledPackage[] = [];
  const seen = new Set<string>();
  const queue = Object.keys(deps).map((name) => ({ name, from: dir, optional: !ownDeps[name] }));
  const missing: string[] = [];
  while (queue.length) {
    const { name, from, optional } = queue.shift() as (typeof queue)[number];
    let found: string | null = null;
    for (let d = from; ; d = path.dirname(d)) {
      const candidate = path.join(d, 'node_modules', name, 'package.json');
      if (fs.existsSync(candidate)) {
        found = candidate;
        break;
      }
      if (d === dir || path.dirname(d) === d) break;
    }
    if (!found) {
      if (!optional) missing.push(name);
      continue;
    }
    const real = fs.realpathSync(found);
    if (seen.has(real)) continue;
    seen.add(real);
    const p = JSON.parse(fs.readFileSync(found, 'utf8')) as { name?: string; version?: string; dependencies?: Json; optionalDependencies?: Json };
    list.push({ name: p.name || name, version: p.version, where: path.relative(dir, path.dirname(found)) });
    const pdir = path.dirname(found);
    for (const n of Object.keys(p.dependencies || {})) queue.push({ name: n, from: pdir, optional: false });
    for (const n of Object.keys(p.optionalDependencies || {})) queue.push({ name: n, from: pdir, optional: true });
  }
  if (missing.length) throw new Error(`not installed: ${[...new Set(missing)].join(', ')} (run npm install)`);
  return { source: 'node_modules', list };
}
