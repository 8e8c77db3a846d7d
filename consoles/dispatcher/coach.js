/**
 * The supervisor's voice on the dispatcher's page (docs/mixer.md "Whisper and barge-in"). A supervisor's whisper or
 * barge-in arrives as `call.coached.v1` (offered) for this page's seat: the page fetches the talk-back leg's offer
 * (GET /v1/calls/:id/coach/:coach_id/offer), answers it with a second RTCPeerConnection that sends this microphone back
 * to the supervisor, and plays the supervisor in #coach-audio: the caller's SIP session is untouched (whisper).
 * Barge-in: the page mixes the supervisor into what the call sends (Web Audio: microphone + supervisor into one
 * track, RTCRtpSender.replaceTrack, no renegotiation), so the caller hears both; back to whisper or the end puts
 * the microphone's own track back. States: idle -> connecting -> whisper <-> barge -> idle.
 */
import { gathered } from '../shared/ice.js';
import { t } from './i18n/zh-CN.js';
import { co } from './i18n/coach-zh-CN.js';


/**
 * @param {{ api: ReturnType<import('../shared/api.js').createApi>, phone: () => any, seatId: () => string | null,
 *           audio: HTMLAudioElement, banner: (topic: string, level: string, text: string | null) => void, errorText: (e: any) => string }} deps
 */
export function mountCoach({ api, phone, seatId, audio, banner, errorText }) {
  /** @type {null | { coachId: string, callId: string, who: string, pc: RTCPeerConnection, mic: MediaStream, remote: MediaStream | null, state: string, mix: null | { ctx: AudioContext, micTrack: MediaStreamTrack, mixed: MediaStreamTrack, sender: RTCRtpSender } }} */
  let s = null;

  function show() {
    document.body.dataset.coach = s?.state ?? 'idle';
    if (!s) return;
    if (s.state === 'whisper' || s.state === 'barge') banner('coach', s.state === 'barge' ? 'warn' : 'ok', t(co[s.state], { who: s.who }));
    else banner('coach', 'ok', t(co.connecting, { who: s.who }));
  }

  function callSender() {
    const pc = phone()?.session?.sessionDescriptionHandler?.peerConnection;
    return pc?.getSenders().find((x) => x.track?.kind === 'audio') ?? null;
  }

  /** Barge-in: the call sends microphone + supervisor, mixed here. */
  async function mixIn() {
    if (!s || s.mix || !s.remote) return;
    const sender = callSender();
    if (!sender) return;
    const micTrack = sender.track;
    const ctx = new AudioContext();
    const out = ctx.createMediaStreamDestination();
    ctx.createMediaStreamSource(new MediaStream([micTrack])).connect(out);
    ctx.createMediaStreamSource(s.remote).connect(out);
    const mixed = out.stream.getAudioTracks()[0];
    mixed.enabled = micTrack.enabled; // muted or held stays so
    if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined);
    await sender.replaceTrack(mixed);
    s.mix = { ctx, micTrack, mixed, sender };
  }

  /** Whisper again (or the end): the call sends the microphone's own track. */
  async function mixOut() {
    const m = s?.mix;
    if (!m) return;
    s.mix = null;
    // the microphone was switched meanwhile (phone.switchMicrophone replaced the mixed track): keep the new one
    if (m.sender.track === m.mixed) {
      m.micTrack.enabled = m.mixed.enabled;
      await m.sender.replaceTrack(m.micTrack).catch((e) => console.warn('restoring the microphone failed', e));
    } else m.micTrack.stop();
    void m.ctx.close().catch(() => undefined);
  }

  async function apply(state) {
    if (!s) return;
    s.state = state;
    if (state === 'barge') await mixIn();
    else await mixOut();
    show();
  }

  async function teardown(text) {
    if (!s) return;
    await mixOut();
    s.pc.close();
    for (const tr of s.mic.getTracks()) tr.stop();
    audio.srcObject = null;
    s = null;
    show();
    banner('coach', text ? 'ok' : '', text);
  }

  async function take(e) {
    const d = e.data;
    const base = `/v1/calls/${encodeURIComponent(d.call_id)}/coach/${encodeURIComponent(d.coach_id)}`;
    let offer;
    try {
      offer = await api.get(`${base}/offer`);
    } catch (err) {
      if (err?.code !== 'CTI_COACH_NOT_FOUND') banner('coach', 'error', t(co.failed, { msg: errorText(err) }));
      return; // not found: an offer replayed from the feed's history (a reload), that session is over
    }
    if (offer.state !== 'offered' || s?.coachId === d.coach_id) return; // answered already (before a reload)
    if (s) await teardown(null);
    const own = { coachId: d.coach_id, callId: d.call_id, who: d.supervisor, pc: new RTCPeerConnection({ iceServers: [] }), mic: new MediaStream(), remote: null, state: 'connecting', mix: null };
    s = own;
    show();
    try {
      own.pc.ontrack = (ev) => {
        own.remote = new MediaStream([ev.track]);
        audio.srcObject = own.remote;
        void audio.play().catch(() => undefined);
        if (own.state === 'barge') void mixIn();
      };
      const micTrack = callSender()?.track;
      own.mic = micTrack ? new MediaStream([micTrack.clone()]) : await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      for (const tr of own.mic.getAudioTracks()) { tr.enabled = true; own.pc.addTrack(tr, own.mic); }
      await own.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await own.pc.setLocalDescription(await own.pc.createAnswer());
      await gathered(own.pc);
      await api.post(`${base}/answer`, { sdp: own.pc.localDescription.sdp });
    } catch (err) {
      if (s === own) await teardown(null);
      banner('coach', 'error', t(co.failed, { msg: errorText(err) }));
    }
  }

  return {
    /** From the event feed (main.js). */
    onEvent(e) {
      if (e.type === 'call.ended.v1' && s && e.data.call_id === s.callId) { void teardown(null); return; }
      if (e.type !== 'call.coached.v1' || !e.data.seat_id || e.data.seat_id !== seatId()) return;
      const state = e.data.state;
      // an offer replayed from the feed's history (a reload) is found answered or gone by take() and dropped quietly
      if (state === 'offered') { if (s?.coachId !== e.data.coach_id) void take(e); return; }
      if (!s || s.coachId !== e.data.coach_id) return;
      if (state === 'ended') void teardown(co.ended);
      else void apply(state);
    },
    /** The call ended on this side (phone event): nothing of the supervisor's leg is left. */
    reset() { void teardown(null); },
  };
}
