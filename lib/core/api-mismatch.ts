/**
 * A port that speaks the other JET API (told by lib/net/probe.ts: a gRPC port answers a Thrift hello
 * with HTTP/2 frames, a Thrift port answers an HTTP/2 preface with nothing but a closed connection).
 * The words here go to the node status and to Test connection, so that a user reads which API to
 * pick instead of a framing error.
 */
import { API_LABEL, JetApi } from './backend';


/**
 * The words for a port that speaks `actual` while the node is set to the other API. Short enough
 * to stand whole in a node status after "disconnected: " (64 characters); Test connection puts
 * the host and port in front.
 */
export function wrongApiMessage(actual: JetApi): string {
  const other: JetApi = actual === 'grpc' ? 'thrift' : 'grpc';
  return `speaks ${API_LABEL[actual]} JET, not ${API_LABEL[other]}: set API to ${API_LABEL[actual]}`;
}
