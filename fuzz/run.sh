#!/usr/bin/env bash
# Instrumented fuzzing of IpsecFw's parsers with AFL++ and SharpFuzz, one target after the other.
#
#   fuzz/run.sh [seconds-per-target] [target...]      default: 60 seconds, every target
#   fuzz/run.sh 1800                                  the long runs recorded in docs/fuzzing.md
#
# Needs (installs nothing itself; a missing one makes every target "skipped"):
#   afl-fuzz      apt-get install -y afl++            (scripts/test.sh installs it)
#   sharpfuzz     dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path artifacts/tools/sharpfuzz
#                 (or SHARPFUZZ=/path/to/sharpfuzz; scripts/suites/fuzz.sh installs it there)
# Steps: publish fuzz/IpsecFw.Fuzz into a fresh folder, instrument IpsecFw.Esp.dll, IpsecFw.Ike.dll,
# IpsecFw.Spd.dll and ipsecfw.dll (Host) with sharpfuzz, then per target: afl-fuzz -V N on the seeds of fuzz/Corpora/<Target> (with
# fuzz/Dictionaries/*.dict where there is one), read findings/default/fuzzer_stats, copy every crash input into
# fuzz/Corpora/<Target>/regressions/ and reproduce it once to show the exception.
# Work files go to $IPSECFW_FUZZ_WORK (default artifacts/fuzz). Exit status 1 if any target crashed, hung or could not
# run. The LAST line is `N passed, N failed, N skipped` (one per target).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-60}"
shift || true
ALL_TARGETS=(EspDecapsulate IkeMessageDecode SpdCompile IkeSkDecrypt IkeResponder TrafficSelectors ConfigurationPayload
  CertificateChain DistinguishedName HostConfig PacketClassifier FragmentReassembly PolicyBundle CookieScreen)
