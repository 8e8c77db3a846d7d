/**
 * rtpengine NG control protocol over UDP (rtpengine docs, "The ng Control Protocol"):
 * each datagram is "<cookie> <bencoded dictionary>"; the reply carries the same cookie. rtpengine
 * caches replies by cookie, so a retransmission after a timeout reuses the cookie and is answered
 * from the cache instead of being executed twice.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { CtiError } from '../../errors/catalogue.ts';
import { bdecode, bencode } from './bencode.ts';
import { silentLog, type EngineLog } from '../log.ts';
import * as cmd from './commands.ts';
import { timed, type RequestObserver } from '../timing.ts';

export interface NgClientOptions {
  host: string;
  port: number;
  timeoutMs?: number;
  retries?: number;
  log?: EngineLog;
  /** Told how long each command took (metrics). */
  observe?: RequestObserver;
}

export type NgParams = Record<string, unknown>;
export type NgReply = Record<string, unknown>;

interface Pending {
  command: string;
  resolve(reply: NgReply): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const SPACE = 0x20;

export class NgClient {
  private readonly host: string;
  private readonly port: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly log: EngineLog;
  private readonly observe: RequestObserver | undefined;
  private socket: dgram.Socket | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly cookiePrefix = randomBytes(4).toString('hex');
  private seq = 0;

  constructor(opts: NgClientOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.retries = opts.retries ?? 2;
    this.log = opts.log ?? silentLog;
    this.observe = opts.observe;
  }

  /** Sends one command; resolves with the reply dictionary when result is "ok" (or "pong"). */
  request(command: string, params: NgParams = {}): Promise<NgReply> {
    return timed(this.observe, command, () => this.send(command, params));
  }

  private send(command: string, params: NgParams): Promise<NgReply> {
    const socket = this.ensureSocket();
    const cookie = `${this.cookiePrefix}_${++this.seq}`;
    const datagram = Buffer.concat([Buffer.from(`${cookie} `, 'ascii'), bencode({ ...params, command })]);
    return new Promise<NgReply>((resolve, reject) => {
      let attempt = 0;
      const transmit = (): void => {
        attempt++;
        socket.send(datagram, this.port, this.host, (err) => {
          if (err) this.log.warn({ err, command, cookie }, 'rtpengine NG send failed');
        });
        entry.timer = setTimeout(onTimeout, this.timeoutMs);
      };
      const onTimeout = (): void => {
        if (attempt <= this.retries) {
          this.log.warn({ command, cookie, attempt }, 'rtpengine NG timeout; retransmitting');
          transmit();
          return;
        }
        this.pending.delete(cookie);
        reject(new CtiError('CTI_ENGINE_UNAVAILABLE', { engine: 'rtpengine', command, attempts: attempt, host: this.host, port: this.port }));
      };
      const entry: Pending = { command, resolve, reject, timer: undefined as unknown as NodeJS.Timeout };
      this.pending.set(cookie, entry);
      transmit();
    });
  }

  ping(): Promise<void> {
    return cmd.ping(this);
  }

  offer(p: cmd.OfferParams): Promise<cmd.SdpReply> {
    return cmd.offer(this, p);
  }

  answer(p: cmd.AnswerParams): Promise<cmd.SdpReply> {
    return cmd.answer(this, p);
  }

  delete(p: cmd.DeleteParams): Promise<NgReply> {
    return cmd.deleteCall(this, p);
  }

  query(callId: string, tags?: { fromTag?: string; toTag?: string }): Promise<cmd.QueryReply> {
    return cmd.query(this, callId, tags);
  }

  list(limit?: number): Promise<string[]> {
    return cmd.list(this, limit);
  }

  playMedia(p: cmd.PlayMediaParams): Promise<{ duration?: number }> {
    return cmd.playMedia(this, p);
  }

  stopMedia(p: { callId: string; fromTag: string }): Promise<void> {
    return cmd.stopMedia(this, p);
  }

  blockMedia(p: { callId: string; fromTag: string }): Promise<void> {
    return cmd.blockMedia(this, p);
  }

  unblockMedia(p: { callId: string; fromTag: string }): Promise<void> {
    return cmd.unblockMedia(this, p);
  }

  subscribeRequest(p: cmd.SubscribeRequestParams): Promise<cmd.SubscribeReply> {
    return cmd.subscribeRequest(this, p);
  }

  subscribeAnswer(p: { callId: string; toTag: string; sdp: string; flags?: string[] }): Promise<void> {
    return cmd.subscribeAnswer(this, p);
  }

  unsubscribe(p: { callId: string; toTag: string }): Promise<void> {
    return cmd.unsubscribe(this, p);
  }

  close(): void {
    for (const [cookie, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new CtiError('CTI_ENGINE_UNAVAILABLE', { engine: 'rtpengine', command: p.command, reason: 'client closed' }));
      this.pending.delete(cookie);
    }
    this.socket?.close();
    this.socket = null;
  }

  private ensureSocket(): dgram.Socket {
    if (this.socket) return this.socket;
    const socket = dgram.createSocket(net.isIPv6(this.host) ? 'udp6' : 'udp4');
    socket.on('message', (msg) => this.onMessage(msg));
    socket.on('error', (err) => this.log.error({ err }, 'rtpengine NG socket error'));
    socket.unref();
    this.socket = socket;
    return socket;
  }

  private onMessage(msg: Buffer): void {
    const space = msg.indexOf(SPACE);
    if (space <= 0) {
      this.log.warn({ raw: msg.toString('latin1', 0, 200) }, 'rtpengine NG reply without cookie');
      return;
    }
    const cookie = msg.toString('latin1', 0, space);
    const p = this.pending.get(cookie);
    if (!p) return;
    this.pending.delete(cookie);
    clearTimeout(p.timer);
    let reply: unknown;
    try {
      reply = bdecode(msg.subarray(space + 1));
    } catch (err) {
      p.reject(err as Error);
      return;
    }
    if (reply === null || typeof reply !== 'object' || Array.isArray(reply) || Buffer.isBuffer(reply)) {
      p.reject(new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'rtpengine', command: p.command, reason: 'reply is not a dictionary' }));
      return;
    }
    const dict = reply as NgReply;
    if (dict.result === 'error') {
      p.reject(new CtiError('CTI_RTPENGINE_ERROR', { command: p.command, reason: dict['error-reason'] }));
      return;
    }
    if (dict.result !== 'ok' && dict.result !== 'pong') {
      p.reject(new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'rtpengine', command: p.command, reason: `unexpected result ${String(dict.result)}` }));
      return;
    }
    if (typeof dict.warning === 'string') this.log.warn({ command: p.command, warning: dict.warning }, 'rtpengine NG warning');
    p.resolve(dict);
  }
}
