/**
 * The gRPC backend's failures in words a network engineer acts on: grpc-js's connection errors,
 * the errors of the calls that open a session (Login, RoutePurgeTimerAdd, RouteInitialize), and a
 * route call's error as the reply of its routes.
 */
import * as grpc from '@grpc/grpc-js';
import { ConnectionLostError, LoginRejectedError, RouteReply, unanswered } from '../core/backend';
import { isServiceError, statusName } from './codes';
import { isClientIdInUse } from './protocol';

/** A gRPC status the router answered a route call with (not a connection failure). */
export class GrpcCallError extends Error {
  constructor(
    message: string,
    readonly codeName: string,
  ) {
    super(message);
    this.name = 'GrpcCallError';
  }
}

/** The sentence for a clear-text connection to a port that answers TLS. */
export function tlsExpectedMessage(where: string): string {
  return `${where} answers TLS: turn TLS on for this jet-router (the router's JET gRPC service is set to ssl)`;
}

/** grpc-js's connection failure details in words a network engineer acts on. */
export function describeGrpcFailure(details: string, port: number): string {
  const raw = details
    .replace(/^No connection established\. Last error: /, '')
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)/g, '')
    .replace(/\.?\s*Resolution note:\s*$/, '')
    .trim();
  // Without "Error [ERR_TLS_...]: ": the words, not the code (which still classifies below).
  const text = raw.replace(/^Error(?: \[[A-Z0-9_]+\])?: /, '');
  if (/ECONNREFUSED/.test(text)) {
    return `connection refused (is the JET gRPC service enabled on that address and port? set system services extension-service request-response grpc clear-text port ${port})`;
  }
  if (/ENOTFOUND|EAI_AGAIN|Name resolution failed|DNS resolution failed/i.test(text)) return 'host name not found';
  if (/ETIMEDOUT/.test(text)) return 'connection timed out';
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'host unreachable';
  if (/wrong version number|packet length too long|http request/i.test(text)) {
    return 'TLS error: the port does not answer TLS (is the router\'s JET gRPC service set to clear-text?)';
  }
  if (/certificate|\bSSL\b|\bTLS\b|self[- ]signed|UNABLE_TO|ERR_TLS|ERR_SSL|altnames|Hostname\/IP does not match|handshake|alert/i.test(raw)) {
    return `TLS error: ${text}`;
  }
  if (/ECONNRESET/.test(text)) return 'connection reset by the router';
  return `gRPC connection failed: ${text || 'no reason given'}`;
}

/** `<method> failed: <STATUS>: <details>`: a gRPC status the router answered a call with. */
export function callFailedMessage(method: string, err: grpc.ServiceError): string {
  return `${method} failed: ${statusName(err.code)}: ${err.details}`;
}

/**
 * A refused login, naming neither the password nor the user (its message becomes the session's
 * status, which reaches dashboards; the session names the user in the refused calls' errors); a
 * refusal of a client id still held clears by itself (transient).
 */
export function loginRejected(routerMessage: string): LoginRejectedError {
  const why = routerMessage ? `: ${routerMessage}` : '';
  return new LoginRejectedError(`login failed${why}`, isClientIdInUse(routerMessage));
}

/**
 * Login's gRPC error in words: a refusal (UNAUTHENTICATED, PERMISSION_DENIED), a router without the
 * jnx.jet API, another status; null for a connection that failed below gRPC (the caller probes the
 * port to say why).
 */
export function loginCallError(err: grpc.ServiceError, where: string): Error | null {
  if (err.code === grpc.status.UNAUTHENTICATED || err.code === grpc.status.PERMISSION_DENIED) return loginRejected(err.details);
  if (err.code === grpc.status.UNIMPLEMENTED) {
    return new Error(`${where} does not serve the jnx.jet Authentication API (${err.details}): Junos 19.4 or later needed`);
  }
  if (err.code !== grpc.status.UNAVAILABLE && err.code !== grpc.status.DEADLINE_EXCEEDED && err.code !== grpc.status.CANCELLED) {
    return new Error(`login failed: ${statusName(err.code)}: ${err.details}`);
  }
  return null;
}

/** A failure of a call made while opening the session (after Login), in words. */
export function setupError(method: string, err: Error, port: number): Error {
  if (err instanceof ConnectionLostError) return new Error(`${err.message} during login`);
  if (!isServiceError(err)) return err;
  if (err.code === grpc.status.UNIMPLEMENTED) {
    return new Error(`the router does not implement ${method} (${err.details}): the jnx.jet RIB API of Junos 19.4 or later is needed`);
  }
  if (err.code === grpc.status.UNAVAILABLE) return new Error(`${describeGrpcFailure(err.details, port)} (during ${method})`);
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return new Error(`no answer to ${method} within the connect bound`);
  return new Error(callFailedMessage(method, err));
}

/**
 * A route call's failure as a route reply: no answer for its routes either way. A gRPC status the
 * router answered the whole call with (RESOURCE_EXHAUSTED, INTERNAL, ...) says nothing about any
 * route of it: the routes are kept and sent again, never taken for refused.
 */
export function grpcReplyOfError(err: Error): RouteReply {
  if (err instanceof GrpcCallError) return { ...unanswered(err), codeName: err.codeName };
  return unanswered(err);
}
