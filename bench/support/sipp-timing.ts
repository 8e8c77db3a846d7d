/**
 * Per-call setup times read from a SIPp -trace_msg file. SIPp's own response-time timers (rtd) are kept in
 * whole milliseconds, too coarse for a path that answers in about 2 ms; each message in -trace_msg carries
 * the time SIPp sent or read it, in microseconds:
 *
 *   ----------------------------------------------- 2026-11-26 10:17:30.832207
 *   UDP message sent (548 bytes):
 *
 *   INVITE sip:120@127.0.0.1:5060 SIP/2.0
 *   ...
 *
 * For each Call-ID the measured INVITE is the one with the highest CSeq (the authenticated one after a 407);
 * its first transmission starts the clock, the first 180 and the first 200 to that CSeq stop it. Both paths
 * of a comparison are read the same way, so SIPp's own scheduling delay falls on both.
 */

export interface CallTiming {
  callId: string;
  /** INVITE -> first 180 Ringing, ms; undefined when no 180 came. */
  ringMs?: number;
  /** INVITE -> 200 OK, ms; undefined when no 200 came. */
  answerMs?: number;
}

interface Message {
  atUs: number;
  sent: boolean;
  firstLine: string;
  callId: string;
  cseq: number;
  cseqMethod: string;
}

const SEPARATOR = /^-{20,} (\d{4}-\d{2}-\d{2})[ \t](\d{2}):(\d{2}):(\d{2})\.(\d{6})\s*$/;

function parseMessages(log: string): Message[] {
  const out: Message[] = [];
  const lines = log.split(/\r?\n/);
  let i = 0;
  while (i < lines.length) {
    const m = SEPARATOR.exec(lines[i]!);
    if (!m) { i++; continue; }
    const [, date, hh, mm, ss, us] = m;
    const atUs = (Date.parse(`${date}T00:00:00Z`) / 1000 + Number(hh) * 3600 + Number(mm) * 60 + Number(ss)) * 1e6 + Number(us);
    const direction = lines[i + 1] ?? '';
    let j = i + 2;
    while (j < lines.length && lines[j]!.trim() === '') j++;
    const firstLine = (lines[j] ?? '').trim();
    let callId = '';
    let cseq = 0;
    let cseqMethod = '';
    for (j = j + 1; j < lines.length && lines[j]!.trim() !== '' && !SEPARATOR.test(lines[j]!); j++) {
      const h = /^\s*([A-Za-z-]+)\s*:\s*(.*)$/.exec(lines[j]!);
      if (!h) continue;
      const name = h[1]!.toLowerCase();
      if (name === 'call-id' || name === 'i') callId = h[2]!.trim();
      else if (name === 'cseq') {
        const c = /^(\d+)\s+(\S+)/.exec(h[2]!.trim());
        if (c) { cseq = Number(c[1]); cseqMethod = c[2]!.toUpperCase(); }
      }
    }
    if (/message (sent|received)/.test(direction) && callId) {
      out.push({ atUs, sent: /sent/.test(direction), firstLine, callId, cseq, cseqMethod });
    }
    i = j;
  }
  return out;
}

/** Timings of every call in a -trace_msg log (calls in order of their first INVITE). */
export function callTimings(log: string): CallTiming[] {
  const byCall = new Map<string, Message[]>();
  for (const m of parseMessages(log)) {
    const list = byCall.get(m.callId) ?? [];
    list.push(m);
    byCall.set(m.callId, list);
  }
  const out: CallTiming[] = [];
  for (const [callId, msgs] of byCall) {
    const invites = msgs.filter((m) => m.sent && m.firstLine.startsWith('INVITE '));
    if (invites.length === 0) continue;
    const cseq = Math.max(...invites.map((m) => m.cseq));
    const start = invites.find((m) => m.cseq === cseq)!.atUs;
    const reply = (code: number) => msgs.find((m) => !m.sent && m.cseq === cseq && m.cseqMethod === 'INVITE'
      && new RegExp(`^SIP/2\\.0 ${code}\\b`).test(m.firstLine));
    const ring = reply(180);
    const answer = reply(200);
    out.push({
      callId,
      ringMs: ring ? (ring.atUs - start) / 1000 : undefined,
      answerMs: answer ? (answer.atUs - start) / 1000 : undefined,
    });
  }
  return out;
}
