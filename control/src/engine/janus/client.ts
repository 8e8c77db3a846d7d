/**
 * The control plane's one link to Janus (docs/mixer.md): a janode WebSocket connection, one session and one
 * AudioBridge handle for the room-level requests; each plain-RTP participant joins on a handle of its own
 * (an AudioBridge handle is one participant). Keepalive every 15 s (Janus ends a silent session after 60 s).
 *
 *   connecting --connected--> up --socket closed / session lost--> down --retry timer--> connecting
 *   any --stop()--> stopped
 *
 * A dropped socket with Janus still running: the session waits reclaim_session_timeout (media/janus/janus.jcfg.tpl)
 * and the next connection claims it back (reclaim.ts), participants intact; its ids are kept in `sessionStore`
 * (Redis), so a restarted control plane claims it too and the rooms' legs never notice. Janus restarted (claim refused, or
 * the session destroyed): a new session, and `session_lost` tells the conference module that every participant
 * of the old one is gone. `up`/`down` drive the mixer alarm (alarms/mixer.ts).
 */
import { EventEmitter } from 'node:events';
import Janode, { type Connection, type Session } from 'janode';
import AudioBridgePlugin from 'janode/plugins/audiobridge';
import { CtiError } from '../../errors/catalogue.ts';
import type { Logger } from '../../app/logger.ts';
import { reclaimSession } from './reclaim.ts';
import type { AudioBridgeHandle } from './types.ts';

/** Where the session's ids live between processes (Redis): a restarted control plane claims the same session. */
export interface JanusSessionStore {
  load(): Promise<{ session: number; handle: number } | undefined>;
  save(ids: { session: number; handle: number }): Promise<void>;
}

export interface JanusClientOptions {
  url: string;
  sessionStore?: JanusSessionStore;
  apiSecret: string;
  log: Logger;
  /** Delay before each reconnection attempt (default 500 ms). */
  retryMs?: number;
  keepaliveS?: number;
}

export type JanusLinkState = 'connecting' | 'up' | 'down' | 'stopped';

export interface JanusClientEvents {
  up: [];
  down: [reason: string];
  /** The session and every participant in it are gone (Janus restarted); `sessionId` the old one. */
  session_lost: [sessionId: number];
}

Janode.Logger.setLevel('none');

export class JanusClient extends EventEmitter<JanusClientEvents> {
  private stateValue: JanusLinkState = 'down';
  private connection?: Connection;
  private session?: Session;
  private bridgeHandle?: AudioBridgeHandle;
  /** The session to claim back after a dropped socket. */
  private last?: { session: number; handle: number };
  private retryTimer?: NodeJS.Timeout;
  private lastDownReason = 'not started';

  constructor(private readonly opts: JanusClientOptions) {
    super();
  }

  get state(): JanusLinkState {
    return this.stateValue;
  }

  get up(): boolean {
    return this.stateValue === 'up';
  }

  start(): void {
    if (this.stateValue === 'down') void this.connect();
  }

  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    clearTimeout(this.retryTimer);
    const conn = this.connection;
    this.connection = undefined;
    // the session is left to Janus's timeouts: its participants (live SIP legs) outlive a control-plane restart
    await conn?.close().catch(() => undefined);
  }

  /** The room-level AudioBridge handle; CTI_MIXER_UNAVAILABLE while the link is not up. */
  bridge(): AudioBridgeHandle {
    if (this.stateValue !== 'up' || !this.bridgeHandle) throw this.unavailable();
    return this.bridgeHandle;
  }

  /** A new AudioBridge handle for one participant. */
  async attachParticipant(): Promise<AudioBridgeHandle> {
    if (this.stateValue !== 'up' || !this.session) throw this.unavailable();
    try {
      return await this.session.attach<AudioBridgeHandle>(AudioBridgePlugin);
    } catch (err) {
      throw this.unavailable(String(err));
    }
  }

  unavailable(reason = this.lastDownReason): CtiError {
    return new CtiError('CTI_MIXER_UNAVAILABLE', { state: this.stateValue, reason });
  }

  private async connect(): Promise<void> {
    this.stateValue = 'connecting';
    const ka = this.opts.keepaliveS ?? 15;
    let conn: Connection | undefined;
    try {
      conn = await Janode.connect({ address: { url: this.opts.url, apisecret: this.opts.apiSecret }, retry_time_secs: 1, max_retries: 1 });
      if ((this.stateValue as JanusLinkState) === 'stopped') {
        await conn.close().catch(() => undefined);
        return;
      }
      conn.once(Janode.EVENT.CONNECTION_CLOSED, () => this.lost(conn!, 'websocket closed'));
      conn.once(Janode.EVENT.CONNECTION_ERROR, (e: unknown) => this.lost(conn!, `websocket error: ${String(e)}`));
      this.connection = conn;
      let session: Session;
      let bridge: AudioBridgeHandle;
      const prev = this.last ?? (await this.opts.sessionStore?.load().catch(() => undefined));
      let claimed = false;
      if (prev) {
        try {
          ({ session, bridge } = await reclaimSession(conn, prev.session, prev.handle, ka));
          claimed = true;
        } catch (err) {
          this.opts.log.warn({ err: String(err), session: prev.session }, 'janus session could not be claimed back: its participants are gone');
        }
      }
      if (!claimed) {
        session = await conn.create(ka);
        bridge = await session.attach<AudioBridgeHandle>(AudioBridgePlugin);
      }
      this.session = session!;
      this.bridgeHandle = bridge!;
      this.last = { session: session!.id, handle: bridge!.id };
      await this.opts.sessionStore?.save(this.last).catch((err: unknown) => this.opts.log.warn({ err: String(err) }, 'janus session ids not saved'));
      session!.once(Janode.EVENT.SESSION_DESTROYED, () => this.lost(conn!, 'session destroyed'));
      this.stateValue = 'up';
      this.opts.log.info({ session: session!.id, claimed }, 'janus connected');
      if (prev && !claimed) this.emit('session_lost', prev.session);
      this.emit('up');
    } catch (err) {
      if (conn) await conn.close().catch(() => undefined);
      this.markDown(`connect failed: ${String((err as Error).message ?? err)}`);
    }
  }

  private lost(conn: Connection, reason: string): void {
    if (conn !== this.connection) return;
    this.connection = undefined;
    void conn.close().catch(() => undefined);
    this.markDown(reason);
  }

  private markDown(reason: string): void {
    if (this.stateValue === 'stopped') return;
    const wasUp = this.stateValue === 'up';
    this.stateValue = 'down';
    this.session = undefined;
    this.bridgeHandle = undefined;
    this.lastDownReason = reason;
    if (wasUp) {
      this.opts.log.warn({ reason }, 'janus link down');
    }
    this.emit('down', reason);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.opts.retryMs ?? 500);
    this.retryTimer.unref();
  }
}
