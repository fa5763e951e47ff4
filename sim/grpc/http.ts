/**
 * HTTP controls of the simulated router's gRPC server, on the simulator's HTTP server:
 *
 *   GET    /grpc/faults          → {faults: [...]}: the faults in force (sim/grpc/faults.ts)
 *   POST   /grpc/faults          body {method, status | subCode, details?, count?, forMs?}
 *          → adds a fault: chosen calls answer with a gRPC status or a sub-code; answers {fault}
 *   DELETE /grpc/faults          → clears them all
 *   POST   /grpc/forget-logins   → a JET daemon restart that keeps the RIB: every login is forgotten,
 *          the connections stay and their calls fail "Authorization failed"; answers {forgotten: n}
 *
 * State-changing requests from a page of another origin are refused with 403 (sim/http.ts).
 */
import { HttpError, readBody, sendJson, SimHttpServer } from '../http';
import type { GrpcFaultSpec } from './faults';
import type { GrpcServer } from './server';

function faultBody(text: string): GrpcFaultSpec {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'expected a JSON object {method, status | subCode, details?, count?, forMs?}');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object');
  return body as GrpcFaultSpec;
}

export function addGrpcRoutes(http: SimHttpServer, grpc: GrpcServer): void {
  http.addRoute('GET', /^\/grpc\/faults$/, (_req, res) => sendJson(res, 200, { faults: grpc.faults.list() }));
  http.addRoute('POST', /^\/grpc\/faults$/, async (req, res) => {
    const spec = faultBody(await readBody(req, 16 * 1024));
    try {
      sendJson(res, 200, { fault: grpc.faults.add(spec) });
    } catch (err) {
      throw err instanceof RangeError ? new HttpError(400, err.message) : err;
    }
  });
  http.addRoute('DELETE', /^\/grpc\/faults$/, (_req, res) => {
    grpc.faults.clear();
    sendJson(res, 200, { faults: [] });
  });
  http.addRoute('POST', /^\/grpc\/forget-logins$/, (_req, res) => sendJson(res, 200, { forgotten: grpc.forgetLogins() }));
}
