# Janus 1.1 core for the 120 CTI core: only what the mixer needs (docs/mixer.md).
# Rendered by scripts/stack/services/janus.ts into .run/<stack>/janus/ (placeholders in double braces).
general: {
	configs_folder = "{{CONFIG_DIR}}"
	plugins_folder = "{{LIB_DIR}}/plugins"
	transports_folder = "{{LIB_DIR}}/transports"
	events_folder = "{{LIB_DIR}}/events"
	loggers_folder = "{{LIB_DIR}}/loggers"
	log_to_stdout = true
	debug_level = {{DEBUG_LEVEL}}
	debug_timestamps = true
	# generated for each stack (the service keeps them in the state folder); the control plane gets them in its env
	api_secret = "{{API_SECRET}}"
	admin_secret = "{{ADMIN_SECRET}}"
	# a session with no keepalive dies after this; the control plane sends one every 15 s
	session_timeout = 60
	# a dropped WebSocket leaves the session (and its participants, i.e. the SIP legs in rooms) alive this long,
	# for the control plane to claim it again (engine-notes: 0, the default, destroys it at once)
	reclaim_session_timeout = {{RECLAIM_S}}
	server_name = "cti120-mixer"
	protected_folders = [ "/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var" ]
}
media: {
	# WebRTC participants (none today) take ports from the same reserved range as the AudioBridge's plain RTP
	rtp_port_range = "{{RTP_MIN}}-{{RTP_MAX}}"
}
nat: {
	nice_debug = false
	ice_enforce_list = "{{IP}}"
}
plugins: {
	# only the AudioBridge
	disable = "libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_videoroom.so,libjanus_voicemail.so"
}
transports: {
	# only the WebSocket API (janode's transport), on loopback
	disable = "libjanus_http.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so"
}
loggers: {
	disable = "libjanus_jsonlog.so"
}
events: {
	broadcast = false
	disable = "libjanus_gelfevh.so,libjanus_mqttevh.so,libjanus_nanomsgevh.so,libjanus_rabbitmqevh.so,libjanus_sampleevh.so,libjanus_wsevh.so"
}