if (($# > 0)); then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
WORK="${IPSECFW_FUZZ_WORK:-$ROOT/artifacts/fuzz}"
SHARPFUZZ="${SHARPFUZZ:-$ROOT/artifacts/tools/sharpfuzz/sharpfuzz}"
DOTNET="$(command -v dotnet || true)"
INSTRUMENTED=(IpsecFw.Esp.dll IpsecFw.Ike.dll IpsecFw.Spd.dll ipsecfw.dll)   # ipsecfw.dll: Host (its AssemblyName)

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDTERMINALLOGGER=off

if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || ((DURATION < 1)); then
  echo "usage: fuzz/run.sh [seconds-per-target] [target...]" >&2
  exit 2
fi

passed=0
failed=0
skipped=0
rows=()
log() { printf '==> %s\n' "$*"; }

summary() {
  echo
  printf '%-20s %-8s %12s %8s %8s %6s %9s\n' target result execs paths crashes hangs execs/s
  local row
  for row in "${rows[@]}"; do printf '%s\n' "$row"; done
  echo "$passed passed, $failed failed, $skipped skipped"
}

skip_all() {
  local why=$1 target
  echo "fuzz/run.sh: $why; every target skipped"
  for target in "${TARGETS[@]}"; do
    rows+=("$(printf '%-20s %-8s %12s %8s %8s %6s %9s' "$target" skipped - - - - -)")
    skipped=$((skipped + 1))
  done
  summary
  exit 0
}

missing=()
command -v afl-fuzz >/dev/null 2>&1 || missing+=("afl-fuzz (apt-get install -y afl++)")
[[ -x "$SHARPFUZZ" ]] || missing+=("sharpfuzz at $SHARPFUZZ (dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path $(dirname "$SHARPFUZZ"))")
[[ -n "$DOTNET" ]] || missing+=("dotnet")
if ((${#missing[@]} > 0)); then
  skip_all "missing: ${missing[*]}"
fi
DOTNET="$(readlink -f "$DOTNET")"   # afl-fuzz wants the real host binary, not a shim

# ---- publish into a fresh folder and instrument (sharpfuzz refuses an already instrumented assembly) ----------------
OUT="$WORK/publish"
rm -rf "$OUT"
mkdir -p "$WORK"
log "publish: fuzz/IpsecFw.Fuzz -> ${OUT#"$ROOT"/}"
if ! dotnet publish "$ROOT/fuzz/IpsecFw.Fuzz/IpsecFw.Fuzz.csproj" -c Release -o "$OUT" </dev/null >"$WORK/publish.log" 2>&1; then
  tail -n 30 "$WORK/publish.log"
  echo "fuzz/run.sh: publish failed; every target counts as failed"
  for target in "${TARGETS[@]}"; do
    rows+=("$(printf '%-20s %-8s %12s %8s %8s %6s %9s' "$target" FAILED - - - - -)")
    failed=$((failed + 1))
  done
  summary
  exit 1
fi
for dll in "${INSTRUMENTED[@]}"; do
  log "instrument: $dll"
  # The tool may target an older runtime than the one installed.
  DOTNET_ROLL_FORWARD=Major "$SHARPFUZZ" "$OUT/$dll"
done

stat_value() { # stat_value FILE NAME... -> the first of the names present, or 0
  local file=$1 name value
  shift
  for name in "$@"; do
    value="$(awk -F: -v k="$name" '{ gsub(/ /, "", $1) } $1 == k { gsub(/ /, "", $2); print $2; exit }' "$file")"
    if [[ -n "$value" ]]; then
      echo "$value"
      return 0
    fi
  done
  echo 0
}

run_target() {
  local target=$1 dir="$WORK/$1" corpus="$ROOT/fuzz/Corpora/$1" dict="" rc=0 f n=0 name
  local stats execs paths crashes hangs speed result
  rm -rf "$dir"
  mkdir -p "$dir/in"
  if [[ ! -d "$corpus" ]]; then
    echo "$target: no corpus at ${corpus#"$ROOT"/}"
    rows+=("$(printf '%-20s %-8s %12s %8s %8s %6s %9s' "$target" FAILED - - - - -)")
    failed=$((failed + 1))
    return 0
  fi
  # AFL wants a flat folder of non-empty inputs: seeds and regressions, not the notes.
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    cp "$f" "$dir/in/$(printf '%04d' "$n")-$(basename "$f")"
  done < <(find "$corpus" -type f -size +0 ! -name '*.md' -print0 | sort -z)
  case "$target" in
    IkeMessageDecode | IkeSkDecrypt | IkeResponder | TrafficSelectors | ConfigurationPayload | CookieScreen) dict="$ROOT/fuzz/Dictionaries/ike.dict" ;;
    SpdCompile | PolicyBundle) dict="$ROOT/fuzz/Dictionaries/policy.dict" ;;
    CertificateChain | DistinguishedName) dict="$ROOT/fuzz/Dictionaries/x509.dict" ;;
    HostConfig) dict="$ROOT/fuzz/Dictionaries/config.dict" ;;
  esac
  local dict_args=()
  [[ -z "$dict" ]] || dict_args=(-x "$dict")
  log "afl-fuzz: $target for ${DURATION}s, $n seeds${dict:+, dictionary ${dict#"$ROOT"/}}"
  # -V stops AFL after the time; the outer timeout only guards against a wedged afl-fuzz.
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    timeout --kill-after=30 $((DURATION + 300)) \
    afl-fuzz -V "$DURATION" -i "$dir/in" -o "$dir/findings" -m none -t 5000 "${dict_args[@]}" \
    -- "$DOTNET" "$OUT/IpsecFw.Fuzz.dll" "$target" </dev/null >"$dir/afl.log" 2>&1 || rc=$?
  stats="$dir/findings/default/fuzzer_stats"
  if [[ ! -f "$stats" ]]; then
    echo "$target: afl-fuzz exited $rc without fuzzer_stats; last lines of ${dir#"$ROOT"/}/afl.log:"
    tail -n 25 "$dir/afl.log" | sed 's/^/    /'
    rows+=("$(printf '%-20s %-8s %12s %8s %8s %6s %9s' "$target" FAILED - - - - -)")
    failed=$((failed + 1))
    return 0
  fi
  execs="$(stat_value "$stats" execs_done)"
  paths="$(stat_value "$stats" corpus_count paths_total)"
  crashes="$(stat_value "$stats" saved_crashes unique_crashes)"
  hangs="$(stat_value "$stats" saved_hangs unique_hangs)"
  speed="$(stat_value "$stats" execs_per_sec)"
  result=passed
  if ((crashes > 0 || hangs > 0 || execs == 0)); then result=FAILED; fi

  mkdir -p "$corpus/regressions"
  for f in "$dir"/findings/default/crashes/id:*; do
    [[ -f "$f" ]] || continue
    name="crash-$(sha256sum "$f" | cut -c1-16).bin"
    cp "$f" "$corpus/regressions/$name"
    echo "$target: CRASH kept as fuzz/Corpora/$target/regressions/$name ($(stat -c %s "$f") bytes): $(od -An -tx1 -v "$f" | tr -d ' \n' | cut -c1-512)"
    "$DOTNET" "$OUT/IpsecFw.Fuzz.dll" "$target" <"$f" 2>&1 | head -n 40 | sed 's/^/    /' || true
  done
  rmdir "$corpus/regressions" 2>/dev/null || true
  for f in "$dir"/findings/default/hangs/id:*; do
    [[ -f "$f" ]] || continue
    echo "$target: HANG (over 5 s): ${f#"$ROOT"/} ($(stat -c %s "$f") bytes): $(od -An -tx1 -v "$f" | tr -d ' \n' | cut -c1-512)"
  done
  if ((execs == 0)); then
    echo "$target: afl-fuzz ran no input; last lines of its log:"
    tail -n 25 "$dir/afl.log" | sed 's/^/    /'
  fi
  echo "$target: $result: $execs executions, $paths paths, $crashes crashes, $hangs hangs, $speed execs/s"
  rows+=("$(printf '%-20s %-8s %12s %8s %8s %6s %9s' "$target" "$result" "$execs" "$paths" "$crashes" "$hangs" "$speed")")
  if [[ "$result" == passed ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

for target in "${TARGETS[@]}"; do
  run_target "$target"
done
summary
((failed == 0)) || exit 1
exit 0
