/**
 * HTTP controls of the RMON engine, on the simulator's HTTP server:
 *
 *   POST /interfaces/<ifIndex>/rate   body {"rate": n}, or a bare number (JSON or text/plain), or rate=n
 *        → sets the input rate, samples the alarms on it at once; answers {ifIndex, rate, fired}
 *   GET  /interfaces                  → {interfaces: [{ifIndex, rate}]}
 *   GET  /alarms                      → {alarms: [{...config, state}]}
 *   POST /events/rmon                 body {ifIndex, direction, value?, alarmIndex?, eventIndex?, threshold?, subtag?}
 *        → publishes a synthetic event (alarm states untouched); answers {topic, notification}, or
 *          503 with {topic, notification, error} when the broker is down
 *
 * The body is read the same way whatever the content-type says (Node-RED's http request node sends
 * an object as application/json, a string as text/plain). The POSTs are refused with 403 when a
 * browser page of another origin sends them (sim/http.ts, crossOriginReason): text/plain and form
 * bodies need no CORS preflight, so the Origin / Sec-Fetch-Site check is what stops such a page.
 */
import type { Direction } from '../lib/rmon/alarm';
import { HttpError, readBody, sendJson, SimHttpServer } from './http';
import { RmonEngine, SyntheticRmonEvent } from './rmon';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The rate in a POST /interfaces/<n>/rate body; throws HttpError 400 when there is none. */
export function parseRateBody(body: string): number {
  const text = body.trim();
  const json = parseJson(text);
  let rate: unknown = json;
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) rate = (json as Record<string, unknown>).rate;
  else if (json === undefined) rate = new URLSearchParams(text).get('rate') ?? undefined;
  if (typeof rate === 'string' && rate.trim() !== '') rate = Number(rate);
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
    throw new HttpError(400, `expected a rate >= 0 as {"rate": n}, n or rate=n (got ${JSON.stringify(text.slice(0, 60))})`);
  }
  return rate;
}

/** Runs `f`, turning the engine's RangeErrors (bad input) into HttpError 400. */
async function badInputIs400<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw err instanceof RangeError ? new HttpError(400, err.message) : err;
  }
}

export function addRmonRoutes(http: SimHttpServer, rmon: RmonEngine): void {
  http.addRoute('POST', /^\/interfaces\/(\d{1,10})\/rate$/, async (req, res, m) => {
    const ifIndex = Number(m[1]);
    const rate = parseRateBody(await readBody(req, 64 * 1024));
    const samples = await badInputIs400(() => rmon.setRate(ifIndex, rate, true));
    sendJson(res, 200, { ifIndex, rate, fired: samples.find((s) => s.fired !== null)?.fired ?? null });
  });
  http.addRoute('GET', /^\/interfaces$/, (_req, res) => sendJson(res, 200, { interfaces: rmon.interfaces() }));
  http.addRoute('GET', /^\/alarms$/, (_req, res) => sendJson(res, 200, { alarms: rmon.alarms() }));
  http.addRoute('POST', /^\/events\/rmon$/, async (req, res) => {
    const body = parseJson(await readBody(req, 64 * 1024));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object {ifIndex, direction, value?}');
    const b = body as Record<string, unknown>;
    const direction = typeof b.direction === 'string' ? (b.direction.toLowerCase() as Direction) : undefined;
    const num = (k: string): number | undefined => (b[k] === undefined ? undefined : Number(b[k]));
    const event = {
      ifIndex: num('ifIndex'),
      direction,
      value: num('value'),
      alarmIndex: num('alarmIndex'),
      eventIndex: num('eventIndex'),
      threshold: num('threshold'),
      subtag: typeof b.subtag === 'string' ? b.subtag : undefined,
    } as SyntheticRmonEvent; // the engine validates every field
    const publication = await badInputIs400(() => rmon.publishEvent(event));
    sendJson(res, publication.error ? 503 : 200, publication);
  });
}
