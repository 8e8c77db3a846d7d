#!KAMAILIO
#
# 120 CTI core: the SIP edge. Rendered by scripts/stack (placeholders in double braces).
#
# Kamailio owns SIP state; the control plane (TypeScript, over evapi) owns every decision.
# A call to the centre is suspended in tm (evapi_async_relay) and reported as `call.new`;
# the control plane resumes it with `offer` (relay to a seat), `offer_many` (ring_all: fork to several
# seats), `overflow` (relay to another centre's SIP address), or `ringall` (fail open).
# Emergency rule: no route in this file ends a caller's INVITE with an error of ours.
# If the control plane is absent, calls ring every registered seat (the ring-all AoR).
#
# evapi protocol (JSON in netstrings; every string that comes from SIP is base64, see docs/engine.md):
#   to the control plane:  call.new, call.sync, offer.ringing, offer.answered, offer.failed,
#                          call.cancelled, invite.ended, call.bye, call.failed_open, resumed, resume_failed,
#                          seat.registered, seat.unregistered, sync.done,
#                          callback.started, callback.answered, callback.failed, callback.refused (route[OUTBOUND])
#   from the control plane: ack, offer, offer_many, overflow, ringall, early, reject, end, sync
#   offer.* events carry "kind": seat (one seat), many (ring_all; seat = the one that rang or answered),
#   overflow (another centre; attempt = the overflow's seq). $avp(seat) is "~many" / "~overflow" for those.
#
# Flags: 1 trunk source, 4 dialog, 5 queued call, 7 in-dialog request came over WebSocket, 8 re-injected by the
# control plane on a node's takeover (route TAKEOVER_MARK, docs/ha.md "Queued callers when a node dies")
# Branch flags: 6 destination is a WebSocket (browser) seat

####### Global parameters #########
debug=2
log_stderror=yes
log_facility=LOG_LOCAL0
log_prefix="{$mt $hdr(CSeq) $ci} "
children=4
tcp_children=4
auto_aliases=no
pv_buffer_size=65536
# each offer adds a branch and each re-suspension a blind one: the control plane fails open before 30
max_branches=30
listen=udp:{{SIP_IP}}:{{SIP_PORT}}
listen=tcp:{{SIP_IP}}:{{SIP_PORT}}
listen=tcp:{{SIP_IP}}:{{HTTP_PORT}}
#!ifdef WITH_TLS
# Secure SIP WebSocket (WSS) for the consoles: set by the stack (kamailio -A WITH_TLS) only when the
# certificate exists (.run/tls/server.crt, see scripts/setup.d/30-tls.sh); xhttp answers the handshake.
enable_tls=yes
listen=tls:{{SIP_IP}}:{{WSS_PORT}}
#!endif
#!ifdef WITH_PAIR
# A node of a pair (scripts/stack/pair.ts, docs/ha.md): the floating SIP address that keepalived (VRRP) holds on the
# master node (bound before it arrives: net.ipv4.ip_nonlocal_bind=1), and DMQ between the nodes on a port of its own.
listen=udp:{{PAIR_VIP}}:{{SIP_PORT}}
listen=tcp:{{PAIR_VIP}}:{{SIP_PORT}}
listen=udp:{{SIP_IP}}:{{DMQ_PORT}}
alias="{{PAIR_VIP}}:{{SIP_PORT}}"
#!endif
#!ifdef WITH_PAIR
# Browser seats of a pair (docs/ha.md, "Browser seats"): SIP over WebSocket on the floating address too, so that a
# seat's WebSocket and the Record-Route of its dialogs move to the surviving node; JSON-RPC is refused there (xhttp).
listen=tcp:{{PAIR_VIP}}:{{HTTP_PORT}}
#!ifdef WITH_TLS
listen=tls:{{PAIR_VIP}}:{{WSS_PORT}}
#!endif
#!endif
alias="{{SIP_IP}}:{{SIP_PORT}}"
alias="{{SIP_DOMAIN}}:{{SIP_PORT}}"
tcp_accept_no_cl=yes
tcp_connection_lifetime=3605
user_agent_header="User-Agent: cti120"
server_header="Server: cti120"

#!define SIP_DOMAIN "{{SIP_DOMAIN}}"
#!define RINGALL_AOR "sip:ringall@{{SIP_DOMAIN}}"
# the first few registered seats: the fail-open of a call that has used most of its branches rings these
#!define RINGALL_CORE_AOR "sip:ringall-core@{{SIP_DOMAIN}}"
#!define RINGALL_CORE_MAX 4
# an INVITE transaction's branches (max_branches); $avp(brs) counts what a queued call has used
#!define BRANCH_LIMIT 30
#!define FLT_TRUNK 1
#!define FLT_DIALOG 4
#!define FLT_QUEUED 5
#!define BFL_WS 6
#!define FLT_FROM_WS 7
#!define FLT_TAKEOVER 8

mpath="{{MPATH}}"
#!ifdef WITH_TLS
# first: libpq (db_postgres) also uses OpenSSL, which tls must initialise itself
loadmodule "tls.so"
modparam("tls", "config", "{{TLS_CONFIG}}")
#!endif
loadmodule "jsonrpcs.so"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "db_postgres.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "ctl.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "permissions.so"
loadmodule "nathelper.so"
loadmodule "rtpengine.so"
loadmodule "evapi.so"
loadmodule "jansson.so"
loadmodule "xhttp.so"
loadmodule "xhttp_prom.so"
loadmodule "websocket.so"
# tcp:closed / tcp:reset / tcp:timeout event routes: a seat's WebSocket gone, told at once (calls/page-lost/)
loadmodule "tcpops.so"
loadmodule "htable.so"
#!ifdef WITH_PAIR
# before dialog: its DMQ replication (enable_dmq) registers with dmq when it initialises, in load order
loadmodule "dmq.so"
#!endif
loadmodule "dialog.so"
loadmodule "pike.so"
loadmodule "rtimer.so"
loadmodule "uac.so"
loadmodule "dispatcher.so"
#!ifdef WITH_PAIR
loadmodule "dmq_usrloc.so"
#!endif

####### Module parameters #########
modparam("jsonrpcs", "transport", 1)
# Prometheus /metrics on the JSON-RPC address (event_route[xhttp:request]): every internal statistic (tm, sl, core,
# usrloc, dialog, dispatcher ...) as kamailio_<group>_<name>; refused where /RPC is refused (docs/operations.md)
modparam("xhttp_prom", "xhttp_prom_stats", "all")
# the reply buffer, from private memory (the default takes the whole pkg pool and fails)
modparam("xhttp_prom", "xhttp_prom_buf_size", 262144)
modparam("ctl", "binrpc", "unix:{{RUN_DIR}}/kamailio_ctl")

# 3 s without any reply ends a non-INVITE transaction (and an INVITE before its first provisional reply). UDP
# retransmissions (T1 500 ms) still fit; dispatcher's OPTIONS probes time out on this timer (it ignores t_set_fr),
# so it bounds how fast a dead trunk gateway is taken out of service (trunk groups, below).
modparam("tm", "fr_timer", 3000)
modparam("tm", "fr_inv_timer", 60000)
modparam("tm", "max_inv_lifetime", 3600000)
# a CANCEL that reaches a branch before its first provisional reply (the caller hung up as the offer left): keep the
# INVITE going and CANCEL the branch when the seat's 100/180 comes (RFC 3261 9.1), instead of the default's internal
# 487, which left the seat ringing for a call that was gone and raced a late 200 (docs/engine.md)
modparam("tm", "cancel_b_method", 1)
modparam("rr", "append_fromtag", 1)
modparam("rr", "enable_double_rr", 1)

modparam("usrloc", "db_mode", 0)
modparam("usrloc", "handle_lost_tcp", 1)
modparam("usrloc", "close_expired_tcp", 1)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", 10)
modparam("registrar", "received_avp", "$avp(RECEIVED)")
# per-save settings ($xavp(reg=>max_contacts)): the ring-all AoR is capped (route REGISTRAR)
modparam("registrar", "xavp_cfg", "reg")
modparam("nathelper", "received_avp", "$avp(RECEIVED)")

modparam("auth_db", "db_url", "{{DB_URL}}")
modparam("auth_db", "calculate_ha1", 0)
modparam("auth_db", "password_column", "ha1")
modparam("auth_db", "load_credentials", "")
modparam("auth_db", "use_domain", 0)

modparam("permissions", "db_url", "{{DB_URL}}")
modparam("permissions", "load_backends", 1)
modparam("permissions", "address_table", "address")
modparam("permissions", "peer_tag_avp", "$avp(tag)")
modparam("permissions", "reload_delta", 0)

# Trunk groups (docs/trunks.md): dispatcher reads the `dispatcher` view (members of trunk_groups; set id = the
# group's setid) and probes every member with OPTIONS every 2 s. Two unanswered probes (3 s each, tm fr_timer)
# take a gateway out of service (at most 2 + 2 + 3 = 7 s after it died); two answered ones put it back.
# event_route[dispatcher:dst-down] / [dst-up] tell the control plane (trunk.down / trunk.up).
modparam("dispatcher", "db_url", "{{DB_URL}}")
modparam("dispatcher", "table_name", "dispatcher")
# the control plane reloads after every trunk change (trunks/reload.ts): no 5 s refusal between two reloads
modparam("dispatcher", "reload_delta", 0)
# failover: ds_select_domain keeps the other live members for ds_next_domain (OUTBOUND_FAILURE)
modparam("dispatcher", "flags", 2)
# ds_is_from_list puts the set id of the member it matched here (route OVERFLOW_GROUP)
modparam("dispatcher", "setid_pvname", "$avp(ds_setid)")
modparam("dispatcher", "ds_ping_method", "OPTIONS")
modparam("dispatcher", "ds_ping_from", "sip:cti120@{{SIP_DOMAIN}}")
modparam("dispatcher", "ds_ping_interval", 2)
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", 2)
modparam("dispatcher", "ds_inactive_threshold", 2)
# a gateway that answers OPTIONS at all is alive, even if it does not implement the method
modparam("dispatcher", "ds_ping_reply_codes", "code=403;code=404;code=405;code=501")

modparam("rtpengine", "rtpengine_sock", "udp:{{LOCAL_IP}}:{{RTPENGINE_NG_PORT}}")
modparam("rtpengine", "rtpengine_disable_tout", 5)

modparam("evapi", "bind_addr", "{{LOCAL_IP}}:{{EVAPI_PORT}}")
modparam("evapi", "netstring_format", 1)
modparam("evapi", "workers", 2)

