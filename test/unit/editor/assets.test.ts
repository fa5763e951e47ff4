/**
 * What the editor loads besides the node scripts: for every node of package.json's node-red.nodes,
 * its message catalog and help under nodes/locales/en-US (none left in the node .html), every
 * i18n key the templates and scripts use present in the catalog, the palette icons, and the same
 * files copied to dist/nodes by the build.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../../support/paths';
import { STATUS_CODES } from '../../../nodes/shared/status';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  files: string[];
  'node-red': { nodes: Record<string, string> };
};
const NODES = Object.entries(pkg['node-red'].nodes).map(([type, file]) => ({ type, base: path.basename(file, '.js'), dir: path.dirname(file) }));
const LOCALES = path.join(ROOT, 'nodes', 'locales', 'en-US');

const read = (...p: string[]): string => fs.readFileSync(path.join(...p), 'utf8');
// The build step that copies the editor files (a plain script: its exports, typed here).
const copyAssets = require(path.join(ROOT, 'scripts', 'copy-assets.js')) as { inlineHtml(html: string): string };

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
        const asked = [...script.matchAll(/(?:\b_|\bt)\('([^']+)'/g)].map((m) => m[1]);
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

      it('the build copied the html (compiled library code inlined where marked), the catalog and the help to dist/nodes', () => {
        const dist = path.join(ROOT, 'dist', 'nodes');
        assert.equal(read(dist, `${base}.html`), copyAssets.inlineHtml(html));
        assert.equal(read(dist, 'locales', 'en-US', `${base}.json`), read(LOCALES, `${base}.json`));
        assert.equal(read(dist, 'locales', 'en-US', `${base}.html`), help);
      });
    });
  }

  it('the shared checks of jet-router.html translate in that node\'s namespace', () => {
    const html = read(ROOT, 'nodes', 'jet-router.html');
    assert.match(html, new RegExp(`var NS = '${pkg.name.replace(/[/]/g, '\\/')}/jet-router:';`));
    assert.equal((html.match(/window\.JetValidate\s*=/g) ?? []).length, 1);
    for (const { base } of NODES) {
      if (base !== 'jet-router') assert.doesNotMatch(read(ROOT, 'nodes', `${base}.html`), /window\.JetValidate\s*=/, `${base}.html defines its own checks`);
    }
  });

  it('the Junos command builder (lib/junos/config-commands) is inlined once, into jet-router.html, as window.JetJunosConfig', () => {
    const marker = '<!-- jet-inline: lib/junos/config-commands as JetJunosConfig -->';
    for (const { base } of NODES) {
      const count = read(ROOT, 'nodes', `${base}.html`).split(marker).length - 1;
      assert.equal(count, base === 'jet-router' ? 1 : 0, base);
    }
    const dist = read(ROOT, 'dist', 'nodes', 'jet-router.html');
    assert.doesNotMatch(dist, /jet-inline:/, 'every marker replaced');
    assert.equal((dist.match(/window\.JetJunosConfig = \{\}/g) ?? []).length, 1);
    const compiled = read(ROOT, 'dist', 'lib', 'junos', 'config-commands.js').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    assert.ok(dist.includes(compiled), 'the compiled module as tsc wrote it');
    assert.ok(pkg.files.includes('dist/nodes/**'), 'shipped with the node html: nothing else to list in package.json');
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
