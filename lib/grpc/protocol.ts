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
 * Keepalive ping interval while calls are open: how a dead connection is found (a router that is
 * silent while it works through a long request is not dead, so silence during a call is never
 * taken for a dead connection on gRPC). gRPC servers' default policy (grpc doc/keepalive.md)
 * allows a client ping at most every 5 minutes while the server sends nothing and closes the
 * connection ("too_many_pings") after two faster ones: never ping more often. An idle connection
 * is not pinged at all (the server allows that only every 2 hours): its death is found by the
 * next call's ping.
 */
export const GRPC_KEEPALIVE_TIME_MS = 5 * 60 * 1000;
/** How long a keepalive ping may wait for its answer before the connection counts as gone. */
export const GRPC_KEEPALIVE_TIMEOUT_MS = 20000;

/**
 * How much longer than the request timeout a request may take per route it carries: a router
 * works through a request's routes one by one (1,000 routes at 12 ms a route take 12 s), and a
 * request that times out is sent again, so its deadline must cover a slow router's pace.
 */
export const GRPC_DEADLINE_MS_PER_ROUTE = 50;

/** Fewest routes per request when requests shrink after failures of whole calls. */
export const GRPC_MIN_ROUTES_PER_REQUEST = 10;
