/** The mixer alarm (docs/mixer.md): raised while Janus is unreachable, cleared when the link is up again. */
import type { AppDeps } from '../app/deps.ts';
import { clearAlarm, raiseAlarm } from './service.ts';

export const MIXER_ALARM = 'mixer_unavailable';

export async function raiseMixerAlarm(deps: Pick<AppDeps, 'sql' | 'bus'>, reason: string): Promise<void> {
  await raiseAlarm(deps, { type: MIXER_ALARM, level: 'critical', subject: null, details: { reason } });
}

export async function clearMixerAlarm(deps: Pick<AppDeps, 'sql' | 'bus'>): Promise<void> {
  await clearAlarm(deps, MIXER_ALARM, null);
}
