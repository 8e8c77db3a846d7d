#!/bin/sh
# The Redis floating address of a pair's replicated data tier (docs/ha.md, "rtpengine follows a Redis promotion"):
# rtpengine knows one Redis address and no Sentinel, so it is given an address that Sentinel moves to the master.
#
#   redis-vip.sh <vip>/<prefix> <dev> <this host's address> <master-name> <role> <state> <from-ip> <from-port> <to-ip> <to-port>
#
# The first three are baked into each Sentinel's wrapper (services/redis-vip.ts); the last seven are what Sentinel
# passes to its client-reconfig-script after a failover (role leader|observer, state start). Every Sentinel runs it:
# the one beside the new master takes the address (and announces it with a gratuitous ARP where arping exists), the
# others drop it. Then every host resets its own clients' connections to the address (ss -K): they lead to the old
# master, which may be alive as a replica (writes refused, and rtpengine does not reconnect on an error reply) or
# gone without a reset (an idle keyspace subscription would never notice); rtpengine connects again by itself.
# Exit 0 always: a non-zero exit makes Sentinel retry, and the address is only ever added or removed.
vip="$1"; dev="$2"; self="$3"; to_ip="$9"; shift 9; to_port="$1"
if [ "$to_ip" = "$self" ]; then
  ip addr replace "$vip" dev "$dev"
  command -v arping >/dev/null 2>&1 && arping -q -U -c 2 -I "$dev" "${vip%/*}" >/dev/null 2>&1 &
else
  ip addr del "$vip" dev "$dev" 2>/dev/null
fi
ss -K -t -n dst "${vip%/*}" dport = "$to_port" >/dev/null 2>&1
echo "$(date +%s%3N) master ${to_ip}:${to_port}, this host ${self}"
exit 0
