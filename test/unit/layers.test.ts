/**
 * The layers of lib/ (test/support/layers.ts has the rule): first that each part of the rule can
 * fail, on synthetic import lists, then that this tree keeps it.
 */
import { strict as assert } from 'assert';
import { ImportEdge, LayerRule, layerViolations, libImports, libUnit } from '../support/layers';
import { ROOT } from '../support/paths';

/** `from: specifier` pairs as import edges. */
function edges(...pairs: Array<[string, string]>): ImportEdge[] {
  return pairs.map(([file, specifier]) => ({ file, specifier }));
}

function rules(list: ImportEdge[]): LayerRule[] {
  return layerViolations(list).map((v) => v.rule);
}

/** An import list shaped like the tree: every allowed kind of import once. */
const CLEAN = edges(
  ['lib/core/hub.ts', './backend'],
  ['lib/core/hub.ts', './notification-channel'],
  ['lib/core/route-spec.ts', '../flow-props'],
  ['lib/core/reconnect.ts', 'events'],
  ['lib/net/probe.ts', './socket'],
  ['lib/net/probe.ts', '../flow-props'],
  ['lib/net/socket.ts', 'net'],
  ['lib/thrift/backend.ts', '../core/rpc-session'],
  ['lib/thrift/backend.ts', '../net/socket'],
  ['lib/thrift/backend.ts', '../gen/jet/RouteService'],
  ['lib/grpc/backend.ts', '../core/backend'],
  ['lib/grpc/backend.ts', '@grpc/grpc-js'],
  ['lib/mqtt/session.ts', '../core/reconnect'],
  ['lib/mqtt/session.ts', 'mqtt'],
  ['lib/router/backends.ts', '../grpc/backend'],
  ['lib/router/backends.ts', '../thrift/backend'],
  ['lib/node-status.ts', './core/backend'],
  ['lib/threshold/config.ts', '../rmon/alarm'],
);

describe('lib layers: the rule', () => {
  it('names the folder of a lib path', () => {
    assert.deepEqual(
      ['lib/core/hub.ts', 'lib/flow-props.ts', 'lib/flow-props', 'lib/gen-grpc/jnx/x', 'nodes/jet-router.ts', 'lib'].map(libUnit),
      ['core', 'flow-props', 'flow-props', 'gen-grpc', null, null],
    );
  });

  it('passes an import list that keeps the layers', () => {
    assert.deepEqual(layerViolations(CLEAN), []);
  });

  it('fails lib/core importing a transport or lib/router', () => {
    for (const spec of ['../grpc/backend', '../thrift/framing', '../mqtt/session', '../router/backends']) {
      // Each of those imports core, so the folders form a cycle too.
      assert.deepEqual(rules([...CLEAN, ...edges(['lib/core/hub.ts', spec])]), ['core-imports-transport', 'folder-cycle'], spec);
    }
    // Even a type-only import, of a folder that does not import core back.
    assert.deepEqual(rules(edges(['lib/core/hub.ts', '../mqtt/session'])), ['core-imports-transport']);
  });

  it('fails anything in lib importing nodes/, sim/, test/, node-red or @node-red/* (or editor/, bench/)', () => {
    for (const [file, spec] of [
      ['lib/rmon/filter.ts', '../../nodes/shared/types'],
      ['lib/core/hub.ts', '../../sim'],
      ['lib/flow-props.ts', '../sim/broker'],
      ['lib/thrift/backend.ts', '../../test/support/wait'],
      ['lib/node-status.ts', 'node-red'],
      ['lib/mqtt/session.ts', '@node-red/util'],
      ['lib/router/probe.ts', 'node-red/lib/red'],
      ['lib/core/route-spec.ts', '../../editor/checks'],
      ['lib/rmon/filter.ts', '../../bench/lib/util'],
    ] as Array<[string, string]>) {
      assert.deepEqual(rules([...CLEAN, ...edges([file, spec])]), ['lib-imports-outside'], `${file} → ${spec}`);
    }
    // A package whose name merely starts alike is not Node-RED.
    assert.deepEqual(rules([...CLEAN, ...edges(['lib/core/hub.ts', 'node-red-contrib-x'])]), []);
  });

  it('fails lib/net or lib/flow-props.ts importing lib other than each other', () => {
    assert.deepEqual(rules([...CLEAN.filter((e) => e.file !== 'lib/net/probe.ts'), ...edges(['lib/flow-props.ts', './net/socket'])]), [], 'flow-props may import lib/net');
    assert.deepEqual(rules([...CLEAN, ...edges(['lib/net/socket.ts', '../core/defaults'])]), ['bottom-imports-lib']);
    assert.deepEqual(rules([...CLEAN, ...edges(['lib/flow-props.ts', './core/route-spec'])]), ['bottom-imports-lib', 'folder-cycle']);
    assert.deepEqual(rules([...CLEAN, ...edges(['lib/net/probe.ts', '../rmon/parser'])]), ['bottom-imports-lib']);
  });

  it('fails a transport importing another transport or lib/router', () => {
    for (const [file, spec] of [
      ['lib/grpc/backend.ts', '../thrift/framing'],
      ['lib/mqtt/session.ts', '../grpc/proto'],
      ['lib/thrift/backend.ts', '../mqtt/topic'],
      ['lib/thrift/login.ts', '../router/probe'],
    ] as Array<[string, string]>) {
      const got = rules([...CLEAN, ...edges([file, spec])]);
      assert.ok(got.includes('transport-imports-transport'), `${file} → ${spec}: ${got}`);
    }
  });

  it('fails folders that import each other in a cycle, naming the imports that close it', () => {
    const [v, ...more] = layerViolations([...CLEAN, ...edges(['lib/rmon/alarm.ts', '../threshold/machine'])]);
    assert.equal(more.length, 0);
    assert.equal(v.rule, 'folder-cycle');
    assert.match(v.message, /rmon → threshold → rmon/);
    assert.deepEqual(v.edges.map((e) => e.file).sort(), ['lib/rmon/alarm.ts', 'lib/threshold/config.ts']);
    // Through three folders, and through a file at the top of lib.
    assert.deepEqual(rules([...CLEAN, ...edges(['lib/rmon/a.ts', '../threshold/b'], ['lib/threshold/c.ts', '../junos/d'], ['lib/junos/e.ts', '../rmon/f'])]), ['folder-cycle']);
    assert.deepEqual(rules([...CLEAN, ...edges(['lib/core/x.ts', '../node-status'])]), ['folder-cycle']);
  });
});

describe('lib layers: this tree', () => {
  const tree = libImports(ROOT);

  it('reads the imports of every lib file (not the generated ones)', () => {
    const files = new Set(tree.map((e) => e.file));
    for (const f of ['lib/core/hub.ts', 'lib/mqtt/session.ts', 'lib/thrift/backend.ts', 'lib/grpc/backend.ts', 'lib/router/backends.ts', 'lib/node-status.ts']) {
      assert.ok(files.has(f), `${f} read`);
    }
    assert.ok(tree.some((e) => e.file === 'lib/thrift/backend.ts' && e.specifier === '../core/rpc-session'));
    assert.ok(tree.some((e) => e.file === 'lib/core/hub.ts' && e.specifier === './notification-channel'));
    assert.ok(![...files].some((f) => f.startsWith('lib/gen')), 'generated code is not read');
  });

  it('keeps every layer rule', () => {
    const violations = layerViolations(tree);
    assert.deepEqual(violations.map((v) => v.message), []);
  });
});
