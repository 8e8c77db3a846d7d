/**
 * Listen-in (监听): a supervisor hears a live call without either party noticing. The control plane asks
 * rtpengine for a subscription to both parties (POST /v1/calls/:id/listen): an SDP offer with one audio
 * m-line per party (WebRTC: ICE, DTLS-SRTP). This page answers it with an RTCPeerConnection, posts the
 * answer, and mixes the two tracks with Web Audio into one output. Each party's packet count (getStats
 * inbound-rtp) is shown, so "silence" can be told from "no media". Stop: DELETE; the call's end stops it too.
 * States: idle --start--> connecting --answer posted--> listening --stop | call ended--> idle
 */
import { gathered } from '../shared/ice.js';
import { esc } from '../shared/format.js';
import { t, zh } from './i18n/zh-CN.js';
import { $, banner, errorText } from './ui.js';

/** @param {{ api: ReturnType<import('../shared/api.js').createApi>, onEnd?: () => void }} deps  onEnd: the listening ended (stop, call ended, failure) */
export function createListen({ api, onEnd }) {
  /** @type {null | { callId: string, seatId: string, listenId: string|null, parties: string[], pc: RTCPeerConnection, ctx: AudioContext, els: HTMLAudioElement[], gains: Record<string, GainNode>, timer: any, state: string, packets: Record<string, number> }} */
  let session = null;
  /** Parties not played (whisper/barge-in: the seat is heard on the talk-back leg instead, coach.js). */
  const silenced = new Set();

  function render() {
    const el = $('listen');
    el.classList.toggle('hidden', !session);
    if (!session) return;
    el.dataset.state = session.state;
    el.dataset.call = session.callId;
    for (const party of ['caller', 'seat']) el.dataset[`${party}Packets`] = String(session.packets[party] ?? 0);
    $('listen-text').textContent = session.state === 'connecting' ? zh.listen.connecting : t(zh.listen.active, { seat: session.seatId });
    $('listen-parties').innerHTML = ['caller', 'seat'].map((p) => {
      const n = session.packets[p] ?? 0;
      return `<span data-party="${p}">${esc(n > 0 ? t(zh.listen.packets, { party: zh.listen[p], n }) : `${zh.listen[p]}：${zh.listen.noAudio}`)}</span>`;
    }).join(' · ');
  }

  async function updateStats() {
    if (!session) return;
    const mids = session.pc.getTransceivers().map((x) => x.mid);
    const stats = await session.pc.getStats();
    stats.forEach((r) => {
      if (r.type !== 'inbound-rtp' || r.kind !== 'audio') return;
      const i = r.mid !== undefined ? mids.indexOf(r.mid) : -1;
      const party = session.parties[i];
      if (party) session.packets[party] = r.packetsReceived ?? 0;
    });
    render();
  }

  function teardown() {
    if (!session) return;
    clearInterval(session.timer);
    session.pc.close();
    for (const el of session.els) { el.srcObject = null; el.remove(); }
    void session.ctx.close().catch(() => undefined);
    session = null;
    render();
    onEnd?.();
  }

  async function stop(reason = zh.listen.stopped) {
    if (!session) return;
    const { callId, listenId } = session;
    teardown();
    if (listenId) await api.del(`/v1/calls/${encodeURIComponent(callId)}/listen/${encodeURIComponent(listenId)}`).catch((e) => console.warn('unsubscribe failed', e));
    banner('listen', 'ok', reason);
  }

  async function start(callId, seatId) {
    if (session) await stop();
    const ctx = new AudioContext();
    const mix = ctx.createGain();
    mix.connect(ctx.destination);
    const pc = new RTCPeerConnection({ iceServers: [] });
    session = { callId, seatId, listenId: null, parties: [], pc, ctx, els: [], gains: {}, timer: null, state: 'connecting', packets: {} };
    const own = session;
    render();
    pc.ontrack = (e) => {
      const stream = new MediaStream([e.track]);
      // Chrome feeds a remote WebRTC track to Web Audio only while a media element plays it (muted here: Web Audio mixes).
      const el = new Audio();
      el.muted = true;
      el.srcObject = stream;
      const party = own.parties[pc.getTransceivers().indexOf(e.transceiver)] ?? 'unknown';
      el.dataset.party = party; // kept in #listen-audio: which stream is whose
      $('listen-audio').append(el);
      void el.play().catch(() => undefined);
      own.els.push(el);
      const gain = ctx.createGain();
      gain.gain.value = silenced.has(party) ? 0 : 1;
      own.gains[party] = gain;
      ctx.createMediaStreamSource(stream).connect(gain).connect(mix);
    };
    try {
      const offer = await api.post(`/v1/calls/${encodeURIComponent(callId)}/listen`);
      own.listenId = offer.listen_id;
      own.parties = offer.parties;
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      await api.post(`/v1/calls/${encodeURIComponent(callId)}/listen/${encodeURIComponent(offer.listen_id)}/answer`, { sdp: pc.localDescription.sdp });
      if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined);
      own.state = 'listening';
      own.timer = setInterval(() => void updateStats().catch((e) => console.warn('listen stats failed', e)), 1000);
      banner('listen', '', null);
      render();
    } catch (e) {
      const listenId = own.listenId;
      teardown();
      if (listenId) await api.del(`/v1/calls/${encodeURIComponent(callId)}/listen/${encodeURIComponent(listenId)}`).catch(() => undefined);
      banner('listen', 'error', t(zh.listen.failed, { msg: errorText(e) }));
    }
  }

  return {
    init() { $('listen-stop').onclick = () => void stop(); },
    start,
    stop,
    /** Plays a party (caller, seat) in the mix or not. */
    setHeard(party, on) {
      if (on) silenced.delete(party); else silenced.add(party);
      const g = session?.gains[party];
      if (g) g.gain.value = on ? 1 : 0;
    },
    /** The seat of the call being listened to, if any. */
    seatId: () => session?.seatId ?? null,
    /** The call being listened to, if any. */
    callId: () => session?.callId ?? null,
    /** From the event feed: the call ended, so did the listening. */
    onEvent(msg) {
      const e = msg.event;
      if (e.type === 'call.ended.v1' && session && e.data.call_id === session.callId) {
        teardown();
        banner('listen', 'ok', zh.listen.ended);
      }
    },
  };
}
