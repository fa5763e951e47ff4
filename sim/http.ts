/**
 * The simulator's small HTTP side (node:http, no framework): GET /health, GET /rib[?table=...]
 * (the JET routes, and `others`: routes of other protocols), POST /rib/others (a route of another
 * protocol, e.g. a static route from the CLI: `{"prefix": "1.1.1.1/32", "nexthops": ["10.9.9.9"],
 * "protocol": "static", "preference": 5, "table": "inet.0"}`), DELETE /rib/others?prefix=...
 * [&table=...][&protocol=...], and addRoute() for more (the RMON part adds POST /interfaces/<ifIndex>/rate).
 * State-changing requests from a web page of another origin are refused with 403 (see
 * {@link crossOriginReason}): a page in the lab's browser must not move routes or rates. So is any
 * request whose Host header does not name this server's own listen address (see {@link hostReason}):
 * a page whose name an attacker's DNS points at 127.0.0.1 afterwards (DNS rebinding) is then
 * same-origin to the browser, but its requests still say `Host: evil.example`.
 */
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import { ownerLabel, Rib } from './rib';
import { formatOtherRoute, OtherRouteInput } from './other-routes';
import { checkPrefix, resolveTable } from './route-check';
import { DEFAULT_HOST } from './defaults';
import { handlesSettled } from './settle';
import { listenOrCleanUp } from './sockets';

/** A route handler; `match` is the path regex's match, `url` the parsed request URL. */
export type HttpHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  match: RegExpExecArray,
  url: URL,
) => void | Promise<void>;

interface HttpRoute {
  method: string;
  path: RegExp;
  handler: HttpHandler;
}

export interface SimHttpOptions {
  rib: Rib;
  log?: (line: string) => void;
}

