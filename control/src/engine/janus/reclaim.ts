/**
 * Claiming a Janus session again after the WebSocket dropped (Janus `claim` request, janus.c; kept alive meanwhile
 * by reclaim_session_timeout, media/janus/janus.jcfg.tpl). janode 1.8 has no claim: it destroys its Session object
 * when the socket closes. So this file rebuilds janode's Session and the AudioBridge handle around the known ids,
 * using janode's own classes and its connection's session table (`_sessions`, the one private member touched;
 * janode is pinned to 1.8.0 in package.json for that reason). The participants' handles are not rebuilt: every
 * later operation on a participant goes through the room-level requests (kick, mute, unmute) by feed id.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { Connection, Session } from 'janode';
import AudioBridgePlugin from 'janode/plugins/audiobridge';
import type { AudioBridgeHandle } from './types.ts';

type SessionClass = new (connection: Connection, id: number, kaSeconds: number) => Session;

let sessionClass: Promise<SessionClass> | undefined;

/** janode's Session class (not in its package exports: loaded from the file beside its entry point). */
function loadSessionClass(): Promise<SessionClass> {
  sessionClass ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('janode');
    const mod = (await import(pathToFileURL(join(dirname(entry), 'session.js')).href)) as { default: SessionClass };
    return mod.default;
  })();
  return sessionClass;
}

export interface Reclaimed {
  session: Session;
  bridge: AudioBridgeHandle;
}

/** Claims session `sessionId` on `connection` and rebuilds its AudioBridge handle `handleId`; throws if Janus refuses. */
export async function reclaimSession(connection: Connection, sessionId: number, handleId: number, kaSeconds: number): Promise<Reclaimed> {
  const Session = await loadSessionClass();
  const session = new Session(connection, sessionId, kaSeconds);
  const table = (connection as unknown as { _sessions: Map<number, Session> })._sessions;
  table.set(sessionId, session);
  try {
    await (session as unknown as { sendRequest(r: object): Promise<unknown> }).sendRequest({ janus: 'claim' });
  } catch (err) {
    table.delete(sessionId);
    throw err;
  }
  const bridge = new AudioBridgePlugin.Handle(session, handleId) as AudioBridgeHandle;
  (session as unknown as { _handles: Map<number, unknown> })._handles.set(handleId, bridge);
  return { session, bridge };
}
