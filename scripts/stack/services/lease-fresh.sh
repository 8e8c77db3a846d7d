#!/bin/sh
# keepalived's vrrp_script for a pair node (docs/ha.md, "Split brain"): succeeds only while the control
# plane says it holds the leader lease ("0" in the lease file) and wrote that within the last 3 s (it
# rewrites it on every renewal, each second). A control plane that died without a word fences its node.
f="$1"
[ -n "$(find "$f" -mmin -0.05 2>/dev/null)" ] && [ "$(cat "$f" 2>/dev/null)" = 0 ]
