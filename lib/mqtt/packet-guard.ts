/**
 * A packet-size guard for an MQTT byte stream (MQTT 3.1.1 §2.2 and 5.0 §2.1: fixed header byte,
 * then the Remaining Length as a variable byte integer of 1 to 4 bytes). It follows the packet
 * boundaries of what the broker sends and reports a packet above the limit as soon as its fixed
 * header has arrived: before its body is read, so before any parser sees it.
 *
 * MQTT 5 lets a client advertise a Maximum Packet Size in CONNECT (the broker then drops larger
 * packets for it), and MQTT.js checks `properties.maximumPacketSize` only for MQTT 5 and only after
 * parsing the whole packet; MQTT 3.1.1 has neither, hence this scanner on the socket's bytes.
 *
 * {@link guardStreams} puts the scanner between MQTT.js and each connection it opens. That relies
 * on two private details of MQTT.js 5 (hence the `~` pin of `mqtt` in package.json): it builds
 * every connection with `client.streamBuilder(client)`, and feeds its parser by `stream.pipe()`.
 * The guard counts the bytes it sees, so that a session can check, once connected, that the
 * broker's bytes (its CONNACK at least) went through it: an MQTT.js that goes around it is then
 * noticed, not silently left unguarded.
 */
import { Transform } from 'stream';

/** Default largest packet accepted from the broker: 256 KiB. A JET RMON event is under 1 KiB. */
export const DEFAULT_MAX_PACKET_BYTES = 256 * 1024;

const PACKET_TYPES = [
  'reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
];

export interface OversizedPacket {
  /** Packet type from the fixed header, e.g. 'publish'. */
  type: string;
  /** Whole packet size in bytes (fixed header included); NaN for a malformed Remaining Length. */
  bytes: number;
  /** Where the packet starts in the chunk just pushed (0 when it started in an earlier chunk): the bytes before it are whole packets. */
  offset: number;
}

export class MqttPacketSizeGuard {
  private state: 'header' | 'length' | 'body' = 'header';
  private type = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(readonly maxBytes: number = DEFAULT_MAX_PACKET_BYTES) {}

  /** Feeds the next bytes received; returns the first packet above the limit, else null. */
  push(chunk: Uint8Array): OversizedPacket | null {
    let i = 0;
    let start = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.remaining, chunk.length - i);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'header';
        continue;
      }
      const b = chunk[i++];
      if (this.state === 'header') {
        start = i - 1;
        this.type = b >> 4;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // Remaining Length, least significant 7 bits first.
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (b & 0x80) {
        if (this.lengthBytes >= 4) return { type: PACKET_TYPES[this.type], bytes: NaN, offset: start };
        continue;
      }
      const total = 1 + this.lengthBytes + this.length;
      if (total > this.maxBytes) return { type: PACKET_TYPES[this.type], bytes: total, offset: start };
      this.remaining = this.length;
      this.state = this.remaining > 0 ? 'body' : 'header';
    }
    return null;
  }
}

type GuardedStream = NodeJS.ReadWriteStream & { destroy(err?: Error): unknown };
type StreamBuilder = (client: object) => GuardedStream;

export interface StreamGuardOptions {
  /** Largest packet accepted from the broker, in bytes. */
  maxBytes: number;
  /** A packet above the limit was refused (its stream is destroyed): `why` says what came, for the status and log. */
  onOversized(why: string): void;
}

/** What {@link guardStreams} saw of the connection MQTT.js has open. */
export interface StreamGuard {
  /**
   * Bytes received from the broker that went through the guard on the current connection; null
   * when MQTT.js opened no connection through it (none open, or it built one without the builder).
   */
  readonly seen: number | null;
}

/**
 * Puts a {@link MqttPacketSizeGuard} between every stream an MQTT.js client opens (first connect and
 * each reconnect) and its parser: MQTT.js pipes the stream into its parser, and that pipe goes
 * through a filter that passes whole packets under the limit only. On a packet above it, the bytes
 * from that packet's start on are never passed on, and the stream is destroyed. Also sets no-delay
 * on the socket. Throws when the client has no stream builder to wrap.
 */
export function guardStreams(client: object, opts: StreamGuardOptions): StreamGuard {
  const holder = client as { streamBuilder?: StreamBuilder };
  const build = holder.streamBuilder;
  if (typeof build !== 'function') throw new Error('this MQTT.js has no streamBuilder: packet sizes cannot be guarded');
  const max = opts.maxBytes;
  let current: { seen: number } | null = null;
  holder.streamBuilder = (c: object) => {
    const stream = build(c);
    // TCP_NODELAY, for mqtt:// (net.Socket) and mqtts:// (tls.TLSSocket passes it to its TCP
    // socket); set before the connect completes, Node applies it once connected.
    const socket = stream as unknown as { setNoDelay?: (on: boolean) => unknown };
    if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    const counted = { seen: 0 };
    current = counted;
    stream.once('close', () => {
      if (current === counted) current = null;
    });
    const guard = new MqttPacketSizeGuard(max);
    let dropped = false;
    const filter = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        counted.seen += chunk.length;
        if (dropped) {
          done();
          return;
        }
        const big = guard.push(chunk);
        if (!big) {
          done(null, chunk);
          return;
        }
        dropped = true;
        if (big.offset > 0) filter.push(chunk.subarray(0, big.offset));
        done();
        const size = Number.isNaN(big.bytes) ? 'a malformed length' : `${big.bytes} bytes`;
        opts.onOversized(`the broker sent a ${big.type} packet of ${size}, over the ${max}-byte limit: dropped unread, reconnecting`);
        stream.destroy();
      },
    });
    // MQTT.js calls stream.pipe(parser) once per stream: route that pipe through the filter.
    const pipe = stream.pipe;
    stream.pipe = function <T extends NodeJS.WritableStream>(dest: T, options?: { end?: boolean }): T {
      pipe.call(stream, filter);
      return filter.pipe(dest, options);
    };
    return stream;
  };
  return {
    get seen(): number | null {
      return current ? current.seen : null;
    },
  };
}
