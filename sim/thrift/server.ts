/**
 * The simulated router's JET request-response server: Apache Thrift over TCP (or TLS) with a
 * buffered transport, the binary protocol and multiplexing ("AuthenticationService:LoginCheck",
 * "RouteService:RouteAdd", ...), as in docs/protocol.md §2.
 *
 * Each connection is a JET session with its own state (logged in or not, user, client id, app
 * ids used) and its own generated Processors (sim/thrift/handlers.ts); it reads messages with
 * MessageReader (no parse exceptions on partial input), strips the service prefix and hands each
 * call to the service's Processor. When a connection closes, the routes added on it are purged
 * from the RIB.
 *
 * Test hooks: setResponding(false) makes the server read calls and never answer (a half-open
 * peer); counters count calls, err codes, logins and replies; closeAllConnections() drops
 * every session; `routeDelayMs` makes a slow router (see sim/thrift/handlers.ts).
 */
import * as net from 'net';
import * as tls from 'tls';
import * as thrift from 'thrift';
import { MessageReader } from '../../lib/thrift/framing';
import { encodeMessage, MessageType, openMessage } from '../../lib/thrift/codec';
import { Listener, SimServer, SimServerOptions, SimTlsOptions } from '../server-base';
import { emptyThriftCounters, Processor, processorsFor, Session, SessionInfo, ThriftCallContext, ThriftCounters } from './handlers';

export type { SessionInfo, ThriftCounters };
export type ThriftTlsOptions = SimTlsOptions;

export interface ThriftServerOptions extends SimServerOptions {
  /** Largest message accepted before the connection is dropped (default 16 MiB). */
  maxMessageSize?: number;
}

/** One call read from a connection ('call' event, emitted after the handler ran). */
export interface CallInfo {
  sessionId: number;
  /** Service prefix of the message name ('' when the name has none). */
  service: string;
  method: string;
  seqId: number;
  /** False when the server was not responding: the call was read, not processed, not answered. */
  answered: boolean;
}

export interface ThriftServerEvents {
  listening: [port: number];
  connection: [session: SessionInfo];
  disconnect: [session: SessionInfo];
  call: [call: CallInfo];
}

/** A protocol that answers `readMessageBegin` with the given header and reads the rest from `input`. */
function withHeader(input: thrift.TProtocol, header: thrift.TMessage): thrift.TProtocol {
  const proxy = Object.create(input) as thrift.TProtocol;
  proxy.readMessageBegin = (): thrift.TMessage => header;
  return proxy;
}

/**
 * Writes a TApplicationException struct. npm thrift's own TApplicationException.write() writes
 * `this.code`, which its constructor never sets (it sets `type`), so the type would be lost.
 */
function writeApplicationException(out: thrift.TProtocol, type: thrift.Thrift.TApplicationExceptionType, message: string): void {
  out.writeStructBegin('TApplicationException');
  out.writeFieldBegin('message', thrift.Thrift.Type.STRING, 1);
  out.writeString(message);
  out.writeFieldEnd();
  out.writeFieldBegin('type', thrift.Thrift.Type.I32, 2);
  out.writeI32(type);
  out.writeFieldEnd();
  out.writeFieldStop();
  out.writeStructEnd();
}

/** Whether a generated Processor has a method (it dispatches to `process_<name>`). */
function hasMethod(processor: Processor, method: string): boolean {
  return typeof (processor as unknown as Record<string, unknown>)[`process_${method}`] === 'function';
}

export class ThriftServer extends SimServer<ThriftServerEvents, ThriftCounters> {
  private responding = true;
  private nextSessionId = 0;
  private readonly sessions = new Map<net.Socket, Session>();
  private readonly calls: ThriftCallContext;
  private readonly maxMessageSize?: number;

  constructor(options: ThriftServerOptions) {
    super('thrift', options, emptyThriftCounters);
    this.maxMessageSize = options.maxMessageSize;
    this.calls = this.callContext();
  }

  /** Live sessions (connections). */
  get connections(): number {
    return this.sessions.size;
  }

  /** Snapshot of the live sessions. */
  sessionList(): SessionInfo[] {
    return [...this.sessions.values()];
  }

  /** False: read calls and never answer them (they are not processed either). */
  setResponding(on: boolean): void {
    this.responding = on;
    this.log(`thrift: ${on ? 'responding' : 'NOT responding (calls are read and never answered)'}`);
  }

  get isResponding(): boolean {
    return this.responding;
  }

  /** How many `method` calls were answered with `errCode`. */
  errCount(method: string, errCode: number): number {
    return this.counters.errCodes[method]?.[errCode] ?? 0;
  }

