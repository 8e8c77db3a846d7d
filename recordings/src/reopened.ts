/**
 * A finished metadata file that is not the end of its recording: a call held as "foreign" on a pair.
 *
 * A pair's rtpengine holds the peer's calls from Redis (keyspace notifications, docs/ha.md "Calls in conversation").
 * On every update of such a call by the peer, rtpengine 10.5 (daemon/redis.c on_redis_notification) destroys its
 * foreign copy and restores it: the destroy finishes the recording (the pcap closed with its 24-octet header, the
 * metadata renamed from tmp/ into metadata/ with its "call end time"), and the restore starts it again under the
 * same name (recording_meta_prefix from Redis): tmp/<name>.tmp opened anew and the pcap truncated, its header
 * still in stdio's buffer. So metadata/ holds a complete-looking file whose pcap is empty (or growing, once the
 * call is taken over) until the call really ends. Converting it then gave `CTI_RECORDING_MALFORMED` ("shorter than
 * its 24-octet global header") or a cut recording, and moved the pcap rtpengine was still writing.
 *
 * The rule: the recording is still open while tmp/<name>.tmp exists. Between the destroy and the restore (one
 * function call in rtpengine's notification thread, a Redis read in between) neither file says so, hence also a
 * settling time: a metadata file is taken only once it has not changed for `settleMs`.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingMetadata } from './metadata.ts';
import { GLOBAL_HEADER_LENGTH } from './pcap.ts';

/** Far above rtpengine's destroy-then-restore of a foreign call (milliseconds), below the spool's poll interval. */
export const DEFAULT_SETTLE_MS = 1000;

/** rtpengine's path of the open metadata file for a finished one (recording.c meta_setup_file). */
export function openMetadataPath(spoolDir: string, finishedName: string): string {
  return join(spoolDir, 'tmp', finishedName.replace(/\.txt$/, '.tmp'));
}

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** True while rtpengine may still write the recording of the finished metadata file `name` in `spoolDir`. */
export async function stillRecording(spoolDir: string, name: string, settleMs: number, now = Date.now()): Promise<boolean> {
  if ((await mtimeMs(openMetadataPath(spoolDir, name))) !== undefined) return true;
  const finished = await mtimeMs(join(spoolDir, 'metadata', name));
  // mtime has sub-millisecond precision, Date.now() is truncated: a file written in this very millisecond must not
  // look younger than 0 ms (with settleMs 0 it counted as still recording: a unit test failed by chance)
  return finished !== undefined && now - Math.floor(finished) < settleMs;
}

/**
 * The last finish of a foreign copy that never became this node's call: the peer ended the call (Redis DEL), so
 * rtpengine destroyed the copy, which never processed an offer or answer here (no SDP in the metadata, its first
 * monologue never terminated here) and never received a packet (the pcap is its 24-octet header alone). It is
 * no recording of this node's: the call was recorded by the peer. Converting it raised `CTI_RECORDING_NO_MEDIA`
 * and a `recording_failed` alarm for a call recorded elsewhere (one per call of the peer, seen on a pair). A call
 * of which no node has a recording is still alarmed by the recording watch (`recording_missing`).
 */
export function isUntouchedForeignCopy(meta: RecordingMetadata, pcapBytes: number): boolean {
  return meta.exchanges.length === 0 && (meta.terminatedAtMs ?? 0) === 0 && pcapBytes <= GLOBAL_HEADER_LENGTH;
}
