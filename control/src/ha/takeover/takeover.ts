/**
 * The surviving node of a pair takes over the callers the dead node had queued (docs/ha.md, "Queued callers when a
 * node dies"). Their INVITE server transactions died with the other node's Kamailio, but every queued call's INVITE
 * as received is kept in Redis (identity.ts). On the re-sync after taking the lead (calls/flow/sync.ts), each such
 * call is taken out of the queue (its transaction ids name the dead node's transaction) and its INVITE is sent into
 * this node's Kamailio (sender.ts) with a one-time marker set over JSON-RPC together with the gateway's address, which
 * Kamailio then takes as the request's source (route TAKEOVER_MARK). Kamailio creates the transaction with the gateway's branch, answers 180 with its own To-tag and
 * reports `call.new` with `takeover`; arrival.ts then puts the call back at its place (same priority and arrival).
 * A call not confirmed within CONFIRM_MS, or that cannot be re-injected (no stored INVITE, a TCP/TLS trunk whose
 * connection died with the node), goes to `fallback`: listed at once for a callback, marked `failover`.
 */
import { randomBytes } from 'node:crypto';
import { dequeue } from '../../acd/queue.ts';
import { KamailioRpc } from '../../engine/kamailio/jsonrpc.ts';
import { getLiveCall, type LiveCall } from '../../calls/store.ts';
import type { FlowContext } from '../../calls/flow/context.ts';
import { getTakeoverIdentity } from './identity.ts';
import { markedInvite } from './invite.ts';
import { responseTarget, temporarilyUnavailable } from './final-response.ts';
import { parseHostPort, sendOverNewTcpConnection, TakeoverSender } from './sender.ts';

/** How long a re-injected INVITE may take to come back as `call.new` (milliseconds when idle; 3 s seen under load). */
const CONFIRM_MS = 5000;
/** Then how long the call may take to be back in line (its resync: facts, early media) before distribution goes on. */
const IN_LINE_MS = 5000;
/** UDP on the loopback path is not lost in practice; resent anyway (Kamailio absorbs a retransmission, same branch). */
const RESEND_MS = 250;
const POLL_MS = 20;
/** htable ri in the cfg: the marker Kamailio compares the X-CTI-Takeover header with. */
const MARKER_TABLE = 'ri';
/** Retry-After of the final response to a caller that cannot be taken over: the centre answers again at once. */
const RETRY_AFTER_S = 1;

/** A call queued (or being offered) on another node of the pair, which this node can take over. */
export function isTakeoverCandidate(call: LiveCall, node: string | undefined): boolean {
  return node !== undefined && call.node !== undefined && call.node !== node && (call.state === 'queued' || call.state === 'offering');
}

export async function takeOverQueuedCalls(f: FlowContext, calls: LiveCall[], fallback: (call: LiveCall) => Promise<void>): Promise<void> {
  if (calls.length === 0) return;
  const rpc = new KamailioRpc({ url: f.deps.config.kamailioRpcUrl });
  const sender = new TakeoverSender();
  const startedMs = Date.now();
  // the batch may outlast the re-sync's hold under load: no call is offered before every taken-over call is back in line
  f.distributor.holdForSync(CONFIRM_MS + IN_LINE_MS);
  let taken = 0;
  try {
    await Promise.all(calls.map(async (call) => {
      let ok = false;
      try {
        ok = await takeOver(f, rpc, sender, call);
      } catch (err) {
        f.deps.log.error({ call: call.sipCallId, err: String(err), code: (err as { code?: string }).code }, 'takeover: re-injection failed');
      }
      if (ok) {
        taken++;
        await waitUntil(() => inLine(f, call), IN_LINE_MS);
        return;
      }
      // in the call's own chain, after a call.new that came late (then the call is this node's: kept)
      await f.serial.run(call.sipCallId, async () => { if (!(await arrived(f, call))) await fallback(call); });
    }));
  } finally {
    sender.close();
  }
  f.deps.log.info({ calls: calls.length, taken, ms: Date.now() - startedMs }, 'takeover of the other node\'s queued calls done');
}

async function takeOver(f: FlowContext, rpc: KamailioRpc, sender: TakeoverSender, call: LiveCall): Promise<boolean> {
  const id = await getTakeoverIdentity(f.deps.redis, call.sipCallId);
  const source = id && parseHostPort(id.source);
  const destination = id && parseHostPort(id.destination);
  if (!id || !source || !destination || id.proto !== 'udp' || source.host.includes(':')) {
    // TCP/TLS: the gateway's transaction is bound to the connection that died with the other node (docs/ha.md)
    f.deps.log.warn({ call: call.sipCallId, proto: id?.proto, stored: id !== undefined }, 'takeover: the call cannot be re-injected');
    if (id?.proto === 'tcp') await answerOverTcp(f, call, id.invite);
    return false;
  }
  const marker = randomBytes(18).toString('base64url');
  const datagram = markedInvite(id.invite, marker);
  // out of the queue first: its transaction ids name the dead node's transaction, never to be resumed here
  await dequeue(f.deps.redis, call.queueId, call.sipCallId);
  await rpc.htableSetString(MARKER_TABLE, call.sipCallId, `${marker}|udp:${source.host}:${source.port}`);
  const deadline = Date.now() + CONFIRM_MS;
  while (Date.now() < deadline) {
    await sender.send(destination, datagram);
    if (await waitUntil(() => arrived(f, call), Math.min(RESEND_MS, deadline - Date.now()))) return true;
  }
  return arrived(f, call);
}

async function waitUntil(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** No silence: 480 over a new TCP connection to the gateway (final-response.ts); the caller is then listed for a callback. */
async function answerOverTcp(f: FlowContext, call: LiveCall, invite: Buffer): Promise<void> {
  try {
    const target = responseTarget(invite);
    await sendOverNewTcpConnection(target, temporarilyUnavailable(invite, RETRY_AFTER_S));
    f.deps.log.info({ call: call.sipCallId, to: `${target.host}:${target.port}` }, 'takeover: 480 sent to the gateway over a new TCP connection');
  } catch (err) {
    f.deps.log.warn({ call: call.sipCallId, err: String(err) }, 'takeover: no final response could be sent to the gateway');
  }
}

/** This node's Kamailio reported the re-injected INVITE (arrival.ts took its transaction ids), or the call is over. */
async function arrived(f: FlowContext, call: LiveCall): Promise<boolean> {
  const live = await getLiveCall(f.deps.redis, call.sipCallId);
  return !live || live.tindex !== call.tindex || live.tlabel !== call.tlabel || live.node === f.deps.config.node || isOver(live);
}

/** The taken-over call is back in line (arrival.ts marks it as this node's last), or over. */
async function inLine(f: FlowContext, call: LiveCall): Promise<boolean> {
  const live = await getLiveCall(f.deps.redis, call.sipCallId);
  return !live || live.node === f.deps.config.node || isOver(live);
}

const isOver = (c: LiveCall): boolean => c.state === 'abandoned' || c.state === 'ended';