  protected createListener(): Listener {
    const t = this.options.tls;
    const server: net.Server = t
      ? tls.createServer({ key: t.key, cert: t.cert, ca: t.ca, requestCert: t.requestCert ?? false, rejectUnauthorized: t.requestCert ?? false })
      : net.createServer();
    server.on('connection', (raw: net.Socket) => {
      this.sockets.track(raw, 'thrift');
      if (!t) this.onSession(raw);
    });
    if (t) {
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        this.sockets.track(socket, 'thrift');
        this.onSession(socket);
      });
      server.on('tlsClientError', (err: Error) => this.log(`thrift: TLS handshake failed: ${err.message}`));
    }
    return { server, note: t ? ' (TLS)' : '' };
  }

  private onSession(socket: net.Socket): void {
    const session = new Session(++this.nextSessionId, `${socket.remoteAddress}:${socket.remotePort}`);
    this.sessions.set(socket, session);
    this.counters.connectionsTotal++;
    socket.setNoDelay(true);
    const transport = new thrift.TBufferedTransport(undefined, (buf?: Buffer) => {
      if (buf) this.send(socket, buf);
    });
    session.output = new thrift.TBinaryProtocol(transport);
    session.processors = processorsFor(session, this.calls);
    const reader = new MessageReader(this.maxMessageSize);
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch (err) {
        this.counters.framingErrors++;
        this.log(`thrift: session ${session.id}: ${(err as Error).message}; dropping the connection`);
        socket.destroy();
        return;
      }
      for (const message of messages) {
        if (socket.destroyed) return;
        try {
          this.dispatch(session, socket, message);
        } catch (err) {
          this.log(`thrift: session ${session.id}: ${(err as Error).message}; dropping the connection`);
          socket.destroy();
          return;
        }
      }
    });
    socket.once('close', () => {
      session.closed = true;
      this.sessions.delete(socket);
      const purged = this.rib.purgeSession(session.id, `session ${session.id} closed`);
      this.log(`thrift: session ${session.id} (${session.remote}) closed${purged.length ? `, ${purged.length} route(s) purged` : ''}`);
      this.emit('disconnect', session);
    });
    this.log(`thrift: session ${session.id} connected from ${session.remote}`);
    this.emit('connection', session);
  }

  /** Writes one reply message unless the server stopped responding or the socket is gone. */
  private send(socket: net.Socket, message: Buffer): void {
    if (!this.responding || socket.destroyed || !socket.writable) return;
    this.counters.replies++;
    // Strict binary protocol: the message type is the low byte of the version word.
    if ((message.readInt32BE(0) & 0xff) === MessageType.EXCEPTION) this.counters.exceptions++;
    socket.write(message);
  }

  private sendException(socket: net.Socket, name: string, seqId: number, type: thrift.Thrift.TApplicationExceptionType, text: string): void {
    this.send(socket, encodeMessage(name, MessageType.EXCEPTION, seqId, (out) => writeApplicationException(out, type, text)));
  }

  private dispatch(session: Session, socket: net.Socket, message: Buffer): void {
    const { header, input } = openMessage(message);
    const sep = header.name.indexOf(':');
    const service = sep >= 0 ? header.name.slice(0, sep) : '';
    const method = sep >= 0 ? header.name.slice(sep + 1) : header.name;
    const processor = Object.hasOwn(session.processors, service) ? session.processors[service] : undefined;
    const key = processor ? method : header.name;
    this.counters.calls[key] = (this.counters.calls[key] ?? 0) + 1;
    const answered = this.responding;
    if (!answered) {
      this.counters.unanswered++;
    } else if (header.type !== MessageType.CALL && header.type !== MessageType.ONEWAY) {
      this.sendException(socket, header.name, header.seqId, thrift.Thrift.TApplicationExceptionType.INVALID_MESSAGE_TYPE, `unexpected message type ${header.type}`);
    } else if (!processor) {
      this.log(`thrift: session ${session.id}: unknown service in ${JSON.stringify(header.name)}`);
      this.sendException(
        socket,
        header.name,
        header.seqId,
        thrift.Thrift.TApplicationExceptionType.UNKNOWN_METHOD,
        sep >= 0 ? `unknown service ${service}` : `${header.name}: not a multiplexed call (expected Service:Method)`,
      );
    } else if (!hasMethod(processor, method)) {
      // The generated Processor would answer this too, but through npm thrift's write(), which drops the type.
      this.sendException(socket, header.name, header.seqId, thrift.Thrift.TApplicationExceptionType.UNKNOWN_METHOD, `unknown method ${method} of ${service}`);
    } else {
      // The Processor runs the handler synchronously, then writes the reply from a promise.
      processor.process(withHeader(input, { fname: method, mtype: header.type, rseqid: header.seqId }), session.output);
    }
    this.emit('call', { sessionId: session.id, service, method, seqId: header.seqId, answered });
  }
}
