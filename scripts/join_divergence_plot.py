#!/usr/bin/env python3
"""Full-state join time against size for both merge fixtures, Converge and Pekko, one plot.

Usage:
    /usr/bin/python3 scripts/join_divergence_plot.py OUT.png RESULT.json [RESULT.json ...]

Reads JMH JSON results of ORSetMergeBenchmark and MapMergeBenchmark (op=full) run with
divergence=percent (each side 1% of N) and divergence=fixed (100 entries whatever N), and draws
two panels (OR-Set, AWLWW map / LWWMap), log-log, one line per library and fixture, at the
median of the measured iterations (robust to one iteration slowed by another job on a shared
machine). Prints the points as a Markdown table too: median, and JMH's mean ± 99.9% error. Needs matplotlib (Debian: apt-get install python3-matplotlib).

A point given by several files (same benchmark, fixture, method and N) is taken from the last
one, so a new run of some methods can be laid over an older run of the others (e.g. a Converge
rerun over the run that also measured Pekko). Methods other than converge, convergeStructural
and pekko (convergeThenRejoin, convergeFreshlyDecoded) are in the table, not in the plot.
"""

import json
import sys
from collections import defaultdict

LABELS = {"converge": "Converge", "convergeStructural": "Converge, unkeyed states", "pekko": "Pekko"}
PANELS = {"ORSetMergeBenchmark": "OR-Set full join", "MapMergeBenchmark": "AWLWWMap vs LWWMap full join"}


def load(paths):
    points = defaultdict(dict)  # (class, method, divergence) -> size -> (ns, error ns)
    for path in paths:
        with open(path) as f:
            for r in json.load(f):
                cls, method = r["benchmark"].split(".")[-2:]
                p = r.get("params", {})
                if p.get("op", "full") != "full" or p.get("names", "random") != "random":
                    continue
                unit = r["primaryMetric"]["scoreUnit"]
                scale = {"ns/op": 1, "us/op": 1e3, "ms/op": 1e6, "s/op": 1e9}[unit]
                m = r["primaryMetric"]
                its = sorted(x for fork in m["rawData"] for x in fork)
                median = its[len(its) // 2] if len(its) % 2 else (its[len(its) // 2 - 1] + its[len(its) // 2]) / 2
                points[(cls, method, p.get("divergence", "percent"))][int(p["size"])] = (
                    median * scale, m["score"] * scale,
                    (m["scoreError"] if m["scoreError"] == m["scoreError"] else 0) * scale)
    return points


def fmt(ns):
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return f"{ns / div:.3g} {unit}"
    return f"{ns:.3g} ns"


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    points = load(paths)
    print("| benchmark | fixture | method | N | median | mean ± error |")
    print("|---|---|---|---:|---:|---:|")
    for (cls, method, div), series in sorted(points.items()):
        for n, (med, ns, err) in sorted(series.items()):
            print(f"| {cls} | {div} | {method} | {n:,} | {fmt(med)} | {fmt(ns)} ± {fmt(err)} |")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, (cls, title) in zip(axes, PANELS.items()):
        for (c, method, div), series in sorted(points.items()):
            if c != cls or method not in LABELS:
                continue
            xs = sorted(series)
            ys = [series[x][0] / 1e3 for x in xs]
            style = "-" if div == "fixed" else "--"
            marker = {"converge": "o", "convergeStructural": "s", "pekko": "^"}[method]
            ax.plot(xs, ys, style, marker=marker,
                    label=f"{LABELS[method]}, {'100 differ' if div == 'fixed' else '1% differ'}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("entries N")
        ax.set_ylabel("µs per join (median of iterations)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
