/**
 * The editor script of the package, `resources/jet-editor.js` (bundled from this file by
 * scripts/build-editor.js): what the node dialogs share, on `window.JetEditor`. Every node's .html
 * loads it first (`<script src="resources/@jetflows/node-red-junos-jet/jet-editor.js">`; Node-RED
 * runs the node's own script once it has loaded), so no dialog depends on another being loaded.
 * Loading it again changes nothing: the first copy stays, with what its panels remember.
 */
import { createEditor, JetEditor } from './api';

const page = globalThis as unknown as { JetEditor?: JetEditor };
if (!page.JetEditor) page.JetEditor = createEditor();
