/**
 * What the editor loads besides the node scripts: for every node of package.json's node-red.nodes,
 * its message catalog and help under nodes/locales/en-US (none left in the node .html), every
 * i18n key the templates, scripts and the shared editor code use present in the catalog, the palette
 * icons, the same files copied to dist/nodes by the build, and the editor bundle every node .html
 * loads (resources/jet-editor.js, built from editor/ and the lib/ modules it imports).
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../../support/paths';
import { CHECKS_CATALOG } from '../../../editor/api';
import { PACKAGE } from '../../../editor/host';
import { BUNDLE_FILE, EDITOR_BUNDLE } from '../../support/editor-bundle';
import { STATUS_CODES } from '../../../nodes/shared/status';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  files: string[];
  'node-red': { nodes: Record<string, string> };
};
const NODES = Object.entries(pkg['node-red'].nodes).map(([type, file]) => ({ type, base: path.basename(file, '.js'), dir: path.dirname(file) }));
const LOCALES = path.join(ROOT, 'nodes', 'locales', 'en-US');

const read = (...p: string[]): string => fs.readFileSync(path.join(...p), 'utf8');
const KEY_CALL = /(?:\b_|\bt)\('([^']+)'/g;

/** The TypeScript sources of the shared editor code (editor/), the bundle's own part. */
const EDITOR_SOURCES = fs
  .readdirSync(path.join(ROOT, 'editor'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => read(ROOT, 'editor', f))
  .join('\n');

function lookup(catalog: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), catalog);
}

