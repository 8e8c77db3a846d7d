/**
 * The worker thread that converts recordings (convert-thread.ts starts it): one message in, `{ metadataPath, outPath,
 * id }`, one message out, the ConvertResult (Dates survive the structured clone) or the error as plain data, so
 * that decoding a long call's pcap never runs on the event loop that handles calls (docs/recordings.md).
 */
import { parentPort } from 'node:worker_threads';
import { isCtiError } from '../../control/src/errors/catalogue.ts';
import { convertCall } from './convert.ts';
import type { ConvertReply, ConvertRequest } from './convert-thread.ts';

if (!parentPort) throw new Error('convert-worker.ts runs as a worker thread (convert-thread.ts)');
const port = parentPort;

port.on('message', (req: ConvertRequest) => {
  convertCall(req.metadataPath, { outPath: req.outPath, callerHeld: req.callerHeld }).then(
    (result) => port.postMessage({ id: req.id, ok: true, result } satisfies ConvertReply),
    (e: unknown) => port.postMessage({
      id: req.id,
      ok: false,
      error: isCtiError(e)
        ? { code: e.code, details: e.details, message: e.message }
        : { message: e instanceof Error ? e.message : String(e), errno: (e as NodeJS.ErrnoException).code },
    } satisfies ConvertReply),
  );
});
