/** The one place that picks a request-response backend for an API (lib/core/backend.ts). */
import type { BackendOptions, JetApi, RouteBackend } from '../core/backend';
import { ThriftBackend } from '../thrift/backend';
import { GrpcBackend } from '../grpc/backend';

export function createBackend(api: JetApi, opts: BackendOptions): RouteBackend {
  return api === 'grpc' ? new GrpcBackend(opts) : new ThriftBackend(opts);
}
