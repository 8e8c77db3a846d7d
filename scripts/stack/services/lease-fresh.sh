#!/bin/sh
# keepalived's vrrp_script for a pair node (docs/ha.md, "Split brain"): succeeds while the control plane keeps
# its lease file fresh (it rewrites it every second, leading or standby). A control plane that died without a word
# fences its node within 3-4 s. What the file says (lease held or not) is keepalived's track_file's business.
[ -n "$(find "$1" -mmin -0.05 2>/dev/null)" ]