# q: suspended calls, Call-ID -> "tindex:tlabel"; qd: Call-ID -> the call.new JSON (for re-sync after a reconnect)
modparam("htable", "htable", "q=>size=10;autoexpire=7200")
modparam("htable", "htable", "qd=>size=10;autoexpire=7200")
# Outcomes of calls (kept whether or not a control plane is connected: an event sent to one being killed is lost too;
# docs/ha.md "Next steps" 8), read by the control plane over JSON-RPC with the sync (calls/flow/away-outcomes.ts),
# deleted once applied, else left to expire. awa: Call-ID ->
# "<s>|<us>|<seat b64>|<contact b64>" of a queued call's answer; awe: Call-ID -> "<s>|<us>|<by>" of its BYE.
modparam("htable", "htable", "awa=>size=8;autoexpire=7200")
modparam("htable", "htable", "awe=>size=8;autoexpire=7200")
# awn: Call-ID -> the call.new JSON (without sdp, dst, takeover, invite) of a call that arrived while no control plane
# was connected: the sync records it if Kamailio failed it open meanwhile (calls/flow/away-arrival.ts)
modparam("htable", "htable", "awn=>size=8;autoexpire=7200")
# qr: Call-ID -> earliest time (s) of the next fail-open attempt
modparam("htable", "htable", "qr=>size=10;autoexpire=7200")
# ring_all forks: oc: "Call-ID|contact" -> seat user (filled before forking); ob: "Call-ID|branch index" -> seat user
modparam("htable", "htable", "oc=>size=10;autoexpire=600")
modparam("htable", "htable", "ob=>size=10;autoexpire=7200")
modparam("htable", "htable", "qe=>size=10;autoexpire=7200")
# qx: Call-ID -> "tindex:tlabel:code" of an INVITE transaction that has been ended (the caller's CANCEL, the control
# plane's `end` or `reject`): route ENDED_GUARD answers it instead of relaying, suspending or failing it open again
modparam("htable", "htable", "qx=>size=10;autoexpire=7200")
# cb: callback authorisations, "<seat SIP user>|<number>" -> "<work-list item>|<gateway host:port>|<presented number>";
# written by the control plane (htable.setxs, with an expiry) when a dispatcher claims an abandoned call
modparam("htable", "htable", "cb=>size=8;autoexpire=14400")
# Takeover of a dead node's queued callers (docs/ha.md): ri: Call-ID -> the one-time marker the control plane set (JSON-RPC
# htable.sets) before re-injecting that call's INVITE; cx: Call-ID -> 1, a CANCEL that came before the re-injection
modparam("htable", "htable", "ri=>size=8;autoexpire=60")
modparam("htable", "htable", "cx=>size=8;autoexpire=120")
# --- conference legs (docs/mixer.md) ---
# cf: "<room>-<token>" -> 1, a one-time invitation the control plane set (JSON-RPC htable.setxs, with an expiry)
modparam("htable", "htable", "cf=>size=8;autoexpire=600")
# an: Call-ID -> one-time anchor token (htable.setex), the seat's re-INVITE that moves it into the call's room (three-way);
# ana: Call-ID -> the CSeq of that re-INVITE, whose ACK is absorbed here
modparam("htable", "htable", "an=>size=8;autoexpire=120")
modparam("htable", "htable", "ana=>size=8;autoexpire=7200")
# asl: Call-ID -> 1, the dispatcher's seat left the call's three-way (docs/mixer.md "The dispatcher leaves"): set by
# the control plane (htable.sets) before it takes the seat out of the room; the seat's BYE and ACKs are answered here,
# a request from the caller's side is never relayed to the seat again (route SEAT_LEFT)
modparam("htable", "htable", "asl=>size=8;autoexpire=43200")
# wsu: "<source ip>:<port>" of a seat's SIP WebSocket -> the seat's SIP user, set on each REGISTER over ws/wss; when that
# WebSocket closes (tab closed, browser gone, network lost) the control plane is told which seat's page is gone
# (seat.connection_closed, event_route[websocket:closed]; calls/page-lost/, docs/consoles.md "Page closed mid-call")
modparam("htable", "htable", "wsu=>size=8;autoexpire=7200")
# --- end conference legs ---
# Blind transfers (docs/transfers.md): xf: one-time token -> transfer id, set by the control plane (JSON-RPC htable.sets)
# when a transfer starts; only a REFER whose Refer-To is sip:xfer-<live token> is forwarded (route TRANSFER_REFER),
# and only an INVITE to a live token is taken in as a transfer's new leg. Expiry: past any transfer's deadline.
modparam("htable", "htable", "xf=>size=8;autoexpire=120")

# outbound callbacks present the centre's number in From (restored towards the seat in the dialog)
modparam("uac", "restore_mode", "auto")

modparam("dialog", "dlg_flag", FLT_DIALOG)
modparam("dialog", "default_timeout", 43200)

modparam("pike", "sampling_time_unit", 2)
modparam("pike", "reqs_density_per_unit", 300)
modparam("pike", "remove_latency", 4)

modparam("websocket", "keepalive_mechanism", 0)

#!ifdef WITH_PAIR
# registrations on both nodes: every usrloc change is replicated to the peer, and a node that starts asks for all
modparam("dmq", "server_address", "sip:{{SIP_IP}}:{{DMQ_PORT}}")
modparam("dmq", "notification_address", "sip:{{DMQ_PEER}}:{{DMQ_PORT}}")
modparam("dmq", "num_workers", 2)
# the shortest interval DMQ takes (MIN_PING_INTERVAL 5): a peer marked not_active by one unanswered ping or
# notification gets nothing replicated until the next ping answers (docs/ha.md "Replication between the nodes")
modparam("dmq", "ping_interval", 5)
modparam("dmq_usrloc", "enable", 1)
modparam("dmq_usrloc", "sync", 1)
# calls in conversation survive the master's death (docs/ha.md): every dialog is replicated to the peer, so the node
# that takes the floating address knows the talking calls (the control plane's re-sync keeps them: dlg.list) and
# routes their BYE and re-INVITE (Record-Route carries the floating address)
modparam("dialog", "enable_dmq", 1)
#!endif

modparam("rtimer", "timer", "name=failopen;interval=1;mode=1;")
modparam("rtimer", "exec", "timer=failopen;route=FAILOPEN_SWEEP")

# cp_up: number of control-plane connections; cp_down_at: when the last one left (s since epoch; 0 = never seen)
modparam("pv", "shvset", "cp_up=i:0")
modparam("pv", "shvset", "cp_down_at=i:0")
modparam("pv", "shvset", "failopen_after_ms=i:{{FAILOPEN_AFTER_MS}}")
modparam("pv", "shvset", "queue_max_ms=i:{{QUEUE_MAX_MS}}")
#!ifdef WITH_PAIR
# fenced: 1 while keepalived is BACKUP or FAULT on this node (scripts/stack/services/vrrp-notify.sh): route FENCED
modparam("pv", "shvset", "fenced=i:0")
#!endif

####### Routing logic #########
request_route {
#!ifdef WITH_PAIR
	# DMQ between the nodes of the pair: only on the DMQ port and only from the peer
	if (is_method("KDMQ")) {
		if ($Rp == {{DMQ_PORT}} && $si == "{{DMQ_PEER}}") { dmq_handle_message(); }
		exit;
	}
#!endif
	# first: a re-injected INVITE takes the gateway's address as its source before anything looks at it
	if (is_present_hf("X-CTI-Takeover")) { route(TAKEOVER_MARK); }
	route(REQINIT);
	route(WSFIX);

	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "Keepalive");
		exit;
	}
	# a party of a conference room: Kamailio answers as UAS (route CONFERENCE, docs/mixer.md)
	if ($rU =~ "^conf-[0-9]+" && uri == myself) {
		route(CONFERENCE);
		exit;
	}
	if (has_totag()) {
		route(WITHINDLG);
		exit;
	}
	if (is_method("CANCEL")) {
		route(CANCEL);
		exit;
	}
	if (!is_method("ACK")) {
		t_check_trans();
	} else {
		if (t_check_trans()) { t_relay(); }
		exit;
	}

	if (is_method("REGISTER")) {
		route(REGISTRAR);
		exit;
	}
	if (!is_method("INVITE")) {
		sl_send_reply("405", "Method Not Allowed");
		exit;
	}
#!ifdef WITH_PAIR
	# An INVITE that arrived on the floating address while fenced: the address is on this node already (the kernel
	# takes no datagram for an address it does not have) and keepalived's notify_master has not unfenced it yet (seen:
	# a gateway's retransmission answered 503 in that window). keepalived puts the address here only while this node's
	# control plane holds the lease (docs/ha.md "Split brain"), so the call is taken as on the master.
	if ($shv(fenced) == 1 && $Ri != "{{PAIR_VIP}}") {
		route(FENCED);
		exit;
	}
#!endif

	route(AUTH);
	remove_hf("Route");
	record_route();
	setflag(FLT_DIALOG);

	# a transfer's new INVITE to a token that is not live: the caller is still on the old dialog (the gateway keeps it
	# when its new INVITE fails), so this refusal ends no caller's call
	if ($rU =~ "^xfer-" && $sht(xf=>$(rU{s.substr,5,0})) == $null) {
		xlog("L_WARN", "INVITE to $rU refused: not a live transfer token\n");
		sl_send_reply("404", "Not Found");
		exit;
	}
	if (isflagset(FLT_TRUNK) || $rU == "120") {
		route(QUEUE);
		exit;
	}
	# a seat dialling an external number (not a registered seat): an outbound callback
	if ($rU =~ "^\+?[0-9]{3,20}$" && !registered("location")) {
		route(OUTBOUND);
		exit;
	}
	# seat to seat
	route(LOOKUP_RELAY);
}

