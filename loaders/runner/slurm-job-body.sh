# The fixed part of every benchbook SLURM job script (slurm-script.ts writes the variables above it:
# cmd, run_cwd, log_file, manifest_file, samples_file, timeout_s, kill_grace_s, sample_interval_ms,
# sample_query, static_fields). No study value appears in this file.
# --- JSON from bash ----------------------------------------------------------------------------------
json_str() { # $1 -> a JSON string literal
  local s=$1 out="" c i code
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  if [[ $s == *[[:cntrl:]]* ]]; then
    for ((i = 0; i < ${#s}; i++)); do
      c=${s:i:1}
      if [[ $c == [[:cntrl:]] ]]; then printf -v code '\\u%04x' "'$c"; out+=$code; else out+=$c; fi
    done
    s=$out
  fi
  printf '"%s"' "$s"
}
json_or_null() { if [ -n "${1-}" ]; then json_str "$1"; else printf null; fi; }
json_num_or_null() { if [[ ${1-} =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then printf '%s' "$1"; else printf null; fi; }

now() { date -u +%s.%N; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.%3NZ; }
millis() { local s=${1%.*} f=${1#*.}000; echo $((s * 1000 + 10#${f:0:3})); }
seconds_between() { local d=$(($(millis "$2") - $(millis "$1"))); printf '%d.%03d' $((d / 1000)) $((d % 1000)); }

# --- what the node is ---------------------------------------------------------------------------------
host_json() {
  local hostname release arch cpu_model="" cpus=0 mem_kb=0 line
  hostname=$(cat /proc/sys/kernel/hostname 2>/dev/null || echo "${HOSTNAME:-unknown}")
  release=$(cat /proc/sys/kernel/osrelease 2>/dev/null || uname -r)
  arch=$(uname -m)
  case $arch in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; ppc64le) arch=ppc64 ;; esac
  while IFS= read -r line; do
    case $line in
      processor*) cpus=$((cpus + 1)) ;;
      "model name"*) [ -z "$cpu_model" ] && cpu_model=${line#*: } ;;
    esac
  done </proc/cpuinfo
  while IFS= read -r line; do case $line in MemTotal:*) mem_kb=${line//[!0-9]/} ;; esac; done </proc/meminfo
  printf '{"hostname": %s, "platform": "linux", "release": %s, "arch": %s, "cpu_model": %s, "cpu_count": %d, "memory_bytes": %d}' \
    "$(json_str "$hostname")" "$(json_str "$release")" "$(json_str "$arch")" "$(json_or_null "$cpu_model")" "$cpus" $((mem_kb * 1024))
}

python_json() {
  local first=${cmd[0]} exe="" version=""
  if [[ ${first##*/} =~ ^python[0-9.]*$ ]]; then
    if [[ $first == */* ]]; then exe=$(cd "$(dirname -- "$first")" 2>/dev/null && pwd)/${first##*/}; else exe=$(command -v -- "$first" || true); fi
  fi
  [ -n "$exe" ] || exe=$(command -v python3 || command -v python || true)
  if [ -z "$exe" ]; then printf null; return; fi
  [[ $("$exe" --version 2>&1) =~ Python\ ([^[:space:]]+) ]] && version=${BASH_REMATCH[1]}
  printf '{"executable": %s, "version": %s}' "$(json_str "$exe")" "$(json_or_null "$version")"
}

gpu_ids=${SLURM_JOB_GPUS:-${CUDA_VISIBLE_DEVICES:-}}
nvidia_smi=$(command -v nvidia-smi || true)
smi_select=()
[ -n "$gpu_ids" ] && smi_select=(-i "$gpu_ids")

nvidia_json() {
  [ -n "$nvidia_smi" ] || { printf null; return; }
  local inventory table rc1 rc2 gpus="" line index uuid name driver memory bus first_driver="" cuda="" errors=""
  inventory=$("$nvidia_smi" --query-gpu=index,uuid,name,driver_version,memory.total,pci.bus_id --format=csv,noheader,nounits "${smi_select[@]}" 2>&1); rc1=$?
  table=$("$nvidia_smi" 2>&1); rc2=$?
  [ $rc1 = 0 ] || errors="inventory: exit $rc1: ${inventory%%$'\n'*}"
  [ $rc2 = 0 ] || errors="${errors:+$errors; }table: exit $rc2"
  if [ $rc1 = 0 ]; then
    while IFS=',' read -r index uuid name driver memory bus; do
      [[ $index =~ ^[[:space:]]*[0-9]+$ ]] || continue
      trim() { local v=$1; v=${v#"${v%%[![:space:]]*}"}; v=${v%"${v##*[![:space:]]}"}; [[ $v == "[N/A]" || $v == "N/A" ]] && v=""; printf '%s' "$v"; }
      index=$(trim "$index"); uuid=$(trim "$uuid"); name=$(trim "$name"); driver=$(trim "$driver"); memory=$(trim "$memory"); bus=$(trim "$bus")
      [ -z "$first_driver" ] && first_driver=$driver
      gpus+="${gpus:+, }{\"index\": $index, \"uuid\": $(json_or_null "$uuid"), \"name\": $(json_or_null "$name"), \"driver_version\": $(json_or_null "$driver"), \"memory_total_mib\": $(json_num_or_null "$memory"), \"pci_bus_id\": $(json_or_null "$bus")}"
    done <<<"$inventory"
  fi
  [[ $table =~ CUDA\ Version:[[:space:]]*([0-9.]+) ]] && cuda=${BASH_REMATCH[1]}
  if [ -z "$first_driver" ] && [[ $table =~ Driver\ Version:[[:space:]]*([0-9.]+) ]]; then first_driver=${BASH_REMATCH[1]}; fi
  printf '{"nvidia_smi": %s, "driver_version": %s, "cuda_version": %s, "gpus": [%s], "error": %s}' \
    "$(json_str "$nvidia_smi")" "$(json_or_null "$first_driver")" "$(json_or_null "$cuda")" "$gpus" "$(json_or_null "$errors")"
}

# --- the manifest ------------------------------------------------------------------------------------
status=running reason="" exit_code="" signal_name="" killed=false leftover=0 ended_at="" wall="" samples_json=null
write_manifest() {
  local tmp="$manifest_file.tmp.$$"
  {
    printf '{\n%s,\n' "$static_fields"
    printf '  "cuda_visible_devices": %s,\n' "$(json_or_null "${CUDA_VISIBLE_DEVICES:-}")"
    printf '  "started_at": %s,\n  "ended_at": %s,\n  "wall_seconds": %s,\n' "$(json_str "$(iso "$started")")" \
      "$( [ -n "$ended_at" ] && json_str "$(iso "$ended_at")" || printf null)" "${wall:-null}"
    printf '  "status": %s,\n  "reason": %s,\n  "exit_code": %s,\n  "signal": %s,\n' "$(json_str "$status")" "$(json_or_null "$reason")" "${exit_code:-null}" "$(json_or_null "$signal_name")"
    printf '  "killed": %s,\n  "leftover_processes": %d,\n  "total_seconds": null,\n  "outputs": null,\n  "gpu_samples": %s,\n' "$killed" "$leftover" "$samples_json"
    printf '  "host": %s,\n  "python": %s,\n  "nvidia": %s,\n' "$host" "$python" "$nvidia"
    printf '  "slurm": {"job_id": %s, "job_name": %s, "node": %s, "partition": %s, "gpus": %s, "sampled_gpus": %s, "state": null, "state_reason": null, "exit_code": null}\n}\n' \
      "$(json_or_null "${SLURM_JOB_ID:-}")" "$(json_or_null "${SLURM_JOB_NAME:-}")" "$(json_or_null "${SLURMD_NODENAME:-${SLURM_NODELIST:-}}")" \
      "$(json_or_null "${SLURM_JOB_PARTITION:-}")" "$(json_or_null "${SLURM_JOB_GPUS:-}")" "$(json_or_null "$gpu_ids")"
  } >"$tmp" && mv -f -- "$tmp" "$manifest_file"
}

# --- run ---------------------------------------------------------------------------------------------
started=$(now)
mkdir -p -- "$(dirname -- "$manifest_file")" "$(dirname -- "$log_file")" "$(dirname -- "$samples_file")" "$run_cwd"
host=$(host_json)
python=$(cd -- "$run_cwd" && python_json)
nvidia=$(nvidia_json)
write_manifest

sampler=""
if [ -n "$nvidia_smi" ]; then
  "$nvidia_smi" "$sample_query" --format=csv,noheader,nounits -lms "$sample_interval_ms" "${smi_select[@]}" >"$samples_file" 2>"$samples_file.err" </dev/null &
  sampler=$!
fi

child=""
killer=""
stopping="" # timed_out | terminated
stop_child() { # TERM the command's process group, KILL it after the grace period
  [ -n "$child" ] || return 0
  kill -TERM -- "-$child" 2>/dev/null
  ( sleep "$kill_grace_s"; kill -0 -- "-$child" 2>/dev/null && kill -KILL -- "-$child" 2>/dev/null && : >"$manifest_file.killed" ) &
  killer=$!
}
on_term() { [ -n "$stopping" ] || stopping=terminated; stop_child; }
on_timeout() { [ -n "$stopping" ] || stopping=timed_out; stop_child; }
trap on_term TERM INT HUP
trap on_timeout USR1

cd -- "$run_cwd" || { status=failed; exit_code=1; reason="could not start: cannot enter $run_cwd"; ended_at=$(now); wall=$(seconds_between "$started" "$ended_at"); write_manifest; exit 1; }
rm -f -- "$manifest_file.killed"
# wall time is the command's own, as with the local executor: describing the node (python, nvidia-smi)
# can take seconds on a loaded machine and is not the pipeline's time
started=$(now)
set -m # the command leads its own process group, so stopping it reaches its workers too
(if [ -n "$bb_lc_all_set" ]; then export LC_ALL=$bb_lc_all; else unset LC_ALL; fi; exec "${cmd[@]}") >"$log_file" 2>&1 </dev/null &
child=$!
set +m
( sleep "$timeout_s" && kill -USR1 $$ 2>/dev/null ) </dev/null >/dev/null 2>&1 &
watchdog=$!

rc=0
while :; do
  wait "$child"; rc=$?
  kill -0 "$child" 2>/dev/null || break # a trap interrupted wait: the command still runs
done
ended_at=$(now)
kill "$watchdog" 2>/dev/null
[ -n "$killer" ] && kill "$killer" 2>/dev/null
# workers the command left behind would hold the GPUs into the next job
if kill -0 -- "-$child" 2>/dev/null; then
  leftover=1
  kill -TERM -- "-$child" 2>/dev/null
  for _ in $(seq $((kill_grace_s * 10 + 1))); do kill -0 -- "-$child" 2>/dev/null || break; sleep 0.1; done
  kill -0 -- "-$child" 2>/dev/null && { kill -KILL -- "-$child" 2>/dev/null; killed=true; }
fi
[ -e "$manifest_file.killed" ] && killed=true
rm -f -- "$manifest_file.killed"
wall=$(seconds_between "$started" "$ended_at")

sampler_error=""
if [ -n "$sampler" ]; then
  if kill -0 "$sampler" 2>/dev/null; then kill -TERM "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  elif [ "$stopping" != terminated ]; then wait "$sampler" 2>/dev/null; sampler_error="nvidia-smi ended before the pipeline did (exit $?)"; fi
  if [ -s "$samples_file.err" ]; then IFS= read -r line <"$samples_file.err"; sampler_error="${sampler_error:+$sampler_error: }$line"; fi
  rm -f -- "$samples_file.err"
  rows=0
  while IFS= read -r line || [ -n "$line" ]; do [[ $line == *[![:space:]]* ]] && rows=$((rows + 1)); done <"$samples_file"
  samples_json="{\"file\": $(json_str "$samples_file"), \"rows\": $rows, \"error\": $(json_or_null "$sampler_error")}"
fi

# bash reports a death by signal N as 128+N
if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then signal_name=SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128))); exit_code=""; else exit_code=$rc; fi
case $stopping in
  timed_out) status=timed_out; reason="stopped after the $timeout_s s timeout" ;;
  terminated) status=interrupted; reason="stopped by SIGTERM (scancel or the SLURM time limit)" ;;
  *)
    if [ -n "$signal_name" ]; then status=failed; reason="killed by $signal_name"
    elif [ "$rc" != 0 ]; then status=failed; reason="exit code $rc"
    else status=succeeded; fi ;;
esac
[ "$killed" = true ] && [ -n "$stopping" ] && reason="$reason; it ignored SIGTERM and was killed with SIGKILL"
write_manifest
exit "$rc"
