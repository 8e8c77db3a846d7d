/**
 * A whole call centre for integration tests and benchmarks: `startStack` with the control plane
 * (PostgreSQL, Redis, rtpengine, Kamailio, control/src/main.ts as a child process), an admin session,
 * seats created through the API, trunks, seats registered and answering with SIPp, polling helpers over
 * PostgreSQL and a reader of the Redis event stream. Nothing is mocked.
 *
 *   const cc = await startCallCentre('calls-golden');
 *   const [seat] = await cc.createSeats(1);
 *   const phone = await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');   // REGISTER, then UAS on that port
 *   await cc.loginReady(seat);
 *   const trunk = await cc.createTrunkPort();                                     // a caller port Kamailio trusts
 *   const caller = await runSipp({ scenario: 'uac-120-expect-answer-audio.xml', remote: cc.sipRemote, localPort: trunk.port });
 *   const call = await cc.waitForCall((c) => c.state === 'ended', 10_000);
 *   await cc.close();                                                             // stops every SIPp and the stack
 *
 * Stable interface (benchmarks import it): add, do not change. Every wait has a timeout and says
 * what it waited for when it gives up. `close()` keeps the logs (.run/<name>/logs) for inspection;
 * `npm test` cleans stopped stacks' folders at its next start.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import postgres, { type Sql } from 'postgres';
import WebSocket from 'ws';
import { startStack, type Stack, type StackOptions } from '../../../scripts/stack/stack.ts';
import { runSipp, startSipp, type SippHandle, type SippOptions, type SippResult } from '../../support/sipp.ts';
import { leasePorts, type PortLease } from '../../../scripts/stack/port-pool.ts';
import { KamailioRpc } from '../../../control/src/engine/kamailio/jsonrpc.ts';

export const ADMIN_PASSWORD = 'callcentre-admin-password';
export const QUEUE_ID = 'city-main';
export const EVENT_STREAM = 'cti:events';

export interface CallCentreOptions {
  /** Kamailio placeholders, e.g. { FAILOPEN_AFTER_MS: '1000' }. */
  kamailioVars?: StackOptions['kamailioVars'];
  /** Extra environment for the control plane. */
  env?: Record<string, string>;
  /** Queue settings applied before the first call (PATCH /v1/queues/:id, in force at once). */
  queue?: QueueSettings;
}

export interface QueueSettings { ring_timeout_s?: number; wrapup_s?: number }

export interface Seat {
  id: string;
  sipUser: string;
  password: string;
  displayName: string;
}

export interface SeatPhone {
  seat: Seat;
  /** The local SIP port: the Contact Kamailio has for the seat. */
  port: number;
  /** The UAS SIPp running on that port. */
  uas: SippHandle;
  /** The REGISTER run's result. */
  registration: SippResult;
}

export interface Trunk { id: string; port: number }

export interface ApiResponse<T = unknown> { status: number; body: T }

/** A row of `calls` with the columns tests use (timestamps as Date, generated *_ms as numbers or null). */
export interface CallRow {
  id: string;
  sip_call_id: string;
  state: string;
  caller_number: string | null;
  caller_name: string | null;
  called_number: string | null;
  trunk_id: string | null;
  queue_id: string | null;
  arrived_at: Date;
  queued_at: Date | null;
  first_offered_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  ended_by: string | null;
  end_reason: string | null;
  answered_seat_id: string | null;
  failed_open: boolean;
  queue_ms: number | null;
  answer_ms: number | null;
  talk_ms: number | null;
}

export interface OfferRow {
  attempt: number;
  seat_id: string;
  offered_at: Date;
  ringing_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  outcome: string | null;
  sip_status: number | null;
  ring_ms: number | null;
}

export interface StreamEvent {
  streamId: string;
  id: string;
  type: string;
  at: string;
  centre_id: string;
  data: Record<string, unknown>;
}

