/**
 * Write order between the two channels of this process: the acknowledgement of a received event
 * (MQTT PUBACK) leaves after the route call the event leads to, not before it.
 *
 * An event's PUBACK is written by MQTT.js at the end of the tick it arrived in, while the event is
 * still on its way through the flow (each Node-RED hop is a macrotask of its own). A write costs
 * 50–130 µs of syscall in a VM; written first, it delays the route call by that much (the bare
 * clients write the route first: their handler is synchronous). So the notification session
 * holds its socket's writes (cork) when a QoS>0 event arrives, and lets them go:
 *  - once a route call of this process has been written (the RPC session calls releaseAcksSoon()
 *    at each write; the release runs after that write is on its socket), or
 *  - after ACK_HOLD_MAX_MS, whatever happens (an event that changes no route, a flow with no
 *    route node, a route node on another router);
 * whichever comes first. Nothing is dropped or reordered within a channel: MQTT.js's own writes
 * (PUBACKs, pings, subscribes) queue in the corked socket in their order and leave together.
 */

/** The longest a held acknowledgement waits for a route call. */
export const ACK_HOLD_MAX_MS = 1;

const held = new Set<() => void>();
let releaseScheduled = false;

function releaseAll(): void {
  releaseScheduled = false;
  for (const release of [...held]) release();
}

/** Registers a release (called once, by releaseAcksSoon or by its owner); returns the unregistration. */
export function holdAcks(release: () => void): () => void {
  held.add(release);
  return () => {
    held.delete(release);
  };
}

/**
 * A route call was just handed to its channel: release every held acknowledgement after it. A
 * macrotask later (setImmediate): by then a Thrift write has left (its channel uncorks at the end
 * of the tick, or at an immediate queued before this one) and HTTP/2 has flushed the gRPC frames
 * (Node writes an HTTP/2 session's pending frames from a native immediate, which runs first).
 */
export function releaseAcksSoon(): void {
  if (releaseScheduled || held.size === 0) return;
  releaseScheduled = true;
  setImmediate(releaseAll);
}

/** How many holds are registered (tests). */
export function heldAcks(): number {
  return held.size;
}
