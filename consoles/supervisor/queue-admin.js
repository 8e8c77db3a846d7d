/**
 * The queue settings panel: GET /v1/queues (with live figures, polled) and a dialog that PATCHes
 * /v1/queues/:id with only the fields the supervisor changed (strategy, ring timeout, wrap-up, base
 * priority, alarm thresholds). The change applies at once on the server; coded errors stay in the dialog.
 */
import { esc, formatDuration } from '../shared/format.js';
import { t, zh } from './i18n/zh-CN.js';
import { $, banner, busy, errorText } from './ui.js';

const POLL_MS = 3000;
const ALARM_DEFAULTS = {
  longest_wait_warning_s: 10, longest_wait_critical_s: 30, waiting_warning: 3, waiting_critical: 6,
  answered_10s_warning_pct: 95, answered_10s_critical_pct: 85,
};
const NUMBER_FIELDS = ['ring_timeout_s', 'wrapup_s', 'base_priority'];

/** The form's view of the queue's announcement, caller and overflow settings, with the server's defaults. */
function moreOf(settings = {}) {
  const ann = settings.announcements ?? {};
  const rc = settings.repeat_caller ?? {};
  const of = settings.overflow ?? null;
  return {
    annEnabled: ann.enabled !== false, annRingbackOnly: ann.ringback_only === true, annRepeatS: ann.repeat_s ?? 30,
    rcEnabled: rc.enabled !== false, rcWithinMin: rc.within_min ?? 10, rcRaiseBy: rc.raise_by ?? 1,
    missedOffers: settings.missed_offers_not_ready ?? 1,
    ofKind: of?.target?.queue_id ? 'queue' : of?.target?.sip_uri ? 'sip' : 'none',
    ofValue: of?.target?.queue_id ?? of?.target?.sip_uri ?? '',
    ofAfterS: typeof of?.after_s === 'number' ? String(of.after_s) : '',
    ofWhenNoSeat: of?.when_no_seat === true,
  };
}