function editorScript(html: string): string {
  return [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/** Every string leaf of a catalog, as dotted keys. */
function leaves(o: unknown, prefix = ''): string[] {
  if (typeof o === 'string') return [prefix];
  if (!o || typeof o !== 'object') return [];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe('editor: catalogs, help and icons', function () {
  it('every node file is dist/nodes/<name>.js with nodes/<name>.html beside its source', () => {
    for (const { type, base, dir } of NODES) {
      assert.equal(dir, 'dist/nodes', type);
      assert.ok(fs.existsSync(path.join(ROOT, 'nodes', `${base}.html`)), `${base}.html`);
      assert.ok(fs.existsSync(path.join(ROOT, 'nodes', `${base}.ts`)), `${base}.ts`);
    }
  });

  for (const { type, base } of NODES) {
    describe(type, function () {
      const html = read(ROOT, 'nodes', `${base}.html`);
      const catalog = JSON.parse(read(LOCALES, `${base}.json`)) as Record<string, unknown>;
      const help = read(LOCALES, `${base}.html`);

      it('has its catalog (namespace = file name) and its help in locales/en-US; none left in the node .html', () => {
        assert.deepEqual(Object.keys(catalog), [type]);
        assert.deepEqual([...help.matchAll(/data-help-name="([^"]+)"/g)].map((m) => m[1]), [type]);
        assert.match(help, new RegExp(`^<script type="text/html" data-help-name="${type}">[\\s\\S]*</script>\\s*$`));
        assert.doesNotMatch(html, /data-help-name/);
        assert.deepEqual([...html.matchAll(/data-template-name="([^"]+)"/g)].map((m) => m[1]), [type]);
      });

      it('every data-i18n key and every key the script asks for is in the catalog', () => {
        const template = html.slice(html.indexOf('data-template-name'));
        const used = [...template.matchAll(/data-i18n="([^"]+)"/g)].flatMap((m) => m[1].split(';')).map((k) => k.replace(/^\[[a-z]+\]/, ''));
        assert.ok(used.length > 0);
        for (const key of used) assert.equal(typeof lookup(catalog, key), 'string', `${base}.html: data-i18n ${key}`);
        const script = editorScript(html);
        // The node's own script, and the shared editor code where it speaks in this node's catalog.
        const shared = [...EDITOR_SOURCES.matchAll(KEY_CALL)].map((m) => m[1]).filter((k) => k.startsWith(`${type}.`));
        const asked = [...[...script.matchAll(KEY_CALL)].map((m) => m[1]), ...shared];
        for (const key of asked) {
          // 'jet-threshold.outputs.' + name: a prefix whose entries are picked at run time.
          if (key.endsWith('.')) assert.equal(typeof lookup(catalog, key.slice(0, -1)), 'object', `${base}.html: ${key}`);
          else assert.equal(typeof lookup(catalog, key), 'string', `${base}.html: ${key}`);
        }
        // Every catalog entry is used somewhere (the template, the script or a run-time prefix), or
        // is the words of a status code of the runtime (nodes/shared/status.ts).
        const prefixes = asked.filter((k) => k.endsWith('.'));
        const jetRouterScript = type === 'jet-router' ? script : '';
        const statusKeys = (STATUS_CODES[type] ?? []).map((code) => `${type}.status.${code}`);
        for (const key of leaves(catalog)) {
          const known =
            used.includes(key) || asked.includes(key) || prefixes.some((p) => key.startsWith(p)) || jetRouterScript.includes(`'${key}'`) || statusKeys.includes(key);
          assert.ok(known, `${base}.json: ${key} is not used`);
        }
      });

      it('has no UI text left outside the catalog: labels, options and placeholders are keys', () => {
        const template = html.slice(html.indexOf('data-template-name'));
        // Text between tags, except units and numbers and the msg. prefix of property inputs.
        const texts = [...template.matchAll(/>([^<>]+)</g)].map((m) => m[1].trim()).filter((t) => t !== '' && t !== '&nbsp;' && t !== 'msg.');
        assert.deepEqual(texts, [], `${base}.html`);
        for (const m of template.matchAll(/placeholder="([^"]*)"/g)) {
          // Literal values (9090, topic, /junos/events/…) may stay; prose goes to the catalog.
          assert.doesNotMatch(m[1], /\s/, `${base}.html: placeholder "${m[1]}" is prose: put it in the catalog`);
        }
      });

      it('help for a network engineer: properties, details, an example; inputs and outputs where the node has them', () => {
        const sections = [...help.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
        for (const s of ['Properties', 'Details', 'Example']) assert.ok(sections.includes(s), `${type}: ${s} in ${sections}`);
        const script = editorScript(html);
        const inputs = Number(/inputs:\s*(\d+)/.exec(script)?.[1] ?? 0);
        const outputs = Number(/outputs:\s*(\d+)/.exec(script)?.[1] ?? 0);
        if (inputs > 0) assert.ok(sections.includes('Inputs'), `${type}: Inputs`);
        if (outputs > 0) assert.ok(sections.includes('Outputs'), `${type}: Outputs`);
        assert.ok(help.length > 1500, `${type}: help of ${help.length} characters`);
      });

      it('the build copied the html (as it is), the catalog and the help to dist/nodes', () => {
        const dist = path.join(ROOT, 'dist', 'nodes');
        assert.equal(read(dist, `${base}.html`), html);
        assert.equal(read(dist, 'locales', 'en-US', `${base}.json`), read(LOCALES, `${base}.json`));
        assert.equal(read(dist, 'locales', 'en-US', `${base}.html`), help);
      });
    });
  }

  it('the shared checks translate in the jet-router namespace, and no node .html has checks of its own', () => {
    assert.equal(PACKAGE, pkg.name);
    assert.equal(CHECKS_CATALOG, 'jet-router');
    const html = read(ROOT, 'nodes', 'jet-router.html');
    assert.match(html, new RegExp(`var NS = '${pkg.name.replace(/[/]/g, '\\/')}/jet-router:';`));
    const keys = [...read(ROOT, 'editor', 'checks.ts').matchAll(KEY_CALL)].map((m) => m[1]);
    assert.ok(keys.length > 10, `${keys.length} message keys in editor/checks.ts`);
    for (const key of keys) assert.match(key, /^jet-router\.validation\./, key);
    for (const { base } of NODES) {
      const own = read(ROOT, 'nodes', `${base}.html`);
      assert.doesNotMatch(own, /window\.(JetValidate|JetEditor|JetConfigPanel|JetJunosConfig)\s*=/, `${base}.html defines shared code`);
      assert.doesNotMatch(own, /JetValidate|JetConfigPanel|JetJunosConfig/, `${base}.html uses the old globals`);
    }
  });

  it('the editor code is one bundle, resources/jet-editor.js, that every node .html loads before its own script; shipped with the package', () => {
    for (const { base } of NODES) {
      const html = read(ROOT, 'nodes', `${base}.html`);
      const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
      assert.deepEqual(scripts.slice(0, 2), [` src="${EDITOR_BUNDLE}"`, ' type="text/javascript"'], `${base}.html: the bundle first, then its own script`);
      assert.equal(html.split(EDITOR_BUNDLE).length - 1, 1, `${base}.html loads the bundle once`);
      assert.doesNotMatch(html, /jet-inline:/, `${base}.html: nothing inlined by the build`);
      assert.match(html, /var E = window\.JetEditor;/, `${base}.html`);
    }
    assert.equal(EDITOR_BUNDLE, `resources/${pkg.name}/jet-editor.js`);
    assert.ok(fs.statSync(BUNDLE_FILE).size > 0, 'built');
    assert.ok(pkg.files.includes('resources/jet-editor.js'), 'in package.json files');
    assert.match(read(ROOT, '.gitignore'), /^resources\/jet-editor\.js$/m, 'generated: not in git');
  });

  it('the bundle is built from the current editor/ and lib/ sources: the runtime\'s own modules, imported, and nothing that needs Node.js', () => {
    const meta = JSON.parse(read(ROOT, 'dist', 'editor', 'jet-editor.meta.json')) as {
      inputs: Record<string, { bytes: number; imports: Array<{ path: string }> }>;
      outputs: Record<string, { inputs: Record<string, unknown> }>;
    };
    const inputs = Object.keys(meta.inputs);
    for (const mod of ['editor/index.ts', 'editor/checks.ts', 'editor/command-panel.ts', 'lib/core/route-spec.ts', 'lib/flow-props.ts', 'lib/core/defaults.ts', 'lib/junos/config-commands.ts']) {
      assert.ok(inputs.includes(mod), `${mod} in ${inputs}`);
    }
    for (const input of inputs) {
      assert.match(input, /^(editor\/[\w-]+\.ts|lib\/(core|junos|threshold|rmon)\/[\w-]+\.ts|lib\/flow-props\.ts|node_modules\/ipaddr\.js\/lib\/ipaddr\.js)$/, input);
      // Built from these very files (not an older copy): the same number of bytes as now.
      assert.equal(meta.inputs[input].bytes, fs.statSync(path.join(ROOT, input)).size, `${input} changed since the build`);
    }
    assert.deepEqual(Object.keys(meta.outputs), ['resources/jet-editor.js']);
    // Nothing of lib imports the editor code (it sits above lib).
    for (const input of inputs.filter((i) => i.startsWith('lib/'))) {
      for (const imp of meta.inputs[input].imports) assert.doesNotMatch(imp.path, /^editor\//, `${input} imports ${imp.path}`);
    }
  });

  it('palette icons of our own: white glyphs in 40×60, referenced by the nodes, shipped in dist/nodes/icons', () => {
    const referenced = NODES.flatMap(({ base }) => [...read(ROOT, 'nodes', `${base}.html`).matchAll(/icon:\s*'([^']+)'/g)].map((m) => m[1]));
    const shipped = fs.readdirSync(path.join(ROOT, 'icons')).filter((f) => f.endsWith('.svg')).sort();
    assert.equal(referenced.length, NODES.length - 1, 'one icon per palette node');
    for (const icon of referenced) assert.ok(shipped.includes(icon), `${icon} in icons/`);
    for (const icon of shipped) {
      const svg = read(ROOT, 'icons', icon);
      assert.match(svg, /^<svg [^>]*viewBox="0 0 40 (60|40)"/, icon);
      assert.match(svg, /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, icon);
      assert.doesNotMatch(svg, /<script|href=|<image|<text/i, icon);
      const colors = [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1].toLowerCase());
      assert.ok(colors.length > 0 && colors.every((c) => ['#fff', '#ffffff', 'white', 'none'].includes(c)), `${icon}: ${colors}`);
      assert.ok(svg.length < 2048, `${icon}: ${svg.length} bytes`);
      assert.equal(read(ROOT, 'dist', 'nodes', 'icons', icon), svg);
    }
    assert.ok(pkg.files.includes('dist/nodes/**'), 'dist/nodes (locales, icons) is in the package');
  });
});
