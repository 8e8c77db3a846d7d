/**
 * Connects callbacks to the engine: Kamailio's outbound-call events go to OutboundCalls, and each time the control
 * plane (re)connects to Kamailio the dialling authorisations are written again (an htable is empty after a restart).
 */
import type { EventEmitter } from 'node:events';
import type { AppDeps } from '../app/deps.ts';
import { decodeEngineEvent } from '../engine/kamailio/events.ts';
import type { CallbackAuthoriser } from './authorisation.ts';
import { OutboundCalls } from './outbound.ts';

export function linkCallbacksToEngine(deps: AppDeps, evapi: EventEmitter, authoriser: CallbackAuthoriser): OutboundCalls {
  const outbound = new OutboundCalls(deps);
  evapi.on('message', (m) => {
    const e = decodeEngineEvent(m as Record<string, unknown>);
    if (e) outbound.handle(e);
  });
  evapi.on('connected', () => {
    void authoriser.resyncAuthorisations()
      .then((n) => { if (n > 0) deps.log.info({ authorisations: n }, 'callback authorisations written to Kamailio'); })
      .catch((err) => deps.log.warn({ err: String(err) }, 'callback authorisations not re-sent to Kamailio'));
  });
  return outbound;
}
