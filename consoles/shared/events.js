/**
 * The event WebSocket (GET /v1/events/ws, docs/events.md) with reconnect: it remembers the last
 * stream id it saw and reconnects with ?since=<that id>, so the server replays what was missed
 * without gap or duplicate. Status: 'connecting' | 'open' | 'closed' (will retry) | 'stopped'.
 */
export class EventFeed {
  /**
   * @param {{ token(): string | null, since: string, types?: string,
   *           onEvent(e: {stream_id: string, event: any}): void, onStatus?(s: string, detail?: unknown): void }} opts
   */
  constructor(opts) {
    this.opts = opts;
    this.lastId = opts.since;
    this.socket = null;
    this.stopped = false;
    this.retryMs = 500;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000, 'console closed');
    this.socket = null;
    this.opts.onStatus?.('stopped');
  }

  /** Closes the socket now and opens another (replaying from the last id): for a socket that may be dead but open. */
  reconnect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const old = this.socket;
    this.socket = null;
    old?.close(1000, 'reconnect');
    this.retryMs = 500;
    this.connect();
  }

  connect() {
    const token = this.opts.token();
    if (!token || this.stopped) return;
    const q = new URLSearchParams({ token, since: this.lastId });
    if (this.opts.types) q.set('types', this.opts.types);
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/v1/events/ws?${q}`);
    this.socket = ws;
    this.opts.onStatus?.('connecting');
    ws.onopen = () => {
      this.retryMs = 500;
      this.opts.onStatus?.('open');
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) {
        console.error('event WebSocket: a frame that is not JSON was ignored', e);
        return;
      }
      this.lastId = msg.stream_id;
      this.opts.onEvent(msg);
    };
    ws.onclose = (e) => {
      if (this.socket !== ws) return;
      this.socket = null;
      if (this.stopped) return;
      this.opts.onStatus?.('closed', { code: e.code, reason: e.reason });
      this.timer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }
}
