/**
 * Does a port speak HTTP/2? A small raw probe for the gRPC backend's connection failures: it sends
 * the HTTP/2 client preface and an empty SETTINGS frame on a fresh TCP (or TLS) connection. An
 * HTTP/2 server (a gRPC JET port) answers with its SETTINGS, or a GOAWAY; a Thrift JET server
 * answers nothing it would call HTTP/2: it closes the connection, or stays silent. Nothing is left
 * open when the promise settles.
 */
import * as net from 'net';
import * as tls from 'tls';
import { ignoreError, tlsServername } from './socket';

/** HTTP/2 frame types a server sends first: SETTINGS (4) as its preface, GOAWAY (7) on a bad client preface. */
const FRAME_SETTINGS = 0x04;
const FRAME_GOAWAY = 0x07;

/** True when `chunk` starts with an HTTP/2 connection-level frame (SETTINGS or GOAWAY on stream 0). */
export function looksLikeHttp2(chunk: Buffer): boolean {
  if (chunk.length < 9) return false;
  const length = chunk.readUIntBE(0, 3);
  const type = chunk[3];
  const stream = chunk.readUInt32BE(5) & 0x7fffffff;
  return (type === FRAME_SETTINGS || type === FRAME_GOAWAY) && stream === 0 && length <= 16384;
}

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** An empty SETTINGS frame on stream 0: length 0, type 4, flags 0. */
export const EMPTY_SETTINGS_FRAME = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
/** How long a connected port may stay silent before it is taken for a non-HTTP/2 one. */
export const DEFAULT_SILENCE_MS = 1000;

/**
 * 'http2': the port answered with an HTTP/2 frame. Not HTTP/2: it accepted the connection, then
 * 'closed' it (a Thrift or a TLS server facing the preface), stayed 'silent', or answered
 * something 'other'. 'unreachable': no connection (or no TLS handshake) at all, nothing to say.
 */
export type Http2ProbeResult = 'http2' | 'closed' | 'silent' | 'other' | 'unreachable';

/** Whether a probe found a port that accepts connections but does not speak HTTP/2. */
export function notHttp2(result: Http2ProbeResult): boolean {
  return result === 'closed' || result === 'silent' || result === 'other';
}

export interface Http2ProbeOptions {
  host: string;
  port: number;
  /** Probe through TLS with these options (ALPN h2 is offered). */
  tls?: tls.ConnectionOptions;
  /** Whole bound, connection included. */
  timeoutMs: number;
  /** Gives up at once (resolves 'unreachable'), closing the socket. */
  signal?: AbortSignal;
  /** Silence after the preface that counts as "not HTTP/2" (default 1 s, at most timeoutMs). */
  silenceMs?: number;
}

export function probeHttp2(options: Http2ProbeOptions): Promise<Http2ProbeResult> {
  const { host, port } = options;
  return new Promise((resolve) => {
    let socket: net.Socket;
    let connected = false;
    let done = false;
    let received = Buffer.alloc(0);
    let timer: NodeJS.Timeout;
    const started = Date.now();
    const finish = (result: Http2ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.on('error', ignoreError);
      socket.destroy();
      resolve(result);
    };
    try {
      if (options.tls) {
        socket = tls.connect({ ...options.tls, host, port, servername: tlsServername(host, options.tls.servername), ALPNProtocols: ['h2'] });
      } else {
        socket = net.connect({ host, port });
      }
    } catch {
      resolve('unreachable');
      return;
    }
    timer = setTimeout(() => finish(connected ? 'silent' : 'unreachable'), options.timeoutMs);
    if (options.signal?.aborted) finish('unreachable');
    options.signal?.addEventListener('abort', () => finish('unreachable'), { once: true });
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.write(Buffer.concat([HTTP2_PREFACE, EMPTY_SETTINGS_FRAME]));
      // Silent for the window, or until the whole bound is over, whichever comes first.
      const silence = Math.max(0, Math.min(options.silenceMs ?? DEFAULT_SILENCE_MS, started + options.timeoutMs - Date.now()));
      clearTimeout(timer);
      timer = setTimeout(() => finish('silent'), silence);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 9) finish(looksLikeHttp2(received) ? 'http2' : 'other');
    });
    const ended = (): void => finish(!connected ? 'unreachable' : received.length > 0 ? 'other' : 'closed');
    socket.on('error', ended);
    socket.on('close', ended);
  });
}

/**
 * Does a port answer a TLS handshake? For a clear-text connection that a port closed at the HTTP/2
 * preface: a TLS server does that too. 'tls' when the handshake completes (any certificate: only
 * the protocol is asked) or the server answers it with a TLS alert; 'not-tls' otherwise.
 */
export function probeTls(options: { host: string; port: number; timeoutMs: number; signal?: AbortSignal }): Promise<'tls' | 'not-tls'> {
  const { host, port } = options;
  return new Promise((resolve) => {
    let done = false;
    let socket: tls.TLSSocket;
    const finish = (result: 'tls' | 'not-tls'): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.on('error', ignoreError);
      socket.destroy();
      resolve(result);
    };
    try {
      socket = tls.connect({ host, port, servername: tlsServername(host), rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    } catch {
      resolve('not-tls');
      return;
    }
    const timer = setTimeout(() => finish('not-tls'), options.timeoutMs);
    if (options.signal?.aborted) finish('not-tls');
    options.signal?.addEventListener('abort', () => finish('not-tls'), { once: true });
    socket.once('secureConnect', () => finish('tls'));
    socket.on('error', (err: Error & { code?: string }) => {
      // An alert from the server (it wants a client certificate, no common cipher...) is TLS too.
      finish(/alert|ERR_SSL_TLSV1|SSLV3_ALERT/i.test(`${err.code ?? ''} ${err.message}`) ? 'tls' : 'not-tls');
    });
    socket.on('close', () => finish('not-tls'));
  });
}
