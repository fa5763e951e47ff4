/**
 * The editor bundle (resources/jet-editor.js) as the editor loads it: before each node's own script,
 * once per node .html (five times in one page), so loading it again must change nothing; it needs
 * nothing of the page until a dialog uses it. And the numbers the templates show as placeholders are
 * the defaults the runtime applies (lib/), as the bundle gives them to the dialogs' `defaults`.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import type { JetEditor } from '../../../editor/api';
import { DEFAULT_NOTIFICATION_PORT, DEFAULT_PORTS, DEFAULT_QUEUE_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RMON_TOPIC } from '../../../lib/core/defaults';
import { DEFAULT_APP_ID, DEFAULT_METRIC, DEFAULT_PREFERENCE } from '../../../lib/core/route-spec';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_ROUTING_INSTANCE, RMON_DEFAULTS } from '../../../lib/junos/config-commands';
import { DEFAULT_MAX_KEYS } from '../../../lib/threshold/config';
import { ROOT } from '../../support/paths';
import { loadBundle } from '../../support/editor-bundle';

/** The placeholder of the element with this id in a node's template. */
function placeholder(base: string, id: string): string | undefined {
  const html = fs.readFileSync(path.join(ROOT, 'nodes', `${base}.html`), 'utf8');
  const tag = new RegExp(`<(?:input|textarea)[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0];
  assert.ok(tag, `${base}.html: #${id}`);
  return /\splaceholder="([^"]*)"/.exec(tag)?.[1];
}

describe('editor bundle: loading and defaults', function () {
  it('loads with nothing but a window; loaded again (every node .html loads it), the first copy stays', () => {
    const sandbox: Record<string, unknown> = {};
    sandbox.window = sandbox;
    vm.createContext(sandbox);
    loadBundle(sandbox);
    const first = sandbox.JetEditor as JetEditor;
    assert.equal(typeof first.validator, 'function');
    for (let i = 0; i < 4; i++) loadBundle(sandbox);
    assert.equal(sandbox.JetEditor, first, 'the same object: what its panels remember stays');
    assert.deepEqual(Object.keys(sandbox).sort(), ['JetEditor', 'window'], 'no other global');
  });

  it('gives the dialogs the runtime\'s defaults, which the templates\' placeholders show', () => {
    const sandbox: Record<string, unknown> = {};
    sandbox.window = sandbox;
    vm.createContext(sandbox);
    loadBundle(sandbox);
    const { defaults } = sandbox.JetEditor as JetEditor;
    assert.deepEqual(JSON.parse(JSON.stringify(defaults)), {
      ports: DEFAULT_PORTS,
      notificationPort: DEFAULT_NOTIFICATION_PORT,
      requestTimeoutS: DEFAULT_REQUEST_TIMEOUT_MS / 1000,
      queueLimit: DEFAULT_QUEUE_LIMIT,
      rmonTopic: DEFAULT_RMON_TOPIC,
      preference: DEFAULT_PREFERENCE,
      metric: DEFAULT_METRIC,
      appId: DEFAULT_APP_ID,
      maxKeys: DEFAULT_MAX_KEYS,
    });
    const shown: Array<[string, string, unknown]> = [
      // The router's port placeholder follows the API select; the template has a new router's (gRPC).
      ['jet-router', 'node-config-input-port', DEFAULT_PORTS.grpc],
      ['jet-router', 'node-config-input-requestTimeout', DEFAULT_REQUEST_TIMEOUT_MS / 1000],
      ['jet-router', 'node-config-input-queueLimit', DEFAULT_QUEUE_LIMIT],
      ['jet-router', 'node-config-input-notificationPort', DEFAULT_NOTIFICATION_PORT],
      ['jet-router', 'node-config-jet-router-junos-maxConnections', DEFAULT_MAX_CONNECTIONS],
      ['jet-router', 'node-config-jet-router-junos-instance', DEFAULT_ROUTING_INSTANCE],
      ['jet-route-add', 'node-input-preference', DEFAULT_PREFERENCE],
      ['jet-route-add', 'node-input-metric', DEFAULT_METRIC],
      ['jet-route-add', 'node-input-appId', DEFAULT_APP_ID],
      ['jet-route-delete', 'node-input-appId', DEFAULT_APP_ID],
      ['jet-rmon-event', 'node-input-topic', DEFAULT_RMON_TOPIC],
      ['jet-rmon-event', 'node-input-jet-rmon-junos-interval', RMON_DEFAULTS.interval],
      ['jet-rmon-event', 'node-input-jet-rmon-junos-rising', RMON_DEFAULTS.rising],
      ['jet-rmon-event', 'node-input-jet-rmon-junos-falling', RMON_DEFAULTS.falling],
      ['jet-threshold', 'node-input-maxKeys', DEFAULT_MAX_KEYS],
    ];
    for (const [base, id, value] of shown) assert.equal(placeholder(base, id), String(value), `${base} #${id}`);
  });
});
