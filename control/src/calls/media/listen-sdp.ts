/**
 * The listen-in offer as a browser can take it, and the browser's answer as rtpengine expects it. Pure text.
 * - mids: rtpengine 10.5's `subscribe request` for two parties gives both m-lines the same `a=mid` (each party's
 *   own media index, with generate-mid), which a browser refuses ("duplicate a=mid"). The offer handed to the
 *   browser gets one distinct mid per m-line ("0", "1", ...); the browser's answer gets the original mids back
 *   (or none, where the original had none) before it goes to `subscribe answer`.
 * - ICE roles: rtpengine takes the controlled role on a subscription although it offers, and the answering
 *   browser is controlled too; the role conflict (RFC 8445 7.3.1.1) left the second m-line's ICE in
 *   "checking" in about one run in four. `a=ice-lite` in the offer makes the browser the controlling agent
 *   (RFC 8445 6.1.1), which matches what rtpengine assumes; it still answers the browser's checks.
 */
const EOL = /\r?\n/;

function sections(sdp: string): string[][] {
  const out: string[][] = [[]];
  for (const line of sdp.split(EOL)) {
    if (line.startsWith('m=')) out.push([]);
    out[out.length - 1].push(line);
  }
  return out;
}

function join(parts: string[][]): string {
  const text = parts.flat().filter((l, i, all) => l !== '' || i < all.length - 1).join('\r\n');
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}

/** The offer for the browser: distinct mids, `a=ice-lite`; and rtpengine's mids in m-line order ('' where a section had none). */
export function browserOffer(sdp: string): { sdp: string; original: string[] } {
  const [sessionLines, ...media] = sections(sdp);
  const session = sessionLines.some((l) => l === 'a=ice-lite') ? sessionLines : [...sessionLines, 'a=ice-lite'];
  const original: string[] = [];
  const rewritten = media.map((lines, i) => {
    const at = lines.findIndex((l) => l.startsWith('a=mid:'));
    original.push(at >= 0 ? lines[at].slice('a=mid:'.length).trim() : '');
    const copy = lines.filter((_, j) => j !== at);
    copy.splice(1, 0, `a=mid:${i}`);
    return copy;
  });
  return { sdp: join([session, ...rewritten]), original };
}

/** The browser's answer with rtpengine's own mids back, position by position; BUNDLE groups naming our mids dropped. */
export function restoreMids(answer: string, original: readonly string[]): string {
  const [session, ...media] = sections(answer);
  const head = session.filter((l) => !l.startsWith('a=group:BUNDLE'));
  const restored = media.map((lines, i) => {
    const copy = lines.filter((l) => !l.startsWith('a=mid:'));
    const mid = original[i];
    if (mid) copy.splice(1, 0, `a=mid:${mid}`);
    return copy;
  });
  return join([head, ...restored]);
}
