/**
 * A trunk group member's service state from Kamailio's dispatcher probes: `trunk.down` (it stopped answering
 * OPTIONS) publishes `trunk.down.v1` and raises a `trunk_down` alarm on the trunk; `trunk.up` publishes
 * `trunk.up.v1` and clears it. Events of one gateway are handled in order. A probe result for an address that is no group member (removed meanwhile) is logged and dropped.
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

export function linkTrunkHealthToEngine(deps: Deps, evapi: EventEmitter): void {
  const serial = new PerKeySerializer();
  evapi.on('message', (msg) => {
    const e = decodeEngineEvent(msg as Record<string, unknown>);
    if (!e || (e.event !== 'trunk.down' && e.event !== 'trunk.up')) return;
    void serial.run(gatewayAddress(e.uri), () => trunkProbeChanged(deps, e.uri, e.event === 'trunk.up'))
      .catch((err) => deps.log.error({ err: String(err), uri: e.uri }, 'trunk probe event not recorded'));
  });
}
