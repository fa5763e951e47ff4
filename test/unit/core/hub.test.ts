/**
 * The router hub (lib/core/hub.ts) without Node-RED: shared channels open with their first user and
 * close after their last, fan their state out, give a leaving user an empty status, and the route
 * state is loaded from and saved to the owner's store, never replayed on another router.
 */
import * as assert from 'assert';
import { EventEmitter } from 'events';
import { HubUser, IDLE, RouterHub, SharedChannel, ChannelConnection } from '../../../lib/core/hub';
import type { RouteReply, SessionStatus } from '../../../lib/core/backend';
import type { RouteSpec } from '../../../lib/core/route-spec';
import type { RouterIdentity } from '../../../lib/core/route-state';
import { ThriftBackend } from '../../../lib/thrift/backend';
import { RouteState } from '../../../lib/core/route-state';
import { buildRouteSpecs } from '../../../lib/core/route-spec';

/** A connection the test drives: `start()` says it is connecting to `peer`, `set()` any state. */
class FakeConnection extends EventEmitter implements ChannelConnection {
  status: SessionStatus = { state: 'idle', detail: '' };
  started = 0;
  closed = 0;
  constructor(readonly peer = 'r1:32767') {
    super();
  }
  start(): void {
    this.started++;
    this.set('connecting', this.peer);
  }
  close(): Promise<void> {
    this.closed++;
    this.set('closed', 'closed');
    return Promise.resolve();
  }
  set(state: SessionStatus['state'], detail: string): void {
    this.status = { state, detail };
    this.emit('state', this.status);
  }
}

function user(id: string): HubUser & { seen: SessionStatus[] } {
  const seen: SessionStatus[] = [];
  return { id, seen, onRouterStatus: (s) => seen.push(s) };
}

