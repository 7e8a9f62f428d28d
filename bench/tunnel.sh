#!/usr/bin/env bash
# Endpoint throughput and latency through a tunnel between two network namespaces (issue 5, Performance):
#
#   bash bench/tunnel.sh                 # as root; ~4-5 minutes here
#   VARIANTS="plain ipsecfw" bash bench/tunnel.sh     # a subset (the ratio needs strongswan and/or wg in the run)
#   SAS=0 bash bench/tunnel.sh           # skip the 1,000-SA memory check
#   VARIANTS=none bash bench/tunnel.sh   # the 1,000-SA memory check alone (~1-2 minutes; SAS_SETTLE=20 s idle at the end)
#   VARIANTS=none GCDUMP=1 bash bench/tunnel.sh   # the same, with the daemons' managed heaps by type (after the RSS)
#   BUILD=0 ...                          # use the Release build already there (no dotnet build)
#   MALLOC_ARENAS=0 ...                  # the ipsecfw daemons without the unit's MALLOC_ARENA_MAX=2
#   VARIANTS="wg ipsecfw" SAS=0 PING_N=200 PING_I=0.01 IPERF_T=2 bash bench/tunnel.sh   # round-trip time vs wireguard-go
#   IPSECFW_UDP_GSO=1 bash bench/tunnel.sh   # the daemons with UDP GSO on send (off by default: it did not pay here)
#   VARIANTS="wg ipsecfw ipsecfw_offload" SAS=0 bash bench/tunnel.sh   # TUN offloads (tun.offload) off and on, against wireguard-go
#
# For each variant, in one run, the same measurement (left -> right between the inner addresses 198.19.1.1 and
# 198.19.2.1): PING_N (20) pings PING_I (0.2) s apart (avg and mdev) once right after the tunnel comes up ("cold") and once after the iperf3 runs ("warm"), iperf3 TCP with 1 and with 4 streams for 10 s each (receiver's
# rate, retransmits), the receiving namespace's UDP receive-buffer drops (UdpRcvbufErrors), and the CPU time both
# tunnel daemons used per GB received (user + system, /proc/PID/stat), a figure less sensitive to the load than the rate.
#
#   plain      the veth alone, kernel routing (the ceiling)
#   strongswan strongSwan <-> strongSwan, kernel-libipsec (user-space ESP on TUN, always ESP in UDP), AES-256-GCM-16,
#              ECDSA P-256 certificates (the kernel here has no ESP: user space is the only IPsec that runs)
#   wg         wireguard-go <-> wireguard-go (ChaCha20-Poly1305)
#   ipsecfw    two `ipsecfw run` daemons, AES-256-GCM-16, ECDSA P-256 certificates; their RSS (VmRSS/VmHWM) is reported
#              with "tun": { "offload": false } (the plain TUN: one packet per read and write)
#   ipsecfw_offload  the same with "tun": { "offload": true }, the daemon's default since session 5 (IFF_VNET_HDR: TSO
#              super-packets split on read, GRO on write); the memory check runs with the plain TUN
#
# Then the memory check: one `ipsecfw run` responder and one initiator whose configuration lists SAS (1,000) peers, all
# the same remote host, so the two daemons hold SAS IKE SAs with one CHILD_SA each; both daemons' RSS is reported when
# the SAs are up and again after SAS_SETTLE (20) s idle.
#
# The machine's 2 vCPUs are shared by both peers and by iperf3 (and by other engineers' builds): the absolute figures
# are noisy; the ratio to the better user-space anchor (strongswan, wg) in the same run is what counts.
# Namespaces (198.18.0.0/15 addresses only), processes (by PID) and temporary files are removed on exit.
# Recipes and gotchas: ../shared/lab/README.md (charon's pid file, plugin order, wireguard-go's UAPI directory).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "bench/tunnel.sh: run as root (network namespaces)" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/out/tunnel-$STAMP"
mkdir -p "$OUT"
VARIANTS=${VARIANTS:-"plain strongswan wg ipsecfw ipsecfw_offload"}
TUN_OFFLOAD=false           # tun.offload in the configurations ipsecfw_config writes
[ "$VARIANTS" = none ] && VARIANTS=""
SAS=${SAS:-1000}
SAS_TIME=${SAS_TIME:-120}   # seconds the memory check waits for its SAs
SAS_SETTLE=${SAS_SETTLE:-20}  # seconds it then leaves the daemons idle before it reads their RSS again
IPERF_T=${IPERF_T:-10}
PING_N=${PING_N:-20}
PING_I=${PING_I:-0.2}       # seconds between pings (0.01: ping -c 200 -i 0.01 for a latency run)
WORK="/tmp/ipsecfw-tunnel-$$-$RANDOM"
mkdir -m 700 "$WORK"

