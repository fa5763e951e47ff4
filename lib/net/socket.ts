/** Small socket helpers every transport uses: error wording, the TLS server name, seconds for humans. */
import * as net from 'net';

/** A socket error in words a network engineer can act on. */
export function describeSocketError(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the JET request-response service enabled on that address and port?)';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ECONNRESET':
      return 'connection reset by the router';
    case 'EPIPE':
      return 'connection closed by the router';
    default:
      if (err.code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/i.test(err.code)) return `TLS error: ${err.message}`;
      return err.message || String(err);
  }
}

/**
 * The TLS server name (SNI) to send: the one from the TLS config wins; otherwise the host when it
 * is a name, never an IP address (TLS forbids IP addresses in SNI).
 */
export function tlsServername(host: string, configured?: string): string | undefined {
  return configured ?? (net.isIP(host) ? undefined : host);
}

/** Milliseconds as seconds with one decimal, for messages ("timed out after 10 s"). */
export function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** An error listener for a socket or stream already given up on: its late errors change nothing. */
export function ignoreError(): void {
  /* a late error of something already closed or given up */
}