describe('router hub (lib)', () => {
  describe('SharedChannel', () => {
    it('opens with the first user, shares the connection, fans state out, closes after the last', async () => {
      const made: FakeConnection[] = [];
      const ch = new SharedChannel<FakeConnection>('rpc', () => {
        const c = new FakeConnection();
        made.push(c);
        return c;
      }, 1000);
      assert.equal(made.length, 0, 'nothing opens before a user comes');
      const a = user('a');
      const b = user('b');
      ch.join(a);
      ch.join(b);
      assert.equal(made.length, 1, 'one connection for both');
      assert.deepEqual(b.seen.at(-1), { state: 'connecting', detail: 'r1:32767' }, 'a late user is told the state at once');
      made[0].set('connected', 'r1:32767');
      assert.equal(a.seen.at(-1)?.state, 'connected');
      assert.equal(b.seen.at(-1)?.state, 'connected');
      await ch.leave('a');
      assert.deepEqual(a.seen.at(-1), IDLE, 'a leaving user gets an empty status back');
      assert.equal(made[0].closed, 0, 'still used by b');
      made[0].set('disconnected', 'connection reset');
      assert.equal(a.seen.at(-1), IDLE, 'a user that left hears nothing more');
      await ch.leave('b');
      assert.equal(made[0].closed, 1, 'closed after the last user');
      assert.equal(ch.status.state, 'idle');
      // The closing connection's own 'closed' is not fanned out; a new user opens a new connection.
      const c = user('c');
      ch.join(c);
      assert.equal(made.length, 2);
      assert.equal(c.seen.at(-1)?.state, 'connecting');
    });

    it('a connection that cannot be made shows why to every user', () => {
      const ch = new SharedChannel<FakeConnection>('notifications', () => 'no host set in the jet-router node', 1000);
      const a = user('a');
      ch.join(a);
      assert.deepEqual(a.seen.at(-1), { state: 'disconnected', detail: 'no host set in the jet-router node' });
    });

    it('close() returns within the bound even when the connection never finishes closing', async () => {
      const stuck = new FakeConnection();
      stuck.close = () => new Promise<void>(() => undefined);
      const ch = new SharedChannel<FakeConnection>('rpc', () => stuck, 200);
      ch.join(user('a'));
      const t0 = Date.now();
      await ch.close();
      assert.ok(Date.now() - t0 < 1000, 'bounded');
    });
  });

  describe('RouterHub route state', () => {
    const spec = buildRouteSpecs({ prefixes: '1.1.1.1/32', nexthops: '10.1.1.2' }, true)[0];
    const router = { api: 'thrift' as const, host: '127.0.0.1', port: 1 };

    function hubWith(stored: unknown, identity = router): { hub: RouterHub; saved: unknown[]; warnings: string[] } {
      const saved: unknown[] = [];
      const warnings: string[] = [];
      const hub = new RouterHub({
        router: identity,
        createBackend: () =>
          new ThriftBackend({ host: identity.host, port: identity.port, username: 'u', password: 'p', clientId: 'c', requestTimeoutMs: 1000, queueLimit: 10 }),
        createNotifications: () => 'not used',
        store: { load: () => stored, save: (s) => saved.push(JSON.parse(JSON.stringify(s))) },
        log: { log: () => undefined, warn: (t) => warnings.push(t) },
        closeBoundMs: 1000,
      });
      return { hub, saved, warnings };
    }

    it('loads the desired routes of the same router, and of the Thrift-only format', async () => {
      const own = new RouteState(router);
      own.desired.set(spec);
      for (const stored of [JSON.parse(JSON.stringify(own)), [spec]]) {
        const { hub, warnings } = hubWith(stored);
        hub.register(user('n1'));
        assert.equal(hub.routes?.desired.size, 1);
        assert.deepEqual(warnings, []);
        await hub.close();
      }
    });

    it('drops the routes desired on another router and says how many and where', async () => {
      const lab = new RouteState({ api: 'thrift', host: '10.0.0.1', port: 9090 });
      lab.desired.set(spec);
      const { hub, saved, warnings } = hubWith(JSON.parse(JSON.stringify(lab)));
      hub.register(user('n1'));
      assert.equal(hub.routes?.desired.size, 0, 'not replayed on the new router');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /dropped 1 desired route\(s\) that belonged to thrift 10\.0\.0\.1:9090: this node now programs thrift 127\.0\.0\.1:1/);
      assert.deepEqual((saved[0] as { router: unknown }).router, router, 'the new owner is saved at once');
      await hub.close();
      // The old-format state of a node switched to gRPC is foreign too: it came from a Thrift router.
      const g = hubWith([spec], { api: 'grpc', host: '127.0.0.1', port: 1 } as never);
      g.hub.register(user('n2'));
      assert.equal(g.hub.routes?.desired.size, 0);
      assert.match(g.warnings[0], /dropped 1 desired route/);
      await g.hub.close();
    });

    it('saves the state when the last route user leaves, and forgets the route client', async () => {
      const { hub, saved } = hubWith(undefined);
      hub.register(user('n1'));
      hub.routes!.desired.set(spec);
      await hub.deregister('n1');
      assert.equal(hub.routes, null);
      const last = saved.at(-1) as { desired: unknown[]; router: unknown };
      assert.equal(last.desired.length, 1);
      assert.deepEqual(last.router, router);
    });
  });

  describe('RouterHub re-pointed: the routes left on the earlier router', () => {
    const [A, B] = buildRouteSpecs({ prefixes: '1.1.1.1/32 2.2.2.2/32', nexthops: '10.1.1.2' }, true);
    const LAB: RouterIdentity = { api: 'grpc', host: '10.0.0.1', port: 32767 };
    const PROD: RouterIdentity = { api: 'grpc', host: '10.0.0.2', port: 32767 };

    /** A gRPC backend the test drives: it says when it is up, and answers deletes when told. */
    class DrivenBackend extends FakeConnection {
      readonly api = 'grpc' as const;
      readonly carriesMetric = false;
      readonly load = { queued: 0, inFlight: 0 };
      deletes: Array<{ specs: readonly RouteSpec[]; answer: (status: RouteReply['status']) => void }> = [];
      constructor(readonly router: RouterIdentity) {
        super(`${router.host}:${router.port}`);
      }
      up(): void {
        this.set('connected', this.peer);
        this.emit('ready', { clientRoutes: 2 });
      }
      delete(specs: readonly RouteSpec[]): Promise<RouteReply[]> {
        return new Promise((resolve) =>
          this.deletes.push({ specs, answer: (status) => resolve(specs.map(() => ({ status, code: 0, codeName: 'SUCCESS', message: status, answered: true }))) }),
        );
      }
      add = (): Promise<RouteReply[]> => Promise.resolve([]);
      assert = (): Promise<RouteReply[]> => Promise.resolve([]);
      get = (): Promise<never[]> => Promise.resolve([]);
    }

    function repointed(desiredHere: RouteSpec[] = []): { hub: RouterHub; made: DrivenBackend[]; saved: any[]; logs: string[] } {
      const made: DrivenBackend[] = [];
      const saved: any[] = [];
      const logs: string[] = [];
      const stored = { v: 2, router: LAB, desired: [A], acknowledged: [A, B] };
      const hub = new RouterHub({
        router: PROD,
        createBackend: (to) => {
          const b = new DrivenBackend(to);
          made.push(b);
          return b as never;
        },
        createNotifications: () => 'not used',
        store: { load: () => stored, save: (st) => saved.push(JSON.parse(JSON.stringify(st))) },
        log: { log: (t) => logs.push(t), warn: (t) => logs.push(`warn: ${t}`) },
        closeBoundMs: 1000,
      });
      hub.register(user('n1'));
      for (const spec of desiredHere) hub.routes!.state.desired.set(spec);
      return { hub, made, saved, logs };
    }

    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    it('deletes them there first, on a session to the old identity, then starts its own session', async () => {
      const { hub, made, saved, logs } = repointed();
      const [main, old] = made;
      assert.deepEqual([main.router, old?.router], [PROD, LAB], 'a session to the old router too');
      assert.match(logs[0], /warn: dropped 1 desired route\(s\) that belonged to grpc 10\.0\.0\.1:32767: .*its 2 route\(s\) there are deleted there/);
      assert.deepEqual([main.started, old.started], [0, 1], 'its own session waits');
      assert.equal(hub.rpc.status.state, 'connecting');
      old.up();
      assert.deepEqual(old.deletes.map((d) => d.specs.map((x) => x.prefix)), [['1.1.1.1/32', '2.2.2.2/32']]);
      old.deletes[0].answer('deleted');
      await turn();
      assert.equal(main.started, 1);
      assert.equal(old.closed, 1, 'the old session closed');
      assert.ok(logs.includes('deleted 2 route(s) this node had left on grpc 10.0.0.1:32767, its earlier router'), logs.join('\n'));
      assert.equal(hub.routes!.state.retired.length, 0);
      await turn();
      assert.equal(saved.at(-1).retired, undefined, 'the to-delete list is gone from the store');
      await hub.close();
    });

    it('an unreachable old router does not hold the new session back; the list is kept and worked off once it answers', async () => {
      const { hub, made, saved } = repointed();
      const [main, old] = made;
      old.set('disconnected', 'connection refused');
      assert.equal(main.started, 1, 'started after the first attempt failed');
      assert.equal(saved.at(-1).retired.length, 1, 'kept as a to-delete list');
      assert.equal(old.closed, 0, 'still trying (its own capped backoff)');
      old.up();
      old.deletes[0].answer('unchanged');
      await turn();
      assert.equal(hub.routes!.state.retired.length, 0);
      await hub.close();
    });

    it('leaves alone a route the node programs again under its new identity (one router under two names)', async () => {
      const { hub, made } = repointed([A]);
      const [, old] = made;
      old.up();
      assert.deepEqual(old.deletes.map((d) => d.specs.map((x) => x.prefix)), [['2.2.2.2/32']]);
      old.deletes[0].answer('deleted');
      await turn();
      assert.equal(hub.routes!.state.retired.length, 0);
      await hub.close();
    });

    it('closing the node closes the old router\'s session too', async () => {
      const { hub, made } = repointed();
      const [, old] = made;
      old.set('disconnected', 'connection refused');
      await hub.close();
      assert.equal(old.closed, 1);
    });
  });
});
