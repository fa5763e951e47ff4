/**
 * The jet-rmon-event dialog's "Look up" and "Apply to router" buttons (admin endpoints
 * POST /jet-rmon-event/lookup and /jet-rmon-event/apply, under the router's write permission): one
 * short-lived session of their own to the router, as Test connection opens (lib/router/probe.ts),
 * then the ifIndex lookup or the RMON set-up of lib/junos/rmon-setup.ts on its management API.
 *
 * They send only the stored credentials of the deployed jet-router, and only to its deployed API,
 * host, port and TLS settings: the body names the router as the dialog has it (`router`: id, api,
 * host, port, useTls, tls, requestTimeout, clientId; never a password), and settings that differ
 * from the deployed ones are refused (deploy the router first). The answers are in words; the
 * password is never part of one.
 */
import { API_LABEL } from '../core/backend';
import { RouteValidationError } from '../flow-props';
import { readRmonNodeSettings, RmonNodeProps } from '../junos/rmon-binding';
import { lookUpInterface, RmonSetupResult, setUpRmon } from '../junos/rmon-setup';
import { parseProbeRequest, ProbeContext, ProbeReason, ProbeRequestError, probeSession, ProbeTarget, resolveTarget } from './probe';

export type AdminAnswer = { status: 200 | 400; body: Record<string, unknown> & { ok: boolean; message: string } };

function invalid(message: string, status: 200 | 400 = 200): AdminAnswer {
  return { status, body: { ok: false, reason: 'invalid', message } };
}

/** The deployed router's login for the dialog's router settings, or why there is none. */
function target(body: unknown, ctx: ProbeContext): ProbeTarget | AdminAnswer {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid('body: expected a JSON object', 400);
  const router = (body as { router?: unknown }).router;
  if (typeof router !== 'object' || router === null || Array.isArray(router)) return invalid('router: expected the router node as the dialog has it', 400);
  const r = { ...(router as Record<string, unknown>) };
  // Never a typed password or user here: the stored ones, for the deployed settings only.
  delete r.password;
  delete r.username;
  let req;
  try {
    req = parseProbeRequest(r);
  } catch (err) {
    if (err instanceof ProbeRequestError) return invalid(`router ${err.message}`, 400);
    throw err;
  }
  if (!req.id || !ctx.storedCredentials(req.id)) return invalid('the router is not deployed: deploy it first (the look-up uses the deployed router and its stored credentials)');
  if (req.api !== 'grpc') return invalid(`the JET management API is gRPC only, and this router uses ${API_LABEL[req.api]}: set ifIndex by hand`);
  const t = resolveTarget(req, ctx);
  if ('reason' in t) return { status: 200, body: { ...t, message: t.message.replace(/^type the password to test/, 'deploy the router first: its settings differ from the deployed ones for') } };
  return t;
}

function failed(result: { ok: false; reason: ProbeReason; message: string }): AdminAnswer {
  return { status: 200, body: { ok: false, reason: result.reason, message: result.message } };
}

/** POST /jet-rmon-event/lookup: `{router, interface}` → `{ok, name, kind, ifIndex, message}`. */
export async function rmonLookup(body: unknown, ctx: ProbeContext): Promise<AdminAnswer> {
  const t = target(body, ctx);
  if (!('api' in t)) return t;
  const name = String((body as { interface?: unknown }).interface ?? '').trim();
  if (name === '') return invalid('interface: type an interface name (ge-0/0/0.0)');
  const { result, value } = await probeSession(t, (session) => lookUpInterface(session.management!, name));
  if (!result.ok) return failed(result);
  if (!value) return invalid('no answer');
  if (!value.found) return { status: 200, body: { ok: false, reason: value.reason, message: value.message } };
  return { status: 200, body: { ok: true, name: value.name, kind: value.kind, ifIndex: value.ifIndex, message: `${value.name} → ifIndex ${value.ifIndex}` } };
}

/** POST /jet-rmon-event/apply: `{router, node, interface, ifIndex, alarmIndex, ...}` → the set-up's outcome in words. */
export async function rmonApply(body: unknown, ctx: ProbeContext): Promise<AdminAnswer> {
  const t = target(body, ctx);
  if (!('api' in t)) return t;
  const props = body as RmonNodeProps & { node?: unknown };
  let settings;
  try {
    settings = readRmonNodeSettings({ ...props, configureRmon: true });
  } catch (err) {
    if (err instanceof RouteValidationError) return invalid(err.message);
    throw err;
  }
  const node = String(props.node ?? '').trim() || 'editor';
  const { result, value } = await probeSession(t, (session) =>
    setUpRmon(session.management!, { ...settings.rmon, interface: settings.interface, ifIndex: settings.ifIndex ?? '' }, { node }),
  );
  if (!result.ok) return failed(result);
  return { status: 200, body: applyAnswer(value!, settings.alarm) };
}

/** A set-up's outcome as the dialog shows it. */
export function applyAnswer(r: RmonSetupResult, alarm: number): AdminAnswer['body'] {
  switch (r.status) {
    case 'unchanged':
      return { ok: true, status: r.status, ifIndex: r.ifIndex, message: `alarm ${alarm} on ifIndex ${r.ifIndex} is the router's configuration already: nothing committed` };
    case 'committed': {
      const left = r.readBack === 'differs' ? `; the router still shows: ${r.remaining.join('; ')}` : '';
      return { ok: true, status: r.status, ifIndex: r.ifIndex, lines: r.lines, message: `committed alarm ${alarm} on ifIndex ${r.ifIndex} ("${r.comment}")${left}` };
    }
    case 'refused':
      return { ok: false, status: r.status, ifIndex: r.ifIndex, lines: r.lines, message: `the router refused the configuration: ${r.message}` };
    case 'lookup-failed':
      return { ok: false, status: r.status, message: `${r.interface}: ${r.message}` };
    case 'mismatch':
      return { ok: false, status: r.status, message: `${r.interface.name} is ifIndex ${r.interface.ifIndex}, not ${r.configured}: fix ifIndex or Interface` };
    case 'invalid':
      return { ok: false, status: r.status, message: r.errors.map((e) => `${e.field}: ${e.code}`).join(', ') };
    case 'read-failed':
      return { ok: false, status: r.status, message: `the router's RMON configuration could not be read: ${r.message}` };
    case 'unanswered':
      return { ok: false, status: r.status, message: r.outcomeUnknown ? r.message : `no answer from the router: ${r.message}` };
  }
}
