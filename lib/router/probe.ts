/**
 * "Test connection" of the jet-router dialog: one login attempt with settings that are typed but
 * not deployed, answered in words a network engineer can act on. No Node-RED here: the jet-router
 * node adapts it to its admin endpoint (POST /jet-router/test-connection) and gives it the runtime
 * look-ups through a {@link ProbeContext}.
 *
 *  - the body is checked first; a malformed one (bad host, port, timeout, wrong types) is a 400;
 *  - the password placeholder Node-RED sends for an unchanged password field (`__PWRD__`), or no
 *    password, means "the stored one": the credentials of the deployed jet-router `id`, sent only
 *    with that node's API, host, port and TLS settings (TLS on or off, and the same tls-config);
 *  - TLS options come from a deployed tls-config node;
 *  - the login is one backend session of the chosen API (gRPC or Thrift) that is closed after its first outcome, whatever it is, and at
 *    the latest after requestTimeout (capped at 30 s): no socket or timer is left behind, nothing
 *    is retried, nothing is saved;
 *  - the password is never part of an answer.
 */
import * as net from 'net';
import type { ConnectionOptions } from 'tls';
import { apiOf, API_LABEL, BackendOptions, JetApi, RouteBackend, SessionStatus } from '../core/backend';
import { DEFAULT_PORTS } from '../core/defaults';
import { createBackend } from './backends';
import { RouteValidationError, toBool, toInteger } from '../flow-props';

/** What the Node-RED editor sends for a password field whose value was not changed. */
export const PASSWORD_PLACEHOLDER = '__PWRD__';
export const DEFAULT_PROBE_TIMEOUT_S = 10;
/** A test never takes longer than this, whatever requestTimeout says. */
export const MAX_PROBE_TIMEOUT_S = 30;
/** Added to the client id of the test login, so that it never takes the place of a running session. */
export const PROBE_CLIENT_SUFFIX = '-test';

export type ProbeReason = 'refused' | 'timeout' | 'tls' | 'auth' | 'dns' | 'invalid' | 'wrong-api' | 'other';

export type ProbeResult = { ok: true; message: string } | { ok: false; reason: ProbeReason; message: string };

/** A complete login to try: a backend's connection settings (no queue, no backoff, no purge timer) and its API. */
export interface ProbeTarget extends Pick<BackendOptions, 'host' | 'port' | 'username' | 'password' | 'clientId' | 'tls' | 'requestTimeoutMs'> {
  api: JetApi;
}

/** The request body, checked; credentials and TLS not resolved yet. */
export interface ProbeRequest {
  id?: string;
  api: JetApi;
  host: string;
  port: number;
  /** undefined: the stored one. */
  username?: string;
  /** undefined: the stored one (absent, or the placeholder). */
  password?: string;
  useTls: boolean;
  tls?: string;
  requestTimeoutMs: number;
  clientId?: string;
}

/** What the probe needs from the runtime. */
export interface ProbeContext {
  /**
   * The stored credentials of the deployed jet-router `id` and the router they belong to, or null
   * when there is none. They are used only for that same api, host, port and TLS settings.
   */
  storedCredentials(id: string): StoredRouter | null;
  /** TLS options from the deployed tls-config node `id`, or a sentence saying why there are none. */
  tlsOptions(id: string): ConnectionOptions | string;
  /** The client id the jet-router `id` would use when none is set. */
  defaultClientId(id: string | undefined): string;
}

/** A deployed jet-router's credentials and where they may go. */
export interface StoredRouter {
  username?: string;
  password?: string;
  api: JetApi;
  host: string;
  port: number;
  useTls: boolean;
  /** The tls-config node's id; undefined: none picked (TLS with the system's CAs). */
  tls?: string;
}

export class ProbeRequestError extends Error {
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`${field}: ${why}`);
    this.name = 'ProbeRequestError';
  }
}

const LIMITS = { host: 253, username: 256, password: 1024, clientId: 256, id: 128 };

