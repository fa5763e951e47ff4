/**
 * A person's path through the editor, in a real browser (Playwright driving Debian's Chromium)
 * against a fresh Node-RED 4 and the simulated router:
 * install the packed tarball through Manage palette → Install → upload; see the six nodes in the
 * palette; import the sample flow from Import → Examples; see a bad prefix marked invalid and the
 * Metric marked Thrift-only; see a new router start as gRPC and a router of an old flow (no `api`)
 * open as Thrift; in the sample's router (API gRPC, port 32767) see the port placeholder and the purge
 * time follow the API select, type the credentials, use Test connection with a wrong and a right
 * password; open the Router configuration section of the router dialog, read the Junos commands
 * built from its settings and Copy them (read back from the clipboard); deploy; see the nodes turn
 * connected (the event node shows ge-0/0/0.0's ifIndex); raise the simulated traffic and see the
 * route in the simulator's RIB; in the rmon-event dialog, Look up the interface's ifIndex, read and
 * Copy the RMON commands built for it, and Apply to router: nothing committed for the router's own
 * settings, one commit for a threshold changed.
 * Screenshots go to $JET_SCREENSHOTS (docs/ for the README: `npm run screenshots`), else a temp dir.
 */
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, Browser, Page, Response } from 'playwright-core';
import { NodeRedProcess } from '../support/nodered-process';
import { until } from '../support/wait';
import { JetSimulator } from '../../sim';
import { ROOT } from '../support/paths';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// What the sample flow points at: its router is `api: grpc`, port 32767. Thrift on a free port (unused here).
const SIM_PORTS = { grpcPort: 32767, httpPort: 8080, mqttPort: 1883 };

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

