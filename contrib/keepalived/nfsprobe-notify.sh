#!/bin/sh
#
# keepalived notify script: when this node becomes MASTER of a VRRP instance that carries the NFS service's floating
# address, tell every NFS client in the statd directory (nfsprobe notify), with the floating name as mon_name and
# the floating address as the source. keepalived runs it as `SCRIPT INSTANCE|GROUP NAME STATE [PRIORITY]` (notify)
# or with the arguments written after notify_master; see keepalived.conf.snippet.
#
# Settings (shell variables) come from /etc/keepalived/nfsprobe-notify.NAME.conf when it exists, else from
# /etc/keepalived/nfsprobe-notify.conf ($NFSPROBE_NOTIFY_CONF overrides the directory /etc/keepalived):
#   FLOATING_NAME     name(s) clients mount from, comma separated (nfsprobe notify -v); required
#   FLOATING_ADDRESS  the VRRP address to send from (--source); default: the first name's address
#   STATE_DIR         the shared statd directory (-P); default: nfsprobe's (nfs.conf, /var/lib/nfs/statd, ...)
#   NFSPROBE          the nfsprobe command; default: nfsprobe
#   REPORT            the JSON report, written atomically when the notifier is done; default /run/nfsprobe-notify.NAME.json
#   NOTIFY_ARGS       more nfsprobe notify arguments (split on white space)
# The notifier runs in the background (unanswered clients are retried for nfs.conf's retry-time, as sm-notify does);
# leaving MASTER stops it. Exit: 0 started or nothing to do, 2 bad arguments or settings.
#
# MIT licence, part of nfsprobe. POSIX shell (dash).

TYPE=${1:-}
NAME=${2:-}
STATE=${3:-}
if [ -z "$NAME" ] || [ -z "$STATE" ]; then
	echo "usage: $0 INSTANCE|GROUP NAME MASTER|BACKUP|FAULT|STOP [PRIORITY]" >&2
	exit 2
fi
case "$NAME" in *[!A-Za-z0-9_.-]*) echo "nfsprobe-notify.sh: unusable instance name '$NAME'" >&2; exit 2 ;; esac

log() {
	if command -v logger >/dev/null 2>&1; then logger -t nfsprobe-notify -- "$*"; fi
	echo "nfsprobe-notify.sh: $*" >&2
}

CONF_DIR=${NFSPROBE_NOTIFY_CONF:-/etc/keepalived}
FLOATING_NAME=""
FLOATING_ADDRESS=""
STATE_DIR=""
NFSPROBE=nfsprobe
REPORT=""
NOTIFY_ARGS=""
RUN_DIR=${NFSPROBE_NOTIFY_RUN:-/run}
if [ -r "$CONF_DIR/nfsprobe-notify.$NAME.conf" ]; then
	# shellcheck disable=SC1090
	. "$CONF_DIR/nfsprobe-notify.$NAME.conf"
elif [ -r "$CONF_DIR/nfsprobe-notify.conf" ]; then
	# shellcheck disable=SC1091
	. "$CONF_DIR/nfsprobe-notify.conf"
fi
[ -n "$REPORT" ] || REPORT="$RUN_DIR/nfsprobe-notify.$NAME.json"
PID_FILE="$RUN_DIR/nfsprobe-notify.$NAME.pid"

# Stop a notifier this script started for NAME and that still retries (by its PID file, checked against /proc).
stop_notifier() {
	[ -r "$PID_FILE" ] || return 0
	pid=$(cat "$PID_FILE")
	case "$pid" in '' | *[!0-9]*) rm -f "$PID_FILE"; return 0 ;; esac
	if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q ' notify '; then
		log "$TYPE $NAME is $STATE: stopping the notifier (pid $pid); the new master notifies the clients"
		kill -TERM "$pid" 2>/dev/null
	fi
	rm -f "$PID_FILE"
}

if [ "$STATE" != MASTER ]; then
	stop_notifier
	exit 0
fi

if [ -z "$FLOATING_NAME" ]; then
	log "FLOATING_NAME is not set in $CONF_DIR/nfsprobe-notify.conf: not notifying"
	exit 2
fi
stop_notifier
set -- -d -f --json
for name in $(echo "$FLOATING_NAME" | tr ',' ' '); do set -- "$@" -v "$name"; done
[ -n "$FLOATING_ADDRESS" ] && set -- "$@" --source "$FLOATING_ADDRESS"
[ -n "$STATE_DIR" ] && set -- "$@" -P "$STATE_DIR"
# shellcheck disable=SC2086
set -- "$@" $NOTIFY_ARGS

tmp="$REPORT.tmp.$$"
(
	"$NFSPROBE" notify "$@" >"$tmp" 2>"$RUN_DIR/nfsprobe-notify.$NAME.log" &
	child=$!
	echo "$child" >"$PID_FILE"
	wait "$child"
	rc=$?
	if { [ $rc -eq 0 ] || [ $rc -eq 1 ]; } && [ -s "$tmp" ]; then mv -f "$tmp" "$REPORT"; else rm -f "$tmp"; fi
	[ "$(cat "$PID_FILE" 2>/dev/null)" = "$child" ] && rm -f "$PID_FILE"
	log "$TYPE $NAME: nfsprobe notify finished with exit code $rc (report: $REPORT)"
) </dev/null >/dev/null 2>&1 &
log "$TYPE $NAME is MASTER: notifying the NFS clients as $FLOATING_NAME (report: $REPORT)"
exit 0
