/** Builds the conference side from the environment the stack gives the control plane (scripts/stack/stack.ts). */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { conferencesRoutes } from '../../api/routes/conferences.ts';
import { consultationsRoutes } from '../../api/routes/consultations.ts';
import { JanusClient } from '../../engine/janus/client.ts';
import type { EvapiClient } from '../../engine/evapi/client.ts';
import type { KamailioRpc } from '../../engine/kamailio/jsonrpc.ts';
import type { NgClient } from '../../engine/rtpengine/ng-client.ts';
import { ConferenceService, isConferenceEvent } from './service.ts';
import { holdAudioFromEnv } from '../actions/hold.ts';
import { resumeDeadlines } from '../consult/deadline.ts';
import { ConferenceStore, janusSessionInRedis } from './store.ts';
import { offerRoomCaller, onRoomSeatSettled } from './caller-requeue.ts';
import type { LegEnv } from './legs.ts';
import type { LiveCall } from '../store.ts';
import type { SeatCandidate } from '../../acd/selector.ts';
import { pageLostGraceMs } from '../page-lost/machine.ts';
import { PageLostWatcher } from '../page-lost/watch.ts';

export interface Conferences {
  service: ConferenceService;
  routes: FastifyPluginAsync;
  owns(m: unknown): boolean;
  /** A seat's page lost mid-call (calls/page-lost/): Kamailio's seat.connection_closed. */
  pageLost: PageLostWatcher;
  /** The distributor's offer of a caller waiting in a room (caller-requeue.ts). */
  roomOffer(call: LiveCall, seat: SeatCandidate, ringTimeoutS: number): Promise<boolean>;
}

export function startConferences(
  deps: AppDeps, parts: { rpc: KamailioRpc; ng: NgClient; evapi: EvapiClient; env: NodeJS.ProcessEnv; kick?: () => void; endCall?: (sipCallId: string) => void },
): Conferences | undefined {
  const { env } = parts;
  if (!env.CTI_JANUS_WS_URL) return undefined;
  const graceMs = pageLostGraceMs(env); // a bad value stops the start (CTI_CONFIG_INVALID)
  const janus = new JanusClient({
    url: env.CTI_JANUS_WS_URL, apiSecret: env.CTI_JANUS_API_SECRET ?? '', log: deps.log, sessionStore: janusSessionInRedis(deps.redis),
  });
  const legEnv: LegEnv = {
    deps, janus, rpc: parts.rpc, ng: parts.ng, evapi: parts.evapi, store: new ConferenceStore(deps.redis), holdAudio: holdAudioFromEnv(env),
    ...(parts.kick ? { kick: parts.kick } : {}),
    ...(parts.endCall ? { endCall: parts.endCall } : {}),
    onDialSettled: (p, code) => onRoomSeatSettled(legEnv, p, code),
    recordingsDir: env.CTI_JANUS_RECORDINGS_DIR ?? '/tmp', ...(env.CTI_JANUS_ADMIN_KEY ? { adminKey: env.CTI_JANUS_ADMIN_KEY } : {}),
  };
  const routes: FastifyPluginAsync = async (app) => {
    await app.register(conferencesRoutes(deps, legEnv));
    await app.register(consultationsRoutes(deps, legEnv));
  };
  // a restarted control plane: no consultation left without its deadline (calls/consult/deadline.ts)
  void resumeDeadlines(legEnv).catch((err: unknown) => deps.log.error({ err: String(err) }, 'consultation deadlines not re-armed'));
  const pageLost = new PageLostWatcher(legEnv, graceMs);
  void pageLost.resume().catch((err: unknown) => deps.log.error({ err: String(err) }, 'lost-page watches not re-armed'));
  return {
    service: new ConferenceService(legEnv, janus), routes, owns: isConferenceEvent, pageLost,
    roomOffer: (call, seat, ringTimeoutS) => offerRoomCaller(legEnv, call, seat, ringTimeoutS),
  };
}
