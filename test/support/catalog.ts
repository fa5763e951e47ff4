/**
 * This package's message catalogs as a Node-RED runtime has them: registered with Node-RED's own
 * i18n (@node-red/util, of the Node-RED the tests run) from dist/nodes/locales, under the namespace
 * its registry gives each node set (`<package>/<set>`), with RED._ bound to a node set as the
 * registry binds it. node-red-node-test-helper gives node modules a RED._ that returns the key it
 * is given; withCatalog() gives them this one, so the node tests see the texts users see.
 */
import * as path from 'path';
import { DIST } from './paths';
import { PACKAGE_NAME, Translate } from '../../nodes/shared/status';

interface I18n {
  init(settings: Record<string, unknown>): void;
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
  _(key: string, params?: Record<string, unknown>): string;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { i18n } = require(require.resolve('@node-red/util', { paths: [path.dirname(require.resolve('node-red'))] })) as { i18n: I18n };

/** The node sets of package.json's node-red.nodes: each has its catalog, nodes/locales/<lang>/<set>.json. */
export const NODE_SETS = ['jet-router', 'jet-rmon-event', 'jet-threshold', 'jet-route-add', 'jet-route-delete', 'jet-command'];

let loaded: Promise<void> | null = null;

/** Registers the catalogs (once); resolves when they can be read. */
export function catalogsLoaded(): Promise<void> {
  if (!loaded) {
    // A no-op once the runtime (RED.init) initialised it: the runtime's settings then stand.
    i18n.init({});
    const dir = path.join(DIST, 'nodes', 'locales');
    loaded = Promise.all(NODE_SETS.map((set) => i18n.registerMessageCatalog(`${PACKAGE_NAME}/${set}`, dir, `${set}.json`))).then(() => undefined);
  }
  return loaded;
}

/** RED._ of node set `set`: a key without a namespace is one of the set's own catalog. Needs catalogsLoaded(). */
export function translatorFor(set: string): Translate {
  return (key, params) => i18n._(key.includes(':') ? key : `${PACKAGE_NAME}/${set}:${key}`, params);
}

type NodeModule = (RED: any) => unknown;

/** Node module `mod` of node set `set`, given the RED of the test runtime with the real RED._ of its set. */
export function withCatalog(set: string, mod: NodeModule): (RED: any) => Promise<unknown> {
  return (RED) => catalogsLoaded().then(() => mod(Object.create(RED, { _: { value: translatorFor(set) } })));
}
