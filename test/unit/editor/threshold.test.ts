/**
 * jet-threshold's editor side for Max keys: the default of a node dropped on the canvas, the
 * validator (the same verdict as the runtime, with the shared checks of the editor bundle; no other
 * node's .html needed), the dialog row, its label and the help.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { thresholdConfig } from '../../../lib/threshold/config';
import { ROOT } from '../../support/paths';
import { loadBundle } from '../../support/editor-bundle';

const read = (...p: string[]): string => fs.readFileSync(path.join(ROOT, 'nodes', ...p), 'utf8');

interface PropDef {
  value?: unknown;
  validate?: (this: Record<string, unknown>, v: unknown, opt: unknown) => unknown;
}

function editorDefaults(): Record<string, PropDef> {
  const catalog = JSON.parse(read('locales', 'en-US', 'jet-router.json'));
  const t = (key: string, opts: Record<string, unknown> = {}): string =>
    String(key.split(':').pop()!.split('.').reduce<any>((o, k) => o?.[k], catalog) ?? key).replace(/__(\w+)__/g, (_m, n: string) => String(opts[n]));
  const defs: Record<string, { defaults: Record<string, PropDef> }> = {};
  const sandbox: Record<string, unknown> = {
    RED: { _: t, settings: { version: '4.1.15' }, nodes: { registerType: (type: string, def: { defaults: Record<string, PropDef> }) => (defs[type] = def) } },
    $: () => ({ length: 0 }),
  };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  loadBundle(sandbox);
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(read('jet-threshold.html'))![1];
  vm.runInContext(script, sandbox, { filename: 'jet-threshold.html' });
  return defs['jet-threshold'].defaults;
}

describe('jet-threshold editor: Max keys', () => {
  const defaults = editorDefaults();

  it('defaults to 10000 and validates as the runtime does', () => {
    assert.equal(defaults.maxKeys?.value, 10000);
    assert.equal(thresholdConfig({ maxKeys: defaults.maxKeys.value as number }).maxKeys, 10000);
    for (const v of [5, '5', ' 7 ', '', undefined, '10000000', '0', '-1', '2.5', 'many', '10000001']) {
      const editorOk = defaults.maxKeys.validate!.call({}, v, {}) === true;
      let runtimeOk = true;
      try {
        thresholdConfig({ maxKeys: v as string });
      } catch {
        runtimeOk = false;
      }
      assert.equal(editorOk, runtimeOk, JSON.stringify(v));
    }
    assert.equal(defaults.maxKeys.validate!.call({}, '0', {}), 'A whole number 1..10000000');
  });

  it('has a dialog row with a label, and help', () => {
    assert.match(read('jet-threshold.html'), /<input type="text" id="node-input-maxKeys"/);
    const labels = JSON.parse(read('locales', 'en-US', 'jet-threshold.json'))['jet-threshold'].label;
    assert.equal(labels.maxKeys, 'Max keys');
    assert.match(read('locales', 'en-US', 'jet-threshold.html'), /<dt class="optional">Max keys[\s\S]*least recently seen key is\s+forgotten first/);
  });
});
