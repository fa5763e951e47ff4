/** Where things are, for tests compiled to dist/test/<kind>/...: the checkout's root and its build output. */
import * as path from 'path';

/** The repository root (this file runs from dist/test/support). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The build output (dist/). */
export const DIST = path.join(ROOT, 'dist');