# Namespace names carry the PID so two runs (or a test) never collide.
NS_L="tnl$$l"; NS_R="tnl$$r"
UL_L=198.18.0.1; UL_R=198.18.0.2          # underlay (veth)
IN_L=198.19.1.1; IN_R=198.19.2.1          # inner addresses (on lo: this kernel has no dummy interfaces)
NET_L=198.19.1.0/24; NET_R=198.19.2.0/24  # inner subnets (traffic selectors)
WG_L="wg$$l"; WG_R="wg$$r"                # wireguard-go's UAPI directory /run/wireguard is not per namespace
DLL="$ROOT/Host/src/bin/Release/net10.0/ipsecfw.dll"
PIDS=()

log() { echo "[$(date -u +%T)] $*" >&2; }
nsl() { ip netns exec "$NS_L" "$@"; }
nsr() { ip netns exec "$NS_R" "$@"; }

# bg <logfile> <cmd...>: start in the background and remember the PID (BG_PID)
bg() {
  local f=$1; shift
  "$@" >"$f" 2>&1 &
  BG_PID=$!
  PIDS+=("$BG_PID")
}

stop_pids() {
  local p i
  DPIDS=""
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] || continue
    for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
}

ns_delete() {
  local ns
  for ns in "$NS_L" "$NS_R"; do
    ip netns list | awk '{print $1}' | grep -qx "$ns" && ip netns delete "$ns" || true
  done
}

cleanup() {
  set +e
  stop_pids
  ns_delete
  rm -f "/run/wireguard/$WG_L.sock" "/run/wireguard/$WG_R.sock"
  rmdir /run/wireguard 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # wait_for <seconds> <cmd...>
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.2
  done
}

ns_create() {
  ns_delete
  ip netns add "$NS_L"; ip netns add "$NS_R"
  # the pair is created inside left with its peer moved straight to right: nothing appears in the root namespace
  ip -n "$NS_L" link add vl type veth peer name vr netns "$NS_R"
  ip -n "$NS_L" addr add "$UL_L/24" dev vl; ip -n "$NS_R" addr add "$UL_R/24" dev vr
  ip -n "$NS_L" addr add "$IN_L/32" dev lo; ip -n "$NS_R" addr add "$IN_R/32" dev lo
  local ns
  for ns in "$NS_L" "$NS_R"; do
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
  ip -n "$NS_L" link set vl up; ip -n "$NS_R" link set vr up
}

install_packages() {
  local need=()
  command -v iperf3 >/dev/null || need+=(iperf3)
  command -v jq >/dev/null || need+=(jq)
  command -v nstat >/dev/null || need+=(iproute2)
  [ -x /usr/lib/ipsec/charon ] || need+=(strongswan-charon)
  command -v swanctl >/dev/null || need+=(strongswan-swanctl)
  # kernel-libipsec is in libcharon-extra-plugins; aesni/gcm/openssl only in libstrongswan-standard-plugins (a
  # Recommends of strongswan-charon, silently missing with --no-install-recommends)
  [ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] || need+=(libcharon-extra-plugins)
  [ -e /usr/lib/ipsec/plugins/libstrongswan-aesni.so ] || need+=(libstrongswan-standard-plugins)
  command -v wireguard-go >/dev/null || need+=(wireguard-go)
  command -v wg >/dev/null || need+=(wireguard-tools)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    (cd / && export DEBIAN_FRONTEND=noninteractive && apt-get update -q >/dev/null &&
      apt-get install -y -q --no-install-recommends "${need[@]}" >"$OUT/apt.log" 2>&1) ||
      (cd / && apt-get install -y -q --no-install-recommends "${need[@]}" >>"$OUT/apt.log" 2>&1)
  fi
}

