/** What Kamailio's dispatcher module holds (JSON-RPC `dispatcher.list`): each gateway URI's flags, e.g. 'AP' (active, probing). */
export async function dispatcherFlags(rpcUrl: string): Promise<Record<string, string>> {
  const res = await fetch(rpcUrl, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'dispatcher.list', id: 1 }),
  });
  const body = await res.json() as { result?: { RECORDS?: Array<{ SET: { ID: number; TARGETS?: Array<{ DEST: { URI: string; FLAGS: string } }> } }> } };
  const out: Record<string, string> = {};
  for (const r of body.result?.RECORDS ?? []) for (const t of r.SET.TARGETS ?? []) out[t.DEST.URI] = t.DEST.FLAGS;
  return out;
}
