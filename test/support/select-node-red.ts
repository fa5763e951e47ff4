/**
 * Which Node-RED the tests run: the project's node-red devDependency (Node-RED 4), or, when
 * JET_NODE_RED_DIR names another install (the CI legs on Node.js 22, 24 and 26: scripts/ci-node.sh
 * sets it to the Node-RED 5 it installed for that Node.js), that one. Loaded before any test file (mocha --require), it sends every resolution
 * of `node-red` and `node-red/...` there, so node-red-node-test-helper, require.resolve('node-red')
 * and the real Node-RED processes of the install and browser tests all use the same Node-RED.
 */
import * as fs from 'fs';
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Module = require('module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };

const dir = process.env.JET_NODE_RED_DIR;
if (dir) {
  const root = path.resolve(dir);
  const pkgFile = path.join(root, 'package.json');
  if (!fs.existsSync(pkgFile)) throw new Error(`JET_NODE_RED_DIR=${dir}: no package.json there (expected a node-red package directory)`);
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { name?: string; version?: string };
  if (pkg.name !== 'node-red') throw new Error(`JET_NODE_RED_DIR=${dir}: package ${pkg.name}, not node-red`);
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request: string, ...rest: unknown[]): string {
    if (request === 'node-red' || request.startsWith('node-red/')) request = root + request.slice('node-red'.length);
    return resolve.call(this, request, ...rest);
  };
  process.stderr.write(`tests: Node-RED ${pkg.version} from ${root}, Node.js ${process.version}\n`);
}
