#!/usr/bin/env python3
"""Turns one bench/run.sh run into a markdown summary (stdout).

    python3 bench/summarize.py RUN_DIR                       summary of one run
    python3 bench/summarize.py --compare RUN_DIR RUN_DIR...   target verdicts side by side, one column per run

RUN_DIR holds anchor-before.tsv and anchor-after.tsv (bench/openssl-anchor.sh --tsv), meta.txt (key=value lines
written by run.sh) and bdn/results/*-report-full.json (BenchmarkDotNet's JSON exporter). Throughput is
size / mean time, in GB/s = 10^9 bytes/s, the unit `openssl speed` uses (it prints 1000s of bytes per second).
Standard library only.
"""

import glob
import json
import os
import sys

SIZES = [64, 576, 1420, 8950]

# Method name in the AEAD benchmarks -> (label, OpenSSL anchor cipher, like-for-like .NET method)
AEAD = {
    "Ours_AesGcm256": ("ours AesNiGcm AES-256-GCM", "aes-256-gcm", "DotNet_AesGcm256"),
    "Ours_AesGcm128": ("ours AesNiGcm AES-128-GCM", "aes-128-gcm", "DotNet_AesGcm128"),
    "DotNet_AesGcm256": (".NET AesGcm AES-256 (baseline)", "aes-256-gcm", None),
    "DotNet_AesGcm128": (".NET AesGcm AES-128", "aes-128-gcm", None),
    "BouncyCastle_AesGcm256": ("BouncyCastle GcmBlockCipher(AesEngine) AES-256", "aes-256-gcm", None),
    "Ours_ChaCha20Poly1305": ("ours ChaCha20Poly1305Aead", "chacha20-poly1305", "DotNet_ChaCha20Poly1305"),
    "DotNet_ChaCha20Poly1305": (".NET ChaCha20Poly1305", "chacha20-poly1305", None),
}
ESP_CIPHERS = {"AesGcm256": ("AES-256-GCM", "Ours_AesGcm256"), "AesGcm128": ("AES-128-GCM", "Ours_AesGcm128"),
               "ChaCha20Poly1305": ("ChaCha20-Poly1305", "Ours_ChaCha20Poly1305")}

TARGET_OPENSSL = 0.9
TARGET_DOTNET_1420 = 1.5
TARGET_DOTNET_64 = 3.0


def load_anchor(path, column=2):
    result = {}
    if not os.path.exists(path):
        return result
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.strip().split("\t")
            if len(parts) > column:
                result[(parts[0], int(parts[1]))] = float(parts[column]) / 1e9
    return result


def load_meta(path):
    meta = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = v
    return meta


def load_results(run_dir):
    """(type, method, size, cipher) -> dict(mean_ns, median_ns, sd_ns, n, alloc)"""
    results = {}
    host = {}
    files = sorted(glob.glob(os.path.join(run_dir, "bdn", "results", "*-report-full.json")))
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        host = doc.get("HostEnvironmentInfo", host)
        for b in doc.get("Benchmarks", []):
            params = dict(p.split("=", 1) for p in b.get("Parameters", "").split("&") if "=" in p)
            stats = b.get("Statistics") or {}
            if "Mean" not in stats:
                continue  # a case that failed has no statistics
            mem = b.get("Memory") or {}
            key = (b["Type"], b["Method"], int(params["Size"]) if "Size" in params else None, params.get("Cipher"))
            results[key] = {
                "mean": stats["Mean"],
                "median": stats["Median"],
                "sd": stats.get("StandardDeviation", 0.0),
                "n": stats.get("N", 0),
                "alloc": mem.get("BytesAllocatedPerOperation"),
            }
    return results, host, files


def gbps(size, ns):
    return size / ns  # bytes per ns == 10^9 bytes per s


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}x"


def fmt_target(value, goal):
    """A ratio next to its goal: three decimals when two would round onto the goal."""
    if value is None:
        return "n/a"
    return f"{value:.3f}x" if abs(value - goal) < 0.01 else f"{value:.2f}x"


def fmt_margin(value, goal):
    m = (value / goal - 1) * 100
    return f"{m:+.1f}% vs {goal:g}x" if abs(m) < 1 else f"{m:+.0f}% vs {goal:g}x"


def fmt_alloc(a):
    return "n/a" if a is None else f"{a:,} B"


