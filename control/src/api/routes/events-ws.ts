/**
 * The event stream for consoles and integrations (docs/events.md):
 *   GET /v1/events/ws      WebSocket: each event as a text frame `{stream_id, event}`; ?since=<stream id>
 *                          replays the stream after that id, then goes on live without gap or duplicate;
 *                          ?types=call.*,seat.* filters. The token comes as ?token= (browsers cannot set headers).
 *   GET /v1/events         the same over HTTP, a page at a time (?since=&limit=)
 *   GET /v1/events/schema  the JSON Schema of every event type
 * Any logged-in person may read events.
 */
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { AppDeps } from '../../app/deps.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { EVENT_STREAM, type StreamedEvent } from '../../events/bus.ts';
import { eventDataSchemas, eventEnvelopeSchema, type AnyCtiEvent } from '../../events/schema.ts';
import { followEvents, type EventFollower } from '../../recordings/follow-events.ts';
import { authedErrors, noQuery } from '../schemas/common.ts';
import { eventSchemasResponse, eventsPage, eventsQuery, eventsWsQuery } from '../schemas/events.ts';

export interface EventsRoutesOptions {
  /** WebSocket ping interval; a client that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
  /** A client this far behind (bytes buffered) is closed with 1013 and reconnects with ?since. */
  maxBufferedBytes?: number;
}

/** "call.*,seat.state_changed.v1" -> a predicate on the event type; "call" and "call.*" both mean every call.* type. */
export function typeFilter(types: string | undefined): (type: string) => boolean {
  if (!types) return () => true;
  const bases = types.split(',').map((t) => t.replace(/\.\*$/, ''));
  return (type) => bases.some((b) => type === b || type.startsWith(`${b}.`));
}

/**
 * The frame of an event, serialised once however many sockets send it (the bus hands every live follower the same
 * object; with 1,000 subscribers that is 999 JSON.stringify calls saved per event: bench events-fanout).
 */
const frames = new WeakMap<StreamedEvent, string>();
function frameOf(e: StreamedEvent): string {
  let f = frames.get(e);
  if (f === undefined) {
    f = JSON.stringify(e);
    frames.set(e, f);
  }
  return f;
}

/** Close code 1013 "Try Again Later" (RFC 6455 §7.4.1 registry): the client is too slow. */
const WS_TRY_AGAIN_LATER = 1013;
const WS_INTERNAL_ERROR = 1011;

function streamToSocket(deps: AppDeps, socket: WebSocket, q: { since?: string; types?: string }, opts: Required<EventsRoutesOptions>): void {
  const wanted = typeFilter(q.types);
  let follower: EventFollower | undefined;
  let closed = false;
  let alive = true;
  const send = (e: StreamedEvent): void => {
    if (closed || !wanted(e.event.type)) return;
    if (socket.bufferedAmount > opts.maxBufferedBytes) {
      socket.close(WS_TRY_AGAIN_LATER, `too far behind; reconnect with since=${e.stream_id}`);
      return;
    }
    socket.send(frameOf(e));
  };
  const heartbeat = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, opts.heartbeatMs);
  socket.on('pong', () => (alive = true));
  socket.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    follower?.stop();
  });
  followEvents(deps.bus, {
    since: q.since,
    onEvent: send,
    onError: (err, e) => deps.log.error({ stream_id: e.stream_id, err: (err as Error).message }, 'event WebSocket could not send an event'),
  }).then((f) => {
    follower = f;
    if (closed) f.stop();
  }, (err: unknown) => {
    deps.log.error({ err: (err as Error).message }, 'event WebSocket replay failed');
    socket.close(WS_INTERNAL_ERROR, 'replay failed; reconnect');
  });
}

async function readPage(deps: AppDeps, q: { since?: string; types?: string; limit: number }) {
  let entries: StreamedEvent[];
  if (q.since !== undefined) {
    entries = await deps.bus.readSince(q.since, q.limit);
  } else {
    const rows = await deps.redis.xrevrange(EVENT_STREAM, '+', '-', 'COUNT', q.limit);
    entries = rows.reverse().map(([id, fields]) => ({ stream_id: id, event: JSON.parse(fields[1]) as AnyCtiEvent }));
  }
  const wanted = typeFilter(q.types);
  return { items: entries.filter((e) => wanted(e.event.type)), last_id: entries.at(-1)?.stream_id ?? q.since ?? null };
}

export function eventsRoutes(deps: AppDeps, options: EventsRoutesOptions = {}) {
  const opts: Required<EventsRoutesOptions> = { heartbeatMs: 30_000, maxBufferedBytes: 8 * 1024 * 1024, ...options };
  return async function routes(app: FastifyInstance): Promise<void> {
    const anyone = requireRole();
    const tags = ['events'];
    // The fan-out must run before the first client replays, or events between its replay and the first read are lost.
    app.addHook('onReady', async () => deps.bus.startFanout());

    app.get<{ Querystring: { since?: string; types?: string } }>('/v1/events/ws', {
      websocket: true,
      onRequest: anyone,
      schema: { tags, summary: 'Events over WebSocket: replay ?since=<stream id>, then live; ?types= filter', querystring: eventsWsQuery },
    }, (socket, request) => streamToSocket(deps, socket, request.query, opts));

    app.get<{ Querystring: { since?: string; types?: string; limit: number } }>('/v1/events', {
      onRequest: anyone,
      schema: {
        tags, summary: 'Events after ?since (oldest first), or the newest ?limit events; continue with since=last_id',
        querystring: eventsQuery, response: { 200: eventsPage, ...authedErrors() },
      },
    }, async (request) => readPage(deps, request.query));

    app.get('/v1/events/schema', {
      onRequest: anyone,
      schema: { tags, summary: 'The JSON Schema of the event envelope and of each event type\'s data', querystring: noQuery, response: { 200: eventSchemasResponse, ...authedErrors() } },
    }, async () => ({ stream: EVENT_STREAM, envelope: eventEnvelopeSchema, types: eventDataSchemas }));
  };
}
