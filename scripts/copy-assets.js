#!/usr/bin/env node
// Copies what tsc does not emit next to the compiled nodes: the editor .html files, locales and
// icons. Node-RED loads a node's .html and locales from beside its .js, and icons from icons/
// beside it. Run by `npm run build`, after tsc.
//
// An editor .html may ask for compiled library code with a marker line
//   <!-- jet-inline: lib/junos/config-commands as JetJunosConfig -->
// which the copy in dist/nodes gets replaced by a <script> running dist/lib/junos/config-commands.js
// (what tsc made of the .ts, byte for byte) with its exports on window.JetJunosConfig. The editor
// cannot load a CommonJS module, and this way the dialogs run exactly the code the unit tests
// require, with nothing more to serve or to list in package.json. The inlined module must be
// self-contained (no require).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const MARKER = /<!-- jet-inline: ([\w./-]+) as (\w+) -->/g;

/** The <script> block that runs compiled module `mod` (e.g. lib/junos/config-commands) as window[global]. */
function inlineScript(mod, global, dist = path.join(root, 'dist')) {
  const file = path.join(dist, `${mod}.js`);
  if (!fs.existsSync(file)) throw new Error(`jet-inline: ${path.relative(root, file)} is missing (run tsc first)`);
  const code = fs.readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  if (/\brequire\(/.test(code)) throw new Error(`jet-inline: ${mod} requires other modules; the editor cannot`);
  if (/<\/script/i.test(code)) throw new Error(`jet-inline: ${mod} contains "</script"`);
  return (
    `<script type="text/javascript">\n/* ${mod}.ts, compiled by tsc and inlined by scripts/copy-assets.js */\n` +
    `(function (exports) {\n${code}})(window.${global} = {});\n</script>`
  );
}

/** An editor .html as it goes to dist/nodes: every jet-inline marker replaced by its script. */
function inlineHtml(html, dist) {
  return html.replace(MARKER, (_m, mod, global) => inlineScript(mod, global, dist));
}

function main() {
  const out = path.join(root, 'dist', 'nodes');
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(path.join(root, 'nodes'))) {
    if (f.endsWith('.html')) fs.writeFileSync(path.join(out, f), inlineHtml(fs.readFileSync(path.join(root, 'nodes', f), 'utf8')));
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

module.exports = { inlineHtml, inlineScript, MARKER };
if (require.main === module) main();
