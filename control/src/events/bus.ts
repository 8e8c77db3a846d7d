import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { AnyCtiEvent, CtiEvent, EventData, EventType } from './schema.ts';

export const EVENT_STREAM = 'cti:events';
const STREAM_MAXLEN = 1_000_000;

export interface StreamedEvent {
  /** Redis stream id: the order of events, and the resume point for consumers. */
  stream_id: string;
  event: AnyCtiEvent;
}

/**
 * Publishes events to the durable Redis stream (consumers: CAD, EMR, QA, via consumer groups) and
 * fans the stream out to in-process subscribers (the event WebSocket) from one reader loop, so every
 * process, active or standby, shows the same ordered stream.
 */
export class EventBus extends EventEmitter {
  private reading = false;
  private reader: Redis | undefined;

  constructor(private readonly redis: Redis, private readonly centreId: string) {
    super();
    this.setMaxListeners(0);
  }

  make<T extends EventType>(type: T, data: EventData[T], at: Date = new Date()): CtiEvent<T> {
    return { id: randomUUID(), type, at: at.toISOString(), centre_id: this.centreId, data };
  }

  async publish<T extends EventType>(type: T, data: EventData[T], at?: Date): Promise<string> {
    const ev = this.make(type, data, at);
    return this.publishEvent(ev as AnyCtiEvent);
  }

  async publishEvent(ev: AnyCtiEvent): Promise<string> {
    const id = await this.redis.xadd(EVENT_STREAM, 'MAXLEN', '~', String(STREAM_MAXLEN), '*', 'e', JSON.stringify(ev));
    return id as string;
  }

  /** Events after `afterId` (exclusive), oldest first, for replay to a reconnecting consumer. */
  async readSince(afterId: string, count = 1000): Promise<StreamedEvent[]> {
    const rows = await this.redis.xrange(EVENT_STREAM, `(${afterId}`, '+', 'COUNT', count);
    return rows.map(([id, fields]) => ({ stream_id: id, event: JSON.parse(fields[1]) as AnyCtiEvent }));
  }

  /** Start the fan-out loop: emits 'event' (StreamedEvent) for every new stream entry. */
  startFanout(): void {
    if (this.reading) return;
    this.reading = true;
    this.reader = this.redis.duplicate();
    this.reader.on('error', (err) => this.emit('error-logged', err));
    void this.loop(this.reader);
  }

  async stopFanout(): Promise<void> {
    this.reading = false;
    this.reader?.disconnect();
  }

  private async loop(reader: Redis): Promise<void> {
    let last = '$';
    while (this.reading) {
      try {
        const res = await reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', EVENT_STREAM, last);
        if (!res) continue;
        for (const [, entries] of res) {
          for (const [id, fields] of entries) {
            last = id;
            this.emit('event', { stream_id: id, event: JSON.parse(fields[1]) as AnyCtiEvent } satisfies StreamedEvent);
          }
        }
      } catch (err) {
        if (!this.reading) return;
        this.emit('error-logged', err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