# ECDSA P-256 CA and two host certificates (*.example.com), for strongSwan and ipsecfw alike
make_pki() {
  local d="$WORK/pki"; mkdir -p "$d"; cd "$d"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
  openssl req -x509 -new -key ca.key -subj "/C=US/O=Example/CN=Bench Test CA" -days 30 -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  local h
  for h in left right; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$h.key" 2>/dev/null
    openssl req -new -key "$h.key" -subj "/C=US/O=Example/CN=$h.example.com" -out "$h.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s.example.com\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' "$h" > "$h.ext"
    openssl x509 -req -in "$h.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile "$h.ext" -out "$h.pem" 2>/dev/null
  done
  chmod 600 ./*.key
  cd "$ROOT"
}

build() {
  [ "${BUILD:-1}" = 0 ] && { [ -f "$DLL" ] || { echo "BUILD=0 but no $DLL" >&2; exit 1; }; log "BUILD=0: using the existing $DLL"; return 0; }
  log "dotnet build Host/src -c Release"
  dotnet build Host/src -c Release -nologo -v q >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
  [ -f "$DLL" ] || { echo "no $DLL after the build" >&2; exit 1; }
}

# --- measurement ---------------------------------------------------------------------------------------------------

declare -A R   # R[variant.metric]=value

# CPU time (user + system, in clock ticks) of the processes in DPIDS: the tunnel daemons of the variant being measured
cpu_ticks() { local p t=0; for p in $DPIDS; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
DPIDS=""

udp_rcvbuf_errors() { ip netns exec "$1" nstat -asz 2>/dev/null | awk '$1=="UdpRcvbufErrors"{print $2; f=1} END{if(!f)print 0}'; }

ping_into() { # ping_into <variant> <suffix> <file>: PING_N pings PING_I apart, avg/mdev/min into R[variant.ping<suffix>]...
  local v=$1 sfx=$2 f=$3
  if nsl ping -c "$PING_N" -i "$PING_I" -W 2 -I "$IN_L" "$IN_R" >"$f" 2>&1; then
    # "rtt min/avg/max/mdev = 0.099/2.914/40.262/6.274 ms": fields 7 to 10 (before session 4 this read 7 and 9, the
    # minimum and the maximum, and reported them as average and mdev)
    R[$v.ping$sfx]=$(awk -F'[/ ]+' '/^rtt/{print $8}' "$f")
    R[$v.mdev$sfx]=$(awk -F'[/ ]+' '/^rtt/{print $10}' "$f")
    R[$v.pingmin$sfx]=$(awk -F'[/ ]+' '/^rtt/{print $7}' "$f")
    # the median of the replies' time= values: a few slow replies (a busy shared machine) move the average far more
    R[$v.pingmed$sfx]=$(grep -o 'time=[0-9.]*' "$f" | cut -d= -f2 | sort -g | awk '{a[NR]=$1} END{ if (NR) printf "%.3f", (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2) }')
  fi
}

measure() { # measure <variant>
  local v=$1 o="$OUT/$1" p
  nsl ping -q -c 1 -W 2 -I "$IN_L" "$IN_R" >/dev/null 2>&1 || true
  # Cold: right after the tunnel came up (for ipsecfw, while its JIT still compiles the packet path). Every reply is
  # kept in the .ping file; the warm pings after iperf3 below are the steady state.
  ping_into "$v" "" "$o.ping"
  for p in 1 4; do
    bg "$o.iperf3-server-P$p.log" nsr iperf3 -s -1 -B "$IN_R" -p 5201
    local spid=$BG_PID
    wait_for 5 nsr sh -c "ss -ltn | grep -q '$IN_R:5201'" || true
    local before after c0 c1
    before=$(udp_rcvbuf_errors "$NS_R"); c0=$(cpu_ticks)
    nsl timeout $((IPERF_T + 20)) iperf3 -c "$IN_R" -B "$IN_L" -p 5201 -t "$IPERF_T" -P "$p" -J >"$o.iperf3-P$p.json" 2>&1 || true
    after=$(udp_rcvbuf_errors "$NS_R"); c1=$(cpu_ticks)
    wait "$spid" 2>/dev/null || true
    local bps
    bps=$(jq -r '.end.sum_received.bits_per_second // empty' "$o.iperf3-P$p.json" 2>/dev/null || true)
    if [ -n "$bps" ]; then
      R[$v.P$p]=$(awk -v b="$bps" 'BEGIN{printf "%.3f", b/1e9}')
      R[$v.retr$p]=$(jq -r '.end.sum_sent.retransmits // empty' "$o.iperf3-P$p.json")
      R[$v.rcvbuf$p]=$((after - before))
      # both daemons' CPU seconds per GB received: less sensitive to the machine's load than the rate itself
      local bytes
      bytes=$(jq -r '.end.sum_received.bytes // 0' "$o.iperf3-P$p.json")
      [ -n "$DPIDS" ] && R[$v.cpu$p]=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v b="$bytes" 'BEGIN{ if (b > 0) printf "%.2f", (t / hz) / (b / 1e9) }')
    else
      log "iperf3 -P $p failed for $v: $(tail -3 "$o.iperf3-P$p.json" | tr '\n' ' ')"
    fi
  done
  ping_into "$v" warm "$o.ping-warm"
  # interface counters (a TUN device's TX drops are packets its reader did not take in time)
  nsl ip -s link >"$o.links-left.txt" 2>&1 || true
  nsr ip -s link >"$o.links-right.txt" 2>&1 || true
  log "$v: ping ${R[$v.ping]:-?} ms (warm ${R[$v.pingwarm]:-?}), 1 stream ${R[$v.P1]:-?} Gbit/s, 4 streams ${R[$v.P4]:-?} Gbit/s"
}

# mem_detail <pid> <name>: where a daemon's RSS is (/proc/PID/smaps_rollup: anonymous memory vs mapped files) and,
# with GCDUMP=1 (it forces a full GC in the daemon, so it is off by default) and artifacts/tools/dotnet-gcdump
# (dotnet tool install dotnet-gcdump --tool-path artifacts/tools), its managed heap by type
mem_detail() {
  cat "/proc/$1/smaps_rollup" >"$OUT/$2-smaps.txt" 2>&1 || true
  [ "${GCDUMP:-0}" = 1 ] && [ -x "$ROOT/artifacts/tools/dotnet-gcdump" ] || return 0
  [ -x "$ROOT/artifacts/tools/dotnet-counters" ] &&
    timeout 60 "$ROOT/artifacts/tools/dotnet-counters" collect -p "$1" --counters System.Runtime --duration 00:00:00:03 \
      --format csv -o "$OUT/$2-counters.csv" >"$OUT/$2-counters.log" 2>&1 || true
  timeout 60 "$ROOT/artifacts/tools/dotnet-gcdump" collect -p "$1" -o "$OUT/$2.gcdump" >"$OUT/$2-gcdump.log" 2>&1 &&
    timeout 60 "$ROOT/artifacts/tools/dotnet-gcdump" report "$OUT/$2.gcdump" >"$OUT/$2-heap.txt" 2>&1 || true
}

rss() { awk '/^VmRSS/{r=$2} /^VmHWM/{h=$2} END{printf "%.1f/%.1f", r/1024, h/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

# --- variants ------------------------------------------------------------------------------------------------------

run_plain() {
  ns_create
  ip -n "$NS_L" route replace "$NET_R" via "$UL_R" dev vl
  ip -n "$NS_R" route replace "$NET_L" via "$UL_L" dev vr
  DPIDS=""
  measure plain
}

sw_render() { # sw_render <peer> <me> <other> <local ul> <remote ul> <local net> <remote net>
  local d="$WORK/sw-$1"
  rm -rf "$d"; mkdir -p "$d/swanctl/x509ca" "$d/swanctl/x509" "$d/swanctl/private"
  cp "$WORK/pki/ca.pem" "$d/swanctl/x509ca/"; cp "$WORK/pki/$2.pem" "$d/swanctl/x509/"; cp "$WORK/pki/$2.key" "$d/swanctl/private/"
  # load_modular = no with an explicit list (lab gotchas 4-6): kdf and drbg are required in 5.9.8; aesni first is
  # strongSwan's compiled-in order (the fastest AES-GCM here); kernel-libipsec before kernel-netlink.
  cat >"$d/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce aesni aes sha1 sha2 hmac kdf drbg openssl chapoly gcm pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp curve25519 kernel-libipsec kernel-netlink socket-default vici
  port = 500
  port_nat_t = 4500
  install_routes = yes
  install_virtual_ip = no
  filelog { bench { path = $d/charon.log
    default = 0
    ike = 1
    append = no } }
  syslog { daemon { default = -1 } }
  plugins { vici { socket = unix://$d/charon.vici }
    kernel-libipsec { allow_peer_ts = no } }
}
swanctl { load = random nonce drbg hmac sha1 sha2 aes pem pkcs1 pkcs8 x509 gmp openssl }
EOF
  cat >"$d/swanctl/swanctl.conf" <<EOF
connections {
  bench {
    version = 2
    local_addrs = $4
    remote_addrs = $5
    proposals = aes256gcm16-prfsha256-ecp256
    mobike = no
    reauth_time = 0
    local { auth = pubkey
      certs = $2.pem
      id = $2.example.com }
    remote { auth = pubkey
      id = $3.example.com }
    children { net { mode = tunnel
      local_ts = $6
      remote_ts = $7
      esp_proposals = aes256gcm16
      start_action = none
      dpd_action = none } }
  }
}
EOF
}

swctl() { local d="$WORK/sw-$1"; shift; STRONGSWAN_CONF="$d/strongswan.conf" SWANCTL_DIR="$d/swanctl" swanctl "$@" --uri "unix://$d/charon.vici"; }

sw_start() { # sw_start <peer> <ns>: charon 5.9.8 hard-codes /var/run/charon.pid: a private /run per instance (gotcha 3)
  local d="$WORK/sw-$1"
  bg "$d/charon.stderr" ip netns exec "$2" sh -c 'mount -n --bind "$1" /run && exec env STRONGSWAN_CONF="$2" /usr/lib/ipsec/charon' sh "$d" "$d/strongswan.conf"
  wait_for 10 test -S "$d/charon.vici" || { log "charon $1 did not start"; cat "$d/charon.stderr" >&2; return 1; }
  swctl "$1" --load-all --noprompt >"$d/load.log" 2>&1 || { cat "$d/load.log" >&2; return 1; }
}

run_strongswan() {
  ns_create
  sw_render left left right "$UL_L" "$UL_R" "$NET_L" "$NET_R"
  sw_render right right left "$UL_R" "$UL_L" "$NET_R" "$NET_L"
  sw_start left "$NS_L" && sw_start right "$NS_R" &&
    swctl left --initiate --child net --timeout 15 >"$OUT/strongswan-initiate.log" 2>&1 &&
    wait_for 10 nsl ping -c 1 -W 1 -I "$IN_L" "$IN_R" || { log "strongswan: tunnel did not come up"; tail -n 20 "$WORK"/sw-*/charon.log >&2 || true; stop_pids; return 0; }
  swctl left --list-sas >"$OUT/strongswan-sas.txt" 2>&1 || true
  DPIDS="${PIDS[*]}"
  measure strongswan
  swctl left --list-sas >>"$OUT/strongswan-sas.txt" 2>&1 || true
  stop_pids
}

