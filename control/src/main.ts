import postgres from 'postgres';
import { Distributor } from './calls/distribution/distributor.ts';
import { buildServer } from './api/server.ts';
import { HealthRegistry } from './api/routes/health.ts';
import { seatStateRoutes } from './api/routes/seat-state.ts';
import { callsRoutes } from './api/routes/calls.ts';
import { recordingsRoutes } from './api/routes/recordings.ts';
import { eventsRoutes } from './api/routes/events-ws.ts';
import { alarmsRoutes } from './api/routes/alarms.ts';
import { mediaControlRoutes } from './api/routes/media-control.ts';
import { coachRoutes } from './api/routes/coach.ts';
import { startCoachEndWatch } from './calls/coach/call-ended.ts';
import { consolesRoutes, sipWsUrlFromEnv, sipWssPortFromEnv } from './api/routes/consoles.ts';
import { httpsOptionsFromEnv, listenHttps, type HttpsListener } from './api/https.ts';
import { recordingsSearchRoutes } from './api/routes/recordings-search.ts';
import { qaRoutes } from './api/routes/qa.ts';
import { screeningRoutes } from './api/routes/screening.ts';
import { queuesRoutes } from './api/routes/queues.ts';
import { statsRoutes } from './api/routes/stats.ts';
import { surgeRoutes } from './api/routes/surge.ts';
import { callbacksRoutes } from './api/routes/callbacks.ts';
import { linkageRoutes } from './api/routes/linkage.ts';
import { transfersRoutes } from './api/routes/transfers.ts';
import { resumeTransferDeadlines } from './calls/transfer/resume.ts';
import { transferDeadlineMs } from './calls/transfer/start.ts';
import { startSurgeExpiry, type SurgeExpiry } from './surge/expiry.ts';
import { startQueueAlarms, type QueueAlarms } from './queues/alarms.ts';
import { rebuildMirror } from './screening/mirror.ts';
import { startScreeningWatch } from './screening/watch.ts';
import { startRecordingMaintenance, type RecordingMaintenance } from './recordings/storage/maintenance.ts';
import { startRecordingPipeline } from './recordings/pipeline.ts';
import { startRecordingWatch } from './recordings/watch.ts';
import type { AppDeps } from './app/deps.ts';
import { LeaderLease } from './app/leader.ts';
import { LeaseFile } from './ha/fence/lease-file.ts';
import { Leadership, leaseMsFromEnv } from './ha/lease/leadership.ts';
import { haRoleRoutes } from './api/routes/ha-role.ts';
import { followTakeover, takeLead } from './ha/lead.ts';
import { reportNodeStatus } from './ha/nodes/status.ts';
import { watchReplication } from './ha/nodes/replication.ts';
import { haRoutes } from './api/routes/ha.ts';
import { connectRedis } from './ha/data/redis-connection.ts';
import { onRedisReconnected } from './ha/data/redis-resync.ts';
import { createLogger } from './app/logger.ts';
import { ensureBootstrapAdmin } from './auth/bootstrap.ts';
import { CallFlow } from './calls/flow.ts';
import { PerKeySerializer } from './app/serial.ts';
import { loadConfig } from './config.ts';
import { withPeerReload } from './trunks/reload.ts';
import { EvapiClient } from './engine/evapi/client.ts';
import { linkTrunkHealthToEngine } from './trunks/health.ts';
import { CallControl } from './engine/kamailio/call-control.ts';
import { decodeEngineEvent } from './engine/kamailio/events.ts';
import { KamailioRpc } from './engine/kamailio/jsonrpc.ts';
import { NgClient } from './engine/rtpengine/ng-client.ts';
import type { RequestObserver } from './engine/timing.ts';
import type { StreamedEvent } from './events/bus.ts';
import { metricsRoutes, metricsTokenFromEnv } from './api/routes/metrics.ts';
import { countEvent } from './metrics/from-events.ts';
import { createMetrics } from './metrics/series.ts';
import { CallMedia } from './announcements/call-media.ts';
import { EventBus } from './events/bus.ts';
import { RegistrationTracker } from './seats/state/registrations.ts';
import { loadSeats } from './seats/state/store.ts';
import { endDueWrapUps, releaseStaleReservations } from './seats/state/ticker.ts';
import { releaseOutlivedReservations } from './calls/offers/outlived-reservations.ts';
import { startConferences } from './calls/conference/start.ts';
import { OutboxReplayer } from './ha/outbox/replayer.ts';
import { pgBackoffS } from './ha/data/pg-backoff.ts';
import { outboxHealth } from './ha/outbox/health.ts';
import { retryOnRedis, survive, surviveUnhandledRedisRejections } from './ha/data/redis-trouble.ts';

