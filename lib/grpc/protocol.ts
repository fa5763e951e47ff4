/**
 * The constants of the `jnx.jet` wire (docs/protocol.md §6) and this client's use of it, each defined
 * once: the gRPC backend and the simulator's gRPC server both read them from here.
 */

/** The metadata key carrying the client id on every call (Juniper's own RIB client sends it). */
export const CLIENT_ID_METADATA = 'client-id';

/** Most routes (or keys) one RouteAdd / RouteModify / RouteUpdate / RouteDelete request may carry: the API's limit. */
export const GRPC_MAX_ROUTES_PER_REQUEST = 1000;

/** Most gateways (next hops) of one route: the API's limit. */
export const GRPC_MAX_GATEWAYS = 64;

/** Junos's lowest preference for a JET route: `preferences[0]` below it is raised to it. */
export const GRPC_MIN_PREFERENCE = 5;

/** The details of the gRPC error a router answers a RIB call with when its connection has not logged in. */
export const AUTHORIZATION_FAILED = 'Authorization failed';

/** The router's words when a Login names a client id that a live session still holds. */
export function clientIdInUseMessage(clientId: string): string {
  return `Client Id ${clientId} already exists`;
}

/** Whether a refused Login's words say the client id is still held (it clears by itself: back off, keep the id). */
export function isClientIdInUse(message: string): boolean {
  return /client.?id\b.*already exist/i.test(message);
}

/**
 * Requests this client writes and leaves unanswered at a time, each carrying up to
 * {@link GRPC_MAX_ROUTES_PER_REQUEST} routes.
 */
export const GRPC_MAX_IN_FLIGHT = 8;

/**
 * Keepalive ping interval while calls are open: a connection that stopped answering is found within
 * this plus the ping timeout. An idle connection is not pinged by default: gRPC's C core (what a
 * router's server most likely is) closes a connection that pings more often than every 5 minutes
 * without calls ("too_many_pings"), which would cost a re-login every idle minute. An idle
 * half-open connection is found by the next call's deadline instead.
 */
export const GRPC_KEEPALIVE_TIME_MS = 30000;
/** How long a keepalive ping may wait for its answer before the connection counts as gone. */
export const GRPC_KEEPALIVE_TIMEOUT_MS = 10000;
