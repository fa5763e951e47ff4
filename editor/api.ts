/**
 * What the node dialogs share, as one object: `window.JetEditor` in the editor (editor/index.ts puts
 * it there). Made by a function, with no effect on load, so tests can make their own.
 */
import * as junos from '../lib/junos/config-commands';
import { DEFAULT_NOTIFICATION_PORT, DEFAULT_PORTS, DEFAULT_QUEUE_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RMON_TOPIC } from '../lib/core/defaults';
import { DEFAULT_APP_ID, DEFAULT_METRIC, DEFAULT_PREFERENCE } from '../lib/core/route-spec';
import { DEFAULT_MAX_KEYS } from '../lib/threshold/config';
import { createChecks, isHost, parseAddress } from './checks';
import { commandPanel } from './command-panel';
import { adminCall, routerSettings, showOutcome } from './admin-call';
import { catalog, host, PACKAGE } from './host';
import { apiOf, defaultPort, given, labelStyle } from './labels';
import { createValidators, current, messagesShown, rule } from './validators';

/** The node property defaults the dialogs show, as the runtime applies them. */
export const DEFAULTS = {
  ports: DEFAULT_PORTS,
  notificationPort: DEFAULT_NOTIFICATION_PORT,
  requestTimeoutS: DEFAULT_REQUEST_TIMEOUT_MS / 1000,
  queueLimit: DEFAULT_QUEUE_LIMIT,
  rmonTopic: DEFAULT_RMON_TOPIC,
  preference: DEFAULT_PREFERENCE,
  metric: DEFAULT_METRIC,
  appId: DEFAULT_APP_ID,
  maxKeys: DEFAULT_MAX_KEYS,
} as const;

/** The checks speak in the jet-router catalog (`jet-router.validation.*`). */
export const CHECKS_CATALOG = 'jet-router';

export function createEditor() {
  const { check, parsePrefix } = createChecks(catalog(CHECKS_CATALOG), () => host().RED.utils?.validatePropertyExpression);
  const { validate, validator } = createValidators(check);
  return {
    package: PACKAGE,
    defaults: DEFAULTS,
    check,
    rule,
    validate,
    validator,
    current,
    messagesShown,
    parsePrefix,
    parseAddress,
    isHost,
    apiOf,
    defaultPort,
    given,
    labelStyle,
    commandPanel,
    adminCall,
    showOutcome,
    routerSettings,
    /** The Junos command builder the panels run (lib/junos/config-commands.ts). */
    junos,
  };
}

export type JetEditor = ReturnType<typeof createEditor>;