/** The control plane: HTTP API for everyone, call control for the one process that holds the lease. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger();
  // reconnects within a second of PostgreSQL's return (ha/data/pg-backoff.ts)
  const sql = postgres(config.pgUrl, { max: 10, onnotice: () => {}, backoff: pgBackoffS });
  const redis = connectRedis(config.redisUrl, { maxRetriesPerRequest: 3 });
  redis.on('error', (err) => log.warn({ err: String(err) }, 'redis connection error (ioredis reconnects)'));
  // a Redis promotion must not end the process (issue 13): the paths below catch their errors; this is the last resort
  surviveUnhandledRedisRejections(log);
  const bus = new EventBus(redis, config.centreId);
  const deps: AppDeps = { config, sql, redis, bus, log };
  // Prometheus series (metrics/series.ts): engine round trips timed by the clients, call counters from the event stream
  const metrics = createMetrics();
  const metricsToken = metricsTokenFromEnv(process.env);
  const engineTiming = (engine: string): RequestObserver => (command, seconds, outcome) => metrics.engineRequest.observe({ engine, command, outcome }, seconds);
  bus.on('event', (e: StreamedEvent) => countEvent(metrics, e));
  const rpc = new KamailioRpc({ url: config.kamailioRpcUrl, observe: engineTiming('kamailio') });
  const health = new HealthRegistry();
  // a pair may run a shorter lease (CTI_HA_LEASE_MS, scripts/stack/pair.ts): the address moves sooner after a death
  const lease = new LeaderLease(redis, log, undefined, leaseMsFromEnv(process.env));
  // a node of a pair: keepalived gives up the floating address unless this file says we hold the lease
  const leaseFile = new LeaseFile(process.env.CTI_HA_LEASE_FILE, log);
  let active = false;

  await ensureBootstrapAdmin(deps);
  const evapi = new EvapiClient({ host: config.evapi.host, port: config.evapi.port, log });
  let flow: CallFlow | undefined;
  const control = new CallControl(evapi, log, (callId, action, refused) => void flow?.onGiveUp(callId, action, refused).catch(survive(log, 'call flow: give-up')));
  const serial = new PerKeySerializer();
  const distributor = new Distributor(deps, control, serial);
  const registrations = new RegistrationTracker(deps, rpc, () => void distributor.kick());
  // one NG client for everything the control plane asks of rtpengine (announcements, hold, listen-in)
  const ng = new NgClient({ host: config.rtpengineNg.host, port: config.rtpengineNg.port, log, observe: engineTiming('rtpengine') });
  const media = process.env.CTI_ANNOUNCEMENTS === 'off' ? undefined : new CallMedia(deps, control, ng);
  flow = new CallFlow(deps, control, distributor, registrations, serial, media);
  const callFlow = flow;
  // conference rooms on Janus (docs/mixer.md); absent without CTI_JANUS_WS_URL
  // a seat dialled into a waiting caller's room hung up: the call ends as a seat's BYE ends it (caller-requeue.ts)
  const endCall = (sipCallId: string) => {
    void callFlow.handle({ event: 'call.bye', callId: sipCallId, by: 'seat' });
    conferences?.service.callEnded(sipCallId);
  };
  const conferences = startConferences(deps, { rpc, ng, evapi, env: process.env, kick: () => void distributor.kick(), endCall });
  if (conferences) distributor.roomOffer = conferences.roomOffer;

  // a node of a pair: the lead pauses while Redis does not answer and gives up only when another may lead (docs/ha.md)
  const haNode = process.env.CTI_NODE ? { node: process.env.CTI_NODE, vrrpStateFile: process.env.CTI_HA_VRRP_STATE_FILE } : undefined;
  let shutdownRef: ((code: number) => Promise<void>) | undefined;
  const leadership = new Leadership({
    lease, leaseFile, log, pair: haNode !== undefined, peerUrl: process.env.CTI_PEER_API_URL,
    onOffers: (on, why) => {
      distributor.active = on;
      // resumed after a pause: the queued callers waited (at the start, the sync after evapi connects kicks)
      if (on && why === 'renewed') void distributor.kick();
    },
    onGaveUp: () => void shutdownRef?.(3),
  });
  leaseFile.start(() => active && leadership.holdsAddress());
  health.add('control_plane', async () => (active ? (leadership.state === 'paused' ? 'paused' : 'active') : 'standby'));
  // the call path's PostgreSQL outbox (docs/ha.md "PostgreSQL away"): written out by the active control plane
  const outbox = new OutboxReplayer(deps);
  health.add('facts_outbox', outboxHealth(outbox));
  health.add('kamailio', async () => {
    if (active && !evapi.connected) throw new Error('evapi not connected');
    return active ? 'connected' : 'standby';
  });

  // a node of a pair: trunk changes reload the peer's Kamailio too (docs/ha.md)
  const peerRpc = process.env.CTI_PEER_KAMAILIO_RPC_URL ? new KamailioRpc({ url: process.env.CTI_PEER_KAMAILIO_RPC_URL }) : undefined;
  // a node of a pair: reports its state, takes the lead only with data that is not behind, records each takeover,
  // and hands the lead over on a switchover (docs/ha.md)
  const switchNode = haNode ? {
    node: haNode.node, peer: haNode.node === 'a' ? 'b' : 'a', active: () => active,
    handOver: () => {
      leadership.stop('handed_over');
      leaseFile.giveUp();
      void shutdownRef?.(4);
    },
  } : undefined;
  // a node of a pair: does its Kamailio replicate registrations and dialogs to the peer (DMQ)? alarm if not
  const replication = haNode ? watchReplication(deps, haNode.node, () => rpc.dmqNodes()) : undefined;
  const nodeStatus = haNode ? reportNodeStatus(deps, haNode, process.env.CTI_PEER_API_URL, () => active, () => replication?.view() ?? null) : undefined;
  const app = await buildServer({ ...deps, kamailio: withPeerReload(rpc, peerRpc, log), health }, [
    seatStateRoutes(deps, () => void distributor.kick()), callsRoutes(deps), recordingsRoutes(deps), recordingsSearchRoutes(deps), qaRoutes(deps), screeningRoutes(deps, { announcements: media !== undefined }),
    queuesRoutes(deps, { onChange: () => void distributor.kick() }), statsRoutes(deps), surgeRoutes(deps, { rpc, publicOrigin: process.env.CTI_PUBLIC_ORIGIN }), eventsRoutes(deps), alarmsRoutes(deps), mediaControlRoutes(deps, { engine: ng }), coachRoutes(deps, ng),
    consolesRoutes({ sipWsUrl: sipWsUrlFromEnv(process.env, config.kamailioRpcUrl), sipWssPort: sipWssPortFromEnv(process.env), sipDomain: config.sipDomain, node: config.node }),
    callbacksRoutes(deps, { rpc, evapi }), linkageRoutes(deps), haRoutes(deps, switchNode),
    haRoleRoutes(haNode?.node, () => (active ? leadership.role() : 'standby')),
    ...(conferences ? [conferences.routes] : []),
    transfersRoutes(deps, { rpc, serial }),
    metricsRoutes(metrics, { deps, active: () => active }, metricsToken),
  ]);
  bus.startFanout();
  await app.listen({ host: config.httpHost, port: config.httpPort });
  log.info({ url: `http://${config.httpHost}:${config.httpPort}` }, 'control plane API listening');
  // the consoles need a secure page for the microphone away from localhost: HTTPS with the set-up's certificate
  const secure = httpsOptionsFromEnv(process.env);
  const https: HttpsListener | undefined = secure ? await listenHttps(app, { host: config.httpHost, ...secure }) : undefined;
  if (https) log.info({ url: https.url }, 'control plane HTTPS listening');

  evapi.on('message', (m) => {
    if (conferences?.owns(m)) return void conferences.service.handle(m as Record<string, unknown>);
    const e = decodeEngineEvent(m as Record<string, unknown>);
    if (e?.event === 'call.bye') conferences?.service.callEnded(e.callId);
    if (!e) {
      log.warn({ event: (m as { event?: unknown }).event }, 'unknown engine event ignored');
      return;
    }
    if (e.event === 'seat.connection_closed') {
      if (!conferences) log.error({ seat: e.user }, 'a seat\'s page closed; without the mixer its caller cannot be moved back to the queue');
      return void conferences?.pageLost.onConnectionClosed(e.user, e.source).catch(survive(log, 'lost page'));
    }
    void callFlow.handle(e);
  });
  linkTrunkHealthToEngine(deps, evapi, rpc);
  evapi.on('malformed', (raw, err) => log.error({ raw: String(raw).slice(0, 200), err: String(err) }, 'malformed evapi message'));
  evapi.on('disconnected', () => log.warn({}, 'evapi disconnected: Kamailio fails calls open while we are away'));
  // after Kamailio (re)connects, and after the Redis master changed (control/src/ha/data/redis-resync.ts)
  const resync = () => void (async () => {
    callFlow.holdForResync();
    try {
      await loadSeats(deps);
      await registrations.syncAll();
    } catch (err) {
      log.error({ err: String(err) }, 'seat/registration sync after connect failed');
    }
    callFlow.beginSync();
    void distributor.kick();
    // transfers whose deadline timer died with a previous process (calls/transfer/resume.ts)
    void resumeTransferDeadlines(deps, serial, transferDeadlineMs(process.env)).catch((err) => log.error({ err: String(err) }, 'transfer deadlines not resumed'));
  })();
  evapi.on('connected', () => {
    log.info({}, 'evapi connected');
    resync();
  });
  onRedisReconnected(redis, log, () => { if (active && evapi.connected) resync(); });

  let tick: NodeJS.Timeout | undefined;
  let seatReload: NodeJS.Timeout | undefined;
  let pipeline: { stop(): Promise<void> | void } | undefined;
  let watch: { stop(): Promise<void> | void } | undefined;
  let maintenance: RecordingMaintenance | undefined;
  let screeningWatch: { stop(): Promise<void> | void } | undefined;
  let coachEndWatch: { stop(): void } | undefined;
  let queueAlarms: QueueAlarms | undefined;
  let surgeExpiry: SurgeExpiry | undefined;
  let followUp: { stop(): void } | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    stopping = true;
    leadership.stop();
    followUp?.stop();
    outbox.stop();
    nodeStatus?.stop();
    replication?.stop();
    surgeExpiry?.stop();
    if (tick) clearInterval(tick);
    if (seatReload) clearInterval(seatReload);
    await Promise.resolve(watch?.stop()).catch(() => undefined);
    await Promise.resolve(queueAlarms?.stop()).catch(() => undefined);
    await Promise.resolve(screeningWatch?.stop()).catch(() => undefined);
    coachEndWatch?.stop();
    await Promise.resolve(maintenance?.stop()).catch(() => undefined);
    await Promise.resolve(pipeline?.stop()).catch(() => undefined);
    control.stop();
    await conferences?.service.stop().catch(() => undefined);
    media?.stopAll();
    evapi.stop();
    ng.close();
    leaseFile.giveUp();
    // bounded: a node cut off from Redis must still stop (the lease runs out by itself)
    await Promise.race([lease.release().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    await https?.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    await bus.stopFanout();
    redis.disconnect();
    await sql.end({ timeout: 2 }).catch(() => undefined);
    process.exit(code);
  };
  shutdownRef = shutdown;
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  // a Redis connection error while taking the lead (a promotion under way) retries instead of failing the start; the
  // lease this process may already hold is let go first (bounded: it runs out by itself when Redis does not answer)
  const takeover = await retryOnRedis('take the lead', async () => {
    try {
      return haNode ? await takeLead(deps, lease, haNode, leadership.mayTake) : await lease.acquire();
    } catch (err) {
      await Promise.race([lease.release().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
      lease.reopen();
      throw err;
    }
  }, { log });
  // the takeover's record is written in the background (ha/lead.ts): followed once it is there, while still leading
  if (takeover && haNode) {
    void takeover.recorded.then((row) => { if (row && active && !stopping) followUp = followTakeover(deps, row, haNode); });
  }
  active = true;
  outbox.start();
  log.info({ instance: lease.id }, 'active control plane: taking call control');
  leadership.lead();
  // a node of a pair: Kamailio's fail-open count for held calls restarts now that this node leads (it counted from
  // the node's start while it was standby; keepalived's notify resets it too when the address arrives: docs/ha.md)
  if (haNode) await rpc.call('pv.shvSet', ['cp_down_at', 'int', 0]).catch((err) => log.warn({ err: String(err) }, 'could not reset Kamailio\'s fail-open count'));
  await retryOnRedis('load seats', () => loadSeats(deps), { log });
  await retryOnRedis('rebuild the screening mirror', () => rebuildMirror(deps, config.centreId), { log });
  evapi.start();
  conferences?.service.start(deps);
  screeningWatch = startScreeningWatch(deps);
  coachEndWatch = startCoachEndWatch(deps, ng);
  queueAlarms = await retryOnRedis('start queue alarms', () => startQueueAlarms(deps), { log });
  surgeExpiry = startSurgeExpiry(deps, { rpc });
  pipeline = startRecordingPipeline(deps);
  maintenance = await startRecordingMaintenance(deps);
  watch = await retryOnRedis('start the recording watch', () => startRecordingWatch(deps, { graceMs: Number(process.env.CTI_RECORDING_GRACE_MS ?? 20_000) }), { log });
  tick = setInterval(() => {
    // the pass runs even when the seats' housekeeping failed (a damaged seat record must not stop distribution's own failing path)
    void endDueWrapUps(deps).then(() => releaseStaleReservations(deps)).then(() => releaseOutlivedReservations(deps))
      .catch((err) => log.error({ err: String(err) }, 'tick failed'))
      .finally(() => void distributor.kick());
  }, 1000);
  seatReload = setInterval(() => void loadSeats(deps).catch((err) => log.error({ err: String(err) }, 'seat reload failed')), 5000);
}

main().catch((err) => {
  process.stderr.write(`control plane failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
