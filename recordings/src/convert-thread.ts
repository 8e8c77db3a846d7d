/**
 * convertCall on a worker thread (convert-worker.ts): the spool's converter in the control plane, so that decoding a
 * pcap and writing its WAV (tens to hundreds of milliseconds of CPU for a long call) never blocks the event loop
 * that handles calls. One thread, started on first use and again after it died; requests wait in order (the spool
 * converts one recording at a time, so this is its back-pressure). An error comes back as the same CtiError.
 */
import { Worker } from 'node:worker_threads';
import { CtiError, type ErrorCode } from '../../control/src/errors/catalogue.ts';
import type { ConvertOptions, ConvertResult } from './convert.ts';

export interface ConvertRequest extends ConvertOptions { id: number; metadataPath: string }
export type ConvertReply =
  | { id: number; ok: true; result: ConvertResult }
  | { id: number; ok: false; error: { code?: ErrorCode; details?: unknown; message: string; errno?: string } };

/**
 * The worker. From TypeScript source (the control plane runs `node --import tsx`) the worker must load a .ts file,
 * and `--import tsx` does not reach a worker thread's own module loading on Node 20: a small bootstrap registers
 * tsx's loader in the thread, then imports the worker. Built JavaScript would start the worker file directly.
 */
function startWorker(): Worker {
  const url = new URL(`./convert-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`
    + '.catch((e) => { setImmediate(() => { throw e; }); });';
  return new Worker(boot, { eval: true });
}

interface Pending { metadataPath: string; resolve(r: ConvertResult): void; reject(e: Error): void }

/**
 * The thread stopped (closed at shutdown, or it died) before it answered: not the recording's fault. `retry` tells
 * the spool to leave the files where they are and convert them on its next poll.
 */
export class ConversionInterrupted extends Error {
  readonly retry = true;
}

/** A recording whose conversion killed the thread this often is failed instead of retried (a poison pcap). */
const MAX_DEATHS_PER_RECORDING = 2;

export class ConvertThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly deaths = new Map<string, number>();
  private closing = false;
  private next = 0;

  /** Converts one recording on the thread; rejects with the converter's CtiError, or CTI_INTERNAL if the thread died. */
  convert(metadataPath: string, opts: ConvertOptions): Promise<ConvertResult> {
    const id = ++this.next;
    return new Promise<ConvertResult>((resolve, reject) => {
      this.pending.set(id, { metadataPath, resolve, reject });
      this.thread().postMessage({ id, metadataPath, outPath: opts.outPath, callerHeld: opts.callerHeld } satisfies ConvertRequest);
    });
  }

  /** Stops the thread; a conversion in progress is rejected (the spool converts it again on its next poll). */
  async close(): Promise<void> {
    const w = this.worker;
    this.closing = true;
    try {
      if (w) await w.terminate();
    } finally {
      this.worker = undefined;
      this.closing = false;
    }
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker();
    w.unref();
    w.on('message', (reply: ConvertReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      this.deaths.delete(p.metadataPath);
      if (reply.ok) p.resolve(reply.result);
      else if (reply.error.code) p.reject(new CtiError(reply.error.code, reply.error.details, reply.error.message));
      else p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.errno }));
    });
    const died = (why: string) => {
      if (this.worker === w) this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        const deaths = this.closing ? 0 : (this.deaths.get(p.metadataPath) ?? 0) + 1;
        if (deaths > 0) this.deaths.set(p.metadataPath, deaths);
        if (deaths >= MAX_DEATHS_PER_RECORDING) {
          this.deaths.delete(p.metadataPath);
          p.reject(new CtiError('CTI_INTERNAL', { reason: `the recording conversion thread ${why} ${deaths} times converting it` }));
        } else p.reject(new ConversionInterrupted(`the recording conversion thread ${why}`));
      }
    };
    w.on('error', (e) => died(`failed: ${e.message}`));
    w.on('exit', (code) => died(`exited (${code})`));
    this.worker = w;
    return w;
  }
}
