/**
 * Outside parties of a conference room for integration tests (docs/mixer.md): each a SIPp UAC running
 * test/sipp/uac-conf-party-expect-answer-tone.xml with its own tone and hang-up time (a copy of the scenario in a
 * temp folder: SIPp reads play_pcap_audio and timeouts when it loads a scenario, so they cannot be -set), and what
 * each received, taken from a loopback capture of the RTP sent to its media port, as 8 kHz PCM with arrival times.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAlaw, readPcap, tonePcap, udpDatagrams } from '../../../support/audio.ts';
import { scenarioPath, startSipp, type SippHandle } from '../../../support/sipp.ts';
import { toneLevels } from '../../../support/goertzel.ts';
import type { CallCentre } from '../../support/callcentre.ts';

const TEMPLATE = 'uac-conf-party-expect-answer-tone.xml';

export interface PartySpec {
  number: string;
  freqHz: number;
  /** The party hangs up this long after its ACK unless the far end's BYE comes first. */
  hangUpAfterMs: number;
  toneSeconds: number;
}

export interface Party extends PartySpec {
  sipp: SippHandle;
}

const dirs: string[] = [];

/** Starts one party calling `uri` (sip:conf-<room>-<token>@...) through Kamailio at `remote`. */
export async function startParty(remote: string, uri: string, spec: PartySpec): Promise<Party> {
  const dir = mkdtempSync(join(tmpdir(), 'cti120-conf-party-'));
  dirs.push(dir);
  const tone = join(dir, `tone-${spec.freqHz}.pcap`);
  writeFileSync(tone, tonePcap({ freqHz: spec.freqHz, seconds: spec.toneSeconds, ssrc: 0x0c0f0000 + spec.freqHz }));
  const scenario = readFileSync(scenarioPath(TEMPLATE), 'utf8')
    .replace('../media/conf-party-440hz-pcma-10s.pcap', tone)
    .replace('timeout="6000"', `timeout="${spec.hangUpAfterMs}"`);
  const file = join(dir, TEMPLATE);
  writeFileSync(file, scenario);
  const service = /^sip:([^@]+)@/.exec(uri)?.[1];
  if (!service) throw new Error(`not a conference URI: ${uri}`);
  const sipp = await startSipp({ scenario: file, remote, service, injection: [{ number: spec.number }], timeoutS: 60 });
  return { ...spec, sipp };
}

export function removePartyFiles(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The audio one party received: (arrival time in ms since the epoch, 20 ms of PCM) per RTP packet, in arrival order. */
export interface Received {
  packets: Array<{ atMs: number; pcm: Int16Array }>;
}

/** Splits a loopback capture into what each media port received (RTP version 2, PCMA only). */
export function receivedBy(capture: Buffer, mediaPorts: readonly number[]): Map<number, Received> {
  const out = new Map<number, Received>(mediaPorts.map((p) => [p, { packets: [] }]));
  for (const d of udpDatagrams(readPcap(capture))) {
    const r = out.get(d.dst.port);
    if (!r || d.payload.length <= 12 || d.payload[0]! >> 6 !== 2 || (d.payload[1]! & 0x7f) !== 8) continue;
    const cc = d.payload[0]! & 0x0f;
    r.packets.push({ atMs: d.tsUs / 1000, pcm: decodeAlaw(d.payload.subarray(12 + 4 * cc)) });
  }
  return out;
}

/** Tone levels (dB re full scale) of what was received between `fromMs` and `toMs` (epoch ms). */
export function levelsBetween(r: Received, fromMs: number, toMs: number, freqs: readonly number[]): { levels: Record<number, number>; packets: number } {
  const chunks = r.packets.filter((p) => p.atMs >= fromMs && p.atMs < toMs).map((p) => p.pcm);
  const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    pcm.set(c, o);
    o += c.length;
  }
  return { levels: toneLevels(pcm, freqs), packets: chunks.length };
}

/** A talking call's record, a room opened on it through the API, and one SIPp party invited and joined per spec. */
export async function openRoomWithParties(cc: CallCentre, specs: readonly PartySpec[]): Promise<{ callId: string; roomId: string; parties: Party[] }> {
  const [call] = await cc.sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, state, arrived_at) VALUES ('city', ${`conf-test-${randomUUID()}`}, 'talking', now()) RETURNING id::text AS id`;
  const room = await cc.apiOk<{ room_id: string }>('POST', `/v1/calls/${call!.id}/conference`, {}, [201]);
  const parties: Party[] = [];
  for (const p of specs) {
    const inv = await cc.apiOk<{ uri: string }>('POST', `/v1/conferences/${room.room_id}/invitations`, {}, [201]);
    parties.push(await startParty(cc.info.sip.udp, inv.uri, p));
  }
  return { callId: call!.id, roomId: room.room_id, parties };
}