# An authenticated seat calls a number back through the trunk gateway, only if the control plane
# authorised that seat for that number (a claimed abandoned call: htable cb); everything else gets 403.
# The centre's callback number is presented (From and P-Asserted-Identity); media anchored and recorded.
route[OUTBOUND] {
	$var(cbkey) = $fU + "|" + $rU;
	# test $sht itself: $null assigned to a $var becomes 0
	if ($sht(cb=>$var(cbkey)) == $null) {
		xlog("L_WARN", "outbound call from $fU to $rU refused: no callback authorisation\n");
		evapi_relay("{\"event\":\"callback.refused\",\"seat\":\"$(fU{s.encode.base64})\",\"number\":\"$(rU{s.encode.base64})\"}");
		sl_send_reply("403", "Forbidden");
		exit;
	}
	$var(auth) = $sht(cb=>$var(cbkey));
	$var(cbitem) = $(var(auth){s.select,0,|});
	$var(cbgw) = $(var(auth){s.select,1,|});
	$var(cbcli) = $(var(auth){s.select,2,|});
	if ($proto == "ws" || $proto == "wss") { setflag(FLT_FROM_WS); }
	evapi_relay("{\"event\":\"callback.started\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"seat\":\"$(fU{s.encode.base64})\",\"number\":\"$(rU{s.encode.base64})\",\"item\":\"$var(cbitem)\",\"cli\":\"$var(cbcli)\",\"ftag\":\"$(ft{s.encode.base64})\",\"proto\":\"$proto\",\"at_s\":$TV(s),\"at_us\":$TV(u)}");
	remove_hf("P-Asserted-Identity");
	remove_hf("P-Preferred-Identity");
	remove_hf("Remote-Party-ID");
	$var(cbfrom) = "sip:" + $var(cbcli) + "@" + SIP_DOMAIN;
	uac_replace_from("$var(cbfrom)");
	append_hf("P-Asserted-Identity: <sip:$var(cbcli)@{{SIP_DOMAIN}}>\r\n");
	$ru = "sip:" + $rU + "@" + $var(cbgw);
	if ($var(cbgw) =~ "^dsg:[0-9]+$") { route(OUTBOUND_GROUP); }
	t_on_branch("OUTBOUND_BRANCH");
	t_on_reply("OUTBOUND_REPLY");
	t_on_failure("OUTBOUND_FAILURE");
	if (!t_relay()) {
		xlog("L_ERR", "outbound callback: t_relay failed\n");
		evapi_relay("{\"event\":\"callback.failed\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"code\":500,\"cancelled\":false}");
		sl_reply_error();
	}
	exit;
}

# The callback leaves through a trunk group ("dsg:<setid>" in the authorisation): the live member of highest
# priority (dispatcher algorithm 8); OUTBOUND_FAILURE tries the next live one if that gateway does not answer.
route[OUTBOUND_GROUP] {
	$avp(dsset) = $(var(cbgw){s.substr,4,0}{s.int});
	if (!ds_select_domain("$avp(dsset)", "8")) {
		xlog("L_ERR", "outbound callback: no live gateway in trunk group $avp(dsset)\n");
		evapi_relay("{\"event\":\"callback.failed\",\"callid\":\"$(ci{s.encode.base64})\",\"code\":503,\"cancelled\":false}");
		send_reply("503", "No Gateway Available");
		exit;
	}
	xlog("L_INFO", "outbound callback through trunk group $avp(dsset): $ru\n");
}

# Browser seats offer DTLS-SRTP/ICE: the gateway gets plain RTP (engine-notes, verified flags); always recorded.
branch_route[OUTBOUND_BRANCH] {
	if (!has_body("application/sdp")) { return; }
	if (isflagset(FLT_FROM_WS)) {
		rtpengine_offer("RTP/AVP replace-origin replace-session-connection ICE=remove rtcp-mux-demux DTLS=off SDES-off record-call=on metadata=cti-direction:outbound");
	} else {
		rtpengine_offer("replace-origin replace-session-connection ICE=remove record-call=on metadata=cti-direction:outbound");
	}
}

onreply_route[OUTBOUND_REPLY] {
	if (has_body("application/sdp") && $rs =~ "^(18[03]|2[0-9][0-9])$") {
		if (isflagset(FLT_FROM_WS)) {
			rtpengine_answer("UDP/TLS/RTP/SAVPF replace-origin replace-session-connection ICE=force rtcp-mux-require SDES-off");
		} else {
			rtpengine_answer("replace-origin replace-session-connection ICE=remove");
		}
	}
	if ($rs >= 200 && $rs < 300) {
		evapi_relay("{\"event\":\"callback.answered\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"totag\":\"$(tt{s.encode.base64})\"}");
	}
}

failure_route[OUTBOUND_FAILURE] {
	# a group's gateway that timed out or failed as a server: the next live member of the group. A timed-out
	# gateway is marked out of service first (ds_mark_dst acts on the current destination, before ds_next_domain).
	if ($avp(dsset) != $null && !t_is_canceled() && (t_branch_timeout() || $T_reply_code >= 500)) {
		if (t_branch_timeout()) { ds_mark_dst("ip"); }
		if (ds_next_domain()) {
			xlog("L_WARN", "outbound callback: gateway failed ($T_reply_code), next in trunk group $avp(dsset): $ru\n");
			t_on_branch("OUTBOUND_BRANCH");
			t_on_reply("OUTBOUND_REPLY");
			t_on_failure("OUTBOUND_FAILURE");
			if (t_relay()) { exit; }
		}
	}
	rtpengine_delete();
	$var(cancelled) = "false";
	if (t_is_canceled()) { $var(cancelled) = "true"; }
	evapi_relay("{\"event\":\"callback.failed\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"code\":$T_reply_code,\"cancelled\":$var(cancelled)}");
}

# Sanity and flood checks run before any business logic.
route[REQINIT] {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (!sanity_check("17895", "7")) {
		xlog("L_WARN", "malformed $rm from $si:$sp dropped by sanity checks\n");
		exit;
	}
	if ($ua =~ "friendly-scanner|sipvicious|sipcli|VaxSIPUserAgent|sundayddr|iWar|sipsak|SIPScan") {
		xlog("L_WARN", "scanner user agent from $si:$sp refused\n");
		exit;
	}
	if (!allow_source_address("1")) {
		if (!pike_check_req()) {
			xlog("L_ALERT", "pike: flood from $si, request dropped\n");
			exit;
		}
	} else {
		setflag(FLT_TRUNK);
	}
}

# WebSocket clients (browsers) put a fake .invalid host in Via/Contact.
route[WSFIX] {
	if ($proto == "ws" || $proto == "wss") {
		force_rport();
		if (is_method("INVITE|SUBSCRIBE|UPDATE|REFER|REGISTER")) { add_contact_alias(); }
	}
}

# Trunk gateways are recognised by source address; everyone else authenticates (RFC 3261 22.3, digest).
route[AUTH] {
	if (isflagset(FLT_TRUNK)) { return; }
	if (!auth_check(SIP_DOMAIN, "subscriber", "1")) {
		auth_challenge(SIP_DOMAIN, "1");
		exit;
	}
	consume_credentials();
}

route[REGISTRAR] {
	if (!auth_check(SIP_DOMAIN, "subscriber", "1")) {
		auth_challenge(SIP_DOMAIN, "0");
		exit;
	}
	consume_credentials();
	if ($proto == "ws" || $proto == "wss") { fix_nated_register(); }
	# mirror the binding into the ring-all AoR (0x02: no reply), then the seat's own AoR (replies). The ring-all group is
	# capped at RINGALL_MAX contacts (the first registered; refreshes keep their place): an INVITE transaction has at most
	# 30 branches, so a fail-open to every seat of a surge would otherwise fail as a whole (docs/engine.md, "Fail-open").
	$xavp(reg=>max_contacts) = {{RINGALL_MAX}};
	if (!save("location", "0x02", RINGALL_AOR)) {
		xlog("L_INFO", "ring-all group full ({{RINGALL_MAX}} contacts): $fU not added to it\n");
	}
	$xavp(reg) = $null;
	$xavp(reg=>max_contacts) = RINGALL_CORE_MAX;
	save("location", "0x02", RINGALL_CORE_AOR);
	$xavp(reg) = $null;
	if (!save("location")) {
		sl_reply_error();
		exit;
	}
	if ($proto == "ws" || $proto == "wss") { $sht(wsu=>$si:$sp) = $fU; }
	evapi_relay("{\"event\":\"seat.registered\",\"user\":\"$(fU{s.encode.base64})\"}");
}

#!ifdef WITH_PAIR
# A node that does not hold the floating address (backup, or fenced: it lost the leader lease, docs/ha.md "Split
# brain") takes no new call: one addressed to this node is redirected to the floating address, where the leading
# node answers (RFC 3261 21.3.3). Never silence. Calls this node already holds and in-dialog requests are not
# affected. (One that reaches it on the floating address does not come here: see request_route.)
route[FENCED] {
	xlog("L_WARN", "fenced node: new INVITE $ci to $rU via $Ri answered with a redirect\n");
	append_to_reply("Contact: <sip:$rU@{{PAIR_VIP}}:{{SIP_PORT}}>\r\n");
	sl_send_reply("302", "Moved To The Leading Node");
	exit;
}
#!endif

# A new call to the centre: ring at once, then suspend it for the control plane's decision.
route[QUEUE] {
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	if (isflagset(FLT_TAKEOVER) && $sht(cx=>$(ci{s.trim})) != $null) {
		# the caller hung up (route CANCEL answered it) before this node took the call over: end it, never queue it
		$sht(cx=>$(ci{s.trim})) = $null;
		evapi_relay("{\"event\":\"call.cancelled\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"phase\":\"queued\"}");
		t_reply("487", "Request Terminated");
		exit;
	}
	t_reply("180", "Ringing");
	setflag(FLT_QUEUED);
	$avp(brs) = 0; # branches this INVITE transaction has used (an integer: route SUSPEND, RELAY, HOLD_FOR_RETRY add to it)
	# the queue limit is the watchdog (fr timer of each suspension); the transaction lives longer so that the watchdog's
	# fail-open still has time to ring (a lifetime of exactly queue_max_ms would cut that ring-all at once)
	$var(life) = $shv(queue_max_ms) + 120000;
	t_set_max_lifetime("$var(life)", "0");
	$var(is_trunk) = "false";
	if (isflagset(FLT_TRUNK)) { $var(is_trunk) = "true"; }
	$var(takeover) = "false";
	if (isflagset(FLT_TAKEOVER)) { $var(takeover) = "true"; }
	# the INVITE as received, for a takeover by the other node of a pair (docs/ha.md); left out when it is so large
	# that call.new would not fit pv_buffer_size with the SDP beside it (the control plane reports it, invite_len)
	$var(inv) = "";
	if ($ml <= 24576) { $var(inv) = $(mb{s.encode.base64}); }
	$var(qev) = "{\"event\":\"call.new\",\"callid\":\"" + $(ci{s.trim}{s.encode.base64})
		+ "\",\"ftag\":\"" + $(ft{s.encode.base64})
		+ "\",\"from_user\":\"" + $(fU{s.encode.base64})
		+ "\",\"from_name\":\"" + $(fn{s.encode.base64})
		+ "\",\"from_uri\":\"" + $(fu{s.encode.base64})
		+ "\",\"to_user\":\"" + $(tU{s.encode.base64})
		+ "\",\"ruri_user\":\"" + $(rU{s.encode.base64})
		+ "\",\"pai\":\"" + $(ai{s.encode.base64})
		+ "\",\"trunk\":\"" + $(avp(tag){s.encode.base64})
		+ "\",\"src\":\"" + $si + ":" + $sp
		+ "\",\"proto\":\"" + $proto
		+ "\",\"arrived_s\":" + $TV(s) + ",\"arrived_us\":" + $TV(u)
		+ ",\"is_trunk\":" + $var(is_trunk);
	if ($shv(cp_up) <= 0) {
		# no control plane hears this call.new: its arrival is kept for the sync (htable awn), which records the call
		# if it was failed open meanwhile (calls/flow/away-arrival.ts); without SDP and INVITE (the record needs neither)
		$sht(awn=>$(ci{s.trim})) = $var(qev) + "}";
	}
	$var(qev) = $var(qev)
		+ ",\"sdp\":\"" + $(rb{s.encode.base64})
		+ "\",\"dst\":\"" + $Ri + ":" + $Rp
		+ "\",\"takeover\":" + $var(takeover)
		+ ",\"invite_len\":" + $ml
		+ ",\"invite\":\"" + $var(inv) + "\"}";
	$sht(qd=>$(ci{s.trim})) = $var(qev);
#!ifndef WITH_PAIR
	if ($shv(cp_up) <= 0 && $shv(cp_down_at) > 0 && ($TV(s) - $shv(cp_down_at)) * 1000 >= $shv(failopen_after_ms)) {
		$var(reason) = "control_plane_down";
		route(FAILOPEN);
		exit;
	}
#!endif
	# On a pair the call is held for the sweep instead (at most 1 s more): a backup's cp_down_at counts from its own
	# start until keepalived's notify_master resets it, and a gateway's INVITE retransmission that arrived with the
	# floating address, before that reset, was failed open at once and never reported (seen twice in
	# node_a_killed_with_queued: the new caller answered by ring-all, no call in PostgreSQL)
	route(SUSPEND);
}