run_wg() {
  ns_create
  local k="$WORK/wg"; mkdir -p "$k"
  (umask 077; wg genkey >"$k/l.key"; wg genkey >"$k/r.key")
  wg pubkey <"$k/l.key" >"$k/l.pub"; wg pubkey <"$k/r.key" >"$k/r.pub"
  bg "$OUT/wg-left.log" ip netns exec "$NS_L" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error wireguard-go "$WG_L"
  bg "$OUT/wg-right.log" ip netns exec "$NS_R" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error wireguard-go "$WG_R"
  wait_for 10 test -S "/run/wireguard/$WG_L.sock" && wait_for 10 test -S "/run/wireguard/$WG_R.sock" || { log "wireguard-go did not start"; stop_pids; return 0; }
  nsl wg set "$WG_L" listen-port 51820 private-key "$k/l.key" peer "$(cat "$k/r.pub")" endpoint "$UL_R:51820" allowed-ips "$NET_R"
  nsr wg set "$WG_R" listen-port 51820 private-key "$k/r.key" peer "$(cat "$k/l.pub")" endpoint "$UL_L:51820" allowed-ips "$NET_L"
  nsl ip link set "$WG_L" mtu 1420 up; nsr ip link set "$WG_R" mtu 1420 up
  nsl ip route replace "$NET_R" dev "$WG_L" src "$IN_L"; nsr ip route replace "$NET_L" dev "$WG_R" src "$IN_R"
  wait_for 10 nsl ping -c 1 -W 1 -I "$IN_L" "$IN_R" || { log "wg: tunnel did not come up"; stop_pids; return 0; }
  DPIDS="${PIDS[*]}"
  measure wg
  stop_pids
}

