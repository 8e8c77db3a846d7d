/**
 * Follows the event stream from a resume point: first what the Redis stream holds after `since`
 * (bus.readSince, in pages), then the bus fan-out live, without a gap or a duplicate. Live events
 * that arrive during the replay are queued and delivered after it, skipping any the replay already
 * delivered (Redis stream ids are strictly increasing). Events are handed to `onEvent` one at a
 * time, in stream order; an async handler is awaited before the next.
 *
 * Generic over the stream: the event WebSocket and the recording watch use it. It belongs in
 * events/ and lives here only because that folder had another owner when it was written.
 */
import type { EventBus, StreamedEvent } from '../events/bus.ts';

const REPLAY_PAGE = 500;

/** Orders two Redis stream ids ("<ms>-<seq>", or "<ms>" meaning "<ms>-0"): negative, 0 or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const d = BigInt(am) - BigInt(bm);
  if (d !== 0n) return d < 0n ? -1 : 1;
  const s = BigInt(as) - BigInt(bs);
  return s === 0n ? 0 : s < 0n ? -1 : 1;
}

export const STREAM_ID = /^\d{1,20}(-\d{1,20})?$/;

export interface FollowOptions {
  /** Replay what the stream holds after this id first; absent: live events only. */
  since?: string;
  onEvent: (e: StreamedEvent) => void | Promise<void>;
  /** A handler that threw; the follower goes on with the next event. */
  onError: (err: unknown, e: StreamedEvent) => void;
}

export interface EventFollower {
  /** The id of the last event handed to onEvent (or `since`). */
  readonly lastId: string | undefined;
  stop(): void;
}

/** Starts following; resolves once the replay is done (live events are then flowing). */
export async function followEvents(bus: EventBus, opts: FollowOptions): Promise<EventFollower> {
  let last = opts.since;
  let replaying = true;
  let draining = false;
  let stopped = false;
  const queue: StreamedEvent[] = [];

  const deliver = async (e: StreamedEvent): Promise<void> => {
    if (stopped || (last !== undefined && compareStreamIds(e.stream_id, last) <= 0)) return;
    last = e.stream_id;
    try {
      await opts.onEvent(e);
    } catch (err) {
      opts.onError(err, e);
    }
  };
  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    while (queue.length > 0 && !stopped) await deliver(queue.shift()!);
    draining = false;
  };
  const onLive = (e: StreamedEvent): void => {
    queue.push(e);
    if (!replaying) void drain();
  };

  bus.on('event', onLive);
  const follower: EventFollower = {
    get lastId() { return last; },
    stop() {
      stopped = true;
      queue.length = 0;
      bus.off('event', onLive);
    },
  };
  try {
    if (opts.since !== undefined) {
      let after = opts.since;
      for (;;) {
        const page = await bus.readSince(after, REPLAY_PAGE);
        for (const e of page) await deliver(e);
        if (page.length < REPLAY_PAGE || stopped) break;
        after = page[page.length - 1].stream_id;
      }
    }
  } catch (err) {
    follower.stop();
    throw err;
  }
  replaying = false;
  await drain();
  return follower;
}
