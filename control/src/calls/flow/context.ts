/**
 * What every phase of the call flow (flow.ts and its phases in this folder) works with: the engine's
 * command channel, the distribution pass, the registrations, the per-call chain and the announcements.
 */
import type { AppDeps } from '../../app/deps.ts';
import type { PerKeySerializer } from '../../app/serial.ts';
import type { CallMedia } from '../../announcements/call-media.ts';
import type { CallControl } from '../../engine/kamailio/call-control.ts';
import type { EngineEvent } from '../../engine/kamailio/events.ts';
import type { RegistrationTracker } from '../../seats/state/registrations.ts';
import type { Distributor } from '../distribution/distributor.ts';
import type { RoutedOutcomes } from '../offers/routed-outcomes.ts';

export interface FlowContext {
  readonly deps: AppDeps;
  readonly control: CallControl;
  readonly distributor: Distributor;
  readonly registrations: RegistrationTracker;
  readonly serial: PerKeySerializer;
  /** Announcements (early media); absent: callers hear ringing only and screening warnings degrade. */
  readonly media?: CallMedia;
  /** ring_all forks and overflows to another centre (offers/routed-outcomes.ts). */
  readonly routed: RoutedOutcomes;
  /** Kamailio holds the call again (noted for the reconciliation after a reconnect, sync.ts). */
  seen(callId: string): void;
  /** A handler threw: log it, and fail a call suspended in Kamailio open. */
  failed(e: EngineEvent, err: unknown): Promise<void>;
}
