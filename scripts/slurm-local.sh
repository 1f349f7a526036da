#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for the Slurm integration test and for
# trying `mnemo slurm` by hand. Needs root and Debian's slurmctld, slurmd, slurm-client and
# munge (scripts/setup.sh --tests installs them); installs nothing itself. No systemd: the
# daemons are started directly, as ../shared/reference/slurm.md describes.
#
#   scripts/slurm-local.sh start    munged, slurmctld, slurmd; waits until the node is idle
#   scripts/slurm-local.sh stop     stops each daemon by the PID in its pid file
#   scripts/slurm-local.sh status   one line per daemon; exit 0 when all three run
#
# start writes /etc/slurm/slurm.conf (node line from `slurmd -C`; partition "debug") unless
# it already holds this script's configuration. Both start and stop are idempotent. stop
# checks /proc/PID/comm before signalling, so a stale pid file never kills another process;
# no daemon is ever looked up or killed by name.
set -euo pipefail
log() { echo "[slurm-local] $*" >&2; }
die() {
  echo "[slurm-local] error: $*" >&2
  exit 1
}

conf=/etc/slurm/slurm.conf
spool=/var/spool/slurm-mnemo
marker="# written by mnemo scripts/slurm-local.sh"
# name:pidfile:comm
daemons=(munged:/run/munge/munged.pid:munged slurmctld:/run/slurmctld.pid:slurmctld
         slurmd:/run/slurmd.pid:slurmd)

# The PID in $1 when it names a live process whose comm is $2; else nothing.
live_pid() {
  local pidfile=$1 comm=$2 pid
  [ -r "$pidfile" ] || return 1
  pid=$(tr -dc 0-9 <"$pidfile")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm")" = "$comm" ] || return 1
  echo "$pid"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2
  shift 2
  local i
  for ((i = 0; i < limit * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "timed out after ${limit}s waiting for $what"
}

need_tools() {
  local t
  for t in munged munge unmunge mungekey slurmctld slurmd scontrol sinfo; do
    command -v "$t" >/dev/null 2>&1 ||
      die "$t not found: install slurmctld slurmd slurm-client munge (scripts/setup.sh --tests)"
  done
  [ "$(id -u)" -eq 0 ] || die "needs root (the daemons run as root and munge)"
}

start_munge() {
  if live_pid /run/munge/munged.pid munged >/dev/null; then return 0; fi
  [ -f /etc/munge/munge.key ] || runuser -u munge -- mungekey --create >/dev/null
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  wait_for 10 "munged" sh -c 'munge -n | unmunge'
  log "munged $(live_pid /run/munge/munged.pid munged)"
}

write_conf() {
  if [ -f "$conf" ] && head -n 1 "$conf" | grep -qxF "$marker"; then return 0; fi
  [ -f "$conf" ] && die "$conf exists and was not written by this script; move it away first"
  local hw
  # "NodeName=vm CPUs=2 Boards=1 ... RealMemory=N": keep the hardware fields, name the node
  # localhost (the node line and slurmd -N must agree).
  hw=$(slurmd -C | head -n 1 | sed -E 's/^NodeName=[^ ]+ //')
  install -d /etc/slurm /var/log/slurm "$spool/ctld" "$spool/d"
  cat >"$conf" <<EOF
$marker
ClusterName=mnemo
SlurmctldHost=localhost
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$spool/ctld
SlurmdSpoolDir=$spool/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=3600
MpiDefault=none
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
NodeName=localhost NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  log "wrote $conf ($hw)"
}

node_state() { sinfo -h -n localhost -o %T 2>/dev/null; }
node_idle() { case "$(node_state)" in idle | mixed | allocated) return 0 ;; esac; return 1; }

start() {
  need_tools
  start_munge
  write_conf
  install -d /var/log/slurm "$spool/ctld" "$spool/d"
  if ! live_pid /run/slurmctld.pid slurmctld >/dev/null; then
    /usr/sbin/slurmctld
    wait_for 20 "slurmctld (scontrol ping)" sh -c 'scontrol ping | grep -q UP'
    log "slurmctld $(live_pid /run/slurmctld.pid slurmctld)"
  fi
  if ! live_pid /run/slurmd.pid slurmd >/dev/null; then
    /usr/sbin/slurmd -N localhost
    wait_for 10 "slurmd" live_pid /run/slurmd.pid slurmd
    log "slurmd $(live_pid /run/slurmd.pid slurmd)"
  fi
  local i
  for ((i = 0; i < 200; i++)); do
    node_idle && break
    case "$(node_state)" in
      drain* | down*) scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 0.1
  done
  node_idle || die "node localhost is '$(node_state)', not idle (see /var/log/slurm/*.log)"
  log "node localhost $(node_state)"
}

stop() {
  local name pidfile comm pid i
  # slurmd first, munged last (the slurm daemons talk through it while shutting down).
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    IFS=: read -r name pidfile comm <<<"${daemons[$i]}"
    pid=$(live_pid "$pidfile" "$comm") || continue
    kill -TERM "$pid"
    local n
    for ((n = 0; n < 100; n++)); do
      [ -d "/proc/$pid" ] || break
      sleep 0.1
    done
    if [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then
      log "$name $pid ignored SIGTERM for 10 s; SIGKILL"
      kill -KILL "$pid"
    fi
    log "stopped $name $pid"
  done
}

status() {
  local entry name pidfile comm pid rc=0
  for entry in "${daemons[@]}"; do
    IFS=: read -r name pidfile comm <<<"$entry"
    if pid=$(live_pid "$pidfile" "$comm"); then
      echo "$name running (pid $pid)"
    else
      echo "$name stopped"
      rc=1
    fi
  done
  [ $rc -eq 0 ] && echo "node localhost $(node_state)"
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: scripts/slurm-local.sh start|stop|status" >&2
    exit 2
    ;;
esac