# Suspend (or re-suspend) the transaction and report it. The fr timer is the watchdog:
# if nothing resumes the call within queue_max_ms, failure_route[QUEUE_WATCHDOG] fails it open.
route[SUSPEND] {
	route(ENDED_GUARD);
	$avp(brs) = $avp(brs) + 1; # t_suspend adds a blind branch
	t_set_fr("$shv(queue_max_ms)", "$shv(queue_max_ms)");
	t_on_failure("QUEUE_WATCHDOG");
	$sht(q=>$(ci{s.trim})) = $_s($T(id_index):$T(id_label));
	if ($shv(cp_up) <= 0) {
		# no control plane: hold the call; the sweep fails it open after failopen_after_ms
		xlog("L_WARN", "control plane not connected: call held for the fail-open sweep\n");
		t_suspend();
		exit;
	}
	$var(qev) = $(var(qev){s.striptail,1}) + ",\"tindex\":" + $T(id_index) + ",\"tlabel\":" + $T(id_label) + "}";
	if (!evapi_async_relay("$var(qev)")) {
		$sht(q=>$(ci{s.trim})) = $null;
		if ($avp(seat) == "ringall") {
			xlog("L_CRIT", "cannot suspend after a failed ring-all; caller gets 480\n");
			t_reply("480", "Temporarily Unavailable");
			exit;
		}
		xlog("L_ERR", "evapi_async_relay failed; failing open\n");
		$var(reason) = "suspend_failed";
		route(FAILOPEN);
	}
}

failure_route[QUEUE_WATCHDOG] {
	# only a call still alive and undecided is failed open: one the caller cancelled or the control plane ended is
	# answered (ENDED_GUARD); a decision resumes the transaction, which stops this timer
	route(ENDED_GUARD);
	xlog("L_WARN", "queued call reached queue_max_ms without a decision; failing open\n");
	$var(reason) = "queue_watchdog";
	route(FAILOPEN);
}

# Resumed by the control plane to start early media (announcements): answer 183 with the SDP the control plane
# got from rtpengine (offer + a placeholder answer, engine-notes), then suspend again. The caller keeps waiting;
# the control plane plays prompts into the call with rtpengine's play media.
route[EARLY] {
	$sht(q=>$(ci{s.trim})) = $null;
	evapi_relay("{\"event\":\"resumed\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"action\":\"early\",\"attempt\":0}");
	route(ENDED_GUARD);
	if ($sht(qe=>$(ci{s.trim})) == $null) {
		$var(body) = $(var(sdp){s.decode.base64});
		set_reply_body("$var(body)", "application/sdp");
		t_reply("183", "Session Progress");
		$sht(qe=>$(ci{s.trim})) = 1;
	}
	$var(qev) = "{\"event\":\"call.early\",\"callid\":\"" + $(ci{s.trim}{s.encode.base64}) + "\"}";
	route(SUSPEND);
}

# Resumed by the control plane to end a call it must not queue (screening's warn_then_end, after the warning).
# `end` (a call the control plane has already ended, e.g. re-sent after its restart) comes here too, with 487.
route[REJECT] {
	evapi_relay("{\"event\":\"resumed\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"action\":\"$var(action)\",\"attempt\":0}");
	route(ENDED_GUARD);
}

# The transaction was ended (CANCEL matched to it, or qx names it): answer it, clear its queue entries, report
# `invite.ended` (the control plane frees a seat reserved for an offer that therefore never left); never relay,
# suspend or fail it open again. Runs in the INVITE's own transaction (resumed or failure route).
route[ENDED_GUARD] {
	$var(ecode) = 0;
	$var(ended) = "";
	$var(ended) = $sht(qx=>$(ci{s.trim}));
	if ($var(ended) =~ "^[0-9]+:[0-9]+:[0-9]+$") {
		if ($(var(ended){s.select,0,:}{s.int}) == $T(id_index) && $(var(ended){s.select,1,:}{s.int}) == $T(id_label)) {
			$var(ecode) = $(var(ended){s.select,2,:}{s.int});
		}
	}
	if ($var(ecode) == 0 && t_is_canceled()) { $var(ecode) = 487; }
	if ($var(ecode) == 0) { return; }
	if ($var(ecode) < 400 || $var(ecode) > 699) { $var(ecode) = 487; }
	$var(ereason) = "Request Terminated";
	if ($var(ecode) != 487) { $var(ereason) = "Decline"; }
	$sht(q=>$(ci{s.trim})) = $null;
	$sht(qd=>$(ci{s.trim})) = $null;
	$sht(qe=>$(ci{s.trim})) = $null;
	$sht(qr=>$(ci{s.trim})) = $null;
	rtpengine_delete();
	xlog("L_INFO", "ended call: INVITE answered $var(ecode)\n");
	evapi_relay("{\"event\":\"invite.ended\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"code\":$var(ecode)}");
	t_reply("$var(ecode)", "$var(ereason)");
	exit;
}

# Resumed by the control plane: offer the call to one seat for ring_ms.
route[OFFER] {
	$sht(q=>$(ci{s.trim})) = $null;
	evapi_relay("{\"event\":\"resumed\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"action\":\"offer\",\"attempt\":$var(attempt)}");
	route(ENDED_GUARD);
	$avp(seat) = $var(seat);
	$avp(attempt) = $var(attempt);
	$ru = "sip:" + $var(seat) + "@" + SIP_DOMAIN;
	if (!lookup("location")) {
		$var(code) = 404;
		route(OFFER_FAILED);
		exit;
	}
	t_set_fr("$var(ring_ms)", "4000");
	t_on_failure("OFFER_FAILURE");
	route(RELAY);
}

failure_route[OFFER_FAILURE] {
	route(ENDED_GUARD);
	# an overflow or a transfer out through a trunk group: a gateway that failed as a server (5xx) or never replied
	# at all gives the call to the group's next live member, as callbacks do (OUTBOUND_FAILURE). Not a target that
	# rang and did not answer, nor one that said busy: that is the target's answer, not the gateway's. A gateway that
	# never replied is marked out of service first (ds_mark_dst acts on the current destination).
	if ($avp(ds_group) == 1 && ($avp(seat) == "~transfer" || $avp(seat) == "~overflow") && !t_is_canceled()
			&& ((t_branch_timeout() && !t_branch_replied()) || ($T_reply_code >= 500 && $T_reply_code < 600))) {
		if (t_branch_timeout()) { ds_mark_dst("ip"); }
		# a failure route starts from the request's own R-URI (the transfer token, the queued call's 120): the target's back
		$ru = $avp(ds_ruri);
		if (ds_next_domain()) {
			xlog("L_WARN", "$avp(seat): gateway failed ($T_reply_code), next live member of the trunk group: $ru\n");
			t_on_branch("MANAGE_BRANCH");
			t_on_reply("MANAGE_REPLY");
			t_on_failure("OFFER_FAILURE");
			if (t_relay()) { exit; }
		}
	}
	$var(code) = $T_reply_code;
	# a transfer's outside target that never answered at all (no reply before fr_timer): unreachable, not "no answer"
	if ($avp(seat) == "~transfer" && t_branch_timeout() && !t_branch_replied()) { $var(code) = 503; }
	$var(attempt) = $avp(attempt);
	route(OFFER_FAILED);
}

# Resumed by the control plane (ring_all): fork to every listed seat ("u1;u2;...") at once for ring_ms.
# Each seat's contacts are noted (oc) so that MANAGE_BRANCH can tell which seat a branch rings (ob), and
# MANAGE_REPLY which seat rang or answered. tm cancels the other branches when one answers.
route[OFFER_MANY] {
	$sht(q=>$(ci{s.trim})) = $null;
	evapi_relay("{\"event\":\"resumed\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"action\":\"offer_many\",\"attempt\":$var(attempt)}");
	route(ENDED_GUARD);
	$avp(seat) = "~many";
	$avp(attempt) = $var(attempt);
	$var(n) = $(var(seats){s.count,;});
	$var(i) = 0;
	$var(first) = 1;
	while ($var(i) < $var(n)) {
		$var(u) = $(var(seats){s.select,$var(i),;});
		$var(i) = $var(i) + 1;
		if (reg_fetch_contacts("location", "sip:$var(u)@{{SIP_DOMAIN}}", "c")) {
			$var(j) = 0;
			while ($var(j) < $ulc(c=>count)) {
				$var(addr) = $(ulc(c=>addr)[$var(j)]);
				$sht(oc=>$(ci{s.trim})|$var(addr)) = $var(u);
				$var(j) = $var(j) + 1;
			}
			reg_free_contacts("c");
			if ($var(first) == 1) {
				$ru = "sip:" + $var(u) + "@" + SIP_DOMAIN;
				$var(first) = 0;
			} else {
				append_branch("sip:$var(u)@{{SIP_DOMAIN}}");
			}
		}
	}
	if ($var(first) == 1 || !lookup_branches("location")) {
		$var(code) = 404;
		route(OFFER_FAILED);
		exit;
	}
	t_set_fr("$var(ring_ms)", "4000");
	t_on_failure("OFFER_FAILURE");
	route(RELAY);
}

