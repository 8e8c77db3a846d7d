#!KAMAILIO
# Minimal stand-in for engine/kamailio/kamailio.cfg.tpl, used by the stack contract test while that
# template does not exist: SIP on UDP+TCP, JSON-RPC and WebSocket on the xhttp port, evapi, rtpengine,
# and a PostgreSQL connection through DB_URL. Every placeholder of the real map appears here.
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:{{SIP_IP}}:{{SIP_PORT}}
listen=tcp:{{SIP_IP}}:{{SIP_PORT}}
listen=tcp:{{SIP_IP}}:{{HTTP_PORT}}
tcp_accept_no_cl=yes
alias="{{SIP_DOMAIN}}"

mpath="{{MPATH}}"
loadmodule "jsonrpcs.so"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "ctl.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "evapi.so"
loadmodule "rtpengine.so"
loadmodule "db_postgres.so"
loadmodule "sqlops.so"

modparam("jsonrpcs", "transport", 7)
modparam("jsonrpcs", "fifo_name", "{{RUN_DIR}}/kamailio_rpc.fifo")
modparam("jsonrpcs", "dgram_socket", "{{RUN_DIR}}/kamailio_rpc.sock")
modparam("ctl", "binrpc", "unix:{{RUN_DIR}}/kamailio_ctl")
modparam("evapi", "bind_addr", "{{SIP_IP}}:{{EVAPI_PORT}}")
modparam("evapi", "netstring_format", 1)
modparam("rtpengine", "rtpengine_sock", "udp:{{SIP_IP}}:{{RTPENGINE_NG_PORT}}")
modparam("sqlops", "sqlcon", "cti=>{{DB_URL}}")
modparam("pv", "shvset", "failopen=i:{{FAILOPEN_AFTER_MS}}")
modparam("pv", "shvset", "qlife=i:{{QUEUE_MAX_MS}}")

request_route {
	if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
	sl_send_reply("404", "Not here");
}

event_route[xhttp:request] {
	if ($hu =~ "^/RPC") { jsonrpc_dispatch(); exit; }
	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {
		if (ws_handle_handshake()) { exit; }
	}
	xhttp_reply("404", "Not Found", "", "");
}
