/**
 * A trunk group member's service state from Kamailio's dispatcher probes: `trunk.down` (it stopped answering
 * OPTIONS) publishes `trunk.down.v1` and raises a `trunk_down` alarm on the trunk; `trunk.up` publishes
 * `trunk.up.v1` and clears it. Events of one gateway are handled in order. A probe result for an address that is
 * no group member (removed meanwhile) is logged and dropped. Each time the control plane (re)connects to Kamailio,
 * the members' states are read back (RPC `dispatcher.list`) and a change missed while it was away is reported then.
 */
import type { EventEmitter } from 'node:events';
import type { AppDeps } from '../app/deps.ts';
import { PerKeySerializer } from '../app/serial.ts';
import { clearAlarm, raiseAlarm } from '../alarms/service.ts';
import { decodeEngineEvent } from '../engine/kamailio/events.ts';
import { memberAt } from './groups.ts';

export const TRUNK_DOWN_ALARM = 'trunk_down';

type Deps = Pick<AppDeps, 'sql' | 'bus' | 'log'>;

/** `sip:[user@]host[:port][;params]` -> `sip:host[:port]`, the form of a dispatcher destination. */
export function gatewayAddress(uri: string): string {
  const m = /^sips?:(?:[^@]*@)?([^;?>]+)/.exec(uri.trim());
  return m ? `sip:${m[1]}` : uri;
}

export async function trunkProbeChanged(deps: Deps, rawUri: string, up: boolean): Promise<void> {
  const uri = gatewayAddress(rawUri);
  const m = await memberAt(deps.sql, uri);
  if (!m) {
    deps.log.warn({ uri, up }, 'dispatcher probe change for an address that is no trunk group member: ignored');
    return;
  }
  const data = { trunk_id: m.trunk_id, group_id: m.group_id, gateway_uri: m.destination };
  if (up) {
    await clearAlarm(deps, TRUNK_DOWN_ALARM, m.trunk_id);
    await deps.bus.publish('trunk.up.v1', data);
  } else {
    await raiseAlarm(deps, { type: TRUNK_DOWN_ALARM, level: 'critical', subject: m.trunk_id, details: data });
    await deps.bus.publish('trunk.down.v1', data);
  }
  deps.log[up ? 'info' : 'warn']({ ...data }, up ? 'trunk gateway back in service' : 'trunk gateway out of service');
}

export interface ProbeState { uri: string; up: boolean }

/**
 * The members' states in a `dispatcher.list` result: {RECORDS: [{SET: {ID, TARGETS: [{DEST: {URI, FLAGS}}]}}]}.
 * FLAGS: A active, T trying (failing, under the threshold: still in service), I inactive, D disabled; P probing.
 */
export function probeStates(result: unknown): ProbeState[] {
  const records = (result as { RECORDS?: unknown })?.RECORDS;
  const out: ProbeState[] = [];
  for (const r of Array.isArray(records) ? records : []) {
    const targets = (r as { SET?: { TARGETS?: unknown } })?.SET?.TARGETS;
    for (const t of Array.isArray(targets) ? targets : []) {
      const d = (t as { DEST?: { URI?: unknown; FLAGS?: unknown } })?.DEST;
      if (typeof d?.URI !== 'string' || typeof d.FLAGS !== 'string') continue;
      out.push({ uri: gatewayAddress(d.URI), up: !/[ID]/.test(d.FLAGS) });
    }
  }
  return out;
}

interface DispatcherRpc { call<T = unknown>(method: string, params?: unknown[]): Promise<T> }

/** Reports the members whose state differs from their alarm (open = down); returns how many changed. */
export async function resyncTrunkStates(deps: Deps, rpc: DispatcherRpc): Promise<number> {
  const states = probeStates(await rpc.call('dispatcher.list'));
  let changed = 0;
  for (const s of states) {
    const m = await memberAt(deps.sql, s.uri);
    if (!m) continue;
    const [open] = await deps.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM alarms WHERE type = ${TRUNK_DOWN_ALARM} AND subject = ${m.trunk_id} AND cleared_at IS NULL`;
    if ((open!.n > 0) === !s.up) continue;
    await trunkProbeChanged(deps, s.uri, s.up);
    changed++;
  }
  return changed;
}

export function linkTrunkHealthToEngine(deps: Deps, evapi: EventEmitter, rpc: DispatcherRpc): void {
  const serial = new PerKeySerializer();
  evapi.on('message', (msg) => {
    const e = decodeEngineEvent(msg as Record<string, unknown>);
    if (!e || (e.event !== 'trunk.down' && e.event !== 'trunk.up')) return;
    void serial.run(gatewayAddress(e.uri), () => trunkProbeChanged(deps, e.uri, e.event === 'trunk.up'))
      .catch((err) => deps.log.error({ err: String(err), uri: e.uri }, 'trunk probe event not recorded'));
  });
  evapi.on('connected', () => {
    void serial.run('~resync', () => resyncTrunkStates(deps, rpc))
      .then((n) => { if (n > 0) deps.log.info({ changed: n }, 'trunk gateway states read back from Kamailio'); })
      .catch((err) => deps.log.warn({ err: String(err) }, 'trunk gateway states not read back from Kamailio'));
  });
}
