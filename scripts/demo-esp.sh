#!/usr/bin/env bash
# The ESP interop showcase (the main job before the daemon existed):   sudo bash scripts/demo.sh --esp
#
# The ESP interop demonstration. It installs what it needs, builds, and then shows our ESP engine working with
# implementations nobody here wrote:
#   1. Scapy encrypts, our engine decrypts; our engine encrypts, Scapy decrypts (AES-GCM-128/256, ChaCha20-Poly1305,
#      32-bit and extended sequence numbers, tunnel and transport mode, IPv4 and IPv6, raw ESP and UDP/4500);
#   2. our ESP packets cross a real veth between two network namespaces (198.18.0.0/15, created and removed here),
#      where tshark captures them, dissects them as ESP and, given the keys, decrypts them to the packets we sent.
# Nothing leaves the namespaces the demonstration creates.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDTERMINALLOGGER=off

if [[ $EUID -ne 0 ]]; then
    echo "The demonstration creates network namespaces and needs root: sudo bash scripts/demo.sh --esp" >&2
    exit 1
fi

echo "==> installing what the demonstration needs (apt-get; skipped when present)"
bash scripts/test.sh --install-only

echo "==> building (Release, warnings are errors)"
dotnet build interop-tests/IpsecFw.InteropTests.csproj -c Release -v quiet -nologo </dev/null

echo "==> running the interop scenarios"
log="$(mktemp)"   # the full log of the run, named at the end
set +e
IPSECFW_INTEROP_KEEP=1 dotnet test interop-tests/IpsecFw.InteropTests.csproj -c Release --no-build \
    --logger "console;verbosity=detailed" </dev/null >"$log" 2>&1
rc=$?
set -e

echo
echo "---- what each scenario proved ----------------------------------------------------------------"
grep -E '^\s+(Passed|Failed|Skipped) ' "$log" | sed -E 's/^\s+//; s/ \[[^]]*\]$//; s/\(name: .*\)$//' \
    | sed -E 's/IpsecFw\.InteropTests\.(Scapy|Tshark)\.[A-Za-z]+\.//; s/_/ /g' | sort | uniq -c \
    | awk '{ n=$1; $1=""; printf "  %4d x %s\n", n, substr($0, 2) }' || true
echo "  ($(grep -cE '^\s+Passed ' "$log" || true) checks passed, $(grep -cE '^\s+Failed ' "$log" || true) failed; one check per scenario and direction)"
echo
grep -A1 'Standard Output Messages' "$log" | grep -vE 'Standard Output Messages|^--$' | sed -E 's/; tshark read options:.*//; s/^\s+/  /' || true

wire_dir="$(grep -o '/tmp/ipsecfw-interop-wire-[^; ]*' "$log" | head -n 1 || true)"
tshark_opts="$(grep -o 'tshark read options: .*' "$log" | head -n 1 | sed 's/^tshark read options: //' || true)"
if [[ -n "$wire_dir" && -n "$tshark_opts" && -f "$wire_dir/capture.pcapng" ]]; then
    echo
    echo "---- tshark's view of the first frames our engine put on the veth (outer header, ESP, decrypted inner packet)"
    eval "tshark -r \"$wire_dir/capture.pcapng\" $tshark_opts -c 12 -T fields -E separator=' | ' \
        -e frame.number -e ip.src -e ip.dst -e esp.spi -e esp.sequence -e _ws.col.Protocol -e _ws.col.Info" 2>/dev/null \
        | sed 's/^/  /' || true
    echo "  (ip.src/ip.dst list the outer and then the inner addresses; the inner ones exist only after decryption)"
fi
echo
echo "full log: $log"
if ((rc == 0)); then
    echo "RESULT: our ESP interoperates with Scapy and tshark in every scenario above."
else
    echo "RESULT: some scenarios FAILED (see the log)."
fi
exit "$rc"
