#!/usr/bin/python3
"""bench/scale: the synthetic pipeline at growing sizes, one epoch, and what each stage costs.

For each size N (impressions) it runs, in a fresh folder, the packaged app

    java -Xmx<heap> -jar target/quarkus-app/quarkus-run.jar run --local --json \
         --set synthetic.impressions=N --set synthetic.users=N/20 --set synthetic.items=N/100 \
         --set train.epochs=1 --set train.sparse-embedding-updates=true --set data.duckdb-memory-limit=1GB \
         [--set stages.executor=process]

(users and items grow with N as in issue 12: 2M impressions = 100k users x 20k items; row-wise ID-embedding updates
at every size, so a step costs O(batch) throughout (the default, auto, would train 1M's 60k ID rows densely), and DuckDB's memory kept at 1 GB beside the 3 GB heap; a later --set
overrides either) and prints, per size and
stage, wall seconds, CPU seconds, peak RSS and peak heap (MB) and train's rows/s, from the run's own cost records
(stage_execution: see README "Run cost"), and under evaluate what each strong baseline fitted (seconds, the chosen
rank or lambda, the items: EASE^R on the most popular ones when its memory budget holds fewer than the catalogue). With --executor process every stage runs in its own JVM, so a stage's RSS
is that stage's alone; in-process it is the whole process's peak during the stage. Then the ratio of each stage's
time at the largest size to the smallest, next to the size ratio (linear: equal), and train rows/s at each size
against the smallest (an O(vocabulary) step shows as a falling ratio).

Usage: /usr/bin/python3 bench/scale/scale.py [--sizes 1000000,3000000,10000000] [--xmx 3g] [--executor process]
                                             [--jar target/quarkus-app/quarkus-run.jar] [--set key=value ...]
Run it on an idle machine (two JVMs training at once slow each other down several times).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

STAGES = ["prepare-data", "validate-data", "train", "evaluate", "gate", "export", "publish"]


def run_size(n, args):
    work = tempfile.mkdtemp(prefix=f"feedrank-scale-{n}-")
    cmd = ["java", f"-Xmx{args.xmx}", "-Dai.djl.offline=true", "-jar", os.path.abspath(args.jar), "run", "--local", "--json",
           "--set", f"synthetic.impressions={n}", "--set", f"synthetic.users={max(100, n // 20)}",
           "--set", f"synthetic.items={max(50, n // 100)}", "--set", "train.epochs=1",
           "--set", "train.early-stopping-patience=1", "--set", f"stages.executor={args.executor}",
           "--set", "train.sparse-embedding-updates=true", "--set", "data.duckdb-memory-limit=1GB"]
    for kv in args.set or []:
        cmd += ["--set", kv]
    env = dict(os.environ, DJL_OFFLINE="true")
    env.pop("QUARKUS_DATASOURCE_JDBC_URL", None)
    env.pop("FEEDRANK_STORAGE_ENDPOINT", None)
    with open(os.path.join(work, "stderr.log"), "w") as err:
        p = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        report = json.loads(p.stdout)
    except json.JSONDecodeError:
        sys.exit(f"size {n}: no JSON report (exit {p.returncode}); see {work}/stderr.log")
    if report.get("status") != "SUCCEEDED":
        sys.exit(f"size {n}: run {report.get('status')}: {report.get('error')}; see {work}/stderr.log")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    latest = {}
    for s in report["stages"]:
        if s["status"] == "SUCCEEDED":
            latest[s["name"]] = s
    return latest, report


def mb(v):
    return "-" if v is None else f"{v / 2**20:.0f}"


def print_fits(n, fits):
    """One line per strong baseline evaluate fitted: its seconds, the chosen rank or lambda and the items it covers."""
    for name, fit in fits.items():
        hyper = ", ".join(f"{k} {fit[k]:g}" for k in ("rank", "lambda") if k in fit)
        items = fit.get("fit_items")
        catalogue = fit.get("catalogue_items")
        over = (f"the {items:,.0f} most popular of {catalogue:,.0f} items" if items is not None and catalogue and items < catalogue
                else f"all {items:,.0f} items" if items is not None else "")
        print(f"{n:>12,} {'  ' + name:<14} {fit.get('fit_seconds', 0):>8.1f} {'':>8} {'':>12} {'':>13}   {hyper} on {over}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000,3000000,10000000")
    ap.add_argument("--xmx", default="3g")
    ap.add_argument("--executor", default="in-process", choices=["in-process", "process"])
    ap.add_argument("--jar", default="target/quarkus-app/quarkus-run.jar")
    ap.add_argument("--set", action="append", help="more settings for every run")
    ap.add_argument("--keep", action="store_true", help="keep each size's folder (logs, embedded data)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    fits = {}
    for n in sizes:
        print(f"# size {n:,} impressions ({n // 20:,} users x {n // 100:,} items), 1 epoch, -Xmx{args.xmx}, executor {args.executor}",
              file=sys.stderr, flush=True)
        results[n], report = run_size(n, args)
        fits[n] = report.get("baselineFits") or {}
    print(f"{'impressions':>12} {'stage':<14} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'peak heap MB':>13} {'rows/s':>9}")
    for n in sizes:
        for name in STAGES:
            s = results[n].get(name)
            if s is None:
                continue
            sps = s.get("samplesPerSecond")
            print(f"{n:>12,} {name:<14} {s['durationMs'] / 1000:>8.1f} {(s['cpuMs'] or 0) / 1000:>8.1f} {mb(s['peakRssBytes']):>12} "
                  f"{mb(s['peakHeapBytes']):>13} {'-' if sps is None else f'{sps:,.0f}':>9}")
            if name == "evaluate":
                print_fits(n, fits[n])
        peak = max((s["peakRssBytes"] or 0) for s in results[n].values())
        print(f"{n:>12,} {'peak RSS':<14} {'':>8} {'':>8} {mb(peak):>12}")
    lo, hi = sizes[0], sizes[-1]
    if hi > lo:
        print(f"\ntime ratio {hi:,} / {lo:,} per stage (linear = {hi / lo:.1f}; target within 1.3x of it):")
        for name in STAGES:
            a, b = results[lo].get(name), results[hi].get(name)
            if a and b and a["durationMs"]:
                r = b["durationMs"] / a["durationMs"]
                print(f"  {name:<14} {r:6.1f}  ({r / (hi / lo):.2f}x linear)")
        base = results[lo].get("train", {}).get("samplesPerSecond")
        for n in sizes:
            sps = results[n].get("train", {}).get("samplesPerSecond")
            if base and sps:
                print(f"  train rows/s at {n:,}: {sps:,.0f} ({sps / base:.2f}x of {lo:,})")


if __name__ == "__main__":
    main()
