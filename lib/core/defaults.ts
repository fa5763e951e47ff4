/**
 * The defaults every part shares: the runtime, the editor (bundled from editor/) and the simulator.
 * A router's ports and the notification topic are facts of JET (docs/protocol.md §2, §3, §6); the
 * other numbers are this package's documented defaults. Nothing here imports anything, so every layer
 * can use it.
 */

/** This package's name as npm knows it (it signs the router commits it makes). */
export const PACKAGE_NAME = '@jetflows/node-red-junos-jet';

/** The request-response APIs: gRPC `jnx.jet` (every Junos in service) and Thrift (Junos up to 16.1). */
export type JetApi = 'grpc' | 'thrift';

/** The router's default request-response port for each API. */
export const DEFAULT_PORTS: Readonly<Record<JetApi, number>> = { grpc: 32767, thrift: 9090 };
/** The router's notification broker (MQTT). */
export const DEFAULT_NOTIFICATION_PORT = 1883;
/** The syslog event id of an RMON alarm's event, and the topic the router publishes it on. */
export const RMON_EVENT_ID = 'SNMPD_RMON_EVENTLOG';
export const DEFAULT_RMON_TOPIC = `/junos/events/syslog/${RMON_EVENT_ID}`;

/** How long a route call may wait for the router's answer. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10000;
/** How many route calls may wait for the router before new ones are refused. */
export const DEFAULT_QUEUE_LIMIT = 1000;
/** How long closing a router's sessions (redeploy, shutdown) may take at the most. */
export const DEFAULT_CLOSE_BOUND_MS = 4000;

/**
 * gRPC `RoutePurgeTimerAdd.time`: how long the router keeps a client's routes after its session
 * ends. The IDL gives the range 1 to 1,000 s and a default of 120 s, the time a router keeps the
 * routes of a client that set none (docs/protocol.md §6).
 */
export const PURGE_TIME_MIN_S = 1;
export const PURGE_TIME_MAX_S = 1000;
export const ROUTER_PURGE_TIME_S = 120;
