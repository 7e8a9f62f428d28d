#!/usr/bin/env bash
# IKE_SA setups per second (the IKE issue's rate target), ours beside strongSwan's in one run:
#
#   bench/ike-rate.sh              in process: strongSwan, then BenchmarkDotNet's IkeSetupBenchmarks, then strongSwan
#   sudo bash bench/ike-rate.sh --daemons   (NO_BUILD=1: use the Host build as it is)
#                                  two of our daemons in namespaces beside two strongSwan charons, REPS rounds
#
# strongSwan: two charons (kernel-libipsec) in network namespaces, ECDSA P-256 certificates, IKE
#   aes256gcm16-prfsha256-ecp256, ESP aes256gcm16, W parallel swanctl initiators for D seconds
#   (../shared/lab/run-ike-rate.sh; each swanctl call is a process of its own, so this is a lower bound of charon's
#   capacity; charon.reuse_ikesa = no, so each is a new IKE SA with one CHILD_SA).
# --daemons, ours: an `ipsecfw run` responder in one namespace (the same lab topology, the same certificates and
#   proposals) and `ipsecfw bench ike` in the other: one process keeping P IKE SAs in flight over real UDP, each
#   IKE_SA_INIT + IKE_AUTH with one CHILD_SA (installed in the responder's ESP engine), deleted once established, for
#   D seconds. The rounds alternate strongSwan and ours; the table gives every round and the best of each.
# In process: both sides in one process on one thread, no sockets (not the same experiment; the output says so).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lab="$root/../shared/lab"
cd "$root"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$root/bench/out/ike-$stamp"
mkdir -p "$out"
D=${D:-15}
W=${W:-4}
P=${P:-8}
WARMUP=${WARMUP:-4}
REPS=${REPS:-3}
MODE=inproc
[[ "${1:-}" == "--daemons" ]] && MODE=daemons

strongswan_rate() {
  if [[ ! -x "$lab/run-ike-rate.sh" ]]; then
    echo "n/a"
    return
  fi
  (cd "$lab" && KEYTYPE=ecdsa D="$D" W="$W" REP="$1" ./run-ike-rate.sh) > "$out/strongswan-$1.log" 2>&1 || true
  local rate
  rate=$(sed -n 's/^ok=\([0-9]*\) fail=\([0-9]*\) elapsed=\([0-9.]*\)s.*/\1 \3/p' "$out/strongswan-$1.log" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2; else print "n/a" }')
  echo "${rate:-n/a}"
}

echo "start=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$(git rev-parse --short HEAD) cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg) mode=$MODE D=${D}s W=$W P=$P" | tee "$out/run.txt"

if [[ "$MODE" == "inproc" ]]; then
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
  exit 0
fi

# --daemons
[[ $EUID -eq 0 ]] || { echo "ike-rate.sh --daemons: needs root (network namespaces)" >&2; exit 1; }
DLL="$root/Host/src/bin/Release/net10.0/ipsecfw.dll"
[[ -n "${NO_BUILD:-}" ]] || dotnet build Host/src -c Release > "$out/build.log" 2>&1 || { echo "build failed: $out/build.log" >&2; exit 1; }
[[ -s "$lab/out/pki/ca-ecdsa.crt" ]] || "$lab/pki.sh" > "$out/pki.log" 2>&1

# daemon_config <dir> <cert> <local address> <peer json> <tun address>
# (ike.halfOpenPerSource 0: the load tester keeps P half-open SAs from one address, more than the default 5 allow)
daemon_config() {
  mkdir -p "$1/run"
  cp "$lab/out/pki/ca-ecdsa.crt" "$1/ca.pem"; cp "$lab/out/pki/$2-ecdsa.crt" "$1/cert.pem"; cp "$lab/out/pki/$2-ecdsa.key" "$1/key.pem"
  printf 'hosts = x509{name="*.example.com"};\nallow *(hosts, hosts);\n' > "$1/policy.pol"
  cat > "$1/config.json" <<JSON
{ "identity": { "certificate": "cert.pem", "key": "key.pem" },
  "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },
  "ike": { "localAddress": "$3", "halfOpenPerSource": 0 },
  "peers": [ $4 ],
  "tun": { "name": "ipsecfw0", "mtu": 1400, "addresses": [ "$5/32" ] },
  "policy": { "source": "policy.pol" },
  "control": { "socket": "$1/run/control.sock" },
  "logging": { "level": "warning" } }
JSON
}

