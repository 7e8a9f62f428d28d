#!/usr/bin/env bash
# IKE_SA setups per second (the IKE issue's rate target), ours beside strongSwan's in one run:
#
#   bench/ike-rate.sh
#
# 1. strongSwan: two charons (kernel-libipsec) in network namespaces, ECDSA P-256 certificates, W parallel swanctl
#    initiators for D seconds (../shared/lab/run-ike-rate.sh; each swanctl call is a process of its own, so this is a
#    lower bound of charon's capacity).
# 2. Ours: BenchmarkDotNet's IkeSetupBenchmarks: IKE_SA_INIT + IKE_AUTH with ECDSA P-256 certificates, ECP-256,
#    AES-GCM-16-256 and one CHILD_SA, both sides in one process on one thread, no sockets.
# 3. strongSwan again, so the pair brackets our figure on this shared machine.
# The two are not the same experiment (ours has no sockets and no process per initiation): the output says so.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lab="$root/../shared/lab"
cd "$root"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="bench/out/ike-$stamp"
mkdir -p "$out"
D=${D:-15}
W=${W:-4}

strongswan_rate() {
  if [[ ! -x "$lab/run-ike-rate.sh" ]]; then
    echo "n/a"
    return
  fi
  (cd "$lab" && KEYTYPE=ecdsa D="$D" W="$W" REP="$1" ./run-ike-rate.sh) > "$out/strongswan-$1.log" 2>&1 || true
  sed -n 's/^ok=\([0-9]*\) fail=\([0-9]*\) elapsed=\([0-9.]*\)s.*/\1 \3/p' "$out/strongswan-$1.log" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2; else print "n/a" }'
}

echo "start=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$(git rev-parse --short HEAD) cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/run.txt"
sw1=$(strongswan_rate 1)
echo "strongSwan (before): $sw1 IKE_SA/s" | tee -a "$out/run.txt"
dotnet run -c Release --project bench/IpsecFw.Benchmarks -- --filter '*IkeSetupBenchmarks*' --artifacts "$out/bdn" > "$out/ours.log" 2>&1
mean_us=$(grep -E '^\| Setup1 +\| ecdsa-p256' "$out/ours.log" | awk -F'|' '{print $4}' | tr -d ' ,' | sed 's/us$//;s/μs$//;s/ms$/*1000/' | bc -l 2>/dev/null || true)
grep -E '^\| (Method|Setup1)' "$out/ours.log" | tee -a "$out/run.txt" || true
sw2=$(strongswan_rate 2)
echo "strongSwan (after): $sw2 IKE_SA/s" | tee -a "$out/run.txt"
if [[ -n "${mean_us:-}" ]]; then
  ours=$(awk -v us="$mean_us" 'BEGIN { printf "%.0f", 1e6 / us }')
  echo "ours: $ours IKE_SA/s on one core (both sides in one process, no sockets)" | tee -a "$out/run.txt"
  for sw in "$sw1" "$sw2"; do
    if [[ "$sw" != "n/a" ]]; then
      awk -v a="$ours" -v b="$sw" 'BEGIN { printf "ratio ours/strongSwan = %.1fx (strongSwan %s/s)\n", a / b, b }' | tee -a "$out/run.txt"
    fi
  done
fi
echo "results in $out"
