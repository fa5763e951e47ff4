#!/usr/bin/env node
// Copies what tsc does not emit next to the compiled nodes: the editor .html files, locales and
// icons. Node-RED loads a node's .html and locales from beside its .js, and icons from icons/
// beside it. Run by `npm run build`, after tsc. The .html files go as they are: the editor code
// they share is a script of its own (resources/jet-editor.js, scripts/build-editor.js).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');

function main() {
  const out = path.join(root, 'dist', 'nodes');
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(path.join(root, 'nodes'))) {
    if (f.endsWith('.html')) fs.copyFileSync(path.join(root, 'nodes', f), path.join(out, f));
  }
  for (const dir of ['locales']) {
    const src = path.join(root, 'nodes', dir);
    if (fs.existsSync(src)) fs.cpSync(src, path.join(out, dir), { recursive: true });
  }
  // Node-RED lists a package's example flows from examples/: made from flows/, never edited by hand.
  const examples = path.join(root, 'examples');
  fs.rmSync(examples, { recursive: true, force: true });
  fs.mkdirSync(examples, { recursive: true });
  for (const f of fs.readdirSync(path.join(root, 'flows'))) {
    if (f.endsWith('.json')) fs.copyFileSync(path.join(root, 'flows', f), path.join(examples, f));
  }
  if (fs.existsSync(path.join(root, 'icons'))) {
    fs.cpSync(path.join(root, 'icons'), path.join(out, 'icons'), { recursive: true });
  }
}

main();
