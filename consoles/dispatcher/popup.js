/**
 * The incoming-call pop-up: caller number, how long the caller has waited (live), the queue, and the
 * number's earlier calls (GET /v1/calls?caller_number=), shown before the dispatcher answers.
 * The call record is found by the INVITE's Call-ID (Kamailio proxies the caller's Call-ID unchanged).
 */
import { esc, formatClock, formatDuration } from '../shared/format.js';
import { t, zh } from './i18n/zh-CN.js';

export class IncomingPopup {
  constructor(api, dialog) {
    this.api = api;
    this.dialog = dialog;
    this.arrivedMs = null;
    this.current = null;
    this.$ = (id) => dialog.querySelector(`#${id}`);
  }

  /** @param {{sipCallId: string, number: string, name: string}} inv  @param {{arrivedMs?: number|null, queueId?: string|null}} known */
  async show(inv, known, keys) {
    this.current = inv.sipCallId;
    this.arrivedMs = known.arrivedMs ?? Date.now();
    this.$('pop-number').textContent = inv.number || zh.popup.withheld;
    this.$('pop-name').textContent = inv.name && inv.name !== inv.number ? inv.name : '';
    this.$('pop-queue').textContent = known.queueId ?? zh.popup.loading;
    this.$('pop-history').innerHTML = `<li class="muted">${esc(zh.popup.loading)}</li>`;
    this.$('pop-hint').textContent = t(zh.popup.answerHint, { key: keys.answer, hangup: keys.hangup });
    this.tick();
    if (!this.dialog.open) this.dialog.show();
    await this.fill(inv);
  }

  /**
   * What the event feed knows of the ringing call (live-state.js): its queue and arrival, shown when they come after
   * the pop-up opened (the INVITE can reach the page before the call's events do, and before its record is readable).
   * @param {{queueId?: string|null, arrivedMs?: number|null}|undefined} known
   */
  learn(known) {
    if (!this.current || !known) return;
    if (known.queueId && this.$('pop-queue').textContent !== known.queueId) this.$('pop-queue').textContent = known.queueId;
    if (known.arrivedMs) this.arrivedMs = known.arrivedMs;
    this.tick();
  }

  async fill(inv) {
    try {
      const page = await this.api.get(`/v1/calls?sip_call_id=${encodeURIComponent(inv.sipCallId)}&limit=1`);
      const call = page.items[0];
      if (call && this.current === inv.sipCallId) {
        this.arrivedMs = Date.parse(call.arrived_at);
        // a call with no queue yet: the feed's call.queued.v1 fills it in later (learn)
        this.$('pop-queue').textContent = call.queue_id ?? zh.queues.unknown;
        this.tick();
      }
      const number = call?.caller_number ?? inv.number;
      if (!number) {
        this.$('pop-history').innerHTML = `<li class="muted">${esc(zh.popup.noHistory)}</li>`;
        return;
      }
      const hist = await this.api.get(`/v1/calls?caller_number=${encodeURIComponent(number)}&limit=11`);
      if (this.current !== inv.sipCallId) return;
      const earlier = hist.items.filter((c) => c.sip_call_id !== inv.sipCallId).slice(0, 10);
      this.$('pop-history').innerHTML = earlier.length === 0
        ? `<li class="muted">${esc(zh.popup.noHistory)}</li>`
        : earlier.map((c) => `<li>${esc(t(zh.popup.historyRow, {
          time: formatClock(c.arrived_at), state: zh.callStates[c.state] ?? c.state, seat: c.answered_seat_id ? ` · ${c.answered_seat_id}` : '',
        }))}</li>`).join('');
    } catch (e) {
      console.warn('pop-up lookup failed', e);
      this.$('pop-history').innerHTML = `<li class="muted">${esc(zh.errors[e.code] ?? String(e.message))}</li>`;
    }
  }

  tick() {
    if (this.current) this.$('pop-wait').textContent = formatDuration(Date.now() - this.arrivedMs);
  }

  close() {
    this.current = null;
    if (this.dialog.open) this.dialog.close();
  }
}