export function createQueueAdmin({ api, alarms }) {
  let queues = [];
  let editing = null;
  let timer = null;

  function render() {
    $('queue-admin-rows').innerHTML = queues.length === 0 ? `<tr><td colspan="11" class="muted">${esc(zh.queueAdmin.none)}</td></tr>` : queues.map((q) => {
      const level = alarms.levelFor(q.id);
      const lv = q.live ?? {};
      return `<tr data-queue="${esc(q.id)}" data-alarm="${esc(level ?? 'none')}" class="${level ? `alarm-row alarm-${esc(level)}` : ''}">
        <td>${esc(q.id)}</td><td>${esc(q.name)}</td>
        <td data-col="strategy">${esc(zh.strategies[q.strategy] ?? q.strategy)}</td>
        <td data-col="ring-timeout">${esc(t(zh.queueAdmin.seconds, { n: q.ring_timeout_s }))}</td>
        <td data-col="wrapup">${esc(t(zh.queueAdmin.seconds, { n: q.wrapup_s }))}</td>
        <td data-col="priority">${q.base_priority}</td>
        <td class="num" data-col="waiting">${lv.waiting ?? 0}</td><td data-col="ringing">${lv.ringing ?? 0}</td>
        <td data-col="longest">${lv.longest_wait_ms ? formatDuration(lv.longest_wait_ms) : '--:--'}</td>
        <td data-col="seats">${lv.ready_seats ?? 0} / ${lv.staffed_seats ?? 0}</td>
        <td>${level ? `<span class="badge level-${esc(level)}">${esc(zh.alarms.levels[level])}</span> ` : ''}
          <button data-act="edit-queue" data-queue="${esc(q.id)}">${esc(zh.queueAdmin.edit)}</button></td>
      </tr>`;
    }).join('');
  }

  async function load() {
    try {
      queues = (await api.get('/v1/queues')).items;
      banner('queues', '', '');
      render();
    } catch (e) {
      banner('queues', 'error', errorText(e));
    }
  }

  function open(id) {
    const q = queues.find((x) => x.id === id);
    if (!q) return;
    editing = q;
    const f = $('queue-form');
    $('queue-dialog-title').textContent = t(zh.queueAdmin.editTitle, { id: q.id });
    f.elements.strategy.value = q.strategy;
    for (const k of NUMBER_FIELDS) f.elements[k].value = String(q[k]);
    const a = { ...ALARM_DEFAULTS, ...(q.settings?.alarms ?? {}) };
    for (const k of Object.keys(ALARM_DEFAULTS)) f.elements[k].value = String(a[k]);
    const more = moreOf(q.settings);
    f.elements.ann_enabled.checked = more.annEnabled;
    f.elements.ann_ringback_only.checked = more.annRingbackOnly;
    f.elements.ann_repeat_s.value = String(more.annRepeatS);
    f.elements.rc_enabled.checked = more.rcEnabled;
    f.elements.rc_within_min.value = String(more.rcWithinMin);
    f.elements.rc_raise_by.value = String(more.rcRaiseBy);
    f.elements.missed_offers_not_ready.value = String(more.missedOffers);
    f.elements.of_kind.value = more.ofKind;
    f.elements.of_value.value = more.ofValue;
    f.elements.of_after_s.value = more.ofAfterS;
    f.elements.of_when_no_seat.checked = more.ofWhenNoSeat;
    $('queue-error').textContent = '';
    $('queue-dialog').showModal();
  }

  /** Only what differs from the queue as loaded. */
  function patchOf(f, q) {
    const patch = {};
    if (f.elements.strategy.value !== q.strategy) patch.strategy = f.elements.strategy.value;
    for (const k of NUMBER_FIELDS) {
      const v = Number(f.elements[k].value);
      if (v !== q[k]) patch[k] = v;
    }
    const before = { ...ALARM_DEFAULTS, ...(q.settings?.alarms ?? {}) };
    const alarmPatch = {};
    for (const k of Object.keys(ALARM_DEFAULTS)) {
      const v = Number(f.elements[k].value);
      if (v !== Number(before[k])) alarmPatch[k] = v;
    }
    const settings = {};
    if (Object.keys(alarmPatch).length > 0) settings.alarms = alarmPatch;
    const was = moreOf(q.settings);
    const now = {
      annEnabled: f.elements.ann_enabled.checked, annRingbackOnly: f.elements.ann_ringback_only.checked, annRepeatS: Number(f.elements.ann_repeat_s.value),
      rcEnabled: f.elements.rc_enabled.checked, rcWithinMin: Number(f.elements.rc_within_min.value), rcRaiseBy: Number(f.elements.rc_raise_by.value),
      missedOffers: Number(f.elements.missed_offers_not_ready.value),
      ofKind: f.elements.of_kind.value, ofValue: f.elements.of_value.value.trim(), ofAfterS: f.elements.of_after_s.value.trim(),
      ofWhenNoSeat: f.elements.of_when_no_seat.checked,
    };
    if (now.annEnabled !== was.annEnabled || now.annRingbackOnly !== was.annRingbackOnly || now.annRepeatS !== was.annRepeatS) {
      settings.announcements = { enabled: now.annEnabled, ringback_only: now.annRingbackOnly, repeat_s: now.annRepeatS };
    }
    if (now.rcEnabled !== was.rcEnabled || now.rcWithinMin !== was.rcWithinMin || now.rcRaiseBy !== was.rcRaiseBy) {
      settings.repeat_caller = { enabled: now.rcEnabled, within_min: now.rcWithinMin, raise_by: now.rcRaiseBy };
    }
    if (now.missedOffers !== was.missedOffers) settings.missed_offers_not_ready = now.missedOffers;
    if (now.ofKind !== was.ofKind || now.ofValue !== was.ofValue || now.ofAfterS !== was.ofAfterS || now.ofWhenNoSeat !== was.ofWhenNoSeat) {
      settings.overflow = now.ofKind === 'none' ? null : {
        target: now.ofKind === 'queue' ? { queue_id: now.ofValue } : { sip_uri: now.ofValue },
        when_no_seat: now.ofWhenNoSeat,
        ...(now.ofAfterS === '' ? {} : { after_s: Number(now.ofAfterS) }),
      };
    }
    if (Object.keys(settings).length > 0) patch.settings = settings;
    return patch;
  }

  async function save(ev) {
    ev.preventDefault();
    const q = editing;
    if (!q) return;
    const patch = patchOf(ev.target, q);
    if (Object.keys(patch).length === 0) {
      $('queue-error').textContent = zh.queueAdmin.nothingChanged;
      return;
    }
    await busy($('queue-save'), async () => {
      try {
        const updated = await api.patch(`/v1/queues/${encodeURIComponent(q.id)}`, patch);
        queues = queues.map((x) => (x.id === q.id ? { ...x, ...updated, live: x.live } : x));
        $('queue-dialog').close();
        editing = null;
        banner('action', 'ok', t(zh.queueAdmin.saved, { id: q.id }));
        render();
      } catch (e) {
        $('queue-error').textContent = errorText(e);
      }
    });
  }

  function init() {
    $('strategy-select').innerHTML = Object.entries(zh.strategies).map(([k, v]) => `<option value="${esc(k)}">${esc(v)}</option>`).join('');
    $('queue-admin-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-act="edit-queue"]');
      if (b) open(b.dataset.queue);
    });
    $('queue-form').addEventListener('submit', (ev) => void save(ev));
    $('queue-cancel').onclick = () => { $('queue-dialog').close(); editing = null; };
  }

  return {
    init, render, load,
    start() { void load(); timer = setInterval(load, POLL_MS); },
    stop() { clearInterval(timer); },
  };
}
