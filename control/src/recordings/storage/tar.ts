/**
 * A streaming tar writer (POSIX.1-1988 ustar, as GNU tar and 7-Zip read it): a 512-octet header per
 * file, the data padded to 512, two zero blocks at the end. Enough for an evidence bundle; no links,
 * no long names (a name is at most 100 octets).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

export type TarEntry = { name: string; mtime?: Date } & ({ data: Buffer } | { path: string; size: number } | { open: () => Readable; size: number });

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK);
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new RangeError(`tar entry name longer than 100 octets: ${name}`);
  nameBytes.copy(h, 0);
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const r = size % BLOCK;
  return Buffer.alloc(r === 0 ? 0 : BLOCK - r);
}

async function* octets(entries: TarEntry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const size = 'data' in e ? e.data.length : e.size;
    yield tarHeader(e.name, size, e.mtime ?? new Date());
    if ('data' in e) yield e.data;
    else for await (const chunk of 'path' in e ? createReadStream(e.path) : e.open()) yield chunk as Buffer;
    yield padding(size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

export function tarStream(entries: TarEntry[]): Readable {
  return Readable.from(octets(entries), { objectMode: false });
}
