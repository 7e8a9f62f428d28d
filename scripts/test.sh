#!/usr/bin/env bash
# THE test command of IpsecFw:   sudo bash scripts/test.sh
# (CI runs it as root through .ci/run, with no standard input; as root, sudo is not needed.)
#
# What it does, in order:
#   1. apt: installs the Debian packages that the tests need (APT_PACKAGES below, the one list), non-interactively.
#      Skipped entirely (no apt-get update either) when every package is already installed.
#   2. build: `dotnet build IpsecFw.sln -c Release`, once. A failed build ends the run (no test is run) and is
#      counted as 1 failed.
#   3. dotnet suites: every test project of IpsecFw.sln (a project named *Tests.csproj, or one that says
#      <IsTestProject>true</IsTestProject>; one that says <IsTestProject>false</IsTestProject> is left out) is run with
#      `dotnet test --no-build`, one after the other, each under a timeout (IPSECFW_TEST_TIMEOUT seconds, default 1200).
#      Counts come from its TRX file: outcome Passed = passed, NotExecuted (xunit Assert.Skip / [Fact(Skip=...)]) =
#      skipped, any other outcome = failed. A project that produced no TRX (crash, timeout), exited non-zero without
#      a failed test, or ran no test at all, counts 1 more failed.
#   4. extra suites: every scripts/suites/*.sh, in name order (run directly if executable, else with bash), from the
#      repository root, with no standard input, under a timeout (IPSECFW_SUITE_TIMEOUT seconds, default 1200).
#      CONTRACT for such a suite:
#        - its LAST non-empty line of output (stdout and stderr together) is `N passed, N failed` or
#          `N passed, N failed, N skipped` (one word and a colon may stand before it, e.g. `interop: 3 passed, ...`);
#        - it exits non-zero if anything failed;
#        - it may use IPSECFW_ROOT (repository root), IPSECFW_CONFIGURATION (Release, already built) and
#          IPSECFW_RESULTS_DIR (an empty folder of its own for logs and captures);
#        - a suite that prints no such line counts 1 failed; one that exits non-zero but counts no failure counts
#          1 more failed.
#        - it must clean up after itself (network namespaces, daemons, nft tables) even when it fails.
#   5. summary: a per-suite table with elapsed seconds, then as the LAST line of output exactly
#      `N passed, N failed, N skipped`, summed over every suite (setup failures count as failed).
#      Exit status: 0 when nothing failed, 1 otherwise.
#
# `bash scripts/test.sh --install-only` runs step 1 alone (scripts/demo-esp.sh uses it).
#
# Results (TRX files, suite logs, apt log) go to artifacts/test-results/, emptied at the start of each run.
set -euo pipefail

