#!/bin/sh
# keepalived's notify command for a pair node (docs/ha.md): vrrp-notify.sh <kamailio ctl socket> <state file> <MASTER|BACKUP|FAULT> [<sip master file>]
# MASTER: Kamailio takes new calls (fenced 0) and counts "control plane away" from now (cp_down_at 0 = not seen yet,
#         so the control plane gets the whole FAILOPEN_AFTER_MS to take the lead before a held call is failed open).
# BACKUP, FAULT: Kamailio is fenced: a new INVITE gets a redirect to the floating address or a 503, never silence.
# The state file (<ms since epoch> <state>) tells the control plane when the floating address arrived or left.
# The sip master file (1 while MASTER, else 0) raises this node's priority for the floating media address
# (keepalived.ts, the `media` instance): media follows the SIP address in steady state.
ctl="$1"; out="$2"; state="$3"; master_file="$4"
echo "$(date +%s%3N) $state" > "$out.tmp" && mv "$out.tmp" "$out"
if [ -n "$master_file" ]; then
  if [ "$state" = MASTER ]; then echo 1 > "$master_file.tmp"; else echo 0 > "$master_file.tmp"; fi
  mv "$master_file.tmp" "$master_file"
fi
case "$state" in
  MASTER)
    # cp_down_at first: between two kamcmd calls an INVITE may arrive; unfenced with the count from this node's start
    # still set, the 1 s fail-open sweep would ring it out to every seat at once (docs/ha.md "Next steps" 4)
    /usr/sbin/kamcmd -s "unix:$ctl" pv.shvSet cp_down_at int 0
    /usr/sbin/kamcmd -s "unix:$ctl" pv.shvSet fenced int 0 ;;
  *)
    /usr/sbin/kamcmd -s "unix:$ctl" pv.shvSet fenced int 1 ;;
esac
exit 0