# Resumed by the control plane (overflow): relay the call to another centre's SIP address, anchored and
# recorded like any offer, with the call's data in X-CTI-* headers (added per branch, OVERFLOW_HEADERS).
# A failure (error reply, timeout, unreachable) goes back through OFFER_FAILED: re-suspended, reported.
route[OVERFLOW] {
	$sht(q=>$(ci{s.trim})) = $null;
	evapi_relay("{\"event\":\"resumed\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"action\":\"overflow\",\"attempt\":$var(attempt)}");
	route(ENDED_GUARD);
	$avp(seat) = "~overflow";
	$avp(attempt) = $var(attempt);
	$avp(x_cid) = $var(h_cid);
	$avp(x_caller) = $var(h_caller);
	$avp(x_qms) = $var(h_qms);
	$avp(x_centre) = $var(h_centre);
	$avp(x_prio) = $var(h_prio);
	$ru = $var(ov_uri);
	$du = $null;
	route(OVERFLOW_GROUP);
	t_set_fr("$var(ring_ms)", "5000");
	t_on_failure("OFFER_FAILURE");
	route(RELAY);
}

# Overflow to a number behind a trunk group's gateway (another centre reached through the E1 gateways): the
# live member of highest priority of that group takes it (docs/trunks.md); with none live the address is kept.
route[OVERFLOW_GROUP] {
	$avp(ds_group) = $null;
	if (!ds_is_from_list("-1", "2", "$ru")) { return; }
	$var(ovset) = $avp(ds_setid);
	if (!ds_select_domain("$var(ovset)", "8")) {
		xlog("L_WARN", "overflow: no live gateway in trunk group $var(ovset), trying $ru\n");
		return;
	}
	$avp(ds_group) = 1;
	$avp(ds_ruri) = $ru;
	xlog("L_INFO", "overflow through trunk group $var(ovset): $ru\n");
}

route[OVERFLOW_HEADERS] {
	append_hf("X-CTI-Call-Id: $avp(x_cid)\r\n");
	append_hf("X-CTI-Original-Caller: $avp(x_caller)\r\n");
	append_hf("X-CTI-Queue-Ms: $avp(x_qms)\r\n");
	append_hf("X-CTI-Origin-Centre: $avp(x_centre)\r\n");
	append_hf("X-CTI-Priority: $avp(x_prio)\r\n");
}

# The seat did not take the call: back to the control plane (re-suspended), or fail open if it is gone.
route[OFFER_FAILED] {
	xlog("L_INFO", "offer to $avp(seat) failed with $var(code)\n");
	if ($shv(cp_up) <= 0) {
		$var(reason) = "offer_failed_control_plane_down";
		route(FAILOPEN);
		exit;
	}
	$var(qev) = "{\"event\":\"offer.failed\",\"callid\":\"" + $(ci{s.trim}{s.encode.base64})
		+ "\",\"seat\":\"" + $(avp(seat){s.encode.base64}) + "\",\"attempt\":" + $avp(attempt)
		+ ",\"code\":" + $var(code) + "}";
	route(SUSPEND);
}

# Fail open: ring every registered seat. If none is registered, stay suspended and retry each second.
route[FAILOPEN] {
	$sht(q=>$(ci{s.trim})) = $null;
	route(ENDED_GUARD);
	# a fork to more contacts than the transaction has branches left fails as a whole: late in a call's life
	# (many offers already) ring the core group instead of the whole ring-all group
	$var(ra_n) = 0;
	if (reg_fetch_contacts("location", RINGALL_AOR, "ra")) {
		$var(ra_n) = $(ulc(ra=>count));
		reg_free_contacts("ra");
	}
	$ru = RINGALL_AOR;
	if ($avp(brs) + 1 + $var(ra_n) > BRANCH_LIMIT) {
		xlog("L_WARN", "fail-open ($var(reason)): $avp(brs) branches used, $var(ra_n) in the ring-all group: ringing the core group\n");
		$ru = RINGALL_CORE_AOR;
	}
	if (!lookup("location")) {
		xlog("L_CRIT", "fail-open ($var(reason)): no seat registered; caller keeps ringing, retrying\n");
		route(HOLD_FOR_RETRY);
		exit;
	}
	xlog("L_WARN", "fail-open ($var(reason)): ringing all registered seats\n");
	if ($var(reason) == "decision_failed" && $sht(qd=>$(ci{s.trim})) != $null && $sht(awn=>$(ci{s.trim})) == $null) {
		# the control plane could not record this call (Redis away longer than its retry, calls/flow/arrival-retry.ts):
		# its arrival is kept as if no control plane had heard it, so that the sync records the call and the seat that
		# answers it is known busy (issue 13: else it was offered the queued callers while it talked). The whole call.new
		# (with its SDP and INVITE, which the record does not need): this is rare and the entry expires
		$sht(awn=>$(ci{s.trim})) = $sht(qd=>$(ci{s.trim}));
	}
	evapi_relay("{\"event\":\"call.failed_open\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"reason\":\"$var(reason)\"}");
	$avp(seat) = "ringall";
	$avp(attempt) = 0;
	t_set_fr("60000", "4000");
	t_on_failure("RINGALL_FAILURE");
	route(RELAY);
}

failure_route[RINGALL_FAILURE] {
	route(ENDED_GUARD);
	$var(reason) = "ringall_unanswered";
	if ($shv(cp_up) > 0) {
		$var(code) = $T_reply_code;
		route(OFFER_FAILED);
		exit;
	}
	route(HOLD_FOR_RETRY);
}

# Keep the caller ringing; the sweep tries the ring-all group again in 5 s (each try costs branches).
route[HOLD_FOR_RETRY] {
	route(ENDED_GUARD);
	$avp(brs) = $avp(brs) + 1;
	$sht(q=>$(ci{s.trim})) = $_s($T(id_index):$T(id_label));
	$sht(qr=>$(ci{s.trim})) = $TV(s) + 5;
	t_set_fr("$shv(queue_max_ms)", "$shv(queue_max_ms)");
	t_on_failure("QUEUE_WATCHDOG");
	t_suspend();
}

# Each second: if the control plane has been gone for failopen_after_ms, fail open every suspended call.
route[FAILOPEN_SWEEP] {
	if ($shv(cp_up) > 0) { return; }
	if ($shv(cp_down_at) == 0) {
		$shv(cp_down_at) = $TV(s);
		return;
	}
	if (($TV(s) - $shv(cp_down_at)) * 1000 < $shv(failopen_after_ms)) { return; }
	# collect first (base64 keys, ';'-separated): resuming inside the iterator would deadlock on the slot lock
	$var(list) = "";
	sht_iterator_start("it", "q");
	while (sht_iterator_next("it")) {
		$var(list) = $var(list) + $(shtitkey(it){s.encode.base64}) + ";";
	}
	sht_iterator_end("it");
	$var(i) = 0;
	$var(n) = $(var(list){s.count,;});
	while ($var(i) < $var(n)) {
		$var(k) = $(var(list){s.select,$var(i),;}{s.decode.base64});
		$var(i) = $var(i) + 1;
		$var(t) = "";
		$var(t) = $sht(q=>$var(k));
		$var(due) = $sht(qr=>$var(k));
		if ($var(due) == $null) { $var(due) = 0; }
		if ($var(t) =~ "^[0-9]+:[0-9]+$" && $var(due) <= $TV(s)) {
			$var(ti) = $(var(t){s.select,0,:}{s.int});
			$var(tl) = $(var(t){s.select,1,:}{s.int});
			$var(reason) = "control_plane_down";
			if (!t_continue("$var(ti)", "$var(tl)", "FAILOPEN")) {
				xlog("L_WARN", "fail-open sweep: transaction of $var(k) is gone\n");
				$sht(q=>$var(k)) = $null;
				$sht(qd=>$var(k)) = $null;
				$sht(qe=>$var(k)) = $null;
				$sht(qr=>$var(k)) = $null;
			}
		}
	}
}

# A CANCEL never finds its INVITE by header text (t_reply_callid rebuilds "Call-ID: "/"CSeq: " and compares bytes: a
# compact `i:`, another letter case or more white space found nothing). A suspended INVITE is found by the parsed
# Call-ID value (trimmed everywhere in this file: $ci keeps trailing white space, rtpengine trims it), whose q entry
# holds its transaction's index:label: it is marked ended (qx) and resumed into ENDED_GUARD,
# which answers 487. An INVITE being offered is matched by tm itself (RFC 3261 17.2.3: Via branch and sent-by, parsed)
# and t_relay cancels its branches; qx and tm's canceled flag stop any later re-suspension or fail-open (docs/engine.md).
route[CANCEL] {
	# read once (a decision may clear q between a test and a read: a failed read leaves the $var as it was)
	$var(t) = "";
	$var(t) = $sht(q=>$(ci{s.trim}));
	if ($var(t) =~ "^[0-9]+:[0-9]+$") {
		# tm does not answer a CANCEL of a suspended INVITE by itself (engine-notes)
		$sht(qx=>$(ci{s.trim})) = $var(t) + ":487";
		$var(ti) = $(var(t){s.select,0,:}{s.int});
		$var(tl) = $(var(t){s.select,1,:}{s.int});
		sl_send_reply("200", "OK");
		if (t_continue("$var(ti)", "$var(tl)", "ENDED_GUARD")) {
			evapi_relay("{\"event\":\"call.cancelled\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"phase\":\"queued\"}");
			exit;
		}
		# a decision resumed it a moment ago (it is being offered): tm's own matching cancels it below, and the qx
		# mark or tm's canceled flag ends it at its next step if no branch has left yet
		xlog("L_INFO", "CANCEL: the INVITE was resumed meanwhile; cancelled through tm\n");
	}
	if (t_check_trans()) {
		evapi_relay("{\"event\":\"call.cancelled\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"phase\":\"offering\"}");
		route(RELAY);
		exit;
	}
#!ifdef WITH_PAIR
	# no INVITE here: it may be queued on the dead peer and not yet taken over (docs/ha.md). Answer the CANCEL and note
	# it: the re-injected INVITE is then ended with 487 (route QUEUE) and never rings a seat.
	$sht(cx=>$(ci{s.trim})) = 1;
	sl_send_reply("200", "OK");
#!endif
	exit;
}

