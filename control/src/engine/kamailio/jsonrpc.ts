/**
 * Kamailio RPC over HTTP: the jsonrpcs module behind xhttp (JSON-RPC 2.0, https://www.jsonrpc.org/specification).
 * Kamailio answers errors as {"error":{"code","message"}} with the request's id.
 */
import { CtiError } from '../../errors/catalogue.ts';
import { parseUlDump, type UlContact } from './ul-dump.ts';
import { timed, type RequestObserver } from '../timing.ts';

export type { UlContact };

export interface KamailioRpcOptions {
  /** e.g. http://127.0.0.1:5080/RPC */
  url: string;
  timeoutMs?: number;
  /** Told how long each method took (metrics). */
  observe?: RequestObserver;
}

export interface HtableItem {
  name: string;
  value: string | number;
}

interface RpcResponse {
  jsonrpc?: string;
  id?: unknown;
  result?: unknown;
  error?: { code?: number; message?: string };
}

export class KamailioRpc {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly observe: RequestObserver | undefined;
  private nextId = 1;

  constructor(opts: KamailioRpcOptions) {
    this.url = opts.url;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.observe = opts.observe;
  }

  call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    return timed(this.observe, method, () => this.send<T>(method, params));
  }

  private async send<T>(method: string, params: unknown[]): Promise<T> {
    const id = this.nextId++;
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method, params, id }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new CtiError('CTI_ENGINE_UNAVAILABLE', { engine: 'kamailio', method, url: this.url, reason: (err as Error).cause ? String((err as Error).cause) : String(err) });
    }
    const text = await res.text();
    let body: RpcResponse;
    try {
      body = JSON.parse(text) as RpcResponse;
    } catch {
      throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'kamailio', method, status: res.status, reason: 'response is not JSON', body: text.slice(0, 200) });
    }
    if (body.error) {
      throw new CtiError('CTI_KAMAILIO_RPC_ERROR', { method, code: body.error.code, message: body.error.message });
    }
    if (body.id !== id) {
      throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'kamailio', method, reason: `response id ${String(body.id)} does not match request id ${id}` });
    }
    return body.result as T;
  }

  /** e.g. "kamailio 5.6.3 (x86_64/linux)". */
  async coreVersion(): Promise<string> {
    const r = await this.call<unknown>('core.version');
    if (typeof r !== 'string') throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'kamailio', method: 'core.version', reason: 'result is not a string' });
    return r.trim();
  }

  async ulDump(): Promise<UlContact[]> {
    return parseUlDump(await this.call<unknown>('ul.dump'));
  }

  async permissionsAddressReload(): Promise<void> {
    await this.call('permissions.addressReload');
  }

  /** dispatcher re-reads its `dispatcher` view (trunk groups' members). */
  async dispatcherReload(): Promise<void> {
    await this.call('dispatcher.reload');
  }

  async htableGet(table: string, key: string): Promise<string | number | undefined> {
    try {
      const r = await this.call<{ item?: HtableItem }>('htable.get', [table, key]);
      return r?.item?.value;
    } catch (e) {
      if (e instanceof CtiError && e.code === 'CTI_KAMAILIO_RPC_ERROR' && isKeyNotFound(e.details)) return undefined;
      throw e;
    }
  }

  async htableSetString(table: string, key: string, value: string): Promise<void> {
    await this.call('htable.sets', [table, key, value]);
  }

  async htableSetInt(table: string, key: string, value: number): Promise<void> {
    await this.call('htable.seti', [table, key, value]);
  }

  /** True when the key existed. */
  async htableDelete(table: string, key: string): Promise<boolean> {
    try {
      await this.call('htable.delete', [table, key]);
      return true;
    } catch (e) {
      if (e instanceof CtiError && e.code === 'CTI_KAMAILIO_RPC_ERROR' && isKeyNotFound(e.details)) return false;
      throw e;
    }
  }

  /** All items of a table, flattened from htable.dump's slots. */
  async htableDump(table: string): Promise<HtableItem[]> {
    const r = await this.call<unknown>('htable.dump', [table]);
    const out: HtableItem[] = [];
    for (const slot of Array.isArray(r) ? r : []) {
      const entries = (slot as { slot?: unknown }).slot;
      for (const item of Array.isArray(entries) ? entries : []) {
        const { name, value } = item as Partial<HtableItem>;
        if (typeof name === 'string' && value !== undefined) out.push({ name, value });
      }
    }
    return out;
  }

  async dlgList(): Promise<Record<string, unknown>[]> {
    const r = await this.call<unknown>('dlg.list');
    return Array.isArray(r) ? (r as Record<string, unknown>[]) : [];
  }

  /** The DMQ nodes this Kamailio knows (dmq.list_nodes; 5.6: host, port, status "active"/"pending"/..., local). */
  async dmqNodes(): Promise<DmqNode[]> {
    const r = await this.call<unknown>('dmq.list_nodes');
    return (Array.isArray(r) ? (r as Record<string, unknown>[]) : []).map((n) => ({
      host: String(n.host ?? ''), port: String(n.port ?? ''), status: String(n.status ?? ''), local: Number(n.local ?? 0) === 1,
    }));
  }
}

export interface DmqNode {
  readonly host: string;
  readonly port: string;
  /** "active" while DMQ replicates to it; "pending" (5.6) after an unanswered ping or notification, until a ping answers. */
  readonly status: string;
  readonly local: boolean;
}

/** htable.get answers 500 "Key name doesn't exist in htable.", htable.delete 404 "Key not found in htable." (5.6.3). */
function isKeyNotFound(details: unknown): boolean {
  const d = details as { code?: number; message?: string } | undefined;
  return /not found|doesn't exist/i.test(d?.message ?? '');
}
