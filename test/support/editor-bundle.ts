/**
 * The editor script as the node dialogs load it, for the tests that run dialogs in a vm sandbox:
 * where each .html asks for it, and the built file (resources/jet-editor.js) run in a context.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { ROOT } from './paths';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };

/** The src of every node .html's bundle script: Node-RED serves resources/ of a module at resources/<module>/. */
export const EDITOR_BUNDLE = `resources/${pkg.name}/jet-editor.js`;
/** The built bundle (scripts/build-editor.js). */
export const BUNDLE_FILE = path.join(ROOT, 'resources', 'jet-editor.js');

export function bundleSource(): string {
  return fs.readFileSync(BUNDLE_FILE, 'utf8');
}

/** Runs the bundle in `sandbox` (a vm context), as the editor does before a node's own script. */
export function loadBundle(sandbox: vm.Context): void {
  vm.runInContext(bundleSource(), sandbox, { filename: 'jet-editor.js' });
}
