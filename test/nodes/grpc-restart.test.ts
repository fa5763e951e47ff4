/**
 * A Node-RED restart with the router on JET gRPC and a purge time: the installed route stays in
 * the router's RIB the whole time (the router keeps this client's routes for the purge time, the
 * restarted Node-RED logs in with the same client id and adopts them). A real Node-RED process
 * with this package installed; the simulated router in this process; all on 127.0.0.1.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NodeRedProcess, request } from '../support/nodered-process';
import { until } from '../support/wait';
import { JetSimulator, RibChange } from '../../sim';
import { ROOT } from '../support/paths';

const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };

describe('JET gRPC across a Node-RED restart (purge time)', function () {
  this.timeout(120000);
  let work = '';
  let red: NodeRedProcess | null = null;
  let sim: JetSimulator | null = null;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-grpc-restart-'));
    const userDir = path.join(work, 'userdir');
    const link = path.join(userDir, 'node_modules', ...PKG.name.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(ROOT, link, 'dir');
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-user', private: true, dependencies: { [PKG.name]: '*' } }));
    red = new NodeRedProcess(userDir);
  });
  after(async () => {
    await red?.stop();
    await sim?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('keeps the route installed through stop and start: no delete, no purge, adopted by the new session', async () => {
    sim = await JetSimulator.start({ sampling: false, thriftPort: false });
    const s = sim;
    const flow = [
      { id: 'tab', type: 'tab', label: 'restart' },
      { id: 'r1', type: 'jet-router', api: 'grpc', host: '127.0.0.1', port: String(s.grpcPort), purgeTime: '60', credentials: { username: 'lab', password: 'lab123' } },
      { id: 'in', type: 'http in', z: 'tab', url: '/add', method: 'post', upload: false, swaggerDoc: '', wires: [['add']] },
      { id: 'add', type: 'jet-route-add', z: 'tab', router: 'r1', prefixes: '1.1.1.1/32', nexthops: '10.1.1.2', wires: [['resp']] },
      { id: 'resp', type: 'http response', z: 'tab', statusCode: '', headers: {} },
    ];
    await red!.start();
    const deployed = await request(red!.port, 'POST', '/flows', flow, { 'Node-RED-Deployment-Type': 'full' });
    assert.equal(deployed.status, 204, deployed.text);
    await until(s.grpc, 'call', () => (s.grpc.counters.calls.RouteInitialize ?? 0) >= 1, 30000, 'first session initialised');
    const added = await request(red!.port, 'POST', '/add', {});
    assert.equal(added.json().results[0].status, 'added', added.text);
    assert.equal(s.grpc.purgeTimeOf(s.grpc.sessionList()[0].clientId), 60, 'purge time sent');

    const changes: RibChange[] = [];
    s.rib.on('change', (c: RibChange) => changes.push(c));
    await red!.stop();
    await until(s.grpc, 'disconnect', () => s.grpc.connectionCount === 0, 15000, 'the old session gone');
    assert.ok(s.rib.get('inet.0', '1.1.1.1/32'), 'kept while Node-RED is down');
    const initialised = s.grpc.counters.calls.RouteInitialize ?? 0;
    await red!.start();
    await until(s.grpc, 'call', () => (s.grpc.counters.calls.RouteInitialize ?? 0) > initialised, 30000, 'the restarted Node-RED logged in');
    assert.ok(s.rib.get('inet.0', '1.1.1.1/32'), 'still installed');
    assert.deepEqual(
      changes.filter((c) => c.op === 'delete' || c.op === 'purge').map((c) => `${c.op} ${c.entry.prefix}`),
      [],
      'no gap in the RIB',
    );
    assert.equal(s.grpc.sessionList().filter((x) => !x.lingering && !x.ended).length, 1, 'one live session, same client id');
  });
});