# ours_rate <round>: prints the bench line's rate; logs and status in $out/ours-<round>/
ours_rate() (
  NS_L=ikerate-l NS_R=ikerate-r
  . "$lab/netns.sh"
  trap lab_cleanup EXIT
  local d="$out/ours-$1" props='"ike": [ "aes256gcm16-prfsha256-ecp256" ], "esp": [ "aes256gcm16" ]'
  ns_create
  daemon_config "$d/right" vpn-gw "$UL_R" "{ \"name\": \"clients\", \"remoteId\": \"*.example.com\", $props, \"localSubnets\": [ \"$NET_R\" ], \"remoteSubnets\": [ \"$NET_L\" ] }" 198.19.2.10
  daemon_config "$d/left" mail-gw "$UL_L" "{ \"name\": \"gw\", \"address\": \"$UL_R\", \"remoteId\": \"*.example.com\", $props, \"localSubnets\": [ \"$NET_L\" ], \"remoteSubnets\": [ \"$NET_R\" ] }" 198.19.1.10
  bg_start "$d/right/daemon.log" ip netns exec "$NS_R" dotnet "$DLL" run --config "$d/right/config.json"
  if ! wait_for 600 ip netns exec "$NS_R" dotnet "$DLL" status --socket "$d/right/run/control.sock"; then
    echo "n/a"; tail -5 "$d/right/daemon.log" >&2; return
  fi
  timeout $((${D%.*} + 400)) ip netns exec "$NS_L" dotnet "$DLL" bench ike --config "$d/left/config.json" --peer gw \
    --seconds "$D" --parallel "$P" --count 1000000 --warmup "$WARMUP" > "$d/bench.txt" 2> "$d/bench.err" || true
  ip netns exec "$NS_R" dotnet "$DLL" status --socket "$d/right/run/control.sock" > "$d/right-status.txt" 2>&1 || true
  sed -n 's/.* rate=\([0-9.]*\) .*/\1/p' "$d/bench.txt" | grep . || echo "n/a"
)

declare -a SW OURS
for r in $(seq 1 "$REPS"); do
  SW[$r]=$(strongswan_rate "$r")
  OURS[$r]=$(ours_rate "$r")
  echo "round $r: strongSwan ${SW[$r]} IKE_SA/s, ours ${OURS[$r]} IKE_SA/s ($(cat "$out/ours-$r/bench.txt" 2>/dev/null || true)) load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/run.txt"
done

best() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | tail -1; }
bsw=$(best "${SW[@]}"); bours=$(best "${OURS[@]}")
{
  echo
  echo "| round | strongSwan ⇄ strongSwan (IKE_SA/s) | ipsecfw ⇄ ipsecfw (IKE_SA/s) | ratio |"
  echo "|---|---|---|---|"
  for r in $(seq 1 "$REPS"); do
    ratio=$(awk -v a="${OURS[$r]}" -v b="${SW[$r]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "n/a" }')
    echo "| $r | ${SW[$r]} | ${OURS[$r]} | $ratio |"
  done
  ratio=$(awk -v a="${bours:-0}" -v b="${bsw:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "n/a" }')
  echo "| best | ${bsw:-n/a} | ${bours:-n/a} | $ratio |"
  echo
  echo "target: ours >= strongSwan's rate: $(awk -v a="${bours:-0}" -v b="${bsw:-0}" 'BEGIN { if (b <= 0 || a <= 0) print "n/a"; else if (a >= b) print "MET"; else print "NOT MET" }')"
} | tee -a "$out/run.txt"
echo "results in $out"