# The destination is hosts, not *: * never binds the enforcing host, so *(hosts, *) would let each daemon call out
# but accept nothing (the data path enforces the policy per packet).
POLICY='hosts = x509{name="*.example.com"};
allow *(hosts, hosts);'

# ipsecfw_config <dir> <me> <local ul> <remote ul> <local net> <remote net> <tun address> <start|none> <peers>
ipsecfw_config() {
  local d=$1 me=$2 n=${9:-1} i sep=""
  mkdir -p "$d/run"
  cp "$WORK/pki/ca.pem" "$d/ca.pem"; cp "$WORK/pki/$me.pem" "$d/cert.pem"; cp "$WORK/pki/$me.key" "$d/key.pem"
  echo "$POLICY" >"$d/policy.pol"
  {
    echo '{ "identity": { "certificate": "cert.pem", "key": "key.pem" },'
    echo '  "trust": { "anchors": [ "ca.pem" ], "revocation": "none" },'
    # halfOpenPerSource 0: the memory check starts 1,000 IKE SAs from one address at once, which is what the
    # per-source limit of half-open SAs (default 5, like strongSwan's block_threshold) exists to stop
    echo "  \"ike\": { \"localAddress\": \"$3\", \"halfOpenPerSource\": 0 },"
    echo '  "peers": ['
    for i in $(seq 1 "$n"); do
      printf '%s    { "name": "peer%d", "address": "%s", "remoteId": "*.example.com", "startAction": "%s",\n' "$sep" "$i" "$4" "$8"
      printf '      "ike": [ "aes256gcm16-prfsha384-x25519" ], "esp": [ "aes256gcm16" ],\n'
      printf '      "localSubnets": [ "%s" ], "remoteSubnets": [ "%s" ] }\n' "$5" "$6"
      sep=","
    done
    echo '  ],'
    echo "  \"tun\": { \"name\": \"ipsecfw0\", \"mtu\": 1400, \"offload\": $TUN_OFFLOAD, \"addresses\": [ \"$7/32\" ] },"
    echo '  "policy": { "source": "policy.pol" },'
    echo "  \"control\": { \"socket\": \"$d/run/control.sock\" },"
    echo '  "logging": { "level": "warning" } }'
  } >"$d/config.json"
}

