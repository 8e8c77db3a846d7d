/**
 * Tells the dispatcher that the centre failed over to its other node (docs/ha.md, "Browser seats"). The page knows
 * which node of a pair served it (GET /v1/consoles/config's `node`, through the floating address). When the phone
 * lost its SIP server and has registered again, the page asks again: another node means a failover, shown as
 * 主节点故障，已切换到备用节点 with how long the seat could not take calls (from the old node's last answer to the
 * new registration) and the clock time; the same node means the network came back. Either way the page's own
 * event WebSocket is reopened: a socket to a dead node stays open and silent, it never closes by itself.
 * A single node (no `node` in the config) shows nothing here.
 */
import { t, zh } from './i18n/zh-CN.js';

const CONFIG_TRIES = 5;
const CONFIG_TIMEOUT_MS = 2000;

/** 主节点故障，已切换到备用节点（用时 2.4 秒，14:03:27 恢复接警）: seconds with one decimal, the clock time in zh-CN. */
export function failoverText(tookMs, atMs) {
  return t(zh.failover.switched, {
    seconds: (tookMs / 1000).toLocaleString('zh-CN', { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false }),
    time: new Date(atMs).toLocaleTimeString('zh-CN', { hour12: false }),
  });
}

export class FailoverWatch {
  /**
   * @param {{ banner(topic: string, level: string, text: string | null): void, onRecovered(moved: boolean): void }} opts   onRecovered: the phone is registered again after a loss
   */
  constructor(opts) {
    this.opts = opts;
    /** @type {string | null} */
    this.node = null;
    /** When the lost server last answered, while the phone is without one; null when all is well. */
    this.lostSinceMs = null;
  }

  /** The node that served the page at login. */
  setNode(node) {
    this.node = node ?? null;
  }

  /** The phone lost its server (socket closed or silent); `lastAliveMs`: when that server last answered. */
  lost(lastAliveMs) {
    if (this.lostSinceMs === null) this.lostSinceMs = lastAliveMs || Date.now();
  }

  /** The phone registered. After a loss: which node answers now, and the banner if it is another one. */
  async registered() {
    if (this.lostSinceMs === null) return;
    const since = this.lostSinceMs;
    const atMs = Date.now();
    this.lostSinceMs = null;
    const now = await this.currentNode();
    const moved = this.node !== null && now !== null && now !== this.node;
    if (moved) {
      const tookMs = atMs - since;
      this.opts.banner('failover', 'warn', failoverText(tookMs, atMs));
      const el = document.querySelector('[data-topic="failover"]');
      if (el) Object.assign(el.dataset, { tookMs: String(tookMs), from: this.node, to: now });
      this.node = now;
    }
    this.opts.onRecovered(moved);
  }

  /** The node behind the floating address now; null if the API did not answer (the banner is then left out). */
  async currentNode() {
    for (let i = 0; i < CONFIG_TRIES; i++) {
      try {
        const res = await fetch('/v1/consoles/config', { signal: AbortSignal.timeout(CONFIG_TIMEOUT_MS), cache: 'no-store' });
        if (res.ok) return (await res.json()).node ?? null;
      } catch (e) {
        console.warn('console config not reachable after a reconnect', e);
      }
      await new Promise((r) => { setTimeout(r, CONFIG_TIMEOUT_MS / 4); });
    }
    return null;
  }
}
