#!/usr/bin/env bash
# A one-node SLURM cluster with sixteen pretend GPUs on this machine, for the SLURM executor's tests
# (test/runner/slurm.test.ts). Needs root and Debian's `slurm-wlm` and `munge` (installed when missing
# and apt-get is available). Idempotent: daemons already answering are left alone.
#
#   scripts/slurm-up.sh          configure and start munged, slurmctld, slurmd; wait until the node is idle
#   scripts/slurm-up.sh --down   stop slurmctld and slurmd (munged is left running)
#
# Pretend GPUs are character devices made with `mknod c 1 3` (like /dev/null): SLURM schedules them and
# sets CUDA_VISIBLE_DEVICES; the tests put a fake nvidia-smi on the jobs' PATH.
set -euo pipefail

if [ "${1:-}" = "--down" ]; then
  scontrol shutdown >/dev/null 2>&1 || true
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "slurm-up: needs root (configures /etc/slurm and /etc/munge)" >&2
  exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  if command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
  else
    echo "slurm-up: slurm-wlm and munge are not installed and there is no apt-get" >&2
    exit 1
  fi
fi

host=$(hostname -s)
state=/var/lib/slurm-bench
log=/var/log/slurm-bench
mkdir -p /etc/slurm "$state/ctld" "$state/d" "$log"

# munge: a key of its own, folders owned by munge
if [ ! -s /etc/munge/munge.key ] || [ "$(stat -c %s /etc/munge/munge.key)" -lt 1024 ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge
chown munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
chmod 700 /etc/munge
chmod 755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  su -s /bin/sh munge -c /usr/sbin/munged
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi

for i in $(seq 0 15); do [ -e "/dev/fakegpu$i" ] || mknod "/dev/fakegpu$i" c 1 3; done

conf=$(cat <<EOF
# written by benchbook scripts/slurm-up.sh: a one-node test cluster with sixteen pretend GPUs
# (enough that the tests, which run side by side, never queue behind each other's jobs)
ClusterName=benchbook
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdParameters=config_overrides
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$log/slurmctld.log
SlurmdLogFile=$log/slurmd.log
JobCompType=jobcomp/filetxt
JobCompLoc=$log/jobcomp.log
MpiDefault=none
# fast tests: finished jobs stay in scontrol 30 s, a cancelled job is killed 3 s after SIGTERM
MinJobAge=30
KillWait=3
OverTimeLimit=0
SchedulerParameters=sched_interval=1
MessageTimeout=10
InactiveLimit=0
GresTypes=gpu
NodeName=$host CPUs=16 RealMemory=4000 Gres=gpu:16 State=UNKNOWN
PartitionName=gpu Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
)
gres="NodeName=$host Name=gpu File=/dev/fakegpu[0-15]"
changed=0
if [ "$(cat /etc/slurm/slurm.conf 2>/dev/null)" != "$conf" ]; then printf '%s\n' "$conf" >/etc/slurm/slurm.conf; changed=1; fi
if [ "$(cat /etc/slurm/gres.conf 2>/dev/null)" != "$gres" ]; then printf '%s\n' "$gres" >/etc/slurm/gres.conf; changed=1; fi

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if [ "$changed" = 1 ]; then
  # a changed configuration needs fresh daemons
  scontrol shutdown >/dev/null 2>&1 || true
  for _ in $(seq 50); do running "$state/slurmctld.pid" || running "$state/slurmd.pid" || break; sleep 0.1; done
fi
running "$state/slurmctld.pid" || slurmctld
running "$state/slurmd.pid" || slurmd

for _ in $(seq 100); do
  node_state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  case "$node_state" in
    idle*|mixed*|allocated*) echo "slurm-up: node $host $node_state"; exit 0 ;;
    drain*|down*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 0.2
done
echo "slurm-up: node $host did not become idle (state: ${node_state:-unknown}); see $log" >&2
exit 1