/** Host name (RFC 1123 labels, underscores tolerated) or IPv4 / IPv6 address; no brackets, no port. */
export function isValidHost(text: string): boolean {
  if (text.length === 0 || text.length > LIMITS.host) return false;
  if (net.isIP(text) !== 0) return true;
  // Digits and dots only: meant as an IPv4 address, and not a valid one (1.2.3.999, 10.1).
  if (/^[\d.]+$/.test(text)) return false;
  return /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/.test(text);
}

function optionalString(body: Record<string, unknown>, field: keyof typeof LIMITS): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ProbeRequestError(field, `expected a string, got ${typeof value}`);
  if (value.length > LIMITS[field]) throw new ProbeRequestError(field, `longer than ${LIMITS[field]} characters`);
  return value;
}

/** toInteger's reading of flow-JSON numbers, failing as a malformed request (400). */
function integerField(body: Record<string, unknown>, field: string, fallback: number, min: number, max: number): number {
  try {
    return toInteger(field, body[field], fallback, min, max);
  } catch (err) {
    if (err instanceof RouteValidationError) throw new ProbeRequestError(field, err.message.slice(field.length + 2));
    throw err;
  }
}

/** Checks the JSON body of a test request; throws a {@link ProbeRequestError} naming the field. */
export function parseProbeRequest(body: unknown): ProbeRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ProbeRequestError('body', 'expected a JSON object');
  }
  const b = body as Record<string, unknown>;
  const host = optionalString(b, 'host')?.trim() ?? '';
  if (host === '') throw new ProbeRequestError('host', 'no host given');
  if (!isValidHost(host)) throw new ProbeRequestError('host', `${JSON.stringify(host)} is not a host name or IP address`);
  // A body without `api` comes from an editor of the Thrift-only versions.
  const api = apiOf(b.api);
  const port = integerField(b, 'port', DEFAULT_PORTS[api], 1, 65535);
  // The same range as the jet-router node; the test itself is capped further below.
  const timeoutS = integerField(b, 'requestTimeout', DEFAULT_PROBE_TIMEOUT_S, 1, 3600);
  const password = optionalString(b, 'password');
  if (b.tls !== undefined && b.tls !== null && (typeof b.tls !== 'string' || b.tls.length > LIMITS.id)) {
    throw new ProbeRequestError('tls', 'expected the id of a tls-config node');
  }
  const tls = typeof b.tls === 'string' ? b.tls.trim() : '';
  if (b.useTls !== undefined && b.useTls !== null && typeof b.useTls !== 'boolean' && typeof b.useTls !== 'string' && typeof b.useTls !== 'number') {
    throw new ProbeRequestError('useTls', 'expected true or false');
  }
  const id = optionalString(b, 'id')?.trim();
  const clientId = optionalString(b, 'clientId')?.trim();
  return {
    id: id || undefined,
    api,
    host,
    port,
    username: optionalString(b, 'username'),
    password: password === PASSWORD_PLACEHOLDER ? undefined : password,
    useTls: toBool(b.useTls),
    // '_ADD_' is the editor's "Add new tls-config..." entry: nothing picked.
    tls: tls !== '' && tls !== '_ADD_' ? tls : undefined,
    requestTimeoutMs: Math.min(timeoutS, MAX_PROBE_TIMEOUT_S) * 1000,
    clientId: clientId || undefined,
  };
}

/**
 * The whole endpoint: checks the body, fills in the stored credentials and the TLS options, tries
 * one login. `status` is 400 for a malformed body, 200 otherwise; rejects only when a look-up of
 * `ctx` throws.
 */
export async function testConnection(body: unknown, ctx: ProbeContext): Promise<{ status: 200 | 400; body: ProbeResult }> {
  let req: ProbeRequest;
  try {
    req = parseProbeRequest(body);
  } catch (err) {
    if (err instanceof ProbeRequestError) return { status: 400, body: { ok: false, reason: 'invalid', message: err.message } };
    throw err;
  }
  const target = resolveTarget(req, ctx);
  if ('reason' in target) return { status: 200, body: target };
  return { status: 200, body: await probeLogin(target) };
}

