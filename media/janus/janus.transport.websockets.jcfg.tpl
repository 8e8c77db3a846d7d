# Janus WebSocket API (rendered by scripts/stack/services/janus.ts): loopback only, no admin API over WebSocket.
general: {
	json = "plain"
	ws = true
	ws_port = {{WS_PORT}}
	ws_ip = "{{IP}}"
	wss = false
	ws_logging = "err,warn"
}
admin: {
	admin_ws = false
	admin_wss = false
}
