# rtpengine 10.5 (Debian 12), userspace forwarding. Rendered per stack by scripts/stack/services/rtpengine.ts;
# every placeholder must be in the variable map. See rtpengine(8) for the options.
[rtpengine]
# No kernel module on this platform (no kernel headers): userspace forwarding only.
table = -1
# the stack's host, or on a pair's node the floating address (media moves with it, docs/ha.md)
interface = {{MEDIA_IP}}
listen-ng = {{IP}}:{{NG_PORT}}
# Prometheus /metrics (and rtpengine's HTTP interface) on TCP at the NG port's number: the port registry holds the
# number for both protocols (scripts/stack/stack.ts), so no second port is needed. Same exposure as the NG port.
listen-http = {{IP}}:{{NG_PORT}}
port-min = {{PORT_MIN}}
port-max = {{PORT_MAX}}
foreground = true
log-stderr = true
log-level = {{LOG_LEVEL}}
pidfile = {{PIDFILE}}
# A call lingers this many seconds after `delete`; its pcap metadata file is written only then.
delete-delay = {{DELETE_DELAY}}
timeout = 60
silent-timeout = 3600
# Every call is recorded: one Ethernet-framed pcap per call plus a metadata file, converted by recordings/.
recording-dir = {{SPOOL_DIR}}
recording-method = pcap
recording-format = eth
