/**
 * Is the SIP server behind the seat's WebSocket still there? An OPTIONS to the domain itself (no user part:
 * Kamailio answers it statelessly with 200, engine/kamailio) every `intervalMs` while the WebSocket is open.
 *
 * Why not the transport's CRLF keep-alive (RFC 5626 4.4.1): SIP.js 0.21 never notices a missing pong, and a page
 * cannot send WebSocket pings. A node of a pair that dies with its link (docs/ha.md) leaves the seat's socket open
 * and silent: no FIN, and no RST until the surviving node holds the floating address. A request on the socket then
 * gets that node's RST (the socket closes, SIP.js reports the disconnect), or no answer at all while nobody holds
 * the address: after `timeoutMs` without a response the server counts as dead (`onDead`).
 */
export class SipPing {
  /**
   * @param {{ ua: import('sip.js').UserAgent, target: import('sip.js').URI, intervalMs?: number, timeoutMs?: number,
   *           onAlive(atMs: number): void, onDead(silentMs: number): void }} opts   target: sip:<domain>
   */
  constructor(opts) {
    this.opts = { intervalMs: 1000, timeoutMs: 2000, ...opts };
    this.interval = null;
    this.deadline = null;
    /** The OPTIONS in flight (one at a time), or null. */
    this.pending = null;
  }

  start() {
    this.stop();
    this.interval = setInterval(() => this.ping(), this.opts.intervalMs);
  }

  stop() {
    clearInterval(this.interval);
    clearTimeout(this.deadline);
    this.interval = null;
    this.deadline = null;
    this.pending = null;
  }

  ping() {
    if (this.pending) return;
    const { ua, target: uri, timeoutMs } = this.opts;
    const core = ua.userAgentCore;
    const token = { sentAtMs: Date.now() };
    this.pending = token;
    this.deadline = setTimeout(() => {
      if (this.pending !== token) return;
      this.stop();
      this.opts.onDead(Date.now() - token.sentAtMs);
    }, timeoutMs);
    // any response from the server proves it alive; SIP.js's own 503 for a transport error (no Call-ID) does not
    const answered = (response) => {
      if (this.pending !== token || !response.message.callId) return;
      clearTimeout(this.deadline);
      this.pending = null;
      this.opts.onAlive(Date.now());
    };
    try {
      core.request(core.makeOutgoingRequestMessage('OPTIONS', uri, ua.configuration.uri, uri, {}), {
        onAccept: answered, onReject: answered, onRedirect: answered,
      });
    } catch (error) {
      console.warn('SIP OPTIONS ping not sent', error);
    }
  }
}
