/**
 * Telling a port that speaks the other JET API: a gRPC port answers a Thrift hello with HTTP/2
 * frames (its SETTINGS or a GOAWAY), a Thrift port answers an HTTP/2 preface with nothing but a
 * closed connection. The words here go to the node status and to Test connection, so that a user
 * reads which API to pick instead of a framing error.
 */
import { API_LABEL, JetApi } from './backend';

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

/**
 * The words for a port that speaks `actual` while the node is set to the other API. Short enough
 * to stand whole in a node status after "disconnected: " (64 characters); Test connection puts
 * the host and port in front.
 */
export function wrongApiMessage(actual: JetApi): string {
  const other: JetApi = actual === 'grpc' ? 'thrift' : 'grpc';
  return `speaks ${API_LABEL[actual]} JET, not ${API_LABEL[other]}: set API to ${API_LABEL[actual]}`;
}
