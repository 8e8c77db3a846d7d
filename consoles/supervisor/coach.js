/**
 * Whisper (耳语) and barge-in (强插) on the call being listened to (docs/mixer.md "Whisper and barge-in"): a talk-back
 * leg from this page's microphone to the dispatcher's page through rtpengine (POST /v1/calls/:id/coach {mode, sdp}:
 * this page's offer; the answer comes once the dispatcher's page took the leg). Whisper: only the dispatcher hears
 * the supervisor. Barge-in: the dispatcher's page also mixes the supervisor into the call, so the caller hears them.
 * In both the supervisor hears the caller on listen-in and the dispatcher on the talk-back leg (their microphone
 * alone: the listen-in's seat stream is not played, it would carry the supervisor's own voice back in a barge-in).
 * Mode: PUT; back to listen-in only: DELETE. Listen-in's end ends it too.
 * States: listen --whisper|barge--> connecting --> whisper <-> barge --stop--> listen
 */
import { gathered } from '../shared/ice.js';
import { t, zh } from './i18n/zh-CN.js';
import { $, banner, errorText } from './ui.js';

/** @param {{ api: ReturnType<import('../shared/api.js').createApi>, listen: ReturnType<import('./listen.js').createListen> }} deps */
export function createCoach({ api, listen }) {
  /** @type {null | { callId: string, coachId: string | null, mode: string, state: string, pc: RTCPeerConnection, mic: MediaStream | null }} */
  let s = null;

  function render() {
    const mode = s ? (s.state === 'connecting' ? 'connecting' : s.mode) : 'listen';
    $('listen').dataset.mode = mode;
    $('listen-mode').textContent = zh.coach.modes[mode];
    $('coach-whisper').disabled = !listen.callId() || mode === 'whisper' || mode === 'connecting';
    $('coach-barge').disabled = !listen.callId() || mode === 'barge' || mode === 'connecting';
    $('coach-stop').disabled = !s || mode === 'connecting';
  }

  function teardown() {
    if (!s) return;
    s.pc.close();
    for (const tr of s.mic?.getTracks() ?? []) tr.stop();
    const el = $('coach-audio');
    el.srcObject = null;
    s = null;
    listen.setHeard('seat', true);
    render();
  }

  async function start(mode) {
    const callId = listen.callId();
    if (!callId || s) return;
    const pc = new RTCPeerConnection({ iceServers: [] });
    const own = { callId, coachId: null, mode, state: 'connecting', pc, mic: null };
    s = own;
    render();
    try {
      pc.ontrack = (e) => {
        const el = $('coach-audio');
        el.srcObject = new MediaStream([e.track]);
        void el.play().catch(() => undefined);
      };
      own.mic = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      for (const tr of own.mic.getAudioTracks()) pc.addTrack(tr, own.mic);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const r = await api.post(`/v1/calls/${encodeURIComponent(callId)}/coach`, { mode, sdp: pc.localDescription.sdp });
      own.coachId = r.coach_id;
      if (s !== own) { // listen-in ended meanwhile
        await api.del(`/v1/calls/${encodeURIComponent(callId)}/coach/${encodeURIComponent(r.coach_id)}`).catch(() => undefined);
        return;
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: r.sdp });
      listen.setHeard('seat', false);
      own.state = 'active';
      own.mode = r.mode;
      banner('coach', 'ok', null);
    } catch (e) {
      if (s === own) teardown();
      banner('coach', 'error', t(zh.coach.failed, { msg: errorText(e) }));
    }
    render();
  }

  async function setMode(mode) {
    if (!s?.coachId || s.state !== 'active') return start(mode);
    try {
      const r = await api.put(`/v1/calls/${encodeURIComponent(s.callId)}/coach/${encodeURIComponent(s.coachId)}`, { mode });
      if (s) s.mode = r.mode;
    } catch (e) {
      banner('coach', 'error', t(zh.coach.failed, { msg: errorText(e) }));
    }
    render();
  }

  async function stop() {
    if (!s) return;
    const { callId, coachId } = s;
    teardown();
    if (coachId) await api.del(`/v1/calls/${encodeURIComponent(callId)}/coach/${encodeURIComponent(coachId)}`).catch((e) => console.warn('ending the whisper/barge-in failed', e));
  }

  return {
    init() {
      $('coach-whisper').onclick = () => void setMode('whisper');
      $('coach-barge').onclick = () => void setMode('barge');
      $('coach-stop').onclick = () => void stop();
      render();
    },
    /** From the seat table: listen in first if need be, then whisper or barge. */
    async begin(callId, seatId, mode) {
      if (listen.callId() !== callId) await listen.start(callId, seatId);
      if (listen.callId() === callId) await setMode(mode);
    },
    stop,
    render,
    /** Listen-in ended (stop, the call's end): the talk-back leg goes with it (the server ends it on DELETE). */
    onListenEnded() { void stop(); },
    /** The server ended it (call.coached.v1 ended: another tab, the dispatcher's page gone). */
    onEvent(msg) {
      const e = msg.event;
      if (e.type === 'call.coached.v1' && e.data.state === 'ended' && s?.coachId === e.data.coach_id) {
        teardown();
        banner('coach', 'ok', zh.coach.ended);
      }
    },
  };
}
