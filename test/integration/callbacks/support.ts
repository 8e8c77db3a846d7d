/**
 * Helpers for the callback tests: people with roles (their own sessions), the gateway that takes outbound calls
 * (a SIPp UAS on a trunk port, logging the caller id it is given), a caller who abandons in the queue, and
 * Kamailio's callback authorisation table read over JSON-RPC.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, startSipp, type SippHandle } from '../../support/sipp.ts';
import { waitFor, type CallCentre, type Trunk } from '../support/callcentre.ts';

export interface Person { id: string; username: string; token: string }

export async function createPerson(cc: CallCentre, username: string, roles: string[]): Promise<Person> {
  const password = `${username}-pass-2024`;
  const created = await cc.apiOk<{ id: string }>('POST', '/v1/users', { username, display_name: `测试 ${username}`, password, roles }, [201]);
  const res = await fetch(`${cc.apiUrl}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  const body = await res.json() as { token: string };
  return { id: created.id, username, token: body.token };
}

/** One API call as `who`; never throws on a status. */
export async function as<T = any>(cc: CallCentre, who: Person, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${who.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${cc.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface Gateway { trunk: Trunk; uas: SippHandle; logFile: string }

/** The trunk gateway: a trunk whose address is a SIPp UAS that answers one outbound call and logs its caller id. */
export async function startGateway(cc: CallCentre): Promise<Gateway> {
  const port = await freeUdpPort();
  const trunk = await cc.createTrunkPort(port, `gw-${port}`);
  const logFile = join(mkdtempSync(join(tmpdir(), 'cti120-gw-')), 'gateway.log');
  const uas = await startSipp({
    scenario: 'uas-gateway-answer-audio-log-caller-id.xml', localPort: port, service: 'gateway', calls: 1, timeoutS: 120,
    extraArgs: ['-trace_logs', '-log_file', logFile],
  });
  return { trunk, uas, logFile };
}

/** The caller id the gateway logged for its call: From user, P-Asserted-Identity user, Request-URI user. */
export async function gatewayCallerId(g: Gateway): Promise<{ from: string; pai: string; ruri: string }> {
  const line = await waitFor(() => {
    if (!existsSync(g.logFile)) return undefined;
    return readFileSync(g.logFile, 'utf8').split('\n').find((l) => l.includes('CALLER_ID'));
  }, 10_000, 'the gateway\'s CALLER_ID log line');
  const m = /from=(\S*) pai=(\S*) ruri=(\S*)/.exec(line);
  if (!m) throw new Error(`unexpected gateway log line: ${line}`);
  return { from: m[1]!, pai: m[2]!, ruri: m[3]! };
}

/** A trunk caller who hangs up in the queue after cancelMs (nobody ready): an abandoned call. */
export async function abandonFrom(cc: CallCentre, trunk: Trunk, caller: string, cancelMs = 1000): Promise<void> {
  const r = await cc.runCaller(trunk, {
    scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: String(cancelMs) }, injection: [{ caller, display: 'caller' }],
  });
  if (!r.ok) throw new Error(`the abandoning caller failed: exit ${r.exitCode}\n${r.errorLog}\n${r.messageLog}`);
}

/** Kamailio's callback authorisation for (SIP user, number), or undefined (htable.get over JSON-RPC). */
export async function kamailioAuthorisation(cc: CallCentre, sipUser: string, number: string): Promise<string | undefined> {
  const res = await fetch(cc.info.kamailio.rpcUrl, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'htable.get', params: ['cb', `${sipUser}|${number}`], id: 1 }),
  });
  const body = await res.json() as { result?: { item?: { value?: string } }; error?: unknown };
  return body.result?.item?.value;
}