# An INVITE the control plane re-injected on a takeover (docs/ha.md), sent from this node itself: before sending, it
# set "<marker>|<gateway socket>" for the Call-ID in htable ri over JSON-RPC (which only the control plane reaches)
# and put the marker in X-CTI-Takeover. The gateway's address then becomes the request's source (corex
# set_source_address): the trunk is recognised as for the original INVITE, tm sends every response to the gateway's
# real address, and no `received` is added to the Via. A retransmission passes again and is absorbed by its
# transaction. Anything else that carries the header (a forgery from outside, a stale marker) is refused; the header
# never leaves this node.
route[TAKEOVER_MARK] {
	$var(tk) = "";
	if ($sht(ri=>$(ci{s.trim})) != $null) { $var(tk) = $sht(ri=>$(ci{s.trim})); }
	if (is_method("INVITE") && src_ip == myself && $var(tk) =~ "^[A-Za-z0-9_-]+[|]udp:" && $hdr(X-CTI-Takeover) == $(var(tk){s.select,0,|})) {
		set_source_address("$(var(tk){s.select,1,|})");
		remove_hf("X-CTI-Takeover");
		setflag(FLT_TAKEOVER);
		return;
	}
	xlog("L_WARN", "$rm from $si:$sp with a forged X-CTI-Takeover marker refused\n");
	sl_send_reply("403", "Forbidden");
	exit;
}

route[LOOKUP_RELAY] {
	if (!lookup("location")) {
		sl_send_reply("404", "Not Found");
		exit;
	}
	route(RELAY);
}

route[RELAY] {
	if (is_method("INVITE")) {
		t_on_reply("MANAGE_REPLY");
		t_on_branch("MANAGE_BRANCH");
		if (isflagset(FLT_QUEUED)) { $avp(brs) = $avp(brs) + 1 + $branch(count); }
	}
	if (!t_relay()) {
		xlog("L_ERR", "t_relay failed\n");
		if (isflagset(FLT_QUEUED) && $avp(seat) == "ringall") {
			# the transaction has no branch left (max_branches): nothing more can be tried
			xlog("L_CRIT", "fail-open impossible: no branch left; caller gets 480\n");
			t_reply("480", "Temporarily Unavailable");
			exit;
		}
		if (isflagset(FLT_QUEUED)) {
			$var(code) = 500;
			route(OFFER_FAILED);
			exit;
		}
		sl_reply_error();
	}
	exit;
}

# Per destination: WebSocket seats get DTLS-SRTP/ICE/rtcp-mux, others plain RTP (engine-notes, verified flags).
branch_route[MANAGE_BRANCH] {
	xlog("L_DBG", "branch to $ru du=$du\n");
	if ($avp(seat) == "~many") { $sht(ob=>$(ci{s.trim})|$T_branch_idx) = $sht(oc=>$(ci{s.trim})|$ru); }
	if ($avp(seat) == "~overflow") { route(OVERFLOW_HEADERS); }
	if ($avp(seat) == "~transfer") { route(TRANSFER_OUT_PRESENT); }
	handle_ruri_alias();
	if (!has_body("application/sdp")) { return; }
	# --- recordings of calls taken over (docs/ha.md): the caller's media address from its SDP goes into the call's NG
	# metadata, which rtpengine keeps in Redis and writes into every recording of the call, also one restored on the
	# other node of a pair without the SDP exchanges: there it tells the caller's stream from the seat's
	# (recordings/src/caller-media.ts). Left out when the SDP has no plain c= / m=audio line.
	$var(recmeta) = "";
	$var(cip) = $(rb{line.sw,c=IN}{re.subst,/^c=IN IP[46] ([0-9a-fA-F.:]+).*$/\1/});
	$var(cport) = $(rb{line.sw,m=audio}{re.subst,/^m=audio ([0-9]+).*$/\1/});
	if ($var(cip) =~ "^[0-9a-fA-F.:]+$" && $var(cport) =~ "^[0-9]+$") { $var(recmeta) = " metadata=cti-caller-media:" + $var(cip) + ":" + $var(cport); }
	# --- end recordings of calls taken over
	# via-branch=auto-next (this branch's Via): each branch is its own monologue in rtpengine, apart from the queue
	# placeholder (via-branch q-<from-tag>, announcements/early.ts) and from the other branches of a ring_all fork;
	# without it a seat branch re-offered the placeholder's monologue and a WebRTC seat's DTLS failed
	if ($du =~ "transport=ws" || $ru =~ "transport=ws") {
		setbflag(BFL_WS);
		rtpengine_offer("UDP/TLS/RTP/SAVPF replace-origin replace-session-connection ICE=force rtcp-mux-offer rtcp-mux-require generate-mid SDES-off record-call=on via-branch=auto-next$var(recmeta)");
	} else {
		rtpengine_offer("RTP/AVP replace-origin replace-session-connection ICE=remove record-call=on via-branch=auto-next$var(recmeta)");
	}
}

onreply_route[MANAGE_REPLY] {
	if ($proto == "ws" || $proto == "wss") { add_contact_alias(); }
	if (has_body("application/sdp") && $rs =~ "^(18[03]|2[0-9][0-9])$") {
		# via-branch=auto-next: the reply's top Via, i.e. the branch offered in MANAGE_BRANCH
		if (isbflagset(BFL_WS)) {
			rtpengine_answer("RTP/AVP replace-origin replace-session-connection ICE=remove rtcp-mux-demux DTLS=off SDES-off via-branch=auto-next");
		} else {
			rtpengine_answer("replace-origin replace-session-connection ICE=remove via-branch=auto-next");
		}
	}
	if (!isflagset(FLT_QUEUED)) { return; }
	$var(rseat) = $avp(seat);
	$var(kind) = "seat";
	if ($avp(seat) == "~many") {
		$var(kind) = "many";
		$var(rseat) = $sht(ob=>$(ci{s.trim})|$T_branch_idx);
	} else if ($avp(seat) == "~overflow") {
		$var(kind) = "overflow";
	} else if ($avp(seat) == "~transfer") {
		$var(kind) = "transfer";
	}
	if ($rs >= 200 && $rs < 300 && $sht(qe=>$(ci{s.trim})) != $null) {
		# the caller has been hearing prompts or music: stop them before the seat's audio flows
		$sht(qe=>$(ci{s.trim})) = $null;
		stop_media("from-tag=$ft");
	}
	if ($rs == 180 || $rs == 183) {
		evapi_relay("{\"event\":\"offer.ringing\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"seat\":\"$(var(rseat){s.encode.base64})\",\"attempt\":$avp(attempt),\"code\":$rs,\"kind\":\"$var(kind)\"}");
	} else if ($rs >= 200 && $rs < 300) {
		$sht(qd=>$(ci{s.trim})) = $null;
		evapi_relay("{\"event\":\"offer.answered\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"seat\":\"$(var(rseat){s.encode.base64})\",\"contact\":\"$(ct{s.encode.base64})\",\"attempt\":$avp(attempt),\"totag\":\"$(tt{s.encode.base64})\",\"kind\":\"$var(kind)\"}");
		# kept for the sync (htable awa) even while a control plane is connected: one killed (kill -9) before Kamailio
		# saw its connection close, or before it handled the event, lost the event all the same (crash test)
		if ($sht(awa=>$(ci{s.trim})) == $null) {
			$sht(awa=>$(ci{s.trim})) = "" + $TV(s) + "|" + $TV(u) + "|" + $(var(rseat){s.encode.base64}) + "|" + $(ct{s.encode.base64});
		}
	}
}

route[WITHINDLG] {
	if (!loose_route()) {
		if (is_method("ACK")) {
			if (t_check_trans()) { t_relay(); }
			exit;
		}
		xlog("L_WARN", "loose_route failed for $rm $ru route=[$hdr(Route)]\n");
		sl_send_reply("404", "Not here");
		exit;
	}
	handle_ruri_alias();
	if ($sht(asl=>$(ci{s.trim})) != $null) {
		route(SEAT_LEFT);
		exit;
	}
	# three-way (docs/mixer.md): the seat's own re-INVITE into the call's room is answered here, never relayed to the
	# caller's side, and so is its ACK
	if (is_method("INVITE") && is_present_hf("X-CTI-Anchor")) {
		route(ANCHOR_SEAT);
		exit;
	}
	# (the seat's own ACK: from the callee's side, with its re-INVITE's CSeq; the caller's side counts CSeq apart)
	if (is_method("ACK") && !is_direction("downstream") && $sht(ana=>$(ci{s.trim})) != $null && $sht(ana=>$(ci{s.trim})) == $cs) { exit; }
	if (is_method("REFER")) { route(TRANSFER_REFER); }
	if (is_method("NOTIFY") && $hdr(Event) =~ "^refer") {
		route(TRANSFER_NOTIFY);
		exit;
	}
	if (is_method("BYE")) {
		$var(by) = "seat";
		if (is_direction("downstream")) { $var(by) = "caller"; }
		evapi_relay("{\"event\":\"call.bye\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"by\":\"$var(by)\"}");
		# kept for the sync (htable awe), like the answer (htable awa) even while a control plane is connected
		if ($sht(awe=>$(ci{s.trim})) == $null) {
			$sht(awe=>$(ci{s.trim})) = "" + $TV(s) + "|" + $TV(u) + "|" + $var(by);
		}
		rtpengine_delete();
	} else if (is_method("INVITE|UPDATE") && has_body("application/sdp")) {
		# re-INVITE (hold, ICE restart): same profile rules as the initial offer
		if ($proto == "ws" || $proto == "wss") {
			setflag(FLT_FROM_WS);
			rtpengine_offer("RTP/AVP replace-origin replace-session-connection ICE=remove rtcp-mux-demux DTLS=off SDES-off");
		} else if ($du =~ "transport=ws" || $ru =~ "transport=ws") {
			rtpengine_offer("UDP/TLS/RTP/SAVPF replace-origin replace-session-connection ICE=force rtcp-mux-offer rtcp-mux-require generate-mid SDES-off");
		} else {
			rtpengine_offer("replace-origin replace-session-connection ICE=remove");
		}
	}
	if (is_method("INVITE|UPDATE")) {
		t_on_reply("INDLG_REPLY");
	}
	if (!t_relay()) { sl_reply_error(); }
	exit;
}

onreply_route[INDLG_REPLY] {
	if ($proto == "ws" || $proto == "wss") {
		add_contact_alias();
		if (has_body("application/sdp")) {
			rtpengine_answer("RTP/AVP replace-origin replace-session-connection ICE=remove rtcp-mux-demux DTLS=off SDES-off");
		}
	} else if (has_body("application/sdp")) {
		if ($du =~ "transport=ws" || isflagset(FLT_FROM_WS)) {
			# a re-INVITE from a browser (hold, ICE restart): the answer goes back to it with the WebRTC profile
			rtpengine_answer("UDP/TLS/RTP/SAVPF replace-origin replace-session-connection ICE=force rtcp-mux-require SDES-off");
		} else {
			rtpengine_answer("replace-origin replace-session-connection ICE=remove");
		}
	}
}

