/**
 * Checks audio against its stored chain and says where it differs. Each data chunk j is checked on its
 * own against the stored chain (link(stored h_{j-1}, chunk_j, j) = stored h_j), so one changed chunk
 * shows up once and not as "everything after it"; a chunk that fails is looked up by its leaf (SM3 of the
 * chunk) among the stored leaves to tell a moved chunk from a changed one.
 *
 *   modified   chunk j's content matches no stored chunk (a flipped byte lands here)
 *   dropped    stored chunk p appears nowhere in the data, and the data is shorter
 *   reordered  data chunk j holds stored chunk p (p != j), nothing missing
 *   truncated  the data is an intact prefix of the recording, cut at size_bytes
 *   extended   the data has octets after the recorded end
 *   record     the stored chain and leaves disagree with each other at chunk j (the chain row was edited)
 *
 * Chunks with identical content (digital silence) cannot be told apart: a dropped or moved silent chunk
 * is reported at the first place where the sequence no longer fits.
 */
import { chainSeed, hashAt, HASH_BYTES, link, sm3 } from './chain.ts';
import { createHash } from 'node:crypto';

export interface StoredChain {
  recordingId: string;
  chunkSize: number;
  chunkCount: number;
  sizeBytes: number;
  fileSm3: string;
  head: string;
  chain: Buffer;
  leaves: Buffer;
}

export type Finding =
  | { kind: 'modified'; chunk: number; offset: number; length: number }
  | { kind: 'dropped'; chunk: number; offset: number }
  | { kind: 'reordered'; chunk: number; holds: number; offset: number }
  | { kind: 'truncated'; chunk: number; size_bytes: number; expected_bytes: number }
  | { kind: 'extended'; chunk: number; size_bytes: number; expected_bytes: number }
  | { kind: 'record'; chunk: number };

export interface ChainCheck {
  ok: boolean;
  sizeBytes: number;
  chunkCount: number;
  /** The head and file SM3 recomputed from the data (compare with the manifest). */
  head: string;
  fileSm3: string;
  findings: Finding[];
}

type ChunkState = { j: number; length: number; leaf: Buffer; linkOk: boolean };

/** Checks chunks one by one as they are read; `finish()` gives the verdict. */
export class ChainChecker {
  private prev: Buffer;
  private readonly whole = createHash('sm3');
  private readonly states: ChunkState[] = [];
  private size = 0;

  constructor(private readonly stored: StoredChain) {
    this.prev = chainSeed(stored.recordingId, stored.chunkSize);
  }

  addChunk(chunk: Buffer): void {
    const j = this.states.length;
    const storedPrev = j === 0 ? chainSeed(this.stored.recordingId, this.stored.chunkSize) : hashAt(this.stored.chain, j - 1);
    const linkOk = j < this.stored.chunkCount && (j === 0 || storedPrev.length === HASH_BYTES)
      && link(storedPrev, chunk, j).equals(hashAt(this.stored.chain, j));
    this.states.push({ j, length: chunk.length, leaf: sm3(chunk), linkOk });
    this.prev = link(this.prev, chunk, j);
    this.whole.update(chunk);
    this.size += chunk.length;
  }

  finish(): ChainCheck {
    const head = this.states.length === 0 ? chainSeed(this.stored.recordingId, this.stored.chunkSize).toString('hex') : this.prev.toString('hex');
    const findings = locate(this.stored, this.states, this.size);
    const fileSm3 = this.whole.digest('hex');
    const ok = findings.length === 0 && head === this.stored.head && fileSm3 === this.stored.fileSm3;
    return { ok, sizeBytes: this.size, chunkCount: this.states.length, head, fileSm3, findings };
  }
}

function locate(stored: StoredChain, states: ChunkState[], size: number): Finding[] {
  const n = stored.chunkCount;
  const C = stored.chunkSize;
  const byLeaf = new Map<string, number[]>();
  for (let p = 0; p < n; p++) {
    const k = hashAt(stored.leaves, p).toString('hex');
    const list = byLeaf.get(k);
    if (list) list.push(p); else byLeaf.set(k, [p]);
  }
  const found = new Set<number>();
  const findings: Finding[] = [];
  const unknown: ChunkState[] = [];
  const moved: Array<{ j: number; p: number }> = [];
  for (const s of states) {
    const storedLeaf = s.j < n ? hashAt(stored.leaves, s.j) : undefined;
    if (s.linkOk) {
      found.add(s.j);
      if (storedLeaf && !storedLeaf.equals(s.leaf)) findings.push({ kind: 'record', chunk: s.j });
      continue;
    }
    if (storedLeaf?.equals(s.leaf)) {
      found.add(s.j);
      findings.push({ kind: 'record', chunk: s.j });
      continue;
    }
    unknown.push(s);
  }
  for (const s of unknown) {
    const candidates = (byLeaf.get(s.leaf.toString('hex')) ?? []).filter((p) => !found.has(p));
    if (candidates.length > 0) {
      const p = candidates.reduce((a, b) => (Math.abs(b - s.j) < Math.abs(a - s.j) ? b : a));
      found.add(p);
      moved.push({ j: s.j, p });
    } else {
      s.linkOk = false;
    }
  }
  const changed = unknown.filter((s) => !moved.some((m) => m.j === s.j));
  const missing: number[] = [];
  for (let p = 0; p < n; p++) if (!found.has(p)) missing.push(p);
  const shorter = size < stored.sizeBytes;

  // An intact prefix: nothing moved, at most the last data chunk changed (cut inside it), the rest missing at the end.
  const last = states[states.length - 1];
  const cleanPrefix = shorter && moved.length === 0
    && (changed.length === 0 || (changed.length === 1 && changed[0] === last && last.length < C))
    && missing.every((p) => p >= states.length - (changed.length === 1 ? 1 : 0));
  if (cleanPrefix) {
    const first = changed.length === 1 ? last.j : states.length;
    findings.push({ kind: 'truncated', chunk: first, size_bytes: size, expected_bytes: stored.sizeBytes });
    return findings;
  }
  for (const s of changed) findings.push({ kind: 'modified', chunk: s.j, offset: s.j * C, length: s.length });
  if (shorter) {
    for (const p of missing) findings.push({ kind: 'dropped', chunk: p, offset: p * C });
    // Chunks that only shifted to close the gap of a dropped one are not reported on their own.
    for (const m of moved) {
      const shift = missing.filter((p) => p <= m.p).length;
      if (m.p - m.j !== shift) findings.push({ kind: 'reordered', chunk: m.j, holds: m.p, offset: m.j * C });
    }
  } else {
    for (const m of moved) findings.push({ kind: 'reordered', chunk: m.j, holds: m.p, offset: m.j * C });
    if (size > stored.sizeBytes) {
      findings.push({ kind: 'extended', chunk: Math.max(0, n - 1), size_bytes: size, expected_bytes: stored.sizeBytes });
    }
  }
  findings.sort((a, b) => a.chunk - b.chunk);
  return findings;
}