ipsecfw_start() { # ipsecfw_start <dir> <ns> -> IPSECFW_PID
  # glibc's MALLOC_ARENA_MAX as Host/packaging/ipsecfw.service sets it: MALLOC_ARENAS (2; 0 leaves it unset)
  local arenas=""
  [ "${MALLOC_ARENAS:-2}" = 0 ] || arenas="MALLOC_ARENA_MAX=${MALLOC_ARENAS:-2}"
  bg "$1/daemon.log" ip netns exec "$2" env $arenas dotnet "$DLL" run --config "$1/config.json"
  IPSECFW_PID=$BG_PID
  wait_for 90 ip netns exec "$2" dotnet "$DLL" status --socket "$1/run/control.sock" || { log "ipsecfw in $2 did not start"; tail -20 "$1/daemon.log" >&2; return 1; }
}

ipsecfw_sa_count() { ip netns exec "$2" dotnet "$DLL" sas --json --socket "$1/run/control.sock" 2>/dev/null | jq '[.[] | select(.state == "established")] | length' 2>/dev/null || echo 0; }

run_ipsecfw() { TUN_OFFLOAD=false run_ipsecfw_variant ipsecfw; }
run_ipsecfw_offload() { TUN_OFFLOAD=true run_ipsecfw_variant ipsecfw_offload; }

