#!/usr/bin/env node
// Bundles the editor code (editor/index.ts and the lib/ modules it imports: the runtime's own
// checks, defaults and Junos command builder) into one browser script, resources/jet-editor.js.
// Node-RED serves a node module's resources/ folder at resources/<module>/ (for this scoped
// package: resources/@jetflows/node-red-junos-jet/jet-editor.js, relative to the editor), and
// every node .html loads it from there. Run by `npm run build`, after tsc (which type-checks editor/).
//
// The bundle's inputs are written to dist/editor/jet-editor.meta.json (esbuild's metafile) for the
// tests: what the editor runs is made of these sources and no others.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const OUT = path.join(root, 'resources', 'jet-editor.js');
const META = path.join(root, 'dist', 'editor', 'jet-editor.meta.json');

function main() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: ['editor/index.ts'],
    outfile: OUT,
    bundle: true,
    format: 'iife',
    // Browsers Node-RED 4 supports; node built-ins cannot resolve, so a lib module that needs Node.js fails the build.
    platform: 'browser',
    target: ['es2020'],
    charset: 'utf8',
    // node_modules here is a link in some checkouts: name inputs by their path in the package.
    preserveSymlinks: true,
    legalComments: 'inline',
    metafile: true,
    logLevel: 'warning',
    banner: { js: `/* ${pkg.name} ${pkg.version}: the editor code shared by the node dialogs. Generated from editor/ by scripts/build-editor.js: do not edit. */` },
  });
  fs.mkdirSync(path.dirname(META), { recursive: true });
  fs.writeFileSync(META, JSON.stringify(result.metafile, null, 1));
}

main();
