#!/usr/bin/env bash
# Reproduces the performance table in docs/performance.md:
#
#   bench/run.sh [BenchmarkDotNet arguments...]
#
# 1. OpenSSL anchor (bench/openssl-anchor.sh), 2. the BenchmarkDotNet suite in Release, 3. the anchor again, so the
# suite is bracketed by two readings of how fast this (shared, noisy) machine is right now. Then bench/summarize.py
# writes bench/out/<timestamp>/summary.md and copies it to bench/out/summary.md (bench/out/ is gitignored).
#
# Extra arguments go to BenchmarkDotNet, e.g. `bench/run.sh --filter '*AeadSeal*'` for a subset (default
# --filter '*'), or `--job short` for BenchmarkDotNet's short job instead of ours (see BenchConfig.cs).
# ANCHOR_SECONDS (default 3) sets the seconds per `openssl speed` run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
run="bench/out/$stamp"
mkdir -p "$run"

args=("$@")
has_filter=0
for a in "${args[@]}"; do
  case "$a" in --filter|-f|--filter=*) has_filter=1 ;; esac
done
if [[ $has_filter -eq 0 ]]; then
  args=(--filter '*' "${args[@]}")
fi
args+=(--artifacts "$run/bdn")

t0=$(date +%s)
{
  echo "start=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
  echo "cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "cores=$(nproc)"
  echo "openssl=$(openssl version)"
  echo "command=bench/run.sh $*"
  echo "bdn_args=${args[*]}"
} > "$run/meta.txt"

echo "== OpenSSL anchor (before)"
bench/openssl-anchor.sh --seconds "${ANCHOR_SECONDS:-3}" --tsv "$run/anchor-before.tsv" | tee "$run/anchor-before.txt"

echo "== BenchmarkDotNet: dotnet run -c Release --project bench/IpsecFw.Benchmarks -- ${args[*]}"
t1=$(date +%s)
dotnet run -c Release --project bench/IpsecFw.Benchmarks -- "${args[@]}" 2>&1 | tee "$run/bdn.log"
t2=$(date +%s)

echo "== OpenSSL anchor (after)"
bench/openssl-anchor.sh --seconds "${ANCHOR_SECONDS:-3}" --tsv "$run/anchor-after.tsv" | tee "$run/anchor-after.txt"
t3=$(date +%s)

{
  echo "end=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "bdn_seconds=$((t2 - t1))"
  echo "total_seconds=$((t3 - t0))"
} >> "$run/meta.txt"

python3 bench/summarize.py "$run" > "$run/summary.md"
cp "$run/summary.md" bench/out/summary.md
echo "== Summary: $run/summary.md (copied to bench/out/summary.md)"
cat "$run/summary.md"