/** The login to try, or why it cannot be tried. */
export function resolveTarget(req: ProbeRequest, ctx: ProbeContext): ProbeTarget | (ProbeResult & { ok: false }) {
  const invalid = (message: string): ProbeResult & { ok: false } => ({ ok: false, reason: 'invalid', message });
  let username = req.username;
  let password = req.password;
  if (username === undefined || password === undefined) {
    const stored = req.id ? ctx.storedCredentials(req.id) : null;
    if (password === undefined && !stored) {
      return invalid('no password to test with: type the password (this router node is not deployed, so no password is stored for it)');
    }
    // The stored password goes only where it was saved for: never to another host, port or API,
    // nor over other TLS settings (in clear text, or trusting other certificates).
    const sameTls = stored !== null && stored.useTls === req.useTls && (!req.useTls || (stored.tls ?? '') === (req.tls ?? ''));
    if (password === undefined && stored && (stored.api !== req.api || stored.host.toLowerCase() !== req.host.toLowerCase() || stored.port !== req.port || !sameTls)) {
      // TLS is named only when it differs (the message stays as it was for the rest).
      const tlsOf = (useTls: boolean, tls: string | undefined): string =>
        sameTls ? '' : useTls ? ` over TLS (${tls ? `tls-config ${tls}` : 'no tls-config'})` : ' without TLS';
      return invalid(
        `type the password to test ${API_LABEL[req.api]} ${req.host}:${req.port}${tlsOf(req.useTls, req.tls)}: the stored one is sent only to the deployed router ` +
          `(${API_LABEL[stored.api]} ${stored.host}:${stored.port}${tlsOf(stored.useTls, stored.tls)})`,
      );
    }
    username ??= stored?.username ?? '';
    password ??= stored?.password ?? '';
  }
  if (username.trim() === '') return invalid('no user name: fill in User');
  let tls: ConnectionOptions | undefined;
  if (req.useTls) {
    if (req.tls) {
      const opts = ctx.tlsOptions(req.tls);
      if (typeof opts === 'string') return invalid(opts);
      tls = opts;
    } else {
      tls = {};
    }
  }
  return {
    api: req.api,
    host: req.host,
    port: req.port,
    username,
    password,
    clientId: `${req.clientId ?? ctx.defaultClientId(req.id)}${PROBE_CLIENT_SUFFIX}`,
    tls,
    requestTimeoutMs: Math.min(req.requestTimeoutMs, MAX_PROBE_TIMEOUT_S * 1000),
  };
}

/** The reason behind a session's `disconnected` detail (lib/net/socket describeSocketError, the transports' backends). */
export function classifyFailure(detail: string, tls: boolean): ProbeReason {
  if (/\bspeaks (gRPC|Thrift) JET, not /.test(detail)) return 'wrong-api';
  if (/connection refused/i.test(detail)) return 'refused';
  if (/^TLS error|certificate|\bSSL\b|handshake/i.test(detail)) return 'tls';
  if (/host name not found/i.test(detail)) return 'dns';
  if (/\bwithin [\d.]+ s\b|timed out/i.test(detail)) return 'timeout';
  // A TLS client whose peer speaks plain Thrift sees the connection dropped during the handshake.
  if (tls && /closed before it was established|connection reset|closed by the router/i.test(detail)) return 'tls';
  return 'other';
}

/**
 * One login with `target`: resolves with the first outcome (logged in, login refused, connection
 * failed) or a timeout after `target.requestTimeoutMs`, once the session is closed. Never rejects.
 */
export function probeLogin(target: ProbeTarget, closeBoundMs = 1000): Promise<ProbeResult> {
  return probeSession(target, null, closeBoundMs).then((r) => r.result);
}

/** What {@link probeSession} gives the caller's work: the logged-in session, for its calls. */
export type ProbeUse<T> = (session: RouteBackend) => Promise<T>;

