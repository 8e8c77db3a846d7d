# Janus AudioBridge, the mixer (rendered by scripts/stack/services/janus.ts; docs/mixer.md).
# No static rooms: the control plane creates one per conference (sampling_rate 8000, recording on).
general: {
	# plain-RTP participants (rtpengine's legs) take their ports here: a range reserved for this stack's Janus in
	# scripts/stack/ports.ts, apart from rtpengine's
	rtp_port_range = "{{RTP_MIN}}-{{RTP_MAX}}"
	local_ip = "{{IP}}"
	# rooms are created and destroyed over the API only, never written back to this file
	lock_rtp_forward = true
	admin_key = "{{ADMIN_SECRET}}"
}
