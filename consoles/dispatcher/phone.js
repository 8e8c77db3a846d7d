/**
 * The seat's WebRTC phone: a SIP.js 0.21 UserAgent over SIP/WebSocket (RFC 7118) registered with the
 * seat's SIP account, one call at a time (the ACD offers a seat one call). No words here: it reports
 * to `listener(type, detail)` and the page (main.js) shows Chinese text from i18n/zh-CN.js.
 *
 * Reported types:
 *   transport     {state: 'connecting'|'connected'|'disconnected'|'reconnecting'|'silent', attempt?, error?, silentMs?,
 *                  lastAliveMs?}   silent: the server stopped answering OPTIONS (sip-ping.js); lastAliveMs: when it last did
 *   registration  {state: 'registered'|'unregistered'|'failed', status?, reason?}
 *   incoming      {sipCallId, number, name}        an INVITE from the ACD; not answered yet
 *   call          {state: 'answering'|'talking'|'ended'|'cancelled', sipCallId}
 *   media-error   {name, message}                  getUserMedia refused/absent (DOMException name)
 *   recovery      {state: 'started'|'done'|'failed', error?}   re-INVITE with ICE restart after a reconnect
 *   hold / mute   {on}
 *   remote-stream {stream}                          the caller's audio (MediaStream) once talking; null when the call ends
 *
 * Facts from engine-notes (tried with this Kamailio + rtpengine + Chromium):
 * - 0.21 does not reconnect by itself: ua.reconnect() from onDisconnect, register() again in onConnect.
 * - A fixed instanceId with instanceIdAlwaysAdded (RFC 5626 +sip.instance) replaces the seat's binding on
 *   every page load instead of adding a dead one that incoming calls would fork to.
 * - After the WebSocket drops mid-call, requests from the far side fail until the browser sends a
 *   re-INVITE over the new connection; with ICE restart (offerOptions.iceRestart, RFC 8445 9) media recovers.
 */
import { Registerer, RegistererState, SessionState, UserAgent } from '/vendor/sip.js/index.js';
import { SipPing } from './sip-ping.js';

// the first attempt at once: after a pair's failover the floating address is already on the surviving node when
// the old socket closes (its RST closed it), and every 100 ms here is 100 ms of 120 calls this seat cannot take
const RECONNECT_MS = [0, 500, 1000, 2000, 4000, 8000];
const REGISTER_EXPIRES_S = 120;

export class Phone {
  /**
   * @param {{ wsUrl: string, domain: string, user: string, password: string, displayName?: string,
   *           instanceId: string, iceServers?: RTCIceServer[], remoteAudio: HTMLAudioElement,
 *           microphone?: () => string }} opts   microphone: the chosen input's deviceId ('' = the system default)
   * @param {(type: string, detail: any) => void} listener
   */
  constructor(opts, listener) {
    this.opts = opts;
    this.emit = listener;
    this.ua = null;
    this.registerer = null;
    /** @type {import('sip.js').Invitation | null} */
    this.session = null;
    this.held = false;
    this.muted = false;
    this.stopping = false;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.needsRecovery = false;
    this.onOnline = () => this.reconnectNow();
    /** @type {SipPing | null} the server's liveness while connected (a pair's node can die without closing the socket) */
    this.ping = null;
    /** When the server last answered (a registration or an OPTIONS): how long a failover took is counted from here. */
    this.lastAliveMs = 0;
  }

  async start() {
    const { wsUrl, domain, user, password, displayName, instanceId, iceServers } = this.opts;
    const uri = UserAgent.makeURI(`sip:${user}@${domain}`);
    if (!uri) throw new Error(`bad SIP URI sip:${user}@${domain}`);
    this.ua = new UserAgent({
      uri,
      displayName,
      authorizationUsername: user,
      authorizationPassword: password,
      transportOptions: { server: wsUrl, connectionTimeout: 5 },
      instanceId,
      instanceIdAlwaysAdded: true,
      logLevel: 'warn',
      userAgentString: 'cti120-dispatcher (SIP.js 0.21)',
      sessionDescriptionHandlerFactoryOptions: {
        peerConnectionConfiguration: { iceServers: iceServers ?? [] },
        iceGatheringTimeout: 1000,
      },
      delegate: {
        onConnect: () => this.onConnect(),
        onDisconnect: (error) => this.onDisconnect(error),
        onInvite: (invitation) => this.onInvite(invitation),
      },
    });
    this.registerer = new Registerer(this.ua, { expires: REGISTER_EXPIRES_S });
    this.ping = new SipPing({
      ua: this.ua, target: UserAgent.makeURI(`sip:${domain}`), onAlive: (atMs) => { this.lastAliveMs = atMs; }, onDead: (silentMs) => this.onServerSilent(silentMs),
    });
    this.registerer.stateChange.addListener((state) => {
      if (state === RegistererState.Registered) this.emit('registration', { state: 'registered' });
      else if (state === RegistererState.Unregistered) this.emit('registration', { state: 'unregistered' });
    });
    window.addEventListener('online', this.onOnline);
    this.emit('transport', { state: 'connecting' });
    try {
      await this.ua.start();
    } catch (error) {
      this.emit('transport', { state: 'disconnected', error: String(error?.message ?? error) });
      this.scheduleReconnect();
    }
  }

