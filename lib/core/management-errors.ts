/**
 * How a management call (lib/core/management.ts) fails when the router refused it or when no answer
 * came after a configuration load was sent. Apart from the contract so that lib/core/backend.ts,
 * which names the contract, and these errors, which extend its SessionError, import no circle.
 */
import { SessionError } from './backend';

/** The router answered a management call and refused it; the message is the router's own words. */
export class ManagementRefusedError extends Error {
  constructor(
    /** The call: 'OpCommandGet', 'ConfigSet'. */
    readonly call: string,
    message: string,
  ) {
    super(message);
    this.name = 'ManagementRefusedError';
  }
}

/**
 * A configuration load was written to the router and no answer came: whether the router loaded and
 * committed it is unknown. `code` is the session's reason ('disconnected', 'timeout', 'closed').
 */
export class OutcomeUnknownError extends SessionError {
  readonly outcomeUnknown = true;

  constructor(unanswered: SessionError) {
    super(
      `${unanswered.message}; whether the router loaded and committed the configuration is unknown ` +
        '(it is not sent again: read the configuration back before loading it again)',
      unanswered.code,
    );
    this.name = 'OutcomeUnknownError';
  }
}
