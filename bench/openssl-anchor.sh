#!/usr/bin/env bash
# OpenSSL anchor: the machine's own `openssl speed` figure for the AEADs we benchmark, in GB/s (10^9 bytes/s).
#
#   bench/openssl-anchor.sh [--seconds N] [--tsv FILE]
#
# For each cipher and size it runs exactly
#   openssl speed -evp <cipher> -bytes <size> -seconds <N> -mr
# (-mr only makes the output machine-readable: "+F:<n>:<name>:<bytes per second>"). Note what this measures:
# without -aead, `speed -evp` streams EVP_EncryptUpdate calls over one context (no per-packet IV, AAD or tag), and it
# divides by the process's CPU user time, not wall-clock time. On a shared machine that hides the time the process
# waited for a core, which BenchmarkDotNet (wall-clock) does not, so each run is repeated with -elapsed (wall-clock
# divisor) for reference; the first figure stays the anchor. Prints a table; with --tsv also writes
# "cipher<TAB>bytes<TAB>bytes_per_second<TAB>bytes_per_second_elapsed" lines to FILE for bench/run.sh.
set -euo pipefail

seconds=3
tsv=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --tsv) tsv="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }

ciphers=(aes-256-gcm aes-128-gcm chacha20-poly1305)
sizes=(1420 64)
results=()

for cipher in "${ciphers[@]}"; do
  for size in "${sizes[@]}"; do
    out="$(openssl speed -evp "$cipher" -bytes "$size" -seconds "$seconds" -mr 2>&1)" || {
      echo "openssl speed failed for $cipher $size:" >&2; echo "$out" >&2; exit 1; }
    bps="$(awk -F: '/^\+F:/ { print $NF; exit }' <<<"$out")"
    [[ -n "$bps" ]] || { echo "no +F line from openssl speed for $cipher $size:" >&2; echo "$out" >&2; exit 1; }
    out="$(openssl speed -elapsed -evp "$cipher" -bytes "$size" -seconds "$seconds" -mr 2>&1)" || {
      echo "openssl speed -elapsed failed for $cipher $size:" >&2; echo "$out" >&2; exit 1; }
    wall="$(awk -F: '/^\+F:/ { print $NF; exit }' <<<"$out")"
    results+=("$cipher"$'\t'"$size"$'\t'"$bps"$'\t'"${wall:-nan}")
  done
done

echo "# $(openssl version) -- openssl speed -evp CIPHER -bytes SIZE -seconds $seconds ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
printf '%-20s %8s %10s %20s\n' cipher bytes GB/s "GB/s (-elapsed)"
for r in "${results[@]}"; do
  IFS=$'\t' read -r c s b e <<<"$r"
  printf '%-20s %8s %10.3f %20.3f\n' "$c" "$s" "$(awk -v b="$b" 'BEGIN { print b / 1e9 }')" "$(awk -v b="$e" 'BEGIN { print b / 1e9 }')"
done

if [[ -n "$tsv" ]]; then
  mkdir -p "$(dirname "$tsv")"
  printf '%s\n' "${results[@]}" > "$tsv"
fi
