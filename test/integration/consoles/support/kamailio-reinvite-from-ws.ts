/**
 * SCAFFOLD until the lead applies this to engine/kamailio/kamailio.cfg.tpl (then delete this file and
 * let the network-drop test use startCallCentre).
 *
 * The bug: a re-INVITE that a browser sends (hold, or the ICE-restart recovery after a network drop)
 * gets rtpengine_offer with the plain-RTP profile, but the 200 from the far side comes back over UDP,
 * so onreply_route[INDLG_REPLY] answers with the plain profile too ("ICE=remove", RTP/AVP) and Chrome
 * refuses the answer ("Called with SDP without ice-ufrag and ice-pwd") and ends the call. The fix marks
 * the transaction when the request came over WebSocket and answers towards the browser with the
 * WebRTC profile of engine-notes (UDP/TLS/RTP/SAVPF, ICE=force, rtcp-mux-require).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../../scripts/stack/migrate.ts';

const FLAG = '#!define FLT_FROM_WS 7';
const EDITS: Array<[string, string]> = [
  ['#!define BFL_WS 6\n', `#!define BFL_WS 6\n${FLAG}\n`],
  ['\t\tif ($proto == "ws" || $proto == "wss") {\n\t\t\trtpengine_offer("RTP/AVP replace-origin replace-session-connection ICE=remove rtcp-mux-demux DTLS=off SDES-off");',
    '\t\tif ($proto == "ws" || $proto == "wss") {\n\t\t\tsetflag(FLT_FROM_WS);\n\t\t\trtpengine_offer("RTP/AVP replace-origin replace-session-connection ICE=remove rtcp-mux-demux DTLS=off SDES-off");'],
  ['\t\tif ($du =~ "transport=ws") {\n\t\t\trtpengine_answer("UDP/TLS/RTP/SAVPF replace-origin replace-session-connection ICE=force rtcp-mux-require SDES-off");',
    '\t\tif ($du =~ "transport=ws" || isflagset(FLT_FROM_WS)) {\n\t\t\trtpengine_answer("UDP/TLS/RTP/SAVPF replace-origin replace-session-connection ICE=force rtcp-mux-require SDES-off");'],
];

/** The template with the fix (unchanged if it already has it); throws if the template moved on and the edits no longer apply. */
export function patchedKamailioTemplate(): { path: string; patched: boolean } {
  const src = join(REPO_ROOT, 'engine', 'kamailio', 'kamailio.cfg.tpl');
  let text = readFileSync(src, 'utf8');
  if (text.includes('FLT_FROM_WS')) return { path: src, patched: false };
  for (const [from, to] of EDITS) {
    if (!text.includes(from)) throw new Error(`kamailio.cfg.tpl changed: cannot apply the re-INVITE-from-WebSocket fix at ${JSON.stringify(from.slice(0, 60))}`);
    text = text.replace(from, to);
  }
  const out = join(mkdtempSync(join(tmpdir(), 'cti120-kamailio-')), 'kamailio.cfg.tpl');
  writeFileSync(out, text);
  return { path: out, patched: true };
}