describe('editor in a real browser', function () {
  this.timeout(300000);
  let work = '';
  let shots = '';
  let tarball = '';
  let sim: JetSimulator;
  let red: NodeRedProcess;
  let browser: Browser;
  let page: Page;

  const shot = async (name: string): Promise<void> => {
    // Transient notifications ("Successfully deployed") would hide the flow.
    await page.evaluate(() => document.querySelectorAll('.red-ui-notification').forEach((n) => n.remove()));
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
  };

  before(async function () {
    for (const port of Object.values(SIM_PORTS)) {
      assert.ok(await portFree(port), `port ${port} is taken: the sample flow expects the simulator there`);
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'jet-browser-'));
    shots = process.env.JET_SCREENSHOTS ? path.resolve(ROOT, process.env.JET_SCREENSHOTS) : path.join(work, 'shots');
    fs.mkdirSync(shots, { recursive: true });
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
    tarball = path.join(work, (JSON.parse(out) as Array<{ filename: string }>)[0].filename);
    sim = await JetSimulator.start({ ...SIM_PORTS, thriftPort: 0 });
    red = new NodeRedProcess(path.join(work, 'userdir'));
    await red.start({
      telemetry: { enabled: false },
      editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
      externalModules: { palette: { allowInstall: true, allowUpload: true } },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    // The Router configuration sections' Copy buttons write to the clipboard; the test reads it back.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${red.port}` });
    await page.goto(`http://127.0.0.1:${red.port}/`);
    await page.waitForFunction(() => !!document.querySelector('.red-ui-palette-node[data-palette-type="inject"]'), undefined, { timeout: 60000 });
  });

  after(async function () {
    if (browser) await browser.close();
    if (red) await red.stop();
    if (sim) await sim.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await shot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  it('installs the package from Manage palette → Install → upload, and the six nodes appear', async () => {
    const bundle: Array<[string, number]> = [];
    const onResponse = (res: Response): void => {
      const url = new URL(res.url());
      if (url.pathname.endsWith('/jet-editor.js')) bundle.push([url.pathname, res.status()]);
    };
    page.on('response', onResponse);
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-edit-palette');
    await page.click('#red-ui-palette-editor-tabs li:nth-child(2) a');
    await page.setInputFiles('.red-ui-palette-editor-upload-button input[type=file]', tarball);
    await page.click('.red-ui-palette-editor-upload-buttons button.primary');
    for (const type of ['jet-rmon-event', 'jet-threshold', 'jet-route-add', 'jet-route-delete', 'jet-command']) {
      await page.waitForSelector(`.red-ui-palette-node[data-palette-type="${type}"]`, { state: 'attached', timeout: 180000 });
    }
    const registered = await page.evaluate(() => ['jet-router', 'jet-rmon-event', 'jet-threshold', 'jet-route-add', 'jet-route-delete', 'jet-command'].filter((t) => !!(window as any).RED.nodes.getType(t)));
    assert.equal(registered.length, 6);
    // The dialogs' shared code came from the package's resources/, as Node-RED serves it.
    page.off('response', onResponse);
    assert.ok(bundle.some(([p, status]) => p === '/resources/@jetflows/node-red-junos-jet/jet-editor.js' && status === 200), JSON.stringify(bundle));
    assert.equal(await page.evaluate(() => typeof (window as any).JetEditor?.validator), 'function');
    await page.click('.red-ui-tray-toolbar button:has-text("Close")');
    await page.waitForSelector('#red-ui-palette-editor', { state: 'detached' });
    await page.locator('#red-ui-palette-base-category-junos').scrollIntoViewIfNeeded();
    await shot('palette');
  });

  it('imports the sample flow from Import → Examples', async () => {
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.click('#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a');
    await page.click('#red-ui-clipboard-dialog-import-tab-examples .red-ui-treeList-label:has-text("@jetflows/node-red-junos-jet")');
    await page.click('#red-ui-clipboard-dialog-import-tab-examples .red-ui-treeList-label:has-text("traffic-management")');
    await page.click('#red-ui-clipboard-dialog-ok');
    await page.click('#red-ui-workspace-tabs .red-ui-tab:has-text("JET traffic management") a');
    await page.waitForSelector('g.red-ui-flow-node-group:has-text("raise traffic")');
  });

  it('a router node of an old flow (no api), imported, stays without api and opens as Thrift', async () => {
    // As the Thrift-only versions saved it; imported the way Node-RED imports a flow.
    const api = await page.evaluate(() => {
      const RED = (window as any).RED;
      RED.view.importNodes([{ id: 'legacy-router', type: 'jet-router', name: '', host: '192.0.2.1', port: 9090, clientId: '', useTls: false, requestTimeout: 10, queueLimit: 1000 }], { generateIds: false, notify: false });
      return RED.nodes.node('legacy-router').api ?? null;
    });
    assert.ok(api === null || api === '', `imported old router: api ${JSON.stringify(api)}`);
    await page.evaluate(() => (window as any).RED.editor.editConfig('router', 'jet-router', 'legacy-router'));
    await page.waitForSelector('#node-config-input-api');
    assert.equal(await page.inputValue('#node-config-input-api'), 'thrift');
    assert.equal(await page.getAttribute('#node-config-input-port', 'placeholder'), '9090');
    assert.equal(await page.locator('#node-config-row-purgeTime').isVisible(), false);
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-api', { state: 'detached' });
    await page.evaluate(() => (window as any).RED.nodes.remove('legacy-router'));
  });

  it('marks a bad prefix invalid in the jet-route-add dialog', async () => {
    await page.locator('g.red-ui-flow-node-group:has-text("add 1.1.1.1/32")').first().dblclick();
    const prefixes = page.locator('#node-input-prefixes');
    await prefixes.fill('1.1.1.1/24');
    await prefixes.press('Tab');
    await page.waitForSelector('#node-input-prefixes.input-error');
    await shot('route-add-invalid');
    await prefixes.fill('1.1.1.1/32');
    await prefixes.press('Tab');
    await page.waitForSelector('#node-input-prefixes:not(.input-error)');
    // The sample's router speaks gRPC: Metric is said not to be sent.
    await page.locator('#node-input-jet-metric-grpc').filter({ hasText: 'gRPC JET has no route metric' }).waitFor({ state: 'visible' });
    assert.equal(await page.locator('#node-input-jet-metric-hint').isVisible(), false);
  });

  it('a new router ("Add new jet-router…") starts as gRPC, port placeholder 32767, purge time shown', async () => {
    const sampleRouter = await page.inputValue('#node-input-router');
    // Node-RED 4.1: the + button beside the router select ("Add new jet-router config node").
    await page.click('#node-input-btn-router-add');
    await page.waitForSelector('#node-config-input-api');
    assert.equal(await page.inputValue('#node-config-input-api'), 'grpc');
    assert.equal(await page.getAttribute('#node-config-input-port', 'placeholder'), '32767');
    assert.ok(await page.locator('#node-config-row-purgeTime').isVisible());
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-api', { state: 'detached' });
    assert.equal(await page.inputValue('#node-input-router'), sampleRouter, 'nothing added: the sample router still chosen');
  });

  it('Test connection shows the exact failure for a wrong password, success for the right one', async () => {
    await page.click('#node-input-btn-router-edit');
    await page.waitForSelector('#node-config-input-host');
    // The sample's router: gRPC on 32767; the placeholder and the purge time follow the API select.
    const api = page.locator('#node-config-input-api');
    assert.equal(await api.inputValue(), 'grpc');
    assert.equal(await page.inputValue('#node-config-input-port'), '32767');
    assert.equal(await page.getAttribute('#node-config-input-port', 'placeholder'), '32767');
    assert.ok(await page.locator('#node-config-row-purgeTime').isVisible());
    await api.selectOption('thrift');
    assert.equal(await page.getAttribute('#node-config-input-port', 'placeholder'), '9090');
    assert.equal(await page.locator('#node-config-row-purgeTime').isVisible(), false);
    await api.selectOption('grpc');
    assert.ok(await page.locator('#node-config-row-purgeTime').isVisible());
    const purge = page.locator('#node-config-input-purgeTime');
    const purgeBefore = await purge.inputValue();
    await purge.fill('1001');
    await purge.press('Tab');
    await page.waitForSelector('#node-config-input-purgeTime.input-error');
    await purge.fill(purgeBefore);
    await purge.press('Tab');
    await page.waitForSelector('#node-config-input-purgeTime:not(.input-error)');
    await page.fill('#node-config-input-username', 'lab');
    await page.fill('#node-config-input-password', 'not-the-password');
    await page.click('#node-config-jet-router-test');
    const result = page.locator('#node-config-jet-router-test-result');
    await result.filter({ hasText: /login failed/i }).waitFor({ timeout: 30000 });
    await shot('router-test-connection-failed');
    await page.fill('#node-config-input-password', 'lab123');
    await page.click('#node-config-jet-router-test');
    await result.filter({ hasText: /logged in to 127\.0\.0\.1:32767 as lab over gRPC/ }).waitFor({ timeout: 30000 });
    assert.equal(sim.grpc.counters.calls.RouteAdd ?? 0, 0, 'testing saved and programmed nothing');
    assert.equal(sim.thrift.counters.logins + sim.thrift.counters.loginFailures, 0, 'the Thrift server was never asked');
    await page.click('#node-config-dialog-ok');
    await page.click('#node-dialog-ok');
  });

  it('the router dialog shows the Junos commands for its settings and copies them', async () => {
    const S = 'set system services extension-service';
    const J = '#node-config-jet-router-junos';
    const id = await page.evaluate(() => {
      let found = '';
      (window as any).RED.nodes.eachConfig((n: any) => {
        if (n.type === 'jet-router' && n.name === 'simulated router') found = n.id;
      });
      return found;
    });
    assert.ok(id, 'the sample\'s router');
    await page.evaluate((routerId) => (window as any).RED.editor.editConfig('router', 'jet-router', routerId), id);
    await page.waitForSelector(`${J}-toggle`);
    assert.equal(await page.locator(`${J}-commands`).isVisible(), false, 'collapsed at first');
    await page.click(`${J}-toggle`);
    const commands = page.locator(`${J}-commands`);
    await commands.waitFor({ state: 'visible' });
    // The editor was reached on 127.0.0.1: suggested, and said to be a loopback address.
    assert.equal(await page.inputValue(`${J}-client`), '127.0.0.1');
    assert.equal(await commands.inputValue(), `${S} request-response grpc clear-text port 32767\n${S} request-response grpc max-connections 8\n${S} notification allow-clients address 127.0.0.1/32\n`);
    await page.locator(`${J}-notes`).filter({ hasText: /loopback address/ }).waitFor();
    await page.fill(`${J}-client`, '192.0.2.10');
    await page.fill(`${J}-maxConnections`, '12');
    await page.check('#node-config-input-useTls');
    await page.fill(`${J}-certificate`, 'jet-cert');
    const expected = [
      `${S} request-response grpc ssl port 32767`,
      `${S} request-response grpc ssl local-certificate jet-cert`,
      `${S} request-response grpc max-connections 12`,
      `${S} notification allow-clients address 192.0.2.10/32`,
      '',
    ].join('\n');
    assert.equal(await commands.inputValue(), expected);
    await commands.scrollIntoViewIfNeeded();
    await shot('router-configuration');
    await page.click(`${J}-copy`);
    await page.locator(`${J}-copied`).filter({ hasText: 'Copied to the clipboard' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), expected);
    // Nothing of it is kept: Use TLS was a change of this dialog only.
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector(`${J}-toggle`, { state: 'detached' });
    assert.equal(await page.evaluate((routerId) => (window as any).RED.nodes.node(routerId).useTls, id), false);
  });

  it('deploys; the nodes turn connected; raising the traffic puts the route in the RIB', async () => {
    await page.click('#red-ui-header-button-deploy');
    const status = (label: string) => page.locator('g.red-ui-flow-node-group', { hasText: label }).first().locator('.red-ui-flow-node-status-label');
    await status('add 1.1.1.1/32').filter({ hasText: /connected 127\.0\.0\.1:32767/ }).waitFor({ timeout: 30000 });
    // The event node looked ge-0/0/0.0 up; the simulator's RMON alarm is its settings already: no commit.
    await status('rmon ge-0/0/0.0').filter({ hasText: /listening: ge-0\/0\/0\.0 → ifIndex 541/ }).waitFor({ timeout: 30000 });
    assert.equal(sim.management.commitCount, 0);
    await page.locator('g.red-ui-flow-node-group', { hasText: 'raise traffic' }).first().locator('.red-ui-flow-node-button').click();
    await until(sim.rib, 'change', () => sim.rib.get('inet.0', '1.1.1.1/32') !== undefined, 30000, 'route in the RIB');
    assert.deepEqual(sim.rib.get('inet.0', '1.1.1.1/32')?.nexthops, ['10.1.1.2']);
    await status('add 1.1.1.1/32').filter({ hasText: /added 1\.1\.1\.1\/32/ }).waitFor({ timeout: 30000 });
    await shot('flow');
    await page.locator('g.red-ui-flow-node-group', { hasText: 'lower traffic' }).first().locator('.red-ui-flow-node-button').click();
    await until(sim.rib, 'change', () => sim.rib.size === 0, 30000, 'route deleted');
  });
  it('the rmon-event dialog: Look up shows the ifIndex, the README\'s RMON alarm and event for it, Copy; Apply to router commits only a change', async () => {
    const R = '#node-input-jet-rmon-junos';
    // On the node's body, left of the wire that leaves its output.
    await page.locator('g.red-ui-flow-node-group:has-text("rmon ge-0/0/0.0")').first().locator('rect.red-ui-flow-node').dblclick({ position: { x: 40, y: 15 } });
    await page.waitForSelector(`${R}-toggle`);
    assert.equal(await page.inputValue('#node-input-interface'), 'ge-0/0/0.0');
    assert.ok(await page.isChecked('#node-input-configureRmon'));
    await page.click(`${R}-toggle`);
    const commands = page.locator(`${R}-commands`);
    await commands.waitFor({ state: 'visible' });
    // Look up, on the deployed router: the ifIndex shown, and the commands built for it.
    await page.click('#node-input-jet-rmon-lookup');
    await page.locator('#node-input-jet-rmon-lookup-result').filter({ hasText: 'ge-0/0/0.0 → ifIndex 541' }).waitFor({ timeout: 30000 });
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /```\n(set snmp rmon alarm 1 interval 1\n[\s\S]*?)```/.exec(readme)![1];
    assert.equal(await commands.inputValue(), block);
    assert.match(await page.locator(R).innerText(), /show interfaces ge-0\/0\/0\.0 \| match SNMP/);
    // Falling not below rising: no commands, the field marked; back to the default.
    await page.fill(`${R}-falling`, '1024');
    await page.waitForSelector(`${R}-falling.input-error`);
    assert.equal(await commands.inputValue(), '');
    assert.ok(await page.locator(`${R}-copy`).isDisabled());
    await page.fill(`${R}-falling`, '');
    assert.equal(await commands.inputValue(), block);
    await commands.scrollIntoViewIfNeeded();
    await page.click(`${R}-copy`);
    await page.locator(`${R}-copied`).filter({ hasText: 'Copied to the clipboard' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), block);

    // Apply to router: the router has this alarm already, nothing is committed.
    const applied = page.locator(`${R}-apply-result`);
    await page.click(`${R}-apply`);
    await applied.filter({ hasText: /nothing committed/ }).waitFor({ timeout: 30000 });
    assert.equal(sim.management.commitCount, 0);
    // A threshold of its own: one commit, which the simulated router runs at once.
    await page.fill(`${R}-rising`, '2048');
    await page.fill(`${R}-falling`, '2000');
    await page.click(`${R}-apply`);
    await applied.filter({ hasText: /committed alarm 1 on ifIndex 541/ }).waitFor({ timeout: 30000 });
    assert.equal(sim.management.commitCount, 1);
    assert.match(sim.management.commitHistory()[0].comment, /^@jetflows\/node-red-junos-jet: jet-rmon-event /);
    assert.equal(sim.rmon.alarms()[0].rising, 2048);
    await applied.scrollIntoViewIfNeeded();
    await shot('rmon-event-configuration');
    await page.click('#node-dialog-cancel');
    await page.waitForSelector(`${R}-toggle`, { state: 'detached' });
  });
});