  async stop() {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.ping?.stop();
    window.removeEventListener('online', this.onOnline);
    if (this.session) await this.hangup().catch((e) => console.warn('hang-up on stop failed', e));
    if (this.registerer?.state === RegistererState.Registered) {
      await this.registerer.unregister().catch((e) => console.warn('unregister failed', e));
    }
    await this.ua?.stop();
  }

  register() {
    return this.registerer.register({
      requestDelegate: {
        onAccept: () => {
          this.lastAliveMs = Date.now();
          this.emit('registration', { state: 'registered' });
        },
        onReject: (response) => {
          const m = response.message;
          this.emit('registration', { state: 'failed', status: m.statusCode, reason: m.reasonPhrase });
        },
      },
    }).catch((error) => this.emit('registration', { state: 'failed', status: 0, reason: String(error?.message ?? error) }));
  }

  onConnect() {
    this.attempt = 0;
    this.ping.start();
    this.emit('transport', { state: 'connected' });
    void this.register();
    if (this.needsRecovery && this.session?.state === SessionState.Established) void this.recoverCall();
    this.needsRecovery = false;
  }

  onDisconnect(error) {
    if (this.stopping) return;
    this.ping.stop();
    this.emit('transport', { state: 'disconnected', error: error ? String(error.message ?? error) : undefined, lastAliveMs: this.lastAliveMs });
    if (this.session?.state === SessionState.Established) this.needsRecovery = true;
    this.scheduleReconnect();
  }

  /**
   * The server stopped answering on an open WebSocket (its node died, docs/ha.md): close the socket; its close
   * (at the latest the RST of the node that took the floating address over) reconnects as after any drop.
   */
  onServerSilent(silentMs) {
    if (this.stopping) return;
    this.emit('transport', { state: 'silent', silentMs, lastAliveMs: this.lastAliveMs });
    if (this.session?.state === SessionState.Established) this.needsRecovery = true;
    this.ua.transport.disconnect().catch((e) => console.warn('closing the silent WebSocket failed', e));
  }

  scheduleReconnect() {
    if (this.stopping) return;
    clearTimeout(this.reconnectTimer);
    const delay = RECONNECT_MS[Math.min(this.attempt, RECONNECT_MS.length - 1)];
    this.reconnectTimer = setTimeout(() => this.reconnectNow(), delay);
  }

  reconnectNow() {
    if (this.stopping || !this.ua || this.ua.isConnected()) return;
    clearTimeout(this.reconnectTimer);
    this.attempt += 1;
    this.emit('transport', { state: 'reconnecting', attempt: this.attempt });
    this.ua.reconnect().catch(() => this.scheduleReconnect());
  }

  /** The re-INVITE with ICE restart that re-anchors the dialog on the new WebSocket and restarts media. */
  async recoverCall() {
    const session = this.session;
    if (!session) return;
    this.emit('recovery', { state: 'started' });
    try {
      await session.invite({
        sessionDescriptionHandlerOptions: { hold: false, offerOptions: { iceRestart: true } },
        requestDelegate: {
          onAccept: () => this.emit('recovery', { state: 'done' }),
          onReject: (r) => this.emit('recovery', { state: 'failed', error: `${r.message.statusCode} ${r.message.reasonPhrase}` }),
        },
      });
    } catch (error) {
      this.emit('recovery', { state: 'failed', error: String(error?.message ?? error) });
    } finally {
      session.sessionDescriptionHandlerOptionsReInvite = { hold: false };
    }
  }

