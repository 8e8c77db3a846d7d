/**
 * The conference side of the control plane (docs/mixer.md): Kamailio's conf.* events to legs.ts, the mixer's
 * link state to the alarm, and the mixer's loss to the rooms. Janus down for longer than `lostAfterMs` (or back
 * with a new session: it restarted) means every room's media is gone: each leg gets a BYE and the room closes.
 */
import type { AppDeps } from '../../app/deps.ts';
import { clearMixerAlarm, raiseMixerAlarm } from '../../alarms/mixer.ts';
import type { JanusClient } from '../../engine/janus/client.ts';
import { closeRoom, onAnswered, onBye, onInvite, type LegEnv } from './legs.ts';
import { onAnchorInvite, onCallEnded } from './anchor.ts';
import { onDialReply } from './dial.ts';
import { afterPartyLeft } from './caller-alone.ts';
import { survive } from '../../ha/data/redis-trouble.ts';

const fromB64 = (v: unknown) => Buffer.from(String(v ?? ''), 'base64').toString('utf8');

export function isConferenceEvent(m: unknown): boolean {
  return typeof (m as { event?: unknown })?.event === 'string' && (m as { event: string }).event.startsWith('conf.');
}

export class ConferenceService {
  /** The timer of the state "mixer down": it dies when the link is up again. */
  private lostTimer?: NodeJS.Timeout;

  constructor(private readonly env: LegEnv, private readonly janus: JanusClient, private readonly lostAfterMs = 2000) {}

  start(deps: AppDeps): void {
    this.janus.on('down', (reason) => {
      void raiseMixerAlarm(deps, reason).catch((err: unknown) => deps.log.error({ err: String(err) }, 'raising the mixer alarm failed'));
      if (!this.lostTimer) {
        this.lostTimer = setTimeout(() => {
          this.lostTimer = undefined;
          if (!this.janus.up) void this.mixerLost().catch(survive(deps.log, 'conference: mixer lost'));
        }, this.lostAfterMs);
      }
    });
    this.janus.on('up', () => {
      clearTimeout(this.lostTimer);
      this.lostTimer = undefined;
      void clearMixerAlarm(deps).catch((err: unknown) => deps.log.error({ err: String(err) }, 'clearing the mixer alarm failed'));
    });
    this.janus.on('session_lost', () => void this.mixerLost().catch(survive(deps.log, 'conference: mixer lost')));
    this.janus.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.lostTimer);
    await this.janus.stop();
  }

  /** One of Kamailio's conf.* events (evapi; strings from SIP are base64). */
  async handle(m: Record<string, unknown>): Promise<void> {
    try {
      if (m.event === 'conf.invite') {
        await onInvite(this.env, {
          callid: fromB64(m.callid), ftag: fromB64(m.ftag), from: fromB64(m.from), to: fromB64(m.to), contact: fromB64(m.contact),
          room: String(m.room), src: String(m.src), ws: m.ws === true, sdp: fromB64(m.sdp), tindex: Number(m.tindex), tlabel: Number(m.tlabel),
        });
      } else if (m.event === 'conf.answered') {
        // a To tag is a SIP token (RFC 3261 25.1): sent as it is
        await onAnswered(this.env, fromB64(m.callid), String(m.to_tag ?? ''));
      } else if (m.event === 'conf.bye') {
        const left = await this.env.store.byLeg(fromB64(m.callid));
        await onBye(this.env, fromB64(m.callid));
        if (left) await afterPartyLeft(this.env, left.room_id, left);
      } else if (m.event === 'conf.anchor') {
        await onAnchorInvite(this.env, {
          callid: fromB64(m.callid), ftag: fromB64(m.ftag), ttag: fromB64(m.ttag), sdp: fromB64(m.sdp), ws: m.ws === true,
          tindex: Number(m.tindex), tlabel: Number(m.tlabel),
        });
      } else if (m.event === 'conf.reply') {
        await onDialReply(this.env, {
          callid: fromB64(m.callid), code: Number(m.code), ftag: fromB64(m.ftag), from: fromB64(m.from), to: fromB64(m.to), contact: fromB64(m.contact), sdp: fromB64(m.sdp), src: String(m.src ?? ''),
        });
      }
    } catch (err) {
      this.env.deps.log.error({ err: String(err), event: m.event }, 'conference event failed');
    }
  }

  /** A call's BYE (Kamailio's call.bye, also handled by the call flow): a three-way's room closes with it. */
  callEnded(sipCallId: string): void {
    void onCallEnded(this.env, sipCallId).catch((err: unknown) => this.env.deps.log.error({ err: String(err), sip_call_id: sipCallId }, 'closing the room of an ended call failed'));
  }

  private async mixerLost(): Promise<void> {
    for (const id of await this.env.store.roomIds()) {
      const room = await this.env.store.room(id);
      if (!room) {
        continue;
      }
      this.env.deps.log.warn({ room_id: id }, 'mixer lost: ending the room\'s legs');
      await closeRoom(this.env, room, 'mixer_lost');
    }
  }
}
