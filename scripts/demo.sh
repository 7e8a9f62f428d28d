#!/usr/bin/env bash
# THE main job of IpsecFw:   sudo bash scripts/demo.sh
#
# Builds `ipsecfw` and runs `ipsecfw demo`: the paper's organisation on this machine in network namespaces
# (198.18.0.0/15, created and removed here): a CA, a mail gateway, two inside hosts, a time server known only by its
# address, an outsider and a telecommuter; `ipsecfw run` in every host with a certificate, Figure 1 shipped as a signed
# bundle, the paper's connections tried with real TCP and UDP, a table (connection, expected, observed, deciding rule);
# then Figure 2 shipped and the host with the old certificate demoted. Exit code 0 when every verdict is the paper's
# (the others: Host/README.md, "Exit codes"). Under a minute once built. Nothing leaves the namespaces.
#
#   sudo bash scripts/demo.sh --keep   keep the run's certificates, configurations, bundles and daemon logs
#   sudo bash scripts/demo.sh --esp    the ESP interop showcase instead (Scapy and tshark against our ESP engine)
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDTERMINALLOGGER=off

if [[ "${1:-}" == "--esp" ]]; then
    shift
    exec bash scripts/demo-esp.sh "$@"
fi

if [[ $EUID -ne 0 ]]; then
    echo "The demonstration creates network namespaces and TUN devices and needs root: sudo bash scripts/demo.sh" >&2
    exit 6
fi

if ! command -v ip >/dev/null || ! command -v sysctl >/dev/null || ! command -v nft >/dev/null; then
    echo "==> installing iproute2, procps and nftables (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 procps nftables >/dev/null
fi

echo "==> building ipsecfw (Release, warnings are errors)"
dotnet build Host/src/IpsecFw.Host.csproj -c Release -warnaserror -v quiet -nologo </dev/null

echo "==> ipsecfw demo"
exec dotnet Host/src/bin/Release/net10.0/ipsecfw.dll demo "$@"
