/**
 * The dialogs the other node's Kamailio still has (a pair, docs/ha.md "Switching over by hand"): after a
 * switchover the old leader is alive and carries its conversations to their end, so the new leader's re-sync must
 * not close a call whose dialog lives there. Asked only when the re-sync finds calls of the other node; a dead or
 * unreachable peer answers nothing within 500 ms, and its calls are then lost as before.
 */
import { KamailioRpc } from '../engine/kamailio/jsonrpc.ts';
import type { Logger } from '../app/logger.ts';

const TIMEOUT_MS = 500;

export async function peerDialogIds(log: Logger, url = process.env.CTI_PEER_KAMAILIO_RPC_URL): Promise<Set<string>> {
  if (!url) return new Set();
  try {
    const list = await new KamailioRpc({ url, timeoutMs: TIMEOUT_MS }).dlgList();
    return new Set(list.filter((d) => Number(d.state) < 5).map((d) => String(d['call-id'] ?? '').trim()));
  } catch (err) {
    log.info({ err: String(err) }, "the other node's Kamailio does not answer: its calls are not alive there");
    return new Set();
  }
}