  onInvite(invitation) {
    if (this.session) {
      void invitation.reject({ statusCode: 486 }).catch((e) => console.warn('reject of a second call failed', e));
      return;
    }
    this.session = invitation;
    this.held = false;
    this.muted = false;
    const sipCallId = invitation.request.callId;
    let established = false;
    invitation.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        established = true;
        this.attachRemoteAudio(invitation);
        this.emit('call', { state: 'talking', sipCallId });
      } else if (state === SessionState.Terminated) {
        if (this.session === invitation) this.session = null;
        this.opts.remoteAudio.srcObject = null;
        this.emit('remote-stream', { stream: null });
        this.emit('call', { state: established ? 'ended' : 'cancelled', sipCallId });
      }
    });
    const id = invitation.remoteIdentity;
    this.emit('incoming', { sipCallId, number: id.uri.user ?? '', name: id.displayName ?? '' });
  }

  async answer() {
    const s = this.session;
    if (!s || s.state !== SessionState.Initial) return false;
    this.emit('call', { state: 'answering', sipCallId: s.request.callId });
    try {
      await s.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: this.audioConstraint(), video: false } } });
      return true;
    } catch (error) {
      if (error?.name && /NotAllowed|NotFound|NotReadable|Security|Overconstrained/.test(error.name)) {
        this.emit('media-error', { name: error.name, message: error.message });
        await s.reject({ statusCode: 488 }).catch(() => undefined);
      } else {
        console.error('answer failed', error);
      }
      return false;
    }
  }

  async hangup() {
    const s = this.session;
    if (!s) return;
    if (s.state === SessionState.Initial || s.state === SessionState.Establishing) await s.reject({ statusCode: 486 });
    else if (s.state === SessionState.Established) await s.bye();
  }

  /** Sets `flag` ('muted' or 'held') and the microphone to match: it sends only when neither is on. */
  setMicFlag(flag, on) {
    const pc = this.session?.sessionDescriptionHandler?.peerConnection;
    if (!pc) return false;
    this[flag] = on;
    for (const sender of pc.getSenders()) if (sender.track) sender.track.enabled = !this.muted && !this.held;
    return true;
  }

  setMute(on) {
    if (this.setMicFlag('muted', on)) this.emit('mute', { on });
  }

  /**
   * Hold on this side: the microphone stops (track disabled: silence, no re-INVITE); the caller hears the
   * hold audio the control plane has rtpengine play (POST /v1/calls/:id/hold, main.js), and the dispatcher
   * keeps hearing the caller.
   */
  setHeld(on) {
    if (this.setMicFlag('held', on)) this.emit('hold', { on });
  }

  /** getUserMedia's audio constraint for the chosen microphone (exact: a missing headset is an error, not a silent switch). */
  audioConstraint() {
    const id = this.opts.microphone?.() ?? '';
    return id ? { deviceId: { exact: id } } : true;
  }

  /** Switches the call to another microphone without renegotiation (RTCRtpSender.replaceTrack). */
  async switchMicrophone() {
    const pc = this.session?.sessionDescriptionHandler?.peerConnection;
    const sender = pc?.getSenders().find((x) => x.track?.kind === 'audio');
    if (!sender) return;
    const stream = await navigator.mediaDevices.getUserMedia({ audio: this.audioConstraint(), video: false });
    const track = stream.getAudioTracks()[0];
    track.enabled = !this.held && !this.muted;
    const old = sender.track;
    await sender.replaceTrack(track);
    old?.stop();
  }

  /** DTMF as RFC 4733 telephone-events when negotiated, else SIP INFO application/dtmf-relay. */
  async sendDtmf(digit) {
    const s = this.session;
    if (!s || s.state !== SessionState.Established) return;
    if (s.sessionDescriptionHandler?.sendDtmf(digit)) return;
    await s.info({ requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${digit}\r\nDuration=160` } } });
  }

  /** Blind transfer (RFC 3515): REFER in the call's dialog with the Refer-To the control plane gave (transfer.js). */
  async refer(uri) {
    const s = this.session;
    const target = UserAgent.makeURI(uri);
    if (!s || s.state !== SessionState.Established || !target) throw new Error('no connected call to transfer');
    await s.refer(target);
  }

  /**
   * A three-way or a consultation (transfer.js, consult.js; docs/mixer.md): a re-INVITE in the call's dialog carrying
   * the control plane's one-time anchor token; Kamailio answers it with the room's media, the caller's side never sees it.
   */
  async anchor(header, token) {
    const s = this.session;
    if (!s || s.state !== SessionState.Established) throw new Error('no connected call to move into the room');
    await s.invite({ requestOptions: { extraHeaders: [`${header}: ${token}`] } });
  }

  attachRemoteAudio(session) {
    const pc = session.sessionDescriptionHandler?.peerConnection;
    if (!pc) return;
    const stream = new MediaStream();
    for (const r of pc.getReceivers()) if (r.track) stream.addTrack(r.track);
    const audio = this.opts.remoteAudio;
    audio.srcObject = stream;
    audio.play().catch((e) => console.warn('remote audio did not start', e));
    this.emit('remote-stream', { stream });
  }
}
