/**
 * A multiplexed Thrift client channel over one stream (TCP or TLS socket):
 * TBufferedTransport framing, TBinaryProtocol, TMultiplexedProtocol service names.
 *
 * Unlike npm thrift's Connection it owns nothing but the bytes: it never reconnects by itself,
 * it fails every pending call when the stream closes, and each call carries its own deadline.
 * Calls are pipelined: many may be in flight, replies are matched by sequence id.
 */
import { EventEmitter } from 'events';
import type { Duplex } from 'stream';
import * as thrift from 'thrift';
import { MessageReader } from './framing';
import { encodeMessage, MessageType, openMessage } from './codec';
import { describeSocketError, ignoreError } from '../net/socket';

/** Something the generated code can write: an *Args instance. */
export interface Writable {
  write(output: thrift.TProtocol): void;
}

/** A generated *Result class: reads the reply struct whose field 0 is `success`. */
export interface ResultReader<T> {
  read(input: thrift.TProtocol): { success?: T };
}

export class ChannelClosedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ChannelClosedError';
  }
}

export class RemoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteError';
  }
}

interface Pending {
  method: string;
  reader: ResultReader<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class ThriftChannel extends EventEmitter {
  private readonly reader: MessageReader;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private closedReason: string | null = null;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onClose = (): void => this.shutdown('connection closed by the router');
  private readonly onEnd = (): void => this.shutdown('connection closed by the router');
  private readonly onError = (err: Error): void => this.shutdown(describeSocketError(err));
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.stream.uncork();
  };

  constructor(private readonly stream: Duplex, maxMessageSize?: number) {
    super();
    this.reader = new MessageReader(maxMessageSize);
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onClose);
    stream.on('error', this.onError);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  /** Sends `service:method` and resolves with the reply's `success` field. */
  call<T>(service: string, method: string, args: Writable, result: ResultReader<T>): Promise<T> {
    if (this.closedReason !== null) return Promise.reject(new ChannelClosedError(this.closedReason));
    const seqId = (this.seq = (this.seq % 0x7fffffff) + 1);
    return new Promise<T>((resolve, reject) => {
      let bytes: Buffer;
      try {
        bytes = encodeMessage(`${service}:${method}`, MessageType.CALL, seqId, (out) => args.write(out));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.pending.set(seqId, {
        method,
        reader: result as ResultReader<unknown>,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.write(bytes);
    });
  }

  /**
   * Calls leave in batches: the stream is corked at the first call and uncorked once the current
   * tick's synchronous code is done, so 10,000 routes of one message go out in a few writev instead
   * of 10,000 write syscalls. When other calls are already waiting for replies (a burst, e.g. one
   * route per message from Node-RED, each message its own macrotask), the uncork waits for the
   * end of the event-loop turn instead, gathering the calls of all messages delivered in it; a
   * lone call (nothing in flight) is still written at the end of its tick.
   */
  private write(bytes: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      if (this.pending.size > 1) setImmediate(this.uncork);
      else process.nextTick(this.uncork);
    }
    this.stream.write(bytes);
  }

  /** Fails every pending call with `reason` and destroys the stream. Idempotent. */
  close(reason: string): void {
    this.shutdown(reason);
  }

  private receive(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      this.shutdown(`unreadable reply from the router: ${(err as Error).message}`);
      return;
    }
    for (const message of messages) this.dispatch(message);
  }

  private dispatch(message: Buffer): void {
    let seqId = -1;
    try {
      const { header, input } = openMessage(message);
      seqId = header.seqId;
      const call = this.pending.get(seqId);
      if (!call) {
        this.emit('stray', header.name, seqId);
        return;
      }
      this.pending.delete(seqId);
      if (header.type === MessageType.EXCEPTION) {
        const ex = new thrift.Thrift.TApplicationException();
        ex.read(input);
        call.reject(new RemoteError(`${call.method}: router answered with an exception: ${ex.message || 'unknown'}`));
        return;
      }
      const reply = call.reader.read(input);
      if (reply.success === undefined || reply.success === null) {
        call.reject(new RemoteError(`${call.method}: router answered with no result`));
        return;
      }
      call.resolve(reply.success);
    } catch (err) {
      const call = this.pending.get(seqId);
      if (call) {
        this.pending.delete(seqId);
        call.reject(new RemoteError(`${call.method}: unreadable reply: ${(err as Error).message}`));
      } else {
        this.emit('stray', 'unreadable', seqId);
      }
    }
  }

  private shutdown(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onClose);
    this.stream.off('error', this.onError);
    // A late error after destroy must not become an uncaught 'error' event.
    this.stream.on('error', ignoreError);
    this.stream.destroy();
    const err = new ChannelClosedError(reason);
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(err);
    this.emit('close', reason);
  }
}
