#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying the sbatch scripts (and for the tests):
#
#   deploy/slurm/local-cluster.sh start STATE_DIR   # prints: export SLURM_CONF=STATE_DIR/slurm.conf
#   export SLURM_CONF=STATE_DIR/slurm.conf          # sbatch, squeue, sinfo now use this cluster
#   deploy/slurm/local-cluster.sh stop STATE_DIR    # stops the daemons by their pids
#
# `start` installs Debian's slurm-wlm and munge with apt when they are missing (as root), writes a
# minimal slurm.conf for this host's CPUs and memory into STATE_DIR, starts munged, slurmctld and
# slurmd with everything (key, socket, state, pids, logs) inside STATE_DIR and on free ports — no
# file under /etc is changed and a cluster already running here is not touched — and waits until
# `sinfo` reports the node idle. Jobs run as the user who started the cluster (root in CI).
set -euo pipefail

usage() { echo "usage: $0 start|stop STATE_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action="$1"
state="$2"

die() { echo "error: $*" >&2; exit 1; }

install_slurm() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null &&
    command -v sbatch >/dev/null && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
    die "Slurm is not installed and this is not root with apt-get: install slurm-wlm and munge"
  echo "Installing slurm-wlm and munge with apt..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge >/dev/null || die "apt-get install slurm-wlm munge failed"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# slurm.conf for this one node: its name, CPUs and memory come from `slurmd -C`.
write_conf() {
  local node
  node="$(slurmd -C | head -n 1)"  # NodeName=<host> CPUs=... RealMemory=...
  cat > "$state/slurm.conf" <<CONF
ClusterName=course
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$state/munge.socket
CredType=cred/munge
StateSaveLocation=$state/slurmctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  install_slurm
  mkdir -p "$state"
  state="$(cd "$state" && pwd)"
  chmod 700 "$state"
  mkdir -p "$state/slurmctld" "$state/slurmd"
  [ -f "$state/munge.key" ] || mungekey --create --keyfile="$state/munge.key"
  write_conf
  export SLURM_CONF="$state/slurm.conf"
  # --force: the state directory may sit under a world-writable /tmp.
  munged --force --socket="$state/munge.socket" --key-file="$state/munge.key" \
    --pid-file="$state/munged.pid" --log-file="$state/munged.log" --seed-file="$state/munged.seed"
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF"
  local waited=0
  until [ "$(sinfo -h -o %T 2>/dev/null)" = idle ]; do
    if [ $waited -ge 60 ]; then
      tail -n 5 "$state"/slurmctld.log "$state"/slurmd.log >&2 || true
      stop
      die "the node did not become idle within 60 s (logs above; state was in $state)"
    fi
    sleep 1; waited=$((waited + 1))
  done
  echo "export SLURM_CONF=$SLURM_CONF"
}

# Stops the daemons this script started (by the pids in STATE_DIR), newest first.
stop() {
  local name pid
  for name in slurmd slurmctld munged; do
    [ -f "$state/$name.pid" ] || continue
    pid="$(cat "$state/$name.pid")"
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$state/$name.pid"
  done
}

case "$action" in
  start) start ;;
  stop) [ -d "$state" ] || die "no cluster state in $state"; stop ;;
  *) usage ;;
esac
