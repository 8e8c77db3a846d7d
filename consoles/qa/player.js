/**
 * The recording player: an <audio> element on the WAV (`?token=`, the server answers Range requests, so
 * seeking works), the waveform of both channels (caller left, seat right) decoded with WebAudio, and the
 * call's timeline (GET /v1/calls/:id events) on one time axis from the call's arrival to its end; a
 * click on the axis seeks. Speed is the element's playbackRate; each channel has its own mute through
 * MediaElementSource -> ChannelSplitter -> gain per channel -> ChannelMerger -> speakers.
 */
import { esc, formatClock, formatDuration } from '../shared/format.js';
import { t, zh, errorText } from './i18n/zh-CN.js';
import { drawChannel } from './waveform.js';

const CALLER_COLOUR = '#3e8ed0';
const SEAT_COLOUR = '#30a46c';
const LABEL_ROWS = 4;

/** The sample rate in a RIFF/WAVE header (fmt chunk; 0 if not found). */
export function wavSampleRate(bytes) {
  const v = new DataView(bytes);
  for (let off = 12; off + 8 <= v.byteLength;) {
    const id = String.fromCharCode(v.getUint8(off), v.getUint8(off + 1), v.getUint8(off + 2), v.getUint8(off + 3));
    const size = v.getUint32(off + 4, true);
    if (id === 'fmt ') return v.getUint32(off + 12, true);
    off += 8 + size + (size % 2);
  }
  return 0;
}

/**
 * @param {{ token(): string | null, root: HTMLElement }} deps
 */
