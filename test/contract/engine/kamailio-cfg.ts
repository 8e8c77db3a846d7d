/** A minimal Kamailio 5.6 config for the engine contract tests: evapi echo, JSON-RPC over xhttp, registrar, htable. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface KamailioTestPorts {
  sip: number;
  http: number;
  evapi: number;
}

export const KAMAILIO_MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

/** Writes kamailio.cfg plus a db_text directory (address table for permissions) into `dir`; returns the cfg path. */
export async function writeKamailioTestCfg(dir: string, ports: KamailioTestPorts): Promise<string> {
  const db = path.join(dir, 'db');
  await mkdir(db, { recursive: true });
  await writeFile(path.join(db, 'version'), 'table_name(string) table_version(int) \naddress:6\n');
  await writeFile(
    path.join(db, 'address'),
    'id(int,auto) grp(int) ip_addr(string) mask(int) port(int) tag(string,null) \n1:1:127.0.0.1:32:0:loopback\n',
  );
  const cfg = `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:${ports.sip}
listen=tcp:127.0.0.1:${ports.http}
tcp_accept_no_cl=yes
alias="127.0.0.1:${ports.sip}"

mpath="${KAMAILIO_MODULES}"
loadmodule "jsonrpcs.so"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "xhttp.so"
loadmodule "evapi.so"
loadmodule "jansson.so"
loadmodule "htable.so"
loadmodule "rr.so"
loadmodule "dialog.so"
loadmodule "db_text.so"
loadmodule "permissions.so"

modparam("jsonrpcs", "transport", 1)
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("evapi", "bind_addr", "127.0.0.1:${ports.evapi}")
modparam("evapi", "netstring_format", 1)
modparam("htable", "htable", "t=>size=4;autoexpire=0")
modparam("permissions", "db_url", "text://${db}")
modparam("permissions", "load_backends", 1)

request_route {
	if (is_method("REGISTER")) {
		if (!save("location")) { sl_reply_error(); }
		exit;
	}
	sl_send_reply("404", "Not here");
}

event_route[htable:mod-init] {
	$sht(t=>acks) = 0;
}

event_route[evapi:message-received] {
	$var(action) = "";
	jansson_get("action", "$evapi(msg)", "$var(action)");
	if ($var(action) == "ack") {
		$var(n) = $shtinc(t=>acks);
	} else if ($var(action) == "raw") {
		jansson_get("text", "$evapi(msg)", "$var(text)");
		evapi_relay("$var(text)");
	} else {
		evapi_relay("{\\"echo\\":$evapi(msg)}");
	}
}

event_route[xhttp:request] {
	if ($hu =~ "^/RPC") { jsonrpc_dispatch(); exit; }
	xhttp_reply("404", "Not Found", "", "");
}
`;
  const file = path.join(dir, 'kamailio.cfg');
  await writeFile(file, cfg);
  return file;
}