run_ipsecfw_variant() { # run_ipsecfw_variant <variant name>, with TUN_OFFLOAD set
  local v=$1
  ns_create
  local l="$WORK/ipsecfw-left" r="$WORK/ipsecfw-right"
  ipsecfw_config "$r" right "$UL_R" "$UL_L" "$NET_R" "$NET_L" 198.19.2.10 none
  ipsecfw_config "$l" left "$UL_L" "$UL_R" "$NET_L" "$NET_R" 198.19.1.10 start
  ipsecfw_start "$r" "$NS_R" || { stop_pids; return 0; }
  local rpid=$IPSECFW_PID
  ipsecfw_start "$l" "$NS_L" || { stop_pids; return 0; }
  local lpid=$IPSECFW_PID
  wait_for 20 nsl ping -c 1 -W 1 -I "$IN_L" "$IN_R" || { log "ipsecfw: tunnel did not come up"; tail -n 20 "$l/daemon.log" "$r/daemon.log" >&2; stop_pids; return 0; }
  R[$v.rss_idle]="$(rss "$lpid") / $(rss "$rpid")"
  DPIDS="$lpid $rpid"
  measure "$v"
  R[$v.rss]="$(rss "$lpid") / $(rss "$rpid")"
  ip netns exec "$NS_R" dotnet "$DLL" status --socket "$r/run/control.sock" >"$OUT/$v-right-status.txt" 2>&1 || true
  ip netns exec "$NS_L" dotnet "$DLL" status --socket "$l/run/control.sock" >"$OUT/$v-left-status.txt" 2>&1 || true
  cp "$l/daemon.log" "$OUT/$v-left.log"; cp "$r/daemon.log" "$OUT/$v-right.log"
  stop_pids
}

# 1,000 SAs: the left daemon's configuration lists SAS peers (all the right host), each started at once; the right
# daemon answers them all. Both then hold SAS IKE SAs with one CHILD_SA each (ESP SAs in both directions).
run_sas() {
  ns_create
  local l="$WORK/sas-left" r="$WORK/sas-right"
  ipsecfw_config "$r" right "$UL_R" "$UL_L" "$NET_R" "$NET_L" 198.19.2.10 none 1
  ipsecfw_config "$l" left "$UL_L" "$UL_R" "$NET_L" "$NET_R" 198.19.1.10 start "$SAS"
  ipsecfw_start "$r" "$NS_R" || { stop_pids; return 0; }
  local rpid=$IPSECFW_PID
  R[sas.rss_empty]="$(rss "$rpid")"
  mem_detail "$rpid" sas-right-empty
  # 1,000 initiations at once can keep a loaded machine's initiator from answering `status` in time: it still counts
  ipsecfw_start "$l" "$NS_L" || kill -0 "$IPSECFW_PID" 2>/dev/null || { stop_pids; return 0; }
  local lpid=$IPSECFW_PID t0=$SECONDS nl=0 nr=0
  while [ $((SECONDS - t0)) -lt "$SAS_TIME" ]; do
    nl=$(ipsecfw_sa_count "$l" "$NS_L"); nr=$(ipsecfw_sa_count "$r" "$NS_R")
    [ "$nl" -ge "$SAS" ] && [ "$nr" -ge "$SAS" ] && break
    sleep 2
  done
  R[sas.time]=$((SECONDS - t0))
  R[sas.left]=$nl; R[sas.right]=$nr
  R[sas.rss_left]="$(rss "$lpid")"; R[sas.rss_right]="$(rss "$rpid")"
  # Then idle for SAS_SETTLE seconds (nothing polls the daemons): the RSS a daemon keeps with its SAs, once the
  # burst is over (the daemon gives its native heap back after a burst, Host/src/Daemon/NativeHeapTrimmer.cs)
  sleep "$SAS_SETTLE"
  R[sas.rss_left_settled]="$(rss "$lpid")"; R[sas.rss_right_settled]="$(rss "$rpid")"
  mem_detail "$rpid" sas-right; mem_detail "$lpid" sas-left
  ip netns exec "$NS_R" dotnet "$DLL" status --socket "$r/run/control.sock" >"$OUT/sas-right-status.txt" 2>&1 || true
  cp "$l/daemon.log" "$OUT/sas-left.log"; cp "$r/daemon.log" "$OUT/sas-right.log"
  stop_pids
}

# --- main ----------------------------------------------------------------------------------------------------------

T0=$SECONDS
install_packages
build
make_pki
{
  echo "start=$(date -u +%FT%TZ) commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Esp Tun Host Ike || echo '+dirty') cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "env: IPSECFW_UDP_GSO=${IPSECFW_UDP_GSO:-} IPSECFW_DISABLE_UDP_GSO=${IPSECFW_DISABLE_UDP_GSO:-} VARIANTS=$VARIANTS SAS=$SAS MALLOC_ARENAS=${MALLOC_ARENAS:-2} PING=$PING_N/$PING_I DOTNET_TieredCompilation=${DOTNET_TieredCompilation:-} DOTNET_TieredPGO=${DOTNET_TieredPGO:-}"
  echo "versions: $(dpkg-query -W -f='${Package} ${Version}, ' strongswan-charon wireguard-go iperf3 2>/dev/null) kernel $(uname -r), dotnet $(dotnet --version)"
} | tee "$OUT/run.txt" >&2
for v in $VARIANTS; do
  log "variant $v"
  "run_$v"
