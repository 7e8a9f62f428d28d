#!/usr/bin/env bash
# Test suite (scripts/test.sh contract): fuzzing of IpsecFw's parsers.
#   (a) replays every corpus of fuzz/Corpora (seeds and regressions/) in-process through `IpsecFw.Fuzz <target>
#       --replay`: one test per target, failed on any exception;
#   (b) fuzz/run.sh 20: a short AFL++ run per target (14 targets x 20 s, IPSECFW_FUZZ_SECONDS to change it; 20 s keeps
#       the whole suite near 6 minutes on 2 cores, the long runs are recorded in docs/fuzzing.md), failed on any crash
#       or hang (the crashing input is printed in hex, kept under fuzz/Corpora/<Target>/regressions/ and reproduced),
#       skipped where afl-fuzz or the sharpfuzz tool is unavailable (the tool is installed here first, under
#       artifacts/tools/sharpfuzz, from NuGet).
# The LAST line is the combined `N passed, N failed, N skipped`.
set -euo pipefail

ROOT="${IPSECFW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
CONFIGURATION="${IPSECFW_CONFIGURATION:-Release}"
RESULTS="${IPSECFW_RESULTS_DIR:-$ROOT/artifacts/test-results/suite-fuzz}"
SECONDS_PER_TARGET="${IPSECFW_FUZZ_SECONDS:-20}"
TARGETS=(EspDecapsulate IkeMessageDecode SpdCompile IkeSkDecrypt IkeResponder TrafficSelectors ConfigurationPayload
  CertificateChain DistinguishedName HostConfig PacketClassifier FragmentReassembly PolicyBundle CookieScreen)
TOOLS="$ROOT/artifacts/tools/sharpfuzz"
FUZZ_DLL="$ROOT/fuzz/IpsecFw.Fuzz/bin/$CONFIGURATION/net10.0/IpsecFw.Fuzz.dll"
cd "$ROOT"
mkdir -p "$RESULTS"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDTERMINALLOGGER=off

passed=0
failed=0
skipped=0
start=$SECONDS

# ---- (a) corpus replay ---------------------------------------------------------------------------------------------
listed="$( [[ -f "$FUZZ_DLL" ]] && dotnet "$FUZZ_DLL" --list </dev/null 2>/dev/null || true)"
stale=0
for target in "${TARGETS[@]}"; do
  grep -q "^$target " <<<"$listed" || stale=1
done
if ((stale)); then
  echo "fuzz: ${FUZZ_DLL#"$ROOT"/} missing or without every target; building it"
  dotnet build fuzz/IpsecFw.Fuzz/IpsecFw.Fuzz.csproj -c "$CONFIGURATION" </dev/null >"$RESULTS/build.log" 2>&1 || tail -n 30 "$RESULTS/build.log"
fi
for target in "${TARGETS[@]}"; do
  rc=0
  if [[ -f "$FUZZ_DLL" ]]; then
    set +e
    dotnet "$FUZZ_DLL" "$target" --replay "fuzz/Corpora/$target" </dev/null 2>&1 | tee "$RESULTS/replay-$target.log"
    rc=${PIPESTATUS[0]}
    set -e
  else
    rc=1
  fi
  if ((rc == 0)); then
    echo "replay $target: passed"
    passed=$((passed + 1))
  else
    echo "replay $target: FAILED (exit status $rc)"
    failed=$((failed + 1))
  fi
done

# ---- (b) AFL++ ------------------------------------------------------------------------------------------------------
if [[ ! -x "$TOOLS/sharpfuzz" ]]; then
  echo "fuzz: installing SharpFuzz.CommandLine 2.3.0 into ${TOOLS#"$ROOT"/}"
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$TOOLS" </dev/null >"$RESULTS/tool-install.log" 2>&1 ||
    { echo "fuzz: dotnet tool install failed (fuzz/run.sh will skip):"; tail -n 15 "$RESULTS/tool-install.log"; }
fi
set +e
IPSECFW_FUZZ_WORK="$RESULTS/afl" SHARPFUZZ="$TOOLS/sharpfuzz" "$ROOT/fuzz/run.sh" "$SECONDS_PER_TARGET" </dev/null 2>&1 |
  tee "$RESULTS/run.log"
rc=${PIPESTATUS[0]}
set -e
last="$(grep -v '^[[:space:]]*$' "$RESULTS/run.log" | tail -n 1 || true)"
if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
  skipped=$((skipped + BASH_REMATCH[3]))
  if ((rc != 0 && BASH_REMATCH[2] == 0)); then failed=$((failed + 1)); fi
else
  echo "fuzz: fuzz/run.sh exited $rc without a summary line; counting it as 1 failed"
  failed=$((failed + 1))
fi

echo "fuzz: $((SECONDS - start))s"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0)) || exit 1
exit 0
