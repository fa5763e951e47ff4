/**
 * The bare Thrift client of the bench: the client generated from idl/ (dist/lib/gen) on npm thrift's
 * createConnection + one Multiplexer (docs/protocol.md §5), logged in once; per RMON event one
 * RouteAdd (rising) or RouteDelete (falling) of the event's host route, not awaited (so pipelined).
 * No reconnect, no validation, no state. Used by baseline-node.ts (its own process, MQTT.js) and,
 * through Node-RED's functionGlobalContext, by the bench's "bare client in Node-RED" flow
 * (flows.ts nodeRedBareFlow): the same calls either way.
 */
import * as thrift from 'thrift';
import * as jet from '../../lib/gen/jet';
import { rmonEventOf } from './rmon-subscriber';
import { prefixOf } from './prefix';

/** The bench's route: next hop 10.1.1.2, preference 5, metric 3, app id 111:222. */
export function routeConfig(prefix: string): jet.RouteConfig {
  return new jet.RouteConfig({
    app_id: '111:222',
    family_type: jet.FamilyType.af_inet,
    prefix,
    nexthops: [new jet.NexthopInfo({ nexthop_address: new jet.GatewayAddress({ nexthop_ip: '10.1.1.2' }) })],
    preference: [5],
    metric: [3],
  });
}

export interface BareThrift {
  readonly routes: jet.RouteService.Client;
  /** RouteAdd (rising) or RouteDelete (falling) of interface `ifIndex`'s host route, not awaited. */
  event(ifIndex: number, rising: boolean): void;
  /** The same for a notification as it came from the broker (JSON.parse and one regex); others are ignored. */
  payload(payload: Buffer): void;
  close(): void;
}

/** Connects to the router's Thrift port and logs in as `clientId` (lab / lab123, the simulator's user). */
export async function connectBareThrift(thriftPort: number, clientId: string): Promise<BareThrift> {
  const conn = thrift.createConnection('127.0.0.1', thriftPort, { transport: thrift.TBufferedTransport, protocol: thrift.TBinaryProtocol });
  conn.on('error', (err: Error) => console.error(`thrift: ${err.message}`));
  const mux = new thrift.Multiplexer();
  const auth = mux.createClient('AuthenticationService', jet.AuthenticationService.Client, conn);
  const routes = mux.createClient('RouteService', jet.RouteService.Client, conn);
  await new Promise((resolve) => conn.once('connect', resolve));
  const login = await auth.LoginCheck(new jet.AuthenticationLoginRequest({ user_name: 'lab', password: 'lab123', client_id: clientId }));
  if (!login.result) throw new Error(`login refused: ${login.message}`);
  const event = (ifIndex: number, rising: boolean): void => {
    const cfg = routeConfig(prefixOf(ifIndex));
    const call = rising ? routes.RouteAdd(cfg) : routes.RouteDelete(cfg);
    call.then(
      (r) => r.err_code !== 0 && r.err_code !== 2 && r.err_code !== 3 && console.error(`route ${cfg.prefix}: err ${r.err_code}`),
      (err: Error) => console.error(`route ${cfg.prefix}: ${err.message}`),
    );
  };
  return {
    routes,
    event,
    payload: (payload) => {
      const e = rmonEventOf(payload);
      if (e) event(e[0], e[1]);
    },
    close: () => conn.end(),
  };
}