# ---- the Debian packages the tests need (the one list) -------------------------------------------------------------
APT_PACKAGES=(
    python3                       # Scapy and the ESP interop helpers (run as /usr/bin/python3)
    python3-scapy                 # interop: Scapy's IPsec layer encrypts/decrypts against our ESP
    python3-cryptography          # interop: Scapy's AES-GCM; ChaCha20-Poly1305 reference AEAD
    python3-cryptography-vectors  # NIST CAVP GCM vectors read from the package (Esp/test/Vectors)
    tshark                        # interop: dissects and decrypts our ESP captured on a veth
    tcpdump                       # interop: DaemonRawEspTests tells raw ESP (IP protocol 50) from ESP in UDP/4500 on a veth
    iproute2                      # interop and Tun tests: network namespaces and veth pairs
    iputils-ping                  # Tun tests: ping through a TUN device inside a namespace
    openssl                       # bench anchor (openssl speed); not used by tests, kept for bench/run.sh
    afl++                         # fuzz suite: afl-fuzz drives the SharpFuzz-instrumented targets (fuzz/run.sh)
    # interop: strongSwan 5.9 in network namespaces (interop-tests/StrongSwan). charon is started by the tests, never as
    # a service: ensure_packages installs with a policy-rc.d that refuses every service start (see with_no_service_start).
    strongswan-charon             # /usr/lib/ipsec/charon (pulls in strongswan-libcharon, strongswan-starter)
    strongswan-swanctl            # swanctl: load, initiate, terminate, list-sas over each charon's own vici socket
    strongswan-pki                # pki: the lab's PKI script; the tests make their certificates in .NET
    libcharon-extra-plugins       # kernel-libipsec: user-space ESP over TUN (this kernel has no ESP)
    libstrongswan-standard-plugins # aesni, gcm, openssl: only a Recommends of strongswan-charon, so named here
    libstrongswan-extra-plugins   # curve25519 (DH group 31, Ed25519)
    iperf3                        # interop: throughput through a tunnel (later scenarios)
    nftables                      # interop: masquerade in the middle namespace of the NAT-T topology
    nginx                         # interop: the static web server (ETag, Last-Modified, 304, HTTPS) daemons pull bundles from
    rsyslog                       # interop: the central collector of intrusion-detection events (DaemonEventsTests), run by the test in its namespace, never as a service
    rsyslog-gnutls                # interop: rsyslog's TLS stream driver, the RFC 5425 collector of DaemonSyslogTlsTests
)

CONFIGURATION=Release
SOLUTION=IpsecFw.sln
TEST_TIMEOUT="${IPSECFW_TEST_TIMEOUT:-1200}"
SUITE_TIMEOUT="${IPSECFW_SUITE_TIMEOUT:-1200}"
BUILD_TIMEOUT="${IPSECFW_BUILD_TIMEOUT:-1800}"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_DIR="$REPO_ROOT/artifacts/test-results"
cd "$REPO_ROOT"

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No MSBuild worker nodes or terminal logger left behind / in the way: the output must be plain and nothing may keep
# the output pipe open after this script ends.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDTERMINALLOGGER=off

RUN_START=$(date +%s)
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
ROWS=()
FINISHED=0

log() { printf '==> %s\n' "$*"; }

# add_row NAME STATUS PASSED FAILED SKIPPED SECONDS
add_row() {
    ROWS+=("$(printf '%-34s %-9s %7s %7s %7s %7ss' "$1" "$2" "$3" "$4" "$5" "$6")")
    TOTAL_PASSED=$((TOTAL_PASSED + $3))
    TOTAL_FAILED=$((TOTAL_FAILED + $4))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + $5))
}