/** Answers `body` as JSON with `status`. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads a request body as text, refusing more than `limit` bytes. */
export async function readBody(req: http.IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a state-changing request (any method but GET, HEAD, OPTIONS) comes from a web page of another
 * origin, or null when it does not. A browser names the page's origin in `Origin` (on every POST,
 * "simple" form and text/plain bodies included, which need no CORS preflight) and says
 * `Sec-Fetch-Site`; a request whose Origin is not this server's own `Host` (or is "null") or whose
 * Sec-Fetch-Site is cross-site or same-site (another port) is refused. Requests without these
 * headers (curl, Node-RED's http request node, scripts) are not from a page and pass.
 */
export function crossOriginReason(req: http.IncomingMessage): string | null {
  if (SAFE_METHODS.has((req.method ?? 'GET').toUpperCase())) return null;
  const site = headerValue(req, 'sec-fetch-site')?.toLowerCase();
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site ${site}`;
  const origin = headerValue(req, 'origin');
  if (origin === undefined) return null;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return `Origin ${JSON.stringify(origin.slice(0, 100))}`;
  }
  const own = (headerValue(req, 'host') ?? '').toLowerCase();
  return host !== '' && host === own ? null : `Origin ${origin.slice(0, 100)} is not ${own || 'this server'}`;
}

/** The names of the loopback interface: a server on one of them is reached under any of them. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

/** A host name or address as compared here: lower case, IPv6 without brackets, no trailing dot. */
function normalHost(host: string): string {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

/**
 * The host names a request may give in its Host header to a server listening on `listenHost`: that
 * address or name itself; for a loopback one, 127.0.0.1, localhost and ::1 too; for every address
 * (0.0.0.0, ::), the loopback names, the addresses of this machine's interfaces and its host name.
 */
export function ownHostNames(listenHost: string): Set<string> {
  const host = normalHost(listenHost);
  const names = new Set<string>([host]);
  if (isLoopback(host)) for (const n of LOOPBACK_NAMES) names.add(n);
  if (host === '' || host === '0.0.0.0' || host === '::') {
    for (const n of LOOPBACK_NAMES) names.add(n);
    for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) names.add(normalHost(i.address));
    names.add(normalHost(os.hostname()));
  }
  return names;
}

/** `host[:port]` or `[v6][:port]` from a Host header, or null when it is neither (port: 80 when absent). */
export function parseHostHeader(value: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return null;
  const port = m[2] === undefined ? 80 : Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: normalHost(m[1]), port } : null;
}

/**
 * Why a request's Host header does not name this server (one of `names`, on `port`), or null when it
 * does. A missing Host is refused too: every browser sends one, and so do curl and Node-RED.
 */
export function hostReason(req: http.IncomingMessage, names: ReadonlySet<string>, port: number): string | null {
  const value = headerValue(req, 'host');
  if (value === undefined || value.trim() === '') return 'no Host header';
  const h = parseHostHeader(value);
  if (h && h.port === port && names.has(h.host)) return null;
  return `Host ${JSON.stringify(value.slice(0, 100))} does not name this server`;
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Thrown by a handler to answer {error: message} with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export class SimHttpServer {
  private readonly routes: HttpRoute[] = [];
  private server?: http.Server;
  private boundPort = 0;
  /** What the Host header of a request may name (see {@link ownHostNames}), with the bound port. */
  private hostNames: ReadonlySet<string> = new Set();
  private listenAddress = '';
  private readonly log: (line: string) => void;

  constructor(private readonly options: SimHttpOptions) {
    this.log = options.log ?? ((): void => undefined);
    this.addRoute('GET', /^\/health$/, (_req, res) => sendJson(res, 200, { ok: true }));
    this.addRoute('GET', /^\/rib$/, (_req, res, _m, url) => {
      const table = url.searchParams.get('table') ?? undefined;
      const { rib } = this.options;
      sendJson(res, 200, { routes: rib.entries(table).map((e) => ({ ...e, owner: ownerLabel(e) })), others: rib.others.list(table) });
    });
    this.addRoute('POST', /^\/rib\/others$/, async (req, res) => {
      let input: OtherRouteInput;
      try {
        input = JSON.parse(await readBody(req)) as OtherRouteInput;
      } catch (err) {
        throw err instanceof HttpError ? err : new HttpError(400, 'body is not JSON');
      }
      if (typeof input !== 'object' || input === null) throw new HttpError(400, 'body is not a JSON object');
      const added = this.options.rib.others.add(input);
      if (!added.ok) throw new HttpError(400, added.message);
      this.log(`rib: + ${formatOtherRoute(added.value)} (${added.value.protocol}, not JET's)`);
      sendJson(res, 201, { route: added.value });
    });
    this.addRoute('DELETE', /^\/rib\/others$/, (_req, res, _m, url) => {
      const p = checkPrefix(url.searchParams.get('prefix') ?? '');
      if (!p.ok) throw new HttpError(400, p.message);
      const t = resolveTable(url.searchParams.get('table') ?? '', p.value.family);
      if (!t.ok) throw new HttpError(400, t.message);
      const removed = this.options.rib.others.remove(t.value, p.value.prefix, url.searchParams.get('protocol') ?? undefined);
      for (const r of removed) this.log(`rib: - ${formatOtherRoute(r)} (${r.protocol}, not JET's)`);
      sendJson(res, 200, { removed: removed.length });
    });
  }

  /** Registers a handler for `method` and a path regex (matched against the path, no query); first match wins. */
  addRoute(method: string, path: RegExp, handler: HttpHandler): void {
    this.routes.push({ method: method.toUpperCase(), path, handler });
  }

  /** Port listened on (0 when not listening). */
  get port(): number {
    return this.server ? this.boundPort : 0;
  }

  async listen(port: number, host = DEFAULT_HOST): Promise<number> {
    if (this.server) throw new Error('http server already listening');
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.boundPort = await listenOrCleanUp(server, port, host);
    this.hostNames = ownHostNames(host);
    this.listenAddress = `${net.isIPv6(host) ? `[${host}]` : host}:${this.boundPort}`;
    this.server = server;
    this.log(`http: listening on http://${host}:${this.boundPort} (GET /rib, GET /health)`);
    return this.boundPort;
  }

  /** Stops listening and drops every connection, keep-alive ones included. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await handlesSettled();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sim.invalid');
    } catch {
      sendJson(res, 400, { error: 'malformed request URL' });
      return;
    }
    // Before anything else, reads included: a rebound page must not even read the RIB.
    const misdirected = hostReason(req, this.hostNames, this.boundPort);
    if (misdirected) {
      this.log(`http: ${req.method} ${url.pathname} refused: ${misdirected}`);
      sendJson(res, 403, { error: `request refused: ${misdirected} (${this.listenAddress}): DNS rebinding?` });
      return;
    }
    const foreign = crossOriginReason(req);
    if (foreign) {
      this.log(`http: ${req.method} ${url.pathname} refused: ${foreign}`);
      sendJson(res, 403, { error: `cross-origin request refused: ${foreign}` });
      return;
    }
    let pathMatched = false;
    try {
      for (const route of this.routes) {
        const match = route.path.exec(url.pathname);
        if (!match) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        await route.handler(req, res, match, url);
        return;
      }
      if (pathMatched) sendJson(res, 405, { error: `method ${req.method} not allowed on ${url.pathname}` });
      else sendJson(res, 404, { error: `no route for ${url.pathname}` });
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) this.log(`http: ${req.method} ${url.pathname} failed: ${(err as Error).message}`);
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
      else res.destroy();
    }
  }
}
