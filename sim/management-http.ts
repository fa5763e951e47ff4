/**
 * What the simulated router's HTTP server shows of its management side and of itself:
 *
 *   GET /commits   → {count, commits: [{sequence, time, user, comment}] newest first,
 *                     configuration: the committed `snmp rmon` as `set` lines}
 *   GET /          → a small HTML page (no script): the RMON alarms and their states, the commits
 *                     with their comments, the committed `snmp rmon` configuration and the RIB.
 *
 * Reads only; the Host check of sim/http.ts applies to them like to every request. Everything
 * shown on the page is escaped (a commit comment or a route's owner comes from a client).
 */
import type * as http from 'http';
import { escapeXml } from '../lib/junos/tree';
import { sendJson, SimHttpServer } from './http';
import { renderRmonSet, type CommitRecord, type ManagementModel } from './management';
import { ownerLabel, type Rib } from './rib';
import type { RmonEngine } from './rmon';

function commitView(c: CommitRecord): { sequence: number; time: string; user: string; comment: string } {
  return { sequence: c.sequence, time: c.time.toISOString(), user: c.user, comment: c.comment };
}

const esc = (v: unknown): string => escapeXml(String(v));

function table(headers: string[], rows: unknown[][], empty: string): string {
  if (rows.length === 0) return `<p><i>${esc(empty)}</i></p>`;
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<tr>${head}</tr>\n${body}\n</table>`;
}

/** The status page's HTML. */
export function statusPage(rib: Rib, rmon: RmonEngine, management: ManagementModel): string {
  const alarms = rmon.alarms().map((a) => [a.index, a.variable, a.rising, a.falling, `${a.intervalS} s`, a.sampleType, `${a.risingEventIndex}/${a.fallingEventIndex}`, a.subtag || '(none)', a.state.last ?? '', a.state.samples]);
  const commits = management.commitHistory().map((c) => [c.sequence, c.time.toISOString(), c.user, c.comment]);
  const routes = rib.entries().map((e) => [e.table, e.prefix, e.nexthops.join(', '), e.preference, ownerLabel(e)]);
  const config = renderRmonSet(management.committedRmon());
  const rates = rmon.interfaces().map((i) => [i.ifIndex, management.interfaces.nameOf(i.ifIndex) ?? '', i.rate]);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>JET simulator</title>
<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}pre{background:#f4f4f4;padding:8px}</style>
</head><body>
<h1>JET simulator</h1>
<h2>RMON alarms</h2>
${table(['alarm', 'variable', 'rising', 'falling', 'interval', 'sample type', 'events', 'subtag', 'last event', 'samples'], alarms, 'no alarm configured')}
<h2>Interface rates</h2>
${table(['ifIndex', 'interface', 'input rate'], rates, 'no interface rate set')}
<h2>Commits (${management.commitCount})</h2>
${table(['#', 'time', 'user', 'comment'], commits, 'no commit since the simulator started')}
<h2>Committed snmp rmon configuration</h2>
<pre>${esc(config || '(none)')}</pre>
<h2>RIB (${routes.length})</h2>
${table(['table', 'prefix', 'next hops', 'preference', 'owner'], routes, 'no route')}
<p>JSON: <a href="/rib">/rib</a>, <a href="/alarms">/alarms</a>, <a href="/interfaces">/interfaces</a>, <a href="/commits">/commits</a></p>
</body></html>
`;
}

export function addManagementRoutes(server: SimHttpServer, parts: { rib: Rib; rmon: RmonEngine; management: ManagementModel }): void {
  const { management } = parts;
  server.addRoute('GET', /^\/commits$/, (_req, res) =>
    sendJson(res, 200, {
      count: management.commitCount,
      commits: management.commitHistory().map(commitView),
      configuration: renderRmonSet(management.committedRmon()),
    }),
  );
  server.addRoute('GET', /^\/$/, (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const page = statusPage(parts.rib, parts.rmon, management);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page), 'x-content-type-options': 'nosniff' });
    res.end(page);
  });
}
