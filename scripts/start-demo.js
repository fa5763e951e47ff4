#!/usr/bin/env node
// `npm start`: the simulated JET router plus a local Node-RED 4 with this package loaded and the
// sample flow deployed, editor on http://127.0.0.1:1880. Everything listens on 127.0.0.1 only.
// Ports can be moved with environment variables: NODE_RED_PORT, JET_SIM_THRIFT_PORT,
// JET_SIM_HTTP_PORT, JET_SIM_MQTT_PORT. Ctrl-C stops both.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.node-red-demo');
const pkg = require(path.join(root, 'package.json'));
const port = (name, dflt) => Number(process.env[name] || dflt);
const ports = {
  nodeRed: port('NODE_RED_PORT', 1880),
  grpc: port('JET_SIM_GRPC_PORT', 32767),
  thrift: port('JET_SIM_THRIFT_PORT', 9090),
  http: port('JET_SIM_HTTP_PORT', 8080),
  mqtt: port('JET_SIM_MQTT_PORT', 1883),
};
const DEMO_FLOWS = ['traffic-management.json', 'route-basics.json'];

/** The demo flow file with the simulator's ports, and the simulator's credentials for its router nodes. */
function writeUserDir() {
  fs.mkdirSync(userDir, { recursive: true });
  // Load this package as an installed module: userDir/node_modules/<name> -> the repository.
  const link = path.join(userDir, 'node_modules', ...pkg.name.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(root, link, 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-demo', private: true, dependencies: { [pkg.name]: '*' } }, null, 2));

  const flows = [];
  const creds = {};
  // One router node for all tabs: one session, one desired route set (two would undo each other's
  // routes on the same simulator).
  let router = null;
  const sameRouter = {};
  for (const file of DEMO_FLOWS) {
    const p = path.join(root, 'flows', file);
    if (!fs.existsSync(p)) continue;
    for (const node of JSON.parse(fs.readFileSync(p, 'utf8'))) {
      if (flows.some((n) => n.id === node.id)) continue;
      if (node.type === 'jet-router' && router) {
        sameRouter[node.id] = router;
        continue;
      }
      if (node.router && sameRouter[node.router]) node.router = sameRouter[node.router];
      if (node.type === 'jet-router') {
        router = node.id;
        node.host = '127.0.0.1';
        // The demo speaks what current routers speak: JET over gRPC.
        node.api = 'grpc';
        node.port = String(ports.grpc);
        if ('notificationPort' in node) node.notificationPort = String(ports.mqtt);
        creds[node.id] = { username: 'lab', password: 'lab123' };
      }
      if (node.type === 'http request' && typeof node.url === 'string') {
        node.url = node.url.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${ports.http}`);
      }
      delete node.credentials;
      flows.push(node);
    }
  }
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
  // Demo only: the simulator's lab credentials, unencrypted (credentialSecret: false below).
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(creds, null, 2));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort: ports.nodeRed,
        flowFile: 'flows.json',
        credentialSecret: false,
        flowFilePretty: true,
        logging: { console: { level: 'info', metrics: false, audit: false } },
        editorTheme: { projects: { enabled: false }, tours: false },
        externalModules: { autoInstall: false, palette: { allowInstall: true } },
      },
      null,
      2,
    )};\n`,
  );
}

async function main() {
  const { JetSimulator } = require(path.join(root, 'dist', 'sim'));
  const sim = await JetSimulator.start({
    host: '127.0.0.1',
    grpcPort: ports.grpc,
    thriftPort: ports.thrift,
    httpPort: ports.http,
    mqttPort: ports.mqtt,
    // A router without the RMON alarm: the sample flow's event node (Configure RMON on) commits it at
    // the first deploy, and the commit shows on http://127.0.0.1:<http>/ and /commits.
    alarms: [],
    log: (line) => console.log(`[sim] ${line}`),
  });
  writeUserDir();
  const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: 'inherit',
  });
  console.log(`[demo] simulator: JET gRPC 127.0.0.1:${sim.grpcPort}, Thrift 127.0.0.1:${sim.thriftPort}, RIB http://127.0.0.1:${sim.httpPort}/rib, commits http://127.0.0.1:${sim.httpPort}/commits` + (sim.mqttPort ? `, MQTT 127.0.0.1:${sim.mqttPort}` : ''));
  console.log(`[demo] Node-RED editor: http://127.0.0.1:${ports.nodeRed}/  (Ctrl-C stops everything)`);
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    if (red.exitCode === null) red.kill('SIGINT');
    await sim.stop();
    process.exit(code);
  };
  red.on('exit', (code) => stop(code ?? 0));
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}

main().catch((err) => {
  console.error(`[demo] could not start: ${err.message}`);
  if (err.code === 'EADDRINUSE') console.error('[demo] a port is in use: set NODE_RED_PORT / JET_SIM_GRPC_PORT / JET_SIM_THRIFT_PORT / JET_SIM_HTTP_PORT / JET_SIM_MQTT_PORT');
  process.exit(1);
});