/** Polls `probe` every `intervalMs` until it returns something other than undefined/false/null. */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number, what: string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message ?? String(lastError)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const CALL_COLUMNS = `id::text AS id, sip_call_id, state, caller_number, caller_name, called_number, trunk_id, queue_id,
  arrived_at, queued_at, first_offered_at, answered_at, ended_at, ended_by, end_reason, answered_seat_id, failed_open,
  queue_ms, answer_ms, talk_ms`;

export class CallCentre {
  readonly sipRemote: string;
  private token = '';
  private readonly phones: SeatPhone[] = [];
  private readonly background: SippHandle[] = [];
  private readonly sockets: WebSocket[] = [];
  private rpc?: KamailioRpc;
  /** Seat and trunk ports, held from the registry until close(). */
  private readonly leases: PortLease[] = [];
  private seatSeq = 0;
  private closed = false;

  constructor(readonly stack: Stack, readonly sql: Sql, readonly redis: Redis) {
    this.sipRemote = stack.info.sip.udp;
  }

  get info(): Stack['info'] { return this.stack.info; }
  get apiUrl(): string { return this.stack.info.api.url; }
  get adminToken(): string { return this.token; }

  /** Logs in as the bootstrap admin (again after a control-plane restart, tokens survive in PostgreSQL). */
  async login(): Promise<string> {
    const res = await this.api<{ token: string }>('POST', '/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, false);
    if (res.status !== 200) throw new Error(`admin login: ${res.status} ${JSON.stringify(res.body)}`);
    this.token = res.body.token;
    return this.token;
  }

  /** One HTTP call to the control plane's API as admin; never throws on a status, only on no answer. */
  async api<T = any>(method: string, path: string, body?: unknown, auth = true): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
    return { status: res.status, body: parsed as T };
  }