####### Conference legs (docs/mixer.md) #########
# An INVITE to sip:conf-<room>-<token>@<centre> joins Janus room <room> if the control plane issued <token> (htable cf,
# one use). Kamailio is the UAS: it suspends the INVITE and reports `conf.invite`; the control plane anchors the media
# in rtpengine (NG offer/answer), joins the room as a plain-RTP participant and resumes with `conf_answer` (the SDP) or
# `conf_reject`. In-dialog: ACK absorbed, BYE answered here and reported (`conf.bye`); the control plane ends a leg with
# a BYE of its own (JSON-RPC tm.t_uac_start).
route[CONFERENCE] {
	if (has_totag()) {
		if (is_method("ACK")) { exit; }
		if (is_method("BYE")) {
			sl_send_reply("200", "OK");
			evapi_relay("{\"event\":\"conf.bye\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\"}");
			exit;
		}
		if (is_method("INVITE|UPDATE")) {
			# media changes of a conference leg are not supported yet: the leg keeps its media (RFC 3261 14.2)
			sl_send_reply("488", "Not Acceptable Here");
			exit;
		}
		sl_send_reply("200", "OK");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) { t_relay(); }
		exit;
	}
	if (!is_method("INVITE")) {
		sl_send_reply("405", "Method Not Allowed");
		exit;
	}
	$var(cfkey) = $(rU{s.substr,5,0});
	if ($sht(cf=>$var(cfkey)) == $null || !has_body("application/sdp")) {
		xlog("L_WARN", "conference INVITE to $rU refused: no valid invitation\n");
		sl_send_reply("403", "Forbidden");
		exit;
	}
	$sht(cf=>$var(cfkey)) = $null;
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	t_set_fr("10000", "10000");
	$var(ws) = "false";
	if ($proto == "ws" || $proto == "wss") { $var(ws) = "true"; }
	$var(cev) = "{\"event\":\"conf.invite\",\"callid\":\"" + $(ci{s.trim}{s.encode.base64})
		+ "\",\"ftag\":\"" + $(ft{s.encode.base64})
		+ "\",\"from\":\"" + $(hdr(From){s.encode.base64})
		+ "\",\"to\":\"" + $(hdr(To){s.encode.base64})
		+ "\",\"contact\":\"" + $(ct{s.encode.base64})
		+ "\",\"room\":\"" + $(var(cfkey){s.select,0,-}) + "\",\"src\":\"" + $si + ":" + $sp + "\",\"proto\":\"" + $proto
		+ "\",\"ws\":" + $var(ws) + ",\"sdp\":\"" + $(rb{s.encode.base64})
		+ "\",\"tindex\":" + $T(id_index) + ",\"tlabel\":" + $T(id_label) + "}";
	if (!evapi_async_relay("$var(cev)")) {
		t_reply("503", "Service Unavailable");
	}
}

route[CONF_ANSWER] {
	$var(body) = $(var(sdp){s.decode.base64});
	set_reply_body("$var(body)", "application/sdp");
	append_to_reply("Contact: <sip:conf-$var(room)@{{SIP_IP}}:{{SIP_PORT}}>\r\n");
	t_reply("200", "OK");
	evapi_relay("{\"event\":\"conf.answered\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"to_tag\":\"$ltt(t)\"}");
}

# The seat of a talking call moves its media into the call's room (three-way, docs/mixer.md): its re-INVITE carries
# the dialog's one-time anchor token (htable an); Kamailio answers as UAS like a conference leg (conf.anchor ->
# anchor_answer / conf_reject) and keeps the seat's remote target (Contact = the Request-URI), so the caller's gateway
# never sees the re-INVITE, nor its ACK (htable ana)
route[ANCHOR_SEAT] {
	if ($sht(an=>$(ci{s.trim})) == $null || $sht(an=>$(ci{s.trim})) != $hdr(X-CTI-Anchor) || !has_body("application/sdp")) {
		xlog("L_WARN", "anchor re-INVITE of $ci refused: no valid anchor token\n");
		sl_send_reply("403", "Forbidden");
		exit;
	}
	$sht(an=>$(ci{s.trim})) = $null;
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	t_set_fr("10000", "10000");
	$var(ws) = "false";
	if ($proto == "ws" || $proto == "wss") { $var(ws) = "true"; }
	$var(aev) = "{\"event\":\"conf.anchor\",\"callid\":\"" + $(ci{s.trim}{s.encode.base64})
		+ "\",\"ftag\":\"" + $(ft{s.encode.base64}) + "\",\"ttag\":\"" + $(tt{s.encode.base64})
		+ "\",\"ws\":" + $var(ws) + ",\"sdp\":\"" + $(rb{s.encode.base64})
		+ "\",\"tindex\":" + $T(id_index) + ",\"tlabel\":" + $T(id_label) + "}";
	if (!evapi_async_relay("$var(aev)")) {
		t_reply("503", "Service Unavailable");
	}
}

route[ANCHOR_ANSWER] {
	$var(body) = $(var(sdp){s.decode.base64});
	set_reply_body("$var(body)", "application/sdp");
	append_to_reply("Contact: <$ru>\r\n");
	$sht(ana=>$(ci{s.trim})) = $cs;
	t_reply("200", "OK");
}

# The dispatcher's seat left the call's three-way (htable asl): the caller talks on with the room's other parties.
# The seat's BYE is answered here and the caller's gateway never sees it (the seat's CSeq direction is then ours alone);
# the caller's BYE is answered here too (the seat is gone) and reported as any call's BYE; any other request from the
# caller's side is answered here (a re-INVITE refused 488: the call's media stays with the room).
route[SEAT_LEFT] {
	if (is_method("ACK")) { exit; }
	if (!is_direction("downstream")) {
		if (is_method("BYE")) {
			sl_send_reply("200", "OK");
		} else {
			sl_send_reply("481", "Call/Transaction Does Not Exist");
		}
		exit;
	}
	if (is_method("BYE")) {
		sl_send_reply("200", "OK");
		evapi_relay("{\"event\":\"call.bye\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"by\":\"caller\"}");
		if ($sht(awe=>$(ci{s.trim})) == $null) {
			$sht(awe=>$(ci{s.trim})) = "" + $TV(s) + "|" + $TV(u) + "|caller";
		}
		$sht(asl=>$(ci{s.trim})) = $null;
		rtpengine_delete();
		exit;
	}
	if (is_method("INVITE|UPDATE")) {
		sl_send_reply("488", "Not Acceptable Here");
		exit;
	}
	sl_send_reply("200", "OK");
	exit;
}

route[CONF_REJECT] {
	if ($var(code) < 400 || $var(code) > 699) { $var(code) = 503; }
	t_reply("$var(code)", "$var(reason)");
}

# A party the control plane dialled into a room (tm.t_uac_start, Call-ID cfo-...; docs/mixer.md "Three-way calls"):
# its final answer goes to the control plane with the SDP; tm ACKs a 2xx itself
reply_route {
	if ($(ci{s.substr,0,4}) == "cfo-" && $rm == "INVITE" && $rs >= 200) {
		evapi_relay("{\"event\":\"conf.reply\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"code\":$rs,\"ftag\":\"$(ft{s.encode.base64})\",\"from\":\"$(hdr(From){s.encode.base64})\",\"to\":\"$(hdr(To){s.encode.base64})\",\"contact\":\"$(ct{s.encode.base64})\",\"sdp\":\"$(rb{s.encode.base64})\",\"src\":\"$si:$sp\"}");
	}
}

####### Blind transfers (docs/transfers.md) #########
# A REFER in a dialog (from the seat's softphone) leaves only with Refer-To sip:xfer-<token> of a live transfer; its
# final answer goes to the control plane (transfer.refer_reply: 202, or 4xx/5xx/501 from a gateway that refuses).
route[TRANSFER_REFER] {
	$var(xu) = $(hdr(Refer-To){re.subst,/^[^:]*sip:(xfer-[A-Za-z0-9_-]+)@.*$/\1/});
	if (!($var(xu) =~ "^xfer-[A-Za-z0-9_-]{16,64}$") || $sht(xf=>$(var(xu){s.substr,5,0})) == $null) {
		xlog("L_WARN", "REFER to [$hdr(Refer-To)] refused: not a live transfer token\n");
		sl_send_reply("403", "Forbidden");
		exit;
	}
	t_on_reply("TRANSFER_REFER_REPLY");
	t_on_failure("TRANSFER_REFER_FAILURE");
}

onreply_route[TRANSFER_REFER_REPLY] {
	if ($rs >= 200 && $rs < 300) {
		evapi_relay("{\"event\":\"transfer.refer_reply\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"code\":$rs}");
	}
}

failure_route[TRANSFER_REFER_FAILURE] {
	evapi_relay("{\"event\":\"transfer.refer_reply\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"code\":$T_reply_code}");
}

# Resumed by the control plane (calls/transfer/out-leg.ts): a blind transfer's new INVITE (the gateway's, to
# xfer-<token>) relayed to another centre or an outside number (110/119/122), anchored and recorded by rtpengine like any
# offer (MANAGE_BRANCH). A trunk group (setid > 0) sends it through its live member of highest priority (a gateway out of
# service is skipped; none live: 503). Ringing, answer and failure are reported as offer.* of kind `transfer`; a failure
# re-suspends the INVITE (OFFER_FAILED) so that the control plane answers the gateway with it and the caller stays
# with the dispatcher on the old dialog.
route[TRANSFER_OUT] {
	$sht(q=>$(ci{s.trim})) = $null;
	evapi_relay("{\"event\":\"resumed\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"action\":\"transfer_out\",\"attempt\":$var(attempt)}");
	route(ENDED_GUARD);
	$avp(seat) = "~transfer";
	$avp(attempt) = $var(attempt);
	$avp(xf_cli) = $var(xf_cli);
	$ru = $var(xf_uri);
	$du = $null;
	$avp(ds_group) = $null;
	if ($var(xf_set) > 0 && !ds_select_domain("$var(xf_set)", "8")) {
		xlog("L_WARN", "transfer out: no live gateway in trunk group $var(xf_set)\n");
		$var(code) = 503;
		route(OFFER_FAILED);
		exit;
	}
	if ($var(xf_set) > 0) {
		$avp(ds_group) = 1;
		$avp(ds_ruri) = $ru;
	}
	t_set_fr("$var(ring_ms)", "5000");
	t_on_failure("OFFER_FAILURE");
	route(RELAY);
}

