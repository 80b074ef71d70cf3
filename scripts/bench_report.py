#!/usr/bin/env python3
"""Tables and plots from a JMH JSON result of the benchmarks module.

Usage:
    python3 scripts/bench_report.py benchmarks/results/2025-11-25.json \
        [--memory benchmarks/results/2025-11-25-memory.txt] [--out DIR]

Writes into DIR (default: the JSON's path without ".json"):
    report.md   one table per comparison (time per operation of Converge, Pekko and the HashMap /
                HashSet floor, the ratio Pekko / Converge and Converge / floor), then the targets
                of issue 6 with the ratios of this run, met or not, then the bytes per message of
                the codec comparison (CodecBenchmark's secondary result "bytes") if it was run;
    *.png       one plot per comparison: time per operation against size (log-log), one line
                per method (Converge, Pekko, floor, and Converge's structural variant if run).

A comparison is one class and one value of each parameter other than its x (size or replicas):
op=full and op=delta, names=random and names=sequential are separate tables and plots. The
targets read names=random, as did the results from before that parameter existed.

Plots need matplotlib (Debian: `apt-get install python3-matplotlib`, then run this script with
/usr/bin/python3); without it the script still writes report.md and says so.
"""

import argparse
import json
import math
import os
import re
import sys
from collections import defaultdict

# Method name in the benchmark classes -> label, line style. Order = legend order.
METHODS = {
    "converge": ("Converge", "-", "o"),
    "convergeStructural": ("Converge, unkeyed states (structural join)", ":", "s"),
    "pekko": ("Pekko Distributed Data", "--", "^"),
    "floor": ("HashMap / HashSet floor", "-.", "x"),
}

# Comparisons: class simple name -> (title, x parameter, description of x).
COMPARISONS = {
    "ORSetMergeBenchmark": ("OR-Set full-state join (divergence=percent: 1% each side; fixed: 100 elements)",
                            "size", "elements"),
    "ORSetDeltaBenchmark": ("OR-Set: apply a one-element delta", "size", "elements"),
    "ORSetAddBenchmark": ("OR-Set: local add (new state + delta)", "size", "elements"),
    "MapMergeBenchmark": ("AWLWWMap vs LWWMap", "size", "keys"),
    "CounterBenchmark": ("PN-Counter", "replicas", "replica ids"),
    "CodecBenchmark": ("OR-Set binary codec (to / from byte[])", "size", "elements"),
}

# Classes whose methods are named <library><Operation> (CodecBenchmark: convergeEncodeState,
# pekkoDecodeDelta, ...): the operation becomes the parameter "op" and the library the method, so
# that each operation is one comparison of Converge and Pekko, like op=add in ORSetDeltaBenchmark.
SPLIT_METHODS = {"CodecBenchmark"}


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = []
    for r in data:
        full = r["benchmark"]
        cls, method = full.split(".")[-2], full.split(".")[-1]
        params = dict(r.get("params") or {})
        split = re.fullmatch(r"(converge|pekko|floor)([A-Z]\w*)", method)
        if cls in SPLIT_METHODS and split:
            method = split.group(1)
            params["op"] = split.group(2)[0].lower() + split.group(2)[1:]
        m = r["primaryMetric"]
        err = m.get("scoreError")
        try:
            err = None if err is None else float(err)  # JMH writes "NaN" for a single iteration
        except ValueError:
            err = None
        rows.append({
            "class": cls,
            "method": method,
            "params": params,
            "score": m["score"],
            "error": None if err is None or (isinstance(err, float) and math.isnan(err)) else err,
            "unit": m["scoreUnit"],
            "jvmArgs": r.get("jvmArgs", []),
            "jdk": r.get("jdkVersion", ""),
            "vm": r.get("vmName", ""),
            "warmup": (r.get("warmupIterations"), r.get("warmupTime")),
            "measurement": (r.get("measurementIterations"), r.get("measurementTime")),
            "forks": r.get("forks"),
            "bytes": (r.get("secondaryMetrics") or {}).get("bytes", {}).get("score"),
        })
    return rows


def to_ns(score, unit):
    factor = {"ns/op": 1, "us/op": 1e3, "ms/op": 1e6, "s/op": 1e9}.get(unit)
    if factor is None:
        raise SystemExit(f"unsupported unit {unit}")
    return score * factor


def fmt_time(ns):
    if ns is None:
        return "–"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e9:.2f} s"


def fmt_ratio(r):
    if r is None:
        return "–"
    if r >= 100:
        return f"{r:,.0f}×"
    if r >= 10:
        return f"{r:.0f}×"
    if r >= 1:
        return f"{r:.1f}×"
    return f"{r:.2f}×"


def group(rows):
    """(class, other params) -> x -> method -> row"""
    groups = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        if r["class"] not in COMPARISONS:
            continue
        xname = COMPARISONS[r["class"]][1]
        others = tuple(sorted((k, v) for k, v in r["params"].items() if k != xname))
        x = int(r["params"][xname])
        groups[(r["class"], others)][x][r["method"]] = r
    return groups


