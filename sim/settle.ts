/**
 * Resolves once libuv has run the close callbacks of the handles closed so far. A server's
 * 'close' event (and the callback of server.close()) comes before its handle is released; the
 * simulator's close() methods wait for this so that nothing is left open when they resolve.
 * (A setImmediate queued from the poll phase runs before that iteration's close phase; the
 * second one runs after it.)
 */
export function handlesSettled(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