# Per branch of TRANSFER_OUT: the directory entry's presented number in From and P-Asserted-Identity (restored towards
# the gateway, uac restore_mode auto); without one, the caller's own number stays.
route[TRANSFER_OUT_PRESENT] {
	if ($avp(xf_cli) == "" || $avp(xf_cli) == $null) { return; }
	remove_hf("P-Asserted-Identity");
	remove_hf("P-Preferred-Identity");
	remove_hf("Remote-Party-ID");
	uac_replace_from("sip:$avp(xf_cli)@{{SIP_DOMAIN}}");
	append_hf("P-Asserted-Identity: <sip:$avp(xf_cli)@{{SIP_DOMAIN}}>\r\n");
}

# The gateway's NOTIFY of the refer subscription (RFC 3515 2.4.4): its message/sipfrag status line (RFC 3420) goes to
# the control plane (transfer.notify), and Kamailio answers it itself, so a closed console page never leaves the
# gateway without an answer.
route[TRANSFER_NOTIFY] {
	$var(code) = 0;
	if ($(rb{s.substr,0,8}) == "SIP/2.0 ") { $var(code) = $(rb{s.substr,8,3}{s.int}); }
	evapi_relay("{\"event\":\"transfer.notify\",\"callid\":\"$(ci{s.trim}{s.encode.base64})\",\"code\":$var(code)}");
	sl_send_reply("200", "OK");
	exit;
}

####### Control plane (evapi) #########
event_route[evapi:connection-new] {
	$shv(cp_up) = $shv(cp_up) + 1;
	xlog("L_INFO", "control plane connected from $evapi(srcaddr):$evapi(srcport) (connections: $shv(cp_up))\n");
}

event_route[evapi:connection-closed] {
	$shv(cp_up) = $shv(cp_up) - 1;
	if ($shv(cp_up) < 0) { $shv(cp_up) = 0; }
	if ($shv(cp_up) == 0) { $shv(cp_down_at) = $TV(s); }
	xlog("L_WARN", "control plane connection closed (connections: $shv(cp_up))\n");
}

event_route[evapi:message-received] {
	jansson_get("action", "$evapi(msg)", "$var(action)");
	if ($var(action) == "ack") { exit; }
	if ($var(action) == "sync") {
		route(SYNC);
		exit;
	}
	jansson_get("tindex", "$evapi(msg)", "$var(tindex)");
	jansson_get("tlabel", "$evapi(msg)", "$var(tlabel)");
	$var(route) = "";
	if ($var(action) == "offer") {
		jansson_get("seat", "$evapi(msg)", "$var(seat)");
		jansson_get("ring_ms", "$evapi(msg)", "$var(ring_ms)");
		jansson_get("attempt", "$evapi(msg)", "$var(attempt)");
		$var(route) = "OFFER";
	} else if ($var(action) == "ringall") {
		jansson_get("reason", "$evapi(msg)", "$var(reason)");
		$var(route) = "FAILOPEN";
	} else if ($var(action) == "offer_many") {
		jansson_get("seats", "$evapi(msg)", "$var(seats)");
		jansson_get("ring_ms", "$evapi(msg)", "$var(ring_ms)");
		jansson_get("attempt", "$evapi(msg)", "$var(attempt)");
		$var(route) = "OFFER_MANY";
	} else if ($var(action) == "overflow") {
		jansson_get("uri", "$evapi(msg)", "$var(ov_uri)");
		jansson_get("ring_ms", "$evapi(msg)", "$var(ring_ms)");
		jansson_get("attempt", "$evapi(msg)", "$var(attempt)");
		jansson_get("h_call_id", "$evapi(msg)", "$var(h_cid)");
		jansson_get("h_caller", "$evapi(msg)", "$var(h_caller)");
		jansson_get("h_queue_ms", "$evapi(msg)", "$var(h_qms)");
		jansson_get("h_centre", "$evapi(msg)", "$var(h_centre)");
		jansson_get("h_priority", "$evapi(msg)", "$var(h_prio)");
		$var(route) = "OVERFLOW";
	} else if ($var(action) == "transfer_out") {
		jansson_get("uri", "$evapi(msg)", "$var(xf_uri)");
		jansson_get("setid", "$evapi(msg)", "$var(xf_set)");
		jansson_get("cli", "$evapi(msg)", "$var(xf_cli)");
		jansson_get("ring_ms", "$evapi(msg)", "$var(ring_ms)");
		jansson_get("attempt", "$evapi(msg)", "$var(attempt)");
		$var(route) = "TRANSFER_OUT";
	} else if ($var(action) == "conf_answer") {
		# --- conference legs (docs/mixer.md) ---
		jansson_get("sdp", "$evapi(msg)", "$var(sdp)");
		jansson_get("room", "$evapi(msg)", "$var(room)");
		$var(route) = "CONF_ANSWER";
	} else if ($var(action) == "anchor_answer") {
		jansson_get("sdp", "$evapi(msg)", "$var(sdp)");
		$var(route) = "ANCHOR_ANSWER";
	} else if ($var(action) == "conf_reject") {
		jansson_get("code", "$evapi(msg)", "$var(code)");
		jansson_get("reason", "$evapi(msg)", "$var(reason)");
		$var(route) = "CONF_REJECT";
		# --- end conference legs ---
	} else if ($var(action) == "early") {
		jansson_get("sdp", "$evapi(msg)", "$var(sdp)");
		$var(route) = "EARLY";
	} else if ($var(action) == "reject" || $var(action) == "end") {
		# the control plane ended the call: mark its transaction (qx) first, so that it is answered even if it is not
		# suspended right now (an offer in flight) and never failed open later (route ENDED_GUARD)
		jansson_get("code", "$evapi(msg)", "$var(code)");
		jansson_get("callid", "$evapi(msg)", "$var(cid)");
		if ($var(action) == "end") {
			$var(code) = 487;
		} else if ($var(code) < 400 || $var(code) > 699) {
			$var(code) = 603;
		}
		$sht(qx=>$(var(cid){s.decode.base64})) = $_s($var(tindex):$var(tlabel):$var(code));
		$var(route) = "REJECT";
	}
	if ($var(route) == "") {
		xlog("L_ERR", "evapi: unknown action [$var(action)]\n");
		exit;
	}
	if (!t_continue("$var(tindex)", "$var(tlabel)", "$var(route)")) {
		jansson_get("callid", "$evapi(msg)", "$var(cid)");
		evapi_relay("{\"event\":\"resume_failed\",\"callid\":\"$var(cid)\",\"action\":\"$var(action)\",\"tindex\":$var(tindex),\"tlabel\":$var(tlabel)}");
	}
}

# Re-send every suspended call (after the control plane reconnects: events sent while it was away are lost).
route[SYNC] {
	sht_iterator_start("it", "qd");
	while (sht_iterator_next("it")) {
		if ($sht(q=>$shtitkey(it)) != $null) {
			$var(v) = $shtitval(it);
			$var(t) = $sht(q=>$shtitkey(it));
			$var(v) = $(var(v){s.striptail,1}) + ",\"sync\":true,\"tindex\":" + $(var(t){s.select,0,:}) + ",\"tlabel\":" + $(var(t){s.select,1,:}) + "}";
			evapi_relay("$var(v)");
		}
	}
	sht_iterator_end("it");
	evapi_relay("{\"event\":\"sync.done\"}");
}

# Trunk groups: a member stopped answering OPTIONS (out of service) or answers again (back in service).
# dispatcher puts the member's address in $ru (after a probe), or leaves the request's R-URI there (ds_mark_dst
# in OUTBOUND_FAILURE: sip:<number>@<gateway>); the control plane matches host and port.
event_route[dispatcher:dst-down] {
	xlog("L_WARN", "trunk gateway $ru out of service\n");
	evapi_relay("{\"event\":\"trunk.down\",\"uri\":\"$(ru{s.encode.base64})\"}");
}

event_route[dispatcher:dst-up] {
	xlog("L_INFO", "trunk gateway $ru answers OPTIONS again: back in service\n");
	evapi_relay("{\"event\":\"trunk.up\",\"uri\":\"$(ru{s.encode.base64})\"}");
}

event_route[usrloc:contact-expired] {
	evapi_relay("{\"event\":\"seat.unregistered\",\"user\":\"$(ulc(exp=>aor){s.encode.base64})\"}");
}

####### HTTP: SIP over WebSocket and JSON-RPC #########
event_route[xhttp:request] {
#!ifdef WITH_TLS
	# the WSS port faces the dispatchers' browsers: SIP over WebSocket only, never JSON-RPC nor metrics
	if ($Rp == {{WSS_PORT}} && $hu =~ "^/(RPC|metrics)") {
		xhttp_reply("403", "Forbidden", "", "");
		exit;
	}
#!endif
#!ifdef WITH_PAIR
	# the floating address faces the seats' browsers: SIP over WebSocket only, never JSON-RPC nor metrics
	if ($Ri == "{{PAIR_VIP}}" && $hu =~ "^/(RPC|metrics)") {
		xhttp_reply("403", "Forbidden", "", "");
		exit;
	}
#!endif
	if ($hu =~ "^/RPC") {
		jsonrpc_dispatch();
		exit;
	}
	if (prom_check_uri()) {
		prom_dispatch();
		exit;
	}
	set_reply_close();
	set_reply_no_connect();
	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {
		if (ws_handle_handshake()) { exit; }
	}
	xhttp_reply("404", "Not Found", "", "");
}

event_route[websocket:closed] {
	xlog("L_INFO", "WebSocket connection from $si:$sp closed\n");
	route(SEAT_CONNECTION_GONE);
}

# The TCP connection under a seat's WebSocket closed or was reset: told at once (websocket:closed runs only when the
# module drops the connection, about 5 s after a clean close, and not at all after an abrupt one: measured here).
event_route[tcp:closed] {
	route(SEAT_CONNECTION_GONE);
}
event_route[tcp:reset] {
	route(SEAT_CONNECTION_GONE);
}
event_route[tcp:timeout] {
	route(SEAT_CONNECTION_GONE);
}

# a seat's softphone: the control plane may have a call to save (calls/page-lost/); the first event of the
# connection's end tells it, the htable entry goes with it
route[SEAT_CONNECTION_GONE] {
	if ($sht(wsu=>$si:$sp) != $null) {
		$var(wsu) = $sht(wsu=>$si:$sp);
		$sht(wsu=>$si:$sp) = $null;
		xlog("L_WARN", "seat $var(wsu): its WebSocket from $si:$sp is gone\n");
		evapi_relay("{\"event\":\"seat.connection_closed\",\"user\":\"$(var(wsu){s.encode.base64})\",\"src\":\"$si:$sp\"}");
	}
}