finish() {
    FINISHED=1
    # Build servers (compiler, MSBuild) must not outlive the run.
    dotnet build-server shutdown >/dev/null 2>&1 </dev/null || true
    # Under sudo, give the build outputs back to the developer so a later plain `dotnet build` works.
    if [[ $EUID -eq 0 && -n "${SUDO_UID:-}" && -n "${SUDO_GID:-}" ]]; then
        {
            find "$REPO_ROOT" -path "$REPO_ROOT/.git" -prune -o -type d \( -name bin -o -name obj \) -prune -print0
            printf '%s\0' "$REPO_ROOT/artifacts"
        } | xargs -0 -r chown -R "$SUDO_UID:$SUDO_GID" 2>/dev/null || true
    fi
    echo
    echo "==================================== test summary ===================================="
    printf '%-34s %-9s %7s %7s %7s %8s\n' suite status passed failed skipped time
    local row
    for row in "${ROWS[@]}"; do printf '%s\n' "$row"; done
    echo "total wall time: $(($(date +%s) - RUN_START))s; results in ${RESULTS_DIR#"$REPO_ROOT"/}/"
    echo "======================================================================================"
    # The LAST line of output, summed over every suite.
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
    if ((TOTAL_FAILED > 0)); then exit 1; fi
    exit 0
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
on_exit() {
    local rc=$?
    if ((FINISHED == 0)); then
        trap - EXIT
        echo "test.sh: stopped by an internal error (exit status $rc); counting it as 1 failed"
        add_row "test.sh (internal error)" FAILED 0 1 0 0
        finish
    fi
}
trap on_exit EXIT

# ---- 1. apt -------------------------------------------------------------------------------------------------------
installed_packages() {
    dpkg-query -W -f='${Status}\t${Package}\n' 2>/dev/null | awk -F'\t' '$1 == "install ok installed" { print $2 }' | sort -u
}

# One attempt: update the lists, then install. Run from / (dpkg-deb has been seen failing to read archives when run
# from /tmp), with nothing on standard input so that nothing can prompt.
apt_attempt() {
    (
        cd /
        export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
        # A failed update (e.g. one unreachable extra source) is not fatal by itself: the install decides.
        apt-get update -q </dev/null || echo "apt-get update exited $? (going on with the lists there are)"
        apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "$@" </dev/null
    )
}

# with_no_service_start CMD...: runs CMD with /usr/sbin/policy-rc.d answering 101 ("action forbidden"), so that no
# package's maintainer script starts a service (strongSwan's charon above all: the tests start their own charons, each in
# its own network namespace). A policy-rc.d that was there before is put back afterwards, whatever CMD did.
with_no_service_start() {
    local policy=/usr/sbin/policy-rc.d saved="" rc=0
    if [[ -e "$policy" ]]; then
        saved="$(mktemp)" # plain mktemp: GNU mktemp wants a template of X characters
        cp -p "$policy" "$saved"
    fi
    printf '#!/bin/sh\n# written by IpsecFw scripts/test.sh for the duration of apt-get: start no service\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    "$@" || rc=$?
    if [[ -n "$saved" ]]; then
        mv -f "$saved" "$policy"
    else
        rm -f "$policy"
    fi
    return "$rc"
}

ensure_packages() {
    local start=$SECONDS p missing=()
    for p in "${APT_PACKAGES[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        log "apt: all ${#APT_PACKAGES[@]} packages already installed; apt-get skipped"
        add_row "apt (setup)" present 0 0 0 $((SECONDS - start))
        return 0
    fi
    log "apt: missing ${#missing[@]} of ${#APT_PACKAGES[@]}: ${missing[*]}"
    if [[ $EUID -ne 0 ]]; then
        echo "apt: not root, cannot install; run: sudo bash scripts/test.sh"
        add_row "apt (setup)" FAILED 0 1 0 $((SECONDS - start))
        return 0
    fi
    local before apt_log="$RESULTS_DIR/apt.log" ok=0 attempt
    before="$(installed_packages)"
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    for attempt in 1 2 3; do
        log "apt: attempt $attempt (log: ${apt_log#"$REPO_ROOT"/})"
        if ((attempt > 1)); then
            (cd / && with_no_service_start env DEBIAN_FRONTEND=noninteractive dpkg --configure -a </dev/null) >>"$apt_log" 2>&1 || true
        fi
        if with_no_service_start apt_attempt "${missing[@]}" >>"$apt_log" 2>&1; then
            ok=1
            break
        fi
        echo "apt: attempt $attempt failed; last lines of its log:"
        tail -n 25 "$apt_log" | sed 's/^/    /'
        if ((attempt < 3)); then sleep 15; fi
    done
    local new
    new="$(comm -13 <(printf '%s\n' "$before") <(installed_packages))"
    if [[ -n "$new" ]]; then
        log "apt: newly installed $(printf '%s\n' "$new" | wc -l) packages:"
        printf '%s\n' "$new" | tr '\n' ' ' | fold -s -w 116 | sed 's/^/    /'
        echo
    fi
    log "apt: requested packages now:"
    for p in "${APT_PACKAGES[@]}"; do
        printf '    %-34s %s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo MISSING)"
    done
    local still=()
    for p in "${APT_PACKAGES[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
            still+=("$p")
        fi
    done
    if ((ok == 1 && ${#still[@]} == 0)); then
        add_row "apt (setup)" ok 0 0 0 $((SECONDS - start))
    else
        echo "apt: FAILED to install: ${still[*]:-(apt-get failed)}; counting it as 1 failed and going on"
        add_row "apt (setup)" FAILED 0 1 0 $((SECONDS - start))
    fi
}

# ---- 2. build -----------------------------------------------------------------------------------------------------
build() {
    local start=$SECONDS rc=0
    log "build: dotnet build $SOLUTION -c $CONFIGURATION"
    timeout --kill-after=60 "$BUILD_TIMEOUT" dotnet build "$SOLUTION" -c "$CONFIGURATION" </dev/null 2>&1 || rc=$?
    if ((rc != 0)); then
        echo "BUILD FAILED (exit status $rc$( ((rc == 124)) && echo ", timed out after ${BUILD_TIMEOUT}s")):" \
            "no test was run; counting the build as 1 failed"
        add_row build FAILED 0 1 0 $((SECONDS - start))
        finish
    fi
    add_row build ok 0 0 0 $((SECONDS - start))
}

# ---- 3. dotnet test projects --------------------------------------------------------------------------------------
discover_test_projects() {
    local proj
    # shellcheck disable=SC1003 # a backslash, not a quote
    dotnet sln "$SOLUTION" list </dev/null | tr -d '\r' | tr '\\' '/' | grep -E '\.(cs|fs|vb)proj$' | sort |
        while IFS= read -r proj; do
            [[ -f "$proj" ]] || continue
            if grep -qiE '<IsTestProject>[[:space:]]*false[[:space:]]*<' "$proj"; then continue; fi
            if [[ "$(basename "$proj")" == *Tests.?proj ]] ||
                grep -qiE '<IsTestProject>[[:space:]]*true[[:space:]]*<' "$proj"; then
                printf '%s\n' "$proj"
            fi
        done
}

# trx_counts FILE -> "passed failed skipped" from the UnitTestResult outcomes (xunit v3 through VSTest leaves
# Counters/@notExecuted at 0 for skipped tests, so the Counters element is not used).
trx_counts() {
    local passed=0 failed=0 skipped=0 outcome
    while IFS= read -r outcome; do
        case "$outcome" in
            Passed) passed=$((passed + 1)) ;;
            NotExecuted) skipped=$((skipped + 1)) ;;
            *) failed=$((failed + 1)) ;;
        esac
    done < <(grep -o '<UnitTestResult [^>]*' "$1" | grep -o ' outcome="[^"]*"' | cut -d'"' -f2)
    echo "$passed $failed $skipped"
}

run_test_project() {
    local proj=$1 name=$2 start=$SECONDS rc=0 dir="$RESULTS_DIR/$2" status=ok
    local trx="$dir/$name.trx" passed=0 failed=0 skipped=0 note=""
    log "test: $name ($proj)"
    timeout --kill-after=60 "$TEST_TIMEOUT" dotnet test "$proj" -c "$CONFIGURATION" --no-build \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
        --results-directory "$dir" </dev/null 2>&1 || rc=$?
    if [[ -f "$trx" ]]; then
        read -r passed failed skipped < <(trx_counts "$trx")
    fi
    if ((rc == 124 || rc == 137)); then note="timed out after ${TEST_TIMEOUT}s"; fi
    if [[ ! -f "$trx" ]]; then
        failed=$((failed + 1)); status=CRASHED; note="${note:-exit status $rc}, no TRX"
    elif ((rc != 0 && failed == 0)); then
        failed=$((failed + 1)); status=CRASHED; note="${note:-exit status $rc} without a failed test"
    elif ((passed + failed + skipped == 0)); then
        failed=$((failed + 1)); status=NO-TESTS; note="no test discovered"
    elif ((failed > 0)); then
        status=FAILED
    fi
    [[ -z "$note" ]] || echo "$name: $status: $note; counted as failed"
    echo "$name: $passed passed, $failed failed, $skipped skipped ($((SECONDS - start))s)"
    add_row "$name" "$status" "$passed" "$failed" "$skipped" $((SECONDS - start))
}

run_test_projects() {
    local projects=() proj name used=" "
    mapfile -t projects < <(discover_test_projects)
    if ((${#projects[@]} == 0)); then
        echo "no test project found in $SOLUTION; counting it as 1 failed"
        add_row "(test project discovery)" FAILED 0 1 0 0
        return 0
    fi
    log "test projects: ${projects[*]}"
    for proj in "${projects[@]}"; do
        name="$(basename "$proj")"
        name="${name%.*}"
        while [[ "$used" == *" $name "* ]]; do name="$name+"; done
        used+="$name "
        run_test_project "$proj" "$name"
    done
}

# ---- 4. extra suites ----------------------------------------------------------------------------------------------
run_suite() {
    local suite=$1 name start=$SECONDS rc=0 last status=ok passed=0 failed=0 skipped=0 note=""
    name="$(basename "$suite" .sh)"
    local dir="$RESULTS_DIR/suite-$name"
    mkdir -p "$dir"
    local cmd=("$suite")
    if [[ ! -x "$suite" ]]; then
        echo "warning: $suite is not executable; running it with bash"
        cmd=(bash "$suite")
    fi
    log "suite: $name ($suite)"
    set +e
    IPSECFW_ROOT="$REPO_ROOT" IPSECFW_CONFIGURATION="$CONFIGURATION" IPSECFW_RESULTS_DIR="$dir" \
        timeout --kill-after=60 "$SUITE_TIMEOUT" "${cmd[@]}" </dev/null 2>&1 | tee "$dir/output.log"
    rc=${PIPESTATUS[0]}
    set -e
    last="$(tr -d '\r' <"$dir/output.log" | grep -v '^[[:space:]]*$' | tail -n 1 || true)"
    if [[ "$last" =~ ^([A-Za-z0-9_.-]+:[[:space:]]*)?([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?[[:space:]]*$ ]]; then
        passed=${BASH_REMATCH[2]}
        failed=${BASH_REMATCH[3]}
        skipped=${BASH_REMATCH[5]:-0}
        if ((rc != 0 && failed == 0)); then
            failed=1; status=CRASHED; note="exit status $rc without a failed test"
        elif ((failed > 0)); then
            status=FAILED
        fi
    else
        failed=1; status=CRASHED; note="exit status $rc, no 'N passed, N failed[, N skipped]' last line"
    fi
    if ((rc == 124 || rc == 137)); then note="timed out after ${SUITE_TIMEOUT}s; $note"; status=CRASHED; fi
    [[ -z "$note" ]] || echo "$name: $status: $note"
    echo "$name: $passed passed, $failed failed, $skipped skipped ($((SECONDS - start))s)"
    add_row "$name (suite)" "$status" "$passed" "$failed" "$skipped" $((SECONDS - start))
}

run_suites() {
    local suite found=0
    shopt -s nullglob
    for suite in scripts/suites/*.sh; do
        found=1
        run_suite "$suite"
    done
    shopt -u nullglob
    ((found == 1)) || log "suites: none in scripts/suites/"
}

# ---- main ---------------------------------------------------------------------------------------------------------
log "IpsecFw tests in $REPO_ROOT as $(id -un) (uid $EUID), $(nproc) cores, dotnet $(dotnet --version 2>/dev/null || echo '?')"
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"
if [[ $EUID -ne 0 ]]; then
    echo "warning: not root; tests that need root (network namespaces) will fail. Run: sudo bash scripts/test.sh"
fi
ensure_packages
if [[ "${1:-}" == "--install-only" ]]; then
    # Used by scripts/demo-esp.sh: the same packages, installed the same way, then stop.
    FINISHED=1
    trap - EXIT
    ((TOTAL_FAILED == 0)) || exit 1
    exit 0
fi
build
run_test_projects
run_suites
finish
