/**
 * The simulated router's own defaults, defined once for its servers, the simulator and its command
 * line. A router's ports, the RMON topic and event id are JET's and come from lib/core/defaults.ts.
 */

/** The address every server listens on unless told otherwise. */
export const DEFAULT_HOST = '127.0.0.1';
/** The login every request-response server accepts unless given users: user name → password. */
export const DEFAULT_USERS: Readonly<Record<string, string>> = Object.freeze({ lab: 'lab123' });
/** The HTTP port of the command line (tests use a free port). */
export const DEFAULT_HTTP_PORT = 8080;
/** The router's host name in notifications. */
export const DEFAULT_HOSTNAME = 'jet-sim';
/** How long a server's close() waits for its sockets to close. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2000;