done
[ "$SAS" -gt 0 ] && { log "memory check: $SAS SAs"; run_sas; }
echo "end=$(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg) elapsed=$((SECONDS - T0))s" | tee -a "$OUT/run.txt" >&2

# The better user-space anchor per column: the higher rate, the lower RTT.
best() { # best <metric> <max|min>
  local a=${R[strongswan.$1]:-} b=${R[wg.$1]:-}
  awk -v a="$a" -v b="$b" -v m="$2" 'BEGIN{ if (a=="" && b=="") exit; if (a=="") {print b; exit} if (b=="") {print a; exit}
    if (m=="max") print (a+0 > b+0 ? a : b); else print (a+0 < b+0 ? a : b) }'
}
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v x="$1" -v y="$2" 'BEGIN{ if (y+0 > 0) printf "%.2fx", x/y }' || true; }
B1=$(best P1 max); B4=$(best P4 max); BP=$(best ping min); BW=$(best pingwarm min); BM=$(best pingmedwarm min)
{
  echo "| variant | TCP 1 stream Gbit/s | vs best anchor | TCP 4 streams Gbit/s | vs best anchor | ping avg / median / mdev (min) ms, cold | vs best anchor (avg) | ping avg / median / mdev (min) ms, warm (after iperf3) | vs best anchor (avg / median) | receiver UDP buffer drops (1 / 4 streams) | TCP retransmits (1 / 4) | daemons' CPU s per GB (1 / 4 streams) | daemon RSS MiB (VmRSS/VmHWM, left / right) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for v in $VARIANTS; do
    name=$v
    case $v in
      plain) name="plain veth (ceiling)" ;;
      strongswan) name="strongSwan kernel-libipsec, AES-256-GCM" ;;
      wg) name="wireguard-go" ;;
      ipsecfw) name="**ipsecfw**, AES-256-GCM" ;;
      ipsecfw_offload) name="**ipsecfw**, AES-256-GCM, tun.offload" ;;
    esac
    echo "| $name | ${R[$v.P1]:-n/a} | $(ratio "${R[$v.P1]:-}" "$B1") | ${R[$v.P4]:-n/a} | $(ratio "${R[$v.P4]:-}" "$B4") | ${R[$v.ping]:-n/a} / ${R[$v.pingmed]:-n/a} / ${R[$v.mdev]:-n/a} (${R[$v.pingmin]:-n/a}) | $(ratio "${R[$v.ping]:-}" "$BP") | ${R[$v.pingwarm]:-n/a} / ${R[$v.pingmedwarm]:-n/a} / ${R[$v.mdevwarm]:-n/a} (${R[$v.pingminwarm]:-n/a}) | $(ratio "${R[$v.pingwarm]:-}" "$BW") / $(ratio "${R[$v.pingmedwarm]:-}" "$BM") | ${R[$v.rcvbuf1]:-} / ${R[$v.rcvbuf4]:-} | ${R[$v.retr1]:-} / ${R[$v.retr4]:-} | ${R[$v.cpu1]:-} / ${R[$v.cpu4]:-} | ${R[$v.rss]:-} |"
  done
  echo
  echo "Best anchor: 1 stream $B1, 4 streams $B4 Gbit/s, ping $BP ms cold, $BW ms warm. Ping ratio: lower is better. ipsecfw RSS before iperf3: ${R[ipsecfw.rss_idle]:-n/a}."
  if [ "$SAS" -gt 0 ]; then
    echo
    echo "Memory with $SAS SAs: established IKE SAs left ${R[sas.left]:-?} / right ${R[sas.right]:-?} after ${R[sas.time]:-?} s;" \
      "RSS MiB (VmRSS/VmHWM) left (initiator, $SAS peers) ${R[sas.rss_left]:-?}, right (responder) ${R[sas.rss_right]:-?} (right with no SA: ${R[sas.rss_empty]:-?});" \
      "after ${SAS_SETTLE} s idle: left ${R[sas.rss_left_settled]:-?}, right ${R[sas.rss_right_settled]:-?}."
  fi
} | tee "$OUT/summary.md"
echo "(raw output in $OUT)" >&2