export function createPlayer({ token, root }) {
  const $ = (sel) => root.querySelector(sel);
  const audio = /** @type {HTMLAudioElement} */ ($('audio'));
  let ctx = null;
  let gains = null;
  let axis = null; // { t0 (ms epoch), span (ms), recStart (ms epoch) }
  let decoded = null;
  let raf = 0;

  /** The WebAudio graph, made once per element and resumed on a user gesture. */
  function graph() {
    if (ctx) return;
    ctx = new AudioContext();
    const source = ctx.createMediaElementSource(audio);
    const split = ctx.createChannelSplitter(2);
    const merge = ctx.createChannelMerger(2);
    gains = [ctx.createGain(), ctx.createGain()];
    source.connect(split);
    gains.forEach((g, ch) => { split.connect(g, ch); g.connect(merge, 0, ch); });
    merge.connect(ctx.destination);
  }

  function applyMute() {
    if (!gains) return;
    gains[0].gain.value = $('[data-mute="caller"]').checked ? 0 : 1;
    gains[1].gain.value = $('[data-mute="seat"]').checked ? 0 : 1;
    root.dataset.muted = ['caller', 'seat'].filter((c) => $(`[data-mute="${c}"]`).checked).join(',');
  }

  const pct = (ms) => `${((100 * (ms - axis.t0)) / axis.span).toFixed(3)}%`;

  function drawPlayhead() {
    if (!axis) return;
    $('.playhead').style.left = pct(axis.recStart + audio.currentTime * 1000);
    $('[data-testid="player-position"]').textContent = `${formatDuration(audio.currentTime * 1000)} / ${formatDuration((decoded?.duration ?? 0) * 1000)}`;
  }

  function follow() {
    drawPlayhead();
    if (!audio.paused) raf = requestAnimationFrame(follow);
  }

  function renderTimeline(events, call) {
    const rec = `<div class="rec-band" style="left:${pct(axis.recStart)};width:${((100 * (decoded.duration * 1000)) / axis.span).toFixed(3)}%" title="${esc(zh.player.recording)}"></div>`;
    const rowEnds = [];
    const marks = [...events].sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime()).map((e) => {
      const label = zh.player.events[e.type] ?? e.type;
      const x = (100 * (new Date(e.at).getTime() - axis.t0)) / axis.span;
      const flip = x > 80;
      // Labels of events close in time go to the next row instead of overlapping.
      let row = rowEnds.findIndex((end) => (flip ? x - 14 : x) >= end);
      if (row < 0) row = rowEnds.length < LABEL_ROWS ? rowEnds.length : LABEL_ROWS - 1;
      rowEnds[row] = flip ? x : x + 14;
      return `<div class="mark${flip ? ' flip' : ''}" data-event="${esc(e.type)}" style="left:${x.toFixed(3)}%">
        <span style="top:${row * 17}px">${esc(label)} <small>${esc(formatClock(e.at).slice(6))}</small></span></div>`;
    }).join('');
    $('[data-testid="timeline"]').innerHTML = rec + marks;
    $('[data-testid="player-call"]').textContent = `${call.caller_number ?? zh.search.withheld} · ${formatClock(call.arrived_at)} · ${call.answered_seat_id ?? ''}`;
  }

  function drawWaves() {
    if (!decoded || !axis) return;
    const width = $('.waves').clientWidth;
    const x0 = (width * (axis.recStart - axis.t0)) / axis.span;
    const x1 = x0 + (width * decoded.duration * 1000) / axis.span;
    drawChannel($('canvas[data-channel="caller"]'), decoded.getChannelData(0), x0, x1, CALLER_COLOUR);
    drawChannel($('canvas[data-channel="seat"]'), decoded.getChannelData(Math.min(1, decoded.numberOfChannels - 1)), x0, x1, SEAT_COLOUR);
  }

  /** Opens a search hit with its call's detail (GET /v1/calls/:id): the audio, the decoded waveform on the call's time axis. */
  async function open(hit, detail) {
    graph();
    void ctx.resume();
    audio.pause();
    root.dataset.state = 'loading';
    decoded = null;
    axis = null;
    $('[data-testid="player-status"]').textContent = zh.player.loading;
    for (const c of root.querySelectorAll('canvas')) { c.getContext('2d').clearRect(0, 0, c.width, c.height); delete c.dataset.drawnColumns; }
    if (!hit.audio_url) {
      $('[data-testid="player-status"]').textContent = zh.player.noAudio;
      root.dataset.state = 'none';
      return;
    }
    audio.src = `${hit.audio_url}?token=${encodeURIComponent(token() ?? '')}`;
    try {
      const res = await fetch(hit.audio_url, { headers: { authorization: `Bearer ${token()}` } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const bytes = await res.arrayBuffer();
      const rate = wavSampleRate(bytes) || 8000;
      decoded = await new OfflineAudioContext(2, 1, rate).decodeAudioData(bytes);
      const { call, events } = detail;
      const recStart = new Date(hit.started_at ?? call.answered_at ?? call.arrived_at).getTime();
      const times = [new Date(call.arrived_at).getTime(), recStart, recStart + decoded.duration * 1000,
        ...events.map((e) => new Date(e.at).getTime()), call.ended_at ? new Date(call.ended_at).getTime() : 0].filter((x) => x > 0);
      const t0 = Math.min(...times);
      axis = { t0, span: Math.max(1000, Math.max(...times) - t0), recStart };
      renderTimeline(events, call);
      drawWaves();
      drawPlayhead();
      $('[data-testid="player-status"]').textContent = t(zh.player.decoded,
        { duration: formatDuration(decoded.duration * 1000), rate: decoded.sampleRate, channels: decoded.numberOfChannels });
      root.dataset.state = 'ready';
    } catch (e) {
      $('[data-testid="player-status"]').textContent = t(zh.player.decodeFailed, { msg: e?.code ? errorText(e) : e?.message ?? String(e) });
      root.dataset.state = 'failed';
    }
  }

  $('.waves').addEventListener('click', (ev) => {
    if (!axis || !decoded) return;
    const box = /** @type {HTMLElement} */ (ev.currentTarget).getBoundingClientRect();
    const ms = axis.t0 + ((ev.clientX - box.left) / box.width) * axis.span;
    audio.currentTime = Math.min(decoded.duration, Math.max(0, (ms - axis.recStart) / 1000));
    drawPlayhead();
  });
  $('[data-testid="player-speed"]').addEventListener('change', (ev) => {
    audio.playbackRate = Number(/** @type {HTMLSelectElement} */ (ev.target).value);
    root.dataset.rate = String(audio.playbackRate);
  });
  for (const box of root.querySelectorAll('[data-mute]')) box.addEventListener('change', () => { graph(); applyMute(); });
  audio.addEventListener('play', () => { void ctx?.resume(); cancelAnimationFrame(raf); follow(); });
  audio.addEventListener('seeked', drawPlayhead);
  audio.addEventListener('timeupdate', drawPlayhead);
  window.addEventListener('resize', drawWaves);

  return { open, stop: () => audio.pause() };
}
