/**
 * The seat's Contact in a dialog of Kamailio's `dlg.list` (JSON-RPC), for a ring-all answer the sync records: Kamailio
 * 5.6 nests it as `callee.contact` (dialog module, dlg_internal_rpc_print_dlg: "caller"/"callee" structs of tag,
 * contact, cseq, route_set, socket). The sync read a flat `callee_contact` that dlg.list never has, so a call failed
 * open and answered while no control plane ran, still up at the sync, was recorded talking with no seat (crash test,
 * kill -9 part: 6 calls "failed_open, ended normal" without the answering seat).
 */
export function calleeContact(dialog: Record<string, unknown>): string {
  const callee = dialog.callee;
  if (callee && typeof callee === 'object' && 'contact' in callee) return String((callee as { contact?: unknown }).contact ?? '').trim();
  return '';
}