/** Calls a {@link probeSession}'s work may have waiting at once. */
const PROBE_WORK_QUEUE = 16;

/** The longest a {@link probeSession}'s work may take after the login, whatever requestTimeout says. */
export const MAX_PROBE_WORK_MS = 60000;

/**
 * One short-lived session with `target`, as {@link probeLogin} opens it: when the login succeeds and
 * `use` is given, `use` runs on the logged-in session (its calls have the session's deadline, and
 * all of it at most {@link MAX_PROBE_WORK_MS}) before the session is closed. Resolves with the
 * login's outcome and `use`'s value, or with a failure saying why there is none. Never rejects;
 * leaves no socket or timer behind.
 */
export function probeSession<T>(target: ProbeTarget, use: ProbeUse<T> | null, closeBoundMs = 1000): Promise<{ result: ProbeResult; value?: T }> {
  const where = `${target.host}:${target.port}`;
  const seconds = String(Math.round(target.requestTimeoutMs / 100) / 10);
  return new Promise((resolve) => {
    const session = createBackend(target.api, {
      host: target.host,
      port: target.port,
      username: target.username,
      password: target.password,
      clientId: target.clientId,
      tls: target.tls,
      requestTimeoutMs: target.requestTimeoutMs,
      // A plain login test makes no call; the work's calls go one after another.
      queueLimit: use ? PROBE_WORK_QUEUE : 0,
    });
    let settled = false;
    let loggedIn = false;
    let work: NodeJS.Timeout | null = null;
    const finish = (result: ProbeResult, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (work) clearTimeout(work);
      const answer = scrub(result, target.password);
      // Closed once the session has finished the transition being reported: closing from inside
      // its 'state' event would let it schedule its reconnect after the close.
      queueMicrotask(() => {
        session.close(closeBoundMs).then(
          () => resolve({ result: answer, value }),
          () => resolve({ result: answer, value }),
        );
      });
    };
    const deadline = setTimeout(() => {
      finish({
        ok: false,
        reason: 'timeout',
        message: `${where}: no answer within ${seconds} s (no connection was accepted, or the router did not answer the login)`,
      });
    }, target.requestTimeoutMs);
    const loggedInAs = (): ProbeResult => ({ ok: true, message: `logged in to ${session.peer} as ${target.username} over ${API_LABEL[target.api]}${target.tls ? ' (TLS)' : ''}` });
    session.on('state', (s: SessionStatus) => {
      // After the login, the work's own outcome speaks (a drop fails its calls).
      if (loggedIn) return;
      switch (s.state) {
        case 'connected': {
          if (!use) {
            finish(loggedInAs());
            break;
          }
          loggedIn = true;
          clearTimeout(deadline);
          const ok = loggedInAs();
          work = setTimeout(() => finish({ ok: false, reason: 'timeout', message: `${where}: the router did not finish within ${MAX_PROBE_WORK_MS / 1000} s` }), MAX_PROBE_WORK_MS);
          use(session).then(
            (value) => finish(ok, value),
            (err: Error) => finish({ ok: false, reason: 'other', message: `${where}: ${err.message}` }),
          );
          break;
        }
        case 'login-failed':
          finish({ ok: false, reason: 'auth', message: s.detail.replace(/^login failed/, `login failed for user ${target.username}`) });
          break;
        case 'disconnected': {
          const reason = classifyFailure(s.detail, target.tls !== undefined);
          const hint =
            reason === 'tls' && !/^TLS error/i.test(s.detail) ? ' (TLS handshake failed: does the router serve JET over TLS on that port?)' : '';
          finish({ ok: false, reason, message: `${where}: ${s.detail}${hint}` });
          break;
        }
        default:
          break;
      }
    });
    session.start();
  });
}

/** The password never goes back to the browser, even if a router were to echo it. */
function scrub(result: ProbeResult, password: string): ProbeResult {
  if (password.length < 3 || !result.message.includes(password)) return result;
  return { ...result, message: result.message.split(password).join('********') };
}
