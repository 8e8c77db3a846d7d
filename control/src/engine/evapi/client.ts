/**
 * Client for Kamailio's evapi module (modparam("evapi", "netstring_format", 1)): JSON objects in
 * netstrings over one TCP connection, reconnecting with capped exponential backoff until stop().
 *
 * Every received message is answered at once: if no 'message' listener sent anything while the
 * event was emitted, {"action":"ack"} goes back. A silent client makes Kamailio's next event wait for
 * TCP's delayed ACK (20-40 ms); see the project's engine notes.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { encodeNetstring, NetstringDecoder } from './netstring.ts';
import { silentLog, type EngineLog } from '../log.ts';

export interface EvapiClientOptions {
  host: string;
  port: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  maxMessageBytes?: number;
  log?: EngineLog;
}

export interface EvapiClientEvents {
  connected: [];
  disconnected: [];
  message: [msg: Record<string, unknown>];
  malformed: [raw: string, error: Error];
}

export const ACK_MESSAGE = Object.freeze({ action: 'ack' });

export class EvapiClient extends EventEmitter<EvapiClientEvents> {
  private readonly opts: Required<Omit<EvapiClientOptions, 'log'>>;
  private readonly log: EngineLog;
  private socket: net.Socket | null = null;
  private decoder: NetstringDecoder;
  private isConnected = false;
  private running = false;
  private delayMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private sendsDuringEmit = 0;

  constructor(opts: EvapiClientOptions) {
    super();
    this.opts = {
      host: opts.host,
      port: opts.port,
      reconnectMinMs: opts.reconnectMinMs ?? 100,
      reconnectMaxMs: opts.reconnectMaxMs ?? 2000,
      maxMessageBytes: opts.maxMessageBytes ?? 1024 * 1024,
    };
    this.log = opts.log ?? silentLog;
    this.decoder = new NetstringDecoder({ maxLength: this.opts.maxMessageBytes });
    this.delayMs = this.opts.reconnectMinMs;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    this.markDisconnected();
    socket?.destroy();
  }

  /** Sends one JSON object; false when there is no connection (the message is not queued). */
  send(obj: object): boolean {
    const socket = this.socket;
    if (!this.isConnected || !socket) return false;
    this.sendsDuringEmit++;
    socket.write(encodeNetstring(JSON.stringify(obj)));
    return true;
  }

  private connect(): void {
    const socket = net.createConnection({ host: this.opts.host, port: this.opts.port, noDelay: true });
    this.socket = socket;
    this.decoder.reset();
    socket.on('connect', () => {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      this.isConnected = true;
      this.delayMs = this.opts.reconnectMinMs;
      this.log.info({ host: this.opts.host, port: this.opts.port }, 'evapi connected');
      this.safeEmit('connected');
    });
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (err) => {
      this.log.warn({ err, host: this.opts.host, port: this.opts.port }, 'evapi socket error');
    });
    socket.on('close', () => this.onClose(socket));
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    const payloads: Buffer[] = [];
    let framingError: Error | null = null;
    try {
      this.decoder.push(chunk, payloads);
    } catch (e) {
      framingError = e as Error;
    }
    socket.cork();
    try {
      for (const p of payloads) this.deliver(p.toString('utf8'));
    } finally {
      socket.uncork();
    }
    if (framingError) {
      this.log.error({ err: framingError }, 'evapi framing lost; reconnecting');
      this.emitMalformed(chunk.toString('utf8'), framingError);
      socket.destroy();
    }
  }

  private deliver(raw: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(raw);
    } catch (e) {
      this.emitMalformed(raw, e as Error);
      this.send(ACK_MESSAGE);
      return;
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      this.emitMalformed(raw, new TypeError('evapi message is not a JSON object'));
      this.send(ACK_MESSAGE);
      return;
    }
    const before = this.sendsDuringEmit;
    this.safeEmit('message', msg as Record<string, unknown>);
    if (this.sendsDuringEmit === before) this.send(ACK_MESSAGE);
  }

  private emitMalformed(raw: string, error: Error): void {
    this.log.warn({ err: error, raw: raw.slice(0, 512) }, 'evapi malformed message');
    this.safeEmit('malformed', raw, error);
  }

  /** Listeners run inside socket callbacks, where a throw would crash the process. */
  private safeEmit<K extends keyof EvapiClientEvents>(event: K, ...args: EvapiClientEvents[K]): void {
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.log.error({ err, event }, 'evapi listener threw');
    }
  }

  private markDisconnected(): void {
    if (!this.isConnected) return;
    this.isConnected = false;
    this.log.warn({ host: this.opts.host, port: this.opts.port }, 'evapi disconnected');
    this.safeEmit('disconnected');
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.markDisconnected();
    if (!this.running) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.opts.reconnectMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.running) this.connect();
    }, delay);
  }
}