def summarize(run_dir):
    """Returns (markdown lines, targets) for one run; targets are (name, value, goal) with value None if missing."""
    meta = load_meta(os.path.join(run_dir, "meta.txt"))
    before = load_anchor(os.path.join(run_dir, "anchor-before.tsv"))
    after = load_anchor(os.path.join(run_dir, "anchor-after.tsv"))
    before_wall = load_anchor(os.path.join(run_dir, "anchor-before.tsv"), 3)
    after_wall = load_anchor(os.path.join(run_dir, "anchor-after.tsv"), 3)
    results, host, files = load_results(run_dir)
    if not results:
        raise SystemExit(f"no BenchmarkDotNet results under {run_dir}/bdn/results")
    targets = []

    def anchor(cipher, size):
        vals = [a[(cipher, size)] for a in (before, after) if (cipher, size) in a]
        return sum(vals) / len(vals) if vals else None

    def r(type_, method, size, cipher=None):
        return results.get((type_, method, size, cipher))

    out = []
    w = out.append
    w("# IpsecFw benchmark summary")
    w("")
    w(f"- Date (UTC): {meta.get('start', '?')} to {meta.get('end', '?')}; suite wall time {meta.get('bdn_seconds', '?')} s "
      f"(BenchmarkDotNet), whole run.sh {meta.get('total_seconds', '?')} s")
    w(f"- Commit: `{meta.get('commit', '?')}`")
    w(f"- Machine: {meta.get('cpu', host.get('ProcessorName', '?'))}, {meta.get('cores', host.get('LogicalCoreCount', '?'))} "
      f"logical cores; {host.get('OsVersion', '?')}; {host.get('RuntimeVersion', '?')}; BenchmarkDotNet "
      f"{host.get('BenchmarkDotNetVersion', '?')}; {meta.get('openssl', '?')}")
    w(f"- Command: `{meta.get('command', 'bench/run.sh')}`")
    w(f"- BenchmarkDotNet arguments: `{meta.get('bdn_args', '?')}`")
    w("- Throughput = bytes per operation / mean time per operation, GB/s = 10^9 B/s. Single-threaded, one call per packet.")
    w("")

    # ---------------------------------------------------------------- OpenSSL anchor
    w("## OpenSSL `speed` anchor (bracketing the suite)")
    w("")
    w("| cipher | bytes | before GB/s | after GB/s | mean GB/s | spread | wall-clock (-elapsed) before / after GB/s |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for cipher in ("aes-256-gcm", "aes-128-gcm", "chacha20-poly1305"):
        for size in (1420, 64):
            b, a, m = before.get((cipher, size)), after.get((cipher, size)), anchor(cipher, size)
            spread = f"{abs(a - b) / m * 100:.1f}%" if a and b and m else "n/a"
            bw, aw = before_wall.get((cipher, size)), after_wall.get((cipher, size))
            wall = f"{bw:.3f} / {aw:.3f}" if bw and aw else "n/a"
            w(f"| {cipher} | {size} | {b or float('nan'):.3f} | {a or float('nan'):.3f} | {m or float('nan'):.3f} | {spread} | {wall} |")
    w("")
    w("Spread = |after − before| / mean. `openssl speed -evp` without `-aead` streams EVP_EncryptUpdate over one context "
      "(no per-packet IV, AAD or tag) and divides by CPU user time; our figures are wall-clock per packet with IV, AAD and tag. "
      "The anchor (and every ratio and target below) uses the user-time figure; the -elapsed column shows how much of "
      "the core OpenSSL actually got on this shared machine.")
    w("")

    # ---------------------------------------------------------------- AEAD tables
    for type_, title in (("AeadSealBenchmarks", "AEAD seal (encrypt in place, 8-byte AAD, 16-byte tag)"),
                         ("AeadOpenBenchmarks", "AEAD open (verify and decrypt in place)")):
        w(f"## {title}")
        w("")
        w("GB/s (mean ns per packet); allocated bytes per operation.")
        w("")
        w("| implementation | " + " | ".join(f"{s} B" for s in SIZES) + " | allocated/op |")
        w("|---|" + "---:|" * len(SIZES) + "---:|")
        for method, (label, _, _) in AEAD.items():
            cells, allocs = [], set()
            for s in SIZES:
                x = r(type_, method, s)
                if x is None:
                    cells.append("–")
                    continue
                cells.append(f"{gbps(s, x['mean']):.3f} ({x['mean']:,.0f} ns)")
                allocs.add(x["alloc"])
            if all(c == "–" for c in cells):
                continue
            alloc = ", ".join(fmt_alloc(a) for a in sorted(allocs, key=lambda v: -1 if v is None else v))
            w(f"| {label} | " + " | ".join(cells) + f" | {alloc} |")
        w("")

    # ---------------------------------------------------------------- ESP path
    w("## ESP path (EspSa.Seal / EspSa.Open per packet, payload bytes)")
    w("")
    w("GB/s of payload (mean ns); the overhead column is ESP mean minus our raw AEAD mean at the same size "
      "(ESP also encrypts 2–5 bytes of padding and trailer more; Open runs with the anti-replay window off).")
    w("")
    w("| operation | cipher | " + " | ".join(f"{s} B" for s in SIZES) + " | ESP overhead ns (64 / 1420) | allocated/op |")
    w("|---|---|" + "---:|" * len(SIZES) + "---:|---:|")
    for op, aead_type in (("Seal", "AeadSealBenchmarks"), ("Open", "AeadOpenBenchmarks")):
        for cipher, (label, aead_method) in ESP_CIPHERS.items():
            cells, allocs, over = [], set(), []
            for s in SIZES:
                x = r("EspPathBenchmarks", op, s, cipher)
                if x is None:
                    cells.append("–")
                    continue
                cells.append(f"{gbps(s, x['mean']):.3f} ({x['mean']:,.0f} ns)")
                allocs.add(x["alloc"])
            for s in (64, 1420):
                x, y = r("EspPathBenchmarks", op, s, cipher), r(aead_type, aead_method, s)
                over.append(f"{x['mean'] - y['mean']:+.0f}" if x and y else "n/a")
            if all(c == "–" for c in cells):
                continue
            alloc = ", ".join(fmt_alloc(a) for a in sorted(allocs, key=lambda v: -1 if v is None else v))
            w(f"| {op} | {label} | " + " | ".join(cells) + f" | {' / '.join(over)} | {alloc} |")
    rw = r("ReplayWindowBenchmarks", "CheckAndCommit_InOrder", None)
    if rw:
        w("")
        w(f"Anti-replay window check + commit, in-order traffic: {rw['mean']:.1f} ns per packet "
          f"({fmt_alloc(rw['alloc'])}/op); add it to Open for an inbound SA with a window.")
    w("")

    # ---------------------------------------------------------------- ratios
    w("## Ratios (speed-up = other's mean time / our mean time; > 1 means ours is faster)")
    w("")
    w("| ours | op | bytes | vs .NET AesGcm-256 | vs .NET same algorithm | vs OpenSSL speed (mean anchor) | vs OpenSSL before / after | vs .NET AesGcm-256 from medians |")
    w("|---|---|---:|---:|---:|---:|---:|---:|")
    ratio_rows = {}
    for method in ("Ours_AesGcm256", "Ours_AesGcm128", "Ours_ChaCha20Poly1305"):
        label, ossl, like = AEAD[method]
        for type_, op in (("AeadSealBenchmarks", "seal"), ("AeadOpenBenchmarks", "open")):
            for s in (1420, 64):
                x = r(type_, method, s)
                if x is None:
                    continue
                base = r(type_, "DotNet_AesGcm256", s)
                same = r(type_, like, s) if like else None
                vs_base = base["mean"] / x["mean"] if base else None
                vs_same = same["mean"] / x["mean"] if same else None
                ours_g = gbps(s, x["mean"])
                m = anchor(ossl, s)
                vs_ossl = ours_g / m if m else None
                b, a = before.get((ossl, s)), after.get((ossl, s))
                ba = f"{ours_g / b:.2f}x / {ours_g / a:.2f}x" if a and b else "n/a"
                ratio_rows[(method, op, s)] = (vs_base, vs_same, vs_ossl, ours_g / b if b else None, ours_g / a if a else None)
                med = fmt_ratio(base["median"] / x["median"]) if base else "n/a"
                w(f"| {label} | {op} | {s} | {fmt_ratio(vs_base) if method != 'Ours_ChaCha20Poly1305' else '(' + fmt_ratio(vs_base) + ')'} "
                  f"| {fmt_ratio(vs_same)} | {fmt_ratio(vs_ossl)} | {ba} | {med} |")
    w("")
    w("OpenSSL's figure is for encryption; the open rows compare decrypt+verify against that same encryption figure.")
    w("")

    # ---------------------------------------------------------------- targets
    w("## Targets (from the issue)")
    w("")
    w("| target | measured | status | margin |")
    w("|---|---|---|---|")

    def verdict(value, goal, name):
        targets.append((name, value, goal))
        if value is None:
            return "n/a", "n/a"
        ok = value >= goal
        return ("MET" if ok else "NOT MET"), fmt_margin(value, goal)

    for method in ("Ours_AesGcm256", "Ours_AesGcm128"):
        label = AEAD[method][0]
        for op in ("seal", "open"):
            row = ratio_rows.get((method, op, 1420))
            if row:
                vs_ossl, lo, hi = row[2], row[3], row[4]
                st, mg = verdict(vs_ossl, TARGET_OPENSSL, f"{label} {op}, 1420 B ≥ {TARGET_OPENSSL}x OpenSSL speed")
                note = ""
                if lo is not None and hi is not None and (lo >= TARGET_OPENSSL) != (hi >= TARGET_OPENSSL):
                    note = f" (before/after anchors disagree: {lo:.2f}x / {hi:.2f}x)"
                w(f"| {label} {op}, 1420 B ≥ {TARGET_OPENSSL}x OpenSSL speed | {fmt_target(vs_ossl, TARGET_OPENSSL)}{note} | {st} | {mg} |")
            row = ratio_rows.get((method, op, 1420))
            if row:
                name = f"{label} {op}, 1420 B ≥ {TARGET_DOTNET_1420}x .NET AesGcm-256"
                st, mg = verdict(row[0], TARGET_DOTNET_1420, name)
                w(f"| {name} | {fmt_target(row[0], TARGET_DOTNET_1420)} | {st} | {mg} |")
                if method == "Ours_AesGcm128" and row[1] is not None:
                    name = f"{label} {op}, 1420 B ≥ {TARGET_DOTNET_1420}x .NET AesGcm-128 (like for like)"
                    st, mg = verdict(row[1], TARGET_DOTNET_1420, name)
                    w(f"| {name} | {fmt_target(row[1], TARGET_DOTNET_1420)} | {st} | {mg} |")
            row = ratio_rows.get((method, op, 64))
            if row:
                name = f"{label} {op}, 64 B ≥ {TARGET_DOTNET_64}x .NET AesGcm-256"
                st, mg = verdict(row[0], TARGET_DOTNET_64, name)
                w(f"| {name} | {fmt_target(row[0], TARGET_DOTNET_64)} | {st} | {mg} |")
                if method == "Ours_AesGcm128" and row[1] is not None:
                    name = f"{label} {op}, 64 B ≥ {TARGET_DOTNET_64}x .NET AesGcm-128 (like for like)"
                    st, mg = verdict(row[1], TARGET_DOTNET_64, name)
                    w(f"| {name} | {fmt_target(row[1], TARGET_DOTNET_64)} | {st} | {mg} |")

    ours_allocs = []
    for (type_, method, s, cipher), x in sorted(results.items(), key=lambda kv: str(kv[0])):
        if method.startswith("Ours_") or type_ in ("EspPathBenchmarks", "ReplayWindowBenchmarks"):
            ours_allocs.append((f"{type_}.{method}" + (f" {cipher}" if cipher else "") + (f" {s} B" if s else ""), x["alloc"]))
    nonzero = [(n, a) for n, a in ours_allocs if a != 0]
    if ours_allocs:
        targets.append(("0 B allocated per operation (ours, ESP path)", 0 if nonzero else 1, 1))
        if nonzero:
            w(f"| 0 B allocated per operation (ours, ESP path) | {len(nonzero)} of {len(ours_allocs)} cases allocate: "
              + "; ".join(f"{n} {fmt_alloc(a)}" for n, a in nonzero) + " | NOT MET | |")
        else:
            w(f"| 0 B allocated per operation (ours, ESP path) | 0 B in all {len(ours_allocs)} cases | MET | |")
    w("")
    w(f"Raw BenchmarkDotNet reports: {', '.join(os.path.relpath(p, run_dir) for p in files)}")
    return out, targets, meta


def compare(run_dirs):
    """One row per target, one column per run: the run-to-run picture on a noisy machine."""
    runs = [(d, *summarize(d)[1:]) for d in run_dirs]
    names = []
    for _, targets, _ in runs:
        for name, _, _ in targets:
            if name not in names:
                names.append(name)
    out = ["| target | " + " | ".join(f"{m.get('start', os.path.basename(d.rstrip('/')))} ({m.get('commit', '?')})" for d, _, m in runs)
           + " | met in |", "|---|" + "---|" * len(runs) + "---|"]
    for name in names:
        cells, met = [], 0
        for _, targets, _ in runs:
            hit = [t for t in targets if t[0] == name]
            if not hit or hit[0][1] is None:
                cells.append("–")
                continue
            _, value, goal = hit[0]
            ok = value >= goal
            met += ok
            if name.startswith("0 B allocated"):
                cells.append("MET" if ok else "NOT MET")
            else:
                cells.append(f"{fmt_target(value, goal)} {'MET' if ok else 'NOT MET'}")
        out.append(f"| {name} | " + " | ".join(cells) + f" | {met} of {len(runs)} |")
    return out


def main():
    if len(sys.argv) == 2:
        print("\n".join(summarize(sys.argv[1])[0]))
        return 0
    if len(sys.argv) > 2 and sys.argv[1] == "--compare":
        print("\n".join(compare(sys.argv[2:])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