def group_title(cls, others):
    title = COMPARISONS[cls][0]
    if others:
        title += " — " + ", ".join(f"{k}={v}" for k, v in others)
    return title


def file_stem(cls, others):
    stem = cls.replace("Benchmark", "")
    for k, v in others:
        stem += f"-{k}-{v}"
    return stem


def ns_of(row):
    return None if row is None else to_ns(row["score"], row["unit"])


def tables(groups):
    out = []
    for (cls, others), by_x in sorted(groups.items()):
        xdesc = COMPARISONS[cls][2]
        methods = [m for m in METHODS if any(m in ms for ms in by_x.values())]
        out.append(f"### {group_title(cls, others)}\n")
        head = [xdesc] + [METHODS[m][0] for m in methods] + ["Pekko / Converge", "Converge / floor"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(["---:"] * len(head)) + "|")
        for x in sorted(by_x):
            ms = by_x[x]
            cells = [f"{x:,}"]
            for m in methods:
                r = ms.get(m)
                if r is None:
                    cells.append("–")
                else:
                    t = fmt_time(ns_of(r))
                    if r["error"] is not None:
                        t += f" ± {fmt_time(to_ns(r['error'], r['unit']))}"
                    cells.append(t)
            c, p, f = ns_of(ms.get("converge")), ns_of(ms.get("pekko")), ns_of(ms.get("floor"))
            cells.append(fmt_ratio(p / c) if c and p else "–")
            cells.append(fmt_ratio(c / f) if c and f else "–")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


# Parameters added after results were recorded, and the value those results ran with: a lookup
# that leaves one out means this value, whether or not the result has the parameter.
DEFAULT_PARAMS = {"names": "random", "divergence": "percent"}


def lookup(groups, cls, x, **others):
    for params in (others, {**DEFAULT_PARAMS, **others}):
        key = (cls, tuple(sorted((k, str(v)) for k, v in params.items())))
        if key in groups:
            return groups[key].get(x, {})
    return {}


def targets(groups, memory):
    lines = ["| target | measured | met? |", "|---|---:|:---:|"]

    def ratio(cls, x, method_num, method_den, **others):
        ms = lookup(groups, cls, x, **others)
        a, b = ns_of(ms.get(method_num)), ns_of(ms.get(method_den))
        return a / b if a and b else None

    def row(text, value, ok, shown):
        lines.append(f"| {text} | {shown if value is not None else 'not run'} | "
                     f"{'–' if value is None else ('met' if ok else '**not met**')} |")

    r = ratio("ORSetMergeBenchmark", 100000, "pekko", "converge")
    row("OR-Set full join at 100k: ≥ 5× faster than Pekko", r, r is not None and r >= 5, f"{fmt_ratio(r)}" if r else "")
    rs = ratio("ORSetMergeBenchmark", 100000, "pekko", "convergeStructural")
    if rs is not None:
        lines.append(f"| (same, unkeyed states: Converge's structural join) | {fmt_ratio(rs)} | "
                     f"{'(would be met)' if rs >= 5 else '(would not be met)'} |")
    r = ratio("ORSetMergeBenchmark", 100000, "pekko", "converge", names="sequential")
    if r is not None:
        lines.append(f"| (same, sequential names elem-0, elem-1, ...; not a target) | {fmt_ratio(r)} | – |")
    r = ratio("ORSetDeltaBenchmark", 100000, "pekko", "converge", op="add")
    row("one-element delta (add) into a 100k OR-Set: ≥ 1000× faster than Pekko", r, r is not None and r >= 1000,
        fmt_ratio(r) if r else "")
    r = ratio("ORSetDeltaBenchmark", 100000, "pekko", "converge", op="remove")
    if r is not None:
        lines.append(f"| (same, delta of a remove; not a target) | {fmt_ratio(r)} | – |")
    big = ns_of(lookup(groups, "ORSetDeltaBenchmark", 100000, op="add").get("converge"))
    small = ns_of(lookup(groups, "ORSetDeltaBenchmark", 1000, op="add").get("converge"))
    r = big / small if big and small else None
    row("… and within 2× of the time at 1,000 (time at 100k / time at 1k)", r, r is not None and r <= 2,
        f"{r:.2f}×" if r else "")
    r = ratio("MapMergeBenchmark", 100000, "pekko", "converge", op="full")
    row("AWLWW map full join at 100k (1% divergent): ≥ 10× faster than Pekko's LWWMap", r,
        r is not None and r >= 10, fmt_ratio(r) if r else "")
    rs = ratio("MapMergeBenchmark", 100000, "pekko", "convergeStructural", op="full")
    if rs is not None:
        lines.append(f"| (same, unkeyed states: Converge's structural join) | {fmt_ratio(rs)} | "
                     f"{'(would be met)' if rs >= 10 else '(would not be met)'} |")
    r = ratio("MapMergeBenchmark", 100000, "pekko", "converge", op="full", names="sequential")
    if r is not None:
        lines.append(f"| (same, sequential keys elem-0, elem-1, ...; not a target) | {fmt_ratio(r)} | – |")
    r = ratio("CounterBenchmark", 3, "pekko", "converge", op="join")
    row("PN-Counter join, 3 replica ids: ≥ 10× faster than Pekko", r, r is not None and r >= 10,
        fmt_ratio(r) if r else "")
    if memory is not None:
        for writers, value in sorted(memory.items()):
            row(f"memory per OR-Set element, strings excluded, {writers} writer(s): ≤ ~30 bytes", value,
                value <= 30, f"{value:.1f} B")
    else:
        lines.append("| memory per OR-Set element ≤ ~30 bytes | see MemoryFootprint output | – |")
    return "\n".join(lines)