  /** Like api(), but throws unless the status is one of `ok`. */
  async apiOk<T = any>(method: string, path: string, body?: unknown, ok: number[] = [200, 201]): Promise<T> {
    const res = await this.api<T>(method, path, body);
    if (!ok.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  // ---- queue --------------------------------------------------------------------------------------

  /** Changes the queue's settings through the API (PATCH /v1/queues/:id), which applies them to the call flow at once. */
  async setQueue(s: QueueSettings, queueId = QUEUE_ID): Promise<void> {
    const q = await this.apiOk<{ ring_timeout_s: number; wrapup_s: number }>('PATCH', `/v1/queues/${queueId}`, s, [200]);
    for (const [k, v] of Object.entries(s)) {
      if (v !== undefined && q[k as keyof QueueSettings] !== v) throw new Error(`PATCH /v1/queues/${queueId} did not set ${k} to ${v}: ${JSON.stringify(q)}`);
    }
  }

  // ---- seats --------------------------------------------------------------------------------------

  /** Creates a seat through the API and waits until the control plane holds its live state. */
  async createSeat(id?: string, displayName?: string): Promise<Seat> {
    const n = ++this.seatSeq;
    const seatId = id ?? `seat-${String(n).padStart(2, '0')}`;
    const seat: Seat = {
      id: seatId,
      sipUser: seatId.replace(/[^A-Za-z0-9]/g, ''),
      password: `pw-${randomBytes(6).toString('hex')}`,
      displayName: displayName ?? `测试席位 ${n}`,
    };
    await this.apiOk('POST', '/v1/seats', { id: seat.id, display_name: seat.displayName, sip_username: seat.sipUser, sip_password: seat.password });
    await waitFor(async () => (await this.api('GET', `/v1/seats/${seat.id}/state`)).status === 200, 15_000, `live state of seat ${seat.id}`, 200);
    return seat;
  }

  async createSeats(n: number): Promise<Seat[]> {
    const seats: Seat[] = [];
    for (let i = 0; i < n; i++) seats.push(await this.createSeat());
    return seats;
  }

  /** A UDP port from the registry, held until close() (a seat's Contact, a trunk's source port). */
  async leasePort(): Promise<number> {
    const lease = await leasePorts(1, 'udp');
    this.leases.push(lease);
    return lease.port;
  }

  /** REGISTERs the seat from `port` (one held until close() by default) with SIPp; throws if Kamailio did not answer 200. */
  async registerSeat(seat: Seat, port?: number, expires = 3600): Promise<{ port: number; result: SippResult }> {
    const localPort = port ?? (await this.leasePort());
    const result = await runSipp({
      scenario: 'uac-register-expect-200.xml', remote: this.sipRemote, localPort, service: seat.sipUser,
      auth: { username: seat.sipUser, password: seat.password }, vars: { expires: String(expires) }, timeoutS: 15,
    });
    if (!result.ok) throw new Error(`REGISTER of ${seat.sipUser} failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
    return { port: localPort, result };
  }

  /**
   * A seat's phone: REGISTER from a port, then a UAS scenario (uas-seat-*.xml) on the same port, kept
   * running until close() (or phone.uas.stop()). Waits until the control plane sees the seat registered.
   */
  async startSeatPhone(seat: Seat, scenario: string, opts: { vars?: Record<string, string>; timeoutS?: number; waitRegistered?: boolean } = {}): Promise<SeatPhone> {
    const { port, result } = await this.registerSeat(seat);
    const uas = await startSipp({ scenario, localPort: port, service: seat.sipUser, vars: opts.vars, timeoutS: opts.timeoutS ?? 300 });
    await uas.listening();
    const phone: SeatPhone = { seat, port, uas, registration: result };
    this.phones.push(phone);
    if (opts.waitRegistered !== false) {
      await waitFor(async () => (await this.seatState(seat)).registered === true, 15_000, `seat ${seat.id} registered in the control plane`, 200);
    }
    return phone;
  }

  async seatState(seat: Seat | string): Promise<{ state: string; reason: string | null; registered: boolean; call: string | null }> {
    return this.apiOk('GET', `/v1/seats/${typeof seat === 'string' ? seat : seat.id}/state`, undefined, [200]);
  }

  async seatLogin(seat: Seat): Promise<void> { await this.apiOk('POST', `/v1/seats/${seat.id}/login`, {}, [200]); }
  async seatReady(seat: Seat): Promise<void> { await this.apiOk('POST', `/v1/seats/${seat.id}/ready`, {}, [200]); }
  async seatNotReady(seat: Seat, reason = 'break'): Promise<void> { await this.apiOk('POST', `/v1/seats/${seat.id}/not-ready`, { reason }, [200]); }
  async seatLogout(seat: Seat): Promise<void> { await this.apiOk('POST', `/v1/seats/${seat.id}/logout`, {}, [200]); }

  /** Login then ready. */
  async loginReady(seat: Seat): Promise<void> {
    await this.seatLogin(seat);
    await this.seatReady(seat);
  }

  /** Waits until the seat is in `state` (and, if given, with `reason`). */
  async waitForSeatState(seat: Seat, state: string, timeoutMs = 10_000, reason?: string) {
    return waitFor(async () => {
      const s = await this.seatState(seat);
      return s.state === state && (reason === undefined || s.reason === reason) ? s : undefined;
    }, timeoutMs, `seat ${seat.id} in state ${state}${reason ? ` (${reason})` : ''}`, 100);
  }

  // ---- Kamailio -----------------------------------------------------------------------------------

  /** The stack's Kamailio over JSON-RPC (dlg.list, pv.shvGet, ...). */
  get kamailio(): KamailioRpc {
    return (this.rpc ??= new KamailioRpc({ url: this.info.kamailio.rpcUrl }));
  }

  /** A shared variable of kamailio.cfg ($shv), e.g. cp_up or cp_down_at. */
  async shv(name: string): Promise<number> {
    const r = await this.kamailio.call<unknown>('pv.shvGet', [name]);
    const item = (Array.isArray(r) ? r : [r]).find((x) => (x as { name?: string })?.name === name) as { value?: unknown } | undefined;
    const v = Number(item?.value);
    if (!Number.isFinite(v)) throw new Error(`pv.shvGet ${name} answered ${JSON.stringify(r)}`);
    return v;
  }

  /**
   * Waits until Kamailio has had no control plane for `failOpenAfterMs` (its FAILOPEN_AFTER_MS, checked with
   * the config's own rule, in whole seconds of the same clock): a call arriving now fails open at once.
   */
  async waitForFailOpenArmed(failOpenAfterMs: number, timeoutMs = failOpenAfterMs + 10_000): Promise<void> {
    await waitFor(async () => {
      if ((await this.shv('cp_up')) > 0) return false;
      const downAt = await this.shv('cp_down_at');
      return downAt > 0 && (Math.floor(Date.now() / 1000) - downAt) * 1000 >= failOpenAfterMs;
    }, timeoutMs, `Kamailio without a control plane for ${failOpenAfterMs} ms (cp_up 0, cp_down_at old enough)`, 100);
  }

  /** Waits until Kamailio has a confirmed dialog (state 4 in dlg.list) for the SIP Call-ID. */
  async waitForConfirmedDialog(sipCallId: string, timeoutMs: number): Promise<void> {
    await waitFor(async () => (await this.kamailio.dlgList()).some((d) => d['call-id'] === sipCallId && Number(d.state) === 4),
      timeoutMs, `a confirmed dialog in Kamailio for Call-ID ${sipCallId}`, 100);
  }

  // ---- trunks -------------------------------------------------------------------------------------

  /** Makes 127.0.0.1:<port> a trunk (a UDP port held until close() by default): Kamailio takes its INVITEs to 120 without auth. */
  async createTrunkPort(port?: number, id?: string): Promise<Trunk> {
    const p = port ?? (await this.leasePort());
    const trunkId = id ?? `trunk-${p}`;
    await this.apiOk('POST', '/v1/trunks', { id: trunkId, name: `测试中继 ${p}`, ip_addr: '127.0.0.1', port: p });
    return { id: trunkId, port: p };
  }

  /** Runs a caller SIPp from the trunk's port to 120 (background); `runCaller` waits for it. */
  startCaller(trunk: Trunk, opts: Omit<SippOptions, 'remote' | 'localPort'>): Promise<SippHandle> {
    return startSipp({ timeoutS: 60, ...opts, remote: this.sipRemote, localPort: trunk.port }).then((h) => {
      this.background.push(h);
      return h;
    });
  }

  async runCaller(trunk: Trunk, opts: Omit<SippOptions, 'remote' | 'localPort'>): Promise<SippResult> {
    return (await this.startCaller(trunk, opts)).done;
  }

  // ---- calls in PostgreSQL --------------------------------------------------------------------------

  async calls(): Promise<CallRow[]> {
    return this.sql.unsafe(`SELECT ${CALL_COLUMNS} FROM calls ORDER BY arrived_at, id`) as unknown as Promise<CallRow[]>;
  }

  async call(id: string): Promise<CallRow | undefined> {
    const [row] = await this.sql.unsafe(`SELECT ${CALL_COLUMNS} FROM calls WHERE id = $1`, [id]) as unknown as CallRow[];
    return row;
  }

  /** Waits for a call row matching `pred` (over all calls, oldest first). */
  async waitForCall(pred: (c: CallRow) => boolean, timeoutMs: number, what = 'a call matching the predicate'): Promise<CallRow> {
    return waitFor(async () => (await this.calls()).find(pred), timeoutMs, what, 100);
  }

  /** Waits until `n` call rows match `pred`. */
  async waitForCalls(n: number, pred: (c: CallRow) => boolean, timeoutMs: number, what = `${n} calls matching the predicate`): Promise<CallRow[]> {
    return waitFor(async () => {
      const rows = (await this.calls()).filter(pred);
      return rows.length >= n ? rows : undefined;
    }, timeoutMs, what, 150);
  }

  async offers(callId: string): Promise<OfferRow[]> {
    return this.sql<OfferRow[]>`SELECT attempt, seat_id, offered_at, ringing_at, answered_at, ended_at, outcome, sip_status, ring_ms
      FROM call_offers WHERE call_id = ${callId} ORDER BY attempt`;
  }

  /** The call's own event log (call_events), in order. */
  async callEventTypes(callId: string): Promise<string[]> {
    const rows = await this.sql<{ type: string }[]>`SELECT type FROM call_events WHERE call_id = ${callId} ORDER BY id`;
    return rows.map((r) => r.type);
  }

  // ---- the event stream -------------------------------------------------------------------------------

  /** Every event on the Redis stream cti:events (XRANGE), oldest first; `filter` narrows them. */
  async streamEvents(filter: (e: StreamEvent) => boolean = () => true): Promise<StreamEvent[]> {
    const out: StreamEvent[] = [];
    let start = '-';
    for (;;) {
      const rows = await this.redis.xrange(EVENT_STREAM, start, '+', 'COUNT', 1000);
      for (const [id, fields] of rows) {
        const i = fields.indexOf('e');
        const ev = JSON.parse(fields[i + 1]!) as Omit<StreamEvent, 'streamId'>;
        const e: StreamEvent = { streamId: id, ...ev };
        if (filter(e)) out.push(e);
      }
      if (rows.length < 1000) return out;
      start = `(${rows[rows.length - 1]![0]}`;
    }
  }

  /** The events whose data.call_id is `callId`, in stream order. */
  async callStreamEvents(callId: string): Promise<StreamEvent[]> {
    return this.streamEvents((e) => e.data?.call_id === callId);
  }

  /**
   * Opens the event WebSocket (GET /v1/events/ws?token=&since=) and collects every event it sends.
   * `since` '0' replays the whole stream. Closed by close().
   */
  async openEventSocket(since = '0', types?: string): Promise<{ events: StreamEvent[]; socket: WebSocket }> {
    const q = new URLSearchParams({ token: this.token, since });
    if (types) q.set('types', types);
    const socket = new WebSocket(`${this.info.api.eventsWs}?${q}`);
    this.sockets.push(socket);
    const events: StreamEvent[] = [];
    socket.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { stream_id: string; event: Omit<StreamEvent, 'streamId'> };
      events.push({ streamId: m.stream_id, ...m.event });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`event WebSocket refused: ${res.statusCode}`), { status: res.statusCode }));
      });
    });
    return { events, socket };
  }

  /** openEventSocket, or undefined when the control plane does not serve /v1/events/ws (404). */
  async tryOpenEventSocket(since = '0', types?: string): Promise<{ events: StreamEvent[]; socket: WebSocket } | undefined> {
    try {
      return await this.openEventSocket(since, types);
    } catch (e) {
      if ((e as { status?: number }).status === 404) return undefined;
      throw e;
    }
  }

  // ---- teardown ---------------------------------------------------------------------------------------

  /** Stops every SIPp this harness started, closes clients, stops the stack (data removed, logs kept). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) s.terminate();
    await Promise.allSettled([...this.phones.map((p) => p.uas.stop()), ...this.background.map((h) => h.stop())]);
    await this.sql.end({ timeout: 2 }).catch(() => undefined);
    this.redis.disconnect();
    await this.stack.stop({ removeData: true });
    for (const l of this.leases.splice(0)) l.release();
  }
}

/**
 * Starts a stack named `<name>-<pid>` with the control plane, logs in as admin and applies `opts.queue`.
 * On a failed start everything started is stopped again.
 */
export async function startCallCentre(name: string, opts: CallCentreOptions = {}): Promise<CallCentre> {
  const stack = await startStack({
    name: `${name}-${process.pid}`,
    control: true,
    env: { CTI_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD, ...opts.env },
    kamailioVars: opts.kamailioVars,
  });
  const sql = postgres(stack.info.postgres.url, { max: 4, onnotice: () => {} });
  const redis = new Redis(stack.info.redis.url, { maxRetriesPerRequest: 3 });
  const cc = new CallCentre(stack, sql, redis);
  try {
    await cc.login();
    if (opts.queue) await cc.setQueue(opts.queue);
  } catch (e) {
    await cc.close();
    throw e;
  }
  return cc;
}
