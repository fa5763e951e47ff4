/**
 * A packet-size guard for an MQTT byte stream (MQTT 3.1.1 §2.2 and 5.0 §2.1: fixed header byte,
 * then the Remaining Length as a variable byte integer of 1 to 4 bytes). It follows the packet
 * boundaries of what the broker sends and reports a packet above the limit as soon as its fixed
 * header has arrived: before its body is read, so before any parser sees it.
 *
 * MQTT 5 lets a client advertise a Maximum Packet Size in CONNECT (the broker then drops larger
 * packets for it), and MQTT.js checks `properties.maximumPacketSize` only for MQTT 5 and only after
 * parsing the whole packet; MQTT 3.1.1 has neither, hence this scanner on the socket's bytes.
 */

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