def message_sizes(groups):
    """Bytes per message (the secondary result "bytes"), Converge against Pekko, one row per message.

    Encoding and decoding the same message report the same size, so operations are keyed by the
    message they name (CodecBenchmark: op encodeState and decodeState are the message "state")."""
    sizes = {}
    for (cls, others), by_x in sorted(groups.items()):
        op = dict(others).get("op", "")
        message = re.sub(r"^(encode|decode)", "", op)
        message = message[:1].lower() + message[1:]
        for x, ms in by_x.items():
            c, p = ms.get("converge"), ms.get("pekko")
            cb, pb = c and c["bytes"], p and p["bytes"]
            if cb is None and pb is None:
                continue
            key = (COMPARISONS[cls][0], message, x)
            old = sizes.get(key, (None, None))
            sizes[key] = (cb if cb is not None else old[0], pb if pb is not None else old[1])
    if not sizes:
        return None
    lines = ["| comparison | message | elements | Converge bytes | Pekko bytes | Pekko / Converge |",
             "|---|---|---:|---:|---:|---:|"]
    for (title, message, x), (cb, pb) in sorted(sizes.items()):
        cells = [title, message or "–", f"{x:,}",
                 "–" if cb is None else f"{round(cb):,}", "–" if pb is None else f"{round(pb):,}",
                 fmt_ratio(pb / cb) if cb and pb else "–"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def read_memory(path):
    """Converge's bytes per element (strings excluded) by writer count, from MemoryFootprint's table."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\|\s*Converge\s*\|\s*(\d+)\s*\|[^|]*\|[^|]*\|\s*([\d.]+)\s*\|", line)
            if m:
                out[int(m.group(1))] = float(m.group(2))
    return out


def plots(groups, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing: no plots written (Debian: apt-get install python3-matplotlib)",
              file=sys.stderr)
        return []
    written = []
    for (cls, others), by_x in sorted(groups.items()):
        xname, xdesc = COMPARISONS[cls][1], COMPARISONS[cls][2]
        fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=110)
        for m, (label, style, marker) in METHODS.items():
            pts = [(x, ns_of(ms[m]), ms[m]) for x, ms in sorted(by_x.items()) if m in ms]
            if not pts:
                continue
            xs = [p[0] for p in pts]
            ys = [p[1] / 1e3 for p in pts]
            errs = [(to_ns(p[2]["error"], p[2]["unit"]) / 1e3 if p[2]["error"] is not None else 0) for p in pts]
            ax.errorbar(xs, ys, yerr=errs, label=label, linestyle=style, marker=marker, capsize=3)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"{xdesc} ({xname})")
        ax.set_ylabel("time per operation (µs, log)")
        ax.set_title(group_title(cls, others), fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = os.path.join(out_dir, file_stem(cls, others) + ".png")
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", help="JMH result, from -rf json -rff FILE")
    ap.add_argument("--memory", help="saved output of io.converge.bench.memory.MemoryFootprint")
    ap.add_argument("--out", help="output directory (default: the JSON path without .json)")
    args = ap.parse_args()
    out_dir = args.out or re.sub(r"\.json$", "", args.json)
    os.makedirs(out_dir, exist_ok=True)

    rows = load(args.json)
    if not rows:
        raise SystemExit("no results in " + args.json)
    groups = group(rows)
    memory = read_memory(args.memory) if args.memory else None
    first = rows[0]
    report = [
        f"<!-- generated by scripts/bench_report.py from {os.path.basename(args.json)} -->",
        f"JVM: {first['vm']} {first['jdk']}; JVM options: `{' '.join(first['jvmArgs'])}`; "
        f"forks {first['forks']}, warmup {first['warmup'][0]} × {first['warmup'][1]}, "
        f"measurement {first['measurement'][0]} × {first['measurement'][1]}. "
        "Times are averages per operation, ± the 99.9% confidence half-interval JMH reports.",
        "",
        "## Targets (issue 6)",
        "",
        targets(groups, memory),
        "",
        "## Tables",
        "",
        tables(groups),
    ]
    sizes = message_sizes(groups)
    if sizes is not None:
        report += [
            "## Bytes per message",
            "",
            "Pekko gzips a full ORSet state (not its deltas); Converge does not compress.",
            "",
            sizes,
            "",
        ]
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write("\n".join(report) + "\n")
    written = plots(groups, out_dir)
    print(f"wrote {os.path.join(out_dir, 'report.md')} and {len(written)} plot(s)")


if __name__ == "__main__":
    main()
