"""The readable tables of a benchmark's results, and latency against concurrency as a plot."""

from __future__ import annotations

import json
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench import memory
from bench.profile import text as profile_text

SCENARIOS = ("floor", "ceiling", "debit", "mix")  # in the order they run at each level
REPLICA_SCENARIOS = ("debit", "debit-replicated")  # --replica: without, then with WAIT
ENDPOINT_ORDER = ["ping", "debit", "credit", "rollback", "balance", "open", "close"]
# CPU columns: what usage.window measured, in this order, and how the table heads them.
PROCESSES = {"load generator": "loadgen", "gunicorn master": "master",
             "gunicorn workers": "workers", "redis-server": "redis", "nginx": "nginx",
             "rest of the stack": "idle apps", "runner": "runner", "others": "other work",
             "machine": "machine"}
HEADER = (f"{'scenario':<8} {'endpoint':<9} {'conn':>4} {'generator':<9} {'rps':>8} "
          f"{'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'errors':>6}")


def app_of(scenario: str) -> str:
    """Return the name of the app whose workers serve ``scenario``'s requests."""
    if scenario == "debit-replicated":
        return "walletsvc-replicated"
    return scenario if scenario in ("floor", "ceiling") else "walletsvc"


def generator(run: dict[str, Any]) -> str:
    """Return the short name of the load generator that drove ``run``."""
    return "wrk" if run.get("generator") == "wrk" else "python"


def replica_table(runs: list[dict[str, Any]]) -> str:
    """Return the debits with a replica attached, each repetition's pair side by side: walletsvc
    as shipped, then with MIN_REPLICAS=1 (they ran one after the other)."""
    lines = ["debits (wrk), primary with one replica attached: walletsvc as shipped "
             "(MIN_REPLICAS=0) against WALLETSVC_REDIS_MIN_REPLICAS=1 (WAIT after each write), "
             "run in turn",
             f"{'conn':>4} {'rps 0':>7} {'rps 1':>7} {'1 / 0':>6} {'p50 0':>7} {'p50 1':>7} "
             f"{'p99 0':>7} {'p99 1':>7} {'errors':>6} {'other work':>10}"]
    pairs = [runs[i:i + 2] for i in range(0, len(runs) - 1, 2)]
    for plain, waiting in sorted(pairs, key=lambda pair: pair[0]["concurrency"]):
        a, b = plain["total"], waiting["total"]
        lines.append(
            f"{plain['concurrency']:>4} {a['rps']:>7.1f} {b['rps']:>7.1f} "
            f"{b['rps'] / a['rps'] if a['rps'] else 0:>6.2f} {a.get('p50_ms', 0):>7.2f} "
            f"{b.get('p50_ms', 0):>7.2f} {a.get('p99_ms', 0):>7.2f} {b.get('p99_ms', 0):>7.2f} "
            f"{a['errors'] + b['errors']:>6} "
            f"{max(_disturbance(plain), _disturbance(waiting)):>10.1f}")
    return "\n".join(lines)


def run_line(result: dict[str, Any]) -> str:
    """Return a one-line progress note for a finished run."""
    total, per = result["total"], result["cpu_us_per_request"]
    return (f"{result['scenario']} x{result['concurrency']} ({generator(result)}, "
            f"{result['serving']}, after waiting {result.get('waited_for_quiet_s', 0)} s for "
            f"quiet): {total['rps']} rps, p50 {total.get('p50_ms')} ms, p99 "
            f"{total.get('p99_ms')} ms, {total['errors']} errors; CPU µs per request: "
            + ", ".join(f"{PROCESSES.get(name, name)} {used:.0f}" for name, used in per.items()
                        if used >= 1))


def _row(run: dict[str, Any], endpoint: str, s: dict[str, Any]) -> str:
    return (f"{run['scenario']:<8} {endpoint:<9} {run['concurrency']:>4} {generator(run):<9} "
            f"{s['rps']:>8.1f} {s.get('p50_ms', 0):>7.2f} {s.get('p90_ms', 0):>7.2f} "
            f"{s.get('p99_ms', 0):>7.2f} {s['errors']:>6}")


def _endpoint_rows(run: dict[str, Any]) -> list[str]:
    endpoints = run["endpoints"]
    rows = [_row(run, name, endpoints[name]) for name in ENDPOINT_ORDER if name in endpoints]
    if len(endpoints) > 1:
        rows.append(_row(run, "all", run["total"]))
    return rows


def cpu_rows(runs: list[dict[str, Any]]) -> list[str]:
    """Return the CPU per request (µs) of every process, one line per run."""
    shown = [name for name in PROCESSES
             if any(name in run["cpu_us_per_request"] for run in runs)]
    lines = ["CPU per request (µs, over the measured window; 'idle apps': the stack's other "
             "gunicorns and nginx, 'other work': everything else on the machine):",
             f"  {'load':<13} " + " ".join(f"{PROCESSES[name]:>10}" for name in shown)]
    for run in runs:
        per = run["cpu_us_per_request"]
        lines.append(f"  {run['scenario']:<8} x{run['concurrency']:<3} "
                     + " ".join(f"{per[name]:>10.0f}" if name in per else f"{'-':>10}"
                                for name in shown))
    return lines


def _disturbance(run: dict[str, Any]) -> float:
    """Return the other work's CPU during a run, to a tenth of a core (less is noise)."""
    return round(max(float(run.get("run", run)["cpu_cores"]["others"]), 0.0), 1)


def least_disturbed(runs: list[dict[str, Any]], key: str = "scenario") -> list[dict[str, Any]]:
    """Of repeated runs, keep for each concurrency level one repetition whole (its floor,
    ceiling, debit and mix, or each count), so that what is compared ran side by side: the
    repetition whose most disturbed run had the least other work; of equally quiet ones the
    fastest, since what disturbs and cannot be seen (the host's other guests) only slows a
    run."""
    seen: Counter[tuple[Any, int]] = Counter()
    repetitions: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for run in runs:
        level = run.get("run", run)["concurrency"]
        repetition = seen[(run[key], level)]
        seen[(run[key], level)] += 1
        repetitions.setdefault((level, repetition), []).append(run)
    best: dict[int, tuple[tuple[float, float], list[dict[str, Any]]]] = {}
    for (level, _), group in repetitions.items():
        score = (max(_disturbance(run) for run in group),
                 -sum(run.get("run", run)["total"]["rps"] for run in group))
        if level not in best or score < best[level][0]:
            best[level] = (score, group)
    return [run for _, group in best.values() for run in group]


def ratios(runs: list[dict[str, Any]], over: str = "debit", under: str = "floor",
           figure: str = "rps") -> dict[int, float]:
    """Return one scenario's figure over another's, per concurrency level: throughput, CPU
    per request of the whole machine (``cpu``) or of the stack alone (``stack``: the machine
    less other work)."""
    def value(run: dict[str, Any]) -> float:
        per = run["cpu_us_per_request"]
        if figure == "rps":
            return float(run["total"]["rps"])
        return float(per["machine"] - (per["others"] if figure == "stack" else 0))

    found = {(r["scenario"], r["concurrency"]): value(r) for r in runs}
    return {c: round(found[(over, c)] / found[(under, c)], 2)
            for (scenario, c) in found
            if scenario == under and (over, c) in found and found[(under, c)]}


def summary(results: dict[str, Any]) -> dict[str, Any]:
    """Return the numbers the targets are about, from the least disturbed runs."""
    runs = least_disturbed(results["runs"])
    debit8 = [r for r in runs if r["scenario"] == "debit" and r["concurrency"] == 8]
    scale = least_disturbed(results.get("scale", []), key="wallets")
    pairs = scale_ratios(results.get("scale", []))
    found: dict[str, Any] = {
        "serving": results["meta"]["serving"], "appendfsync": results["meta"]["appendfsync"],
        "redis": results["meta"]["redis"],
        "debit_over_floor": ratios(runs),
        "ceiling_over_floor": ratios(runs, "ceiling", "floor"),
        "debit_over_ceiling": ratios(runs, "debit", "ceiling"),
        "machine_cpu_per_debit_over_per_floor": ratios(runs, figure="cpu"),
        "stack_cpu_per_debit_over_per_floor": ratios(runs, figure="stack"),
        "debit_p99_ms_at_8": debit8[0]["total"].get("p99_ms") if debit8 else None,
        "errors": sum(r["total"]["errors"] + r.get("errors_outside_window", 0) for r in runs),
        "redis_script_us_per_debit": {
            r["concurrency"]: r["redis"]["evalsha_usec_per_call"]
            for r in runs if r["scenario"] == "debit"},
    }
    if scale:
        found["scale_rps"] = {entry["wallets"]: entry["run"]["total"]["rps"] for entry in scale}
        found["scale_ratio_per_repetition"] = pairs
        found["scale_ratio_median"] = round(statistics.median(pairs), 2) if pairs else None
    if results.get("workers"):
        found["debit_rps_by_workers"] = {
            entry["workers"]: entry["run"]["total"]["rps"]
            for entry in least_disturbed(results["workers"], key="workers")}
    if "memory" in results:
        found["memory_bytes"] = {key.removeprefix("bytes_per_"): results["memory"].get(key)
                                 for key in memory.ROWS}
    return found


def heading(meta: dict[str, Any]) -> str:
    """Return the line that says what ran, where and when."""
    fsync = meta["fsync"]
    return (f"walletsvc benchmark {meta['date']} at {meta['git_head']} "
            f"({len(meta['uncommitted_in_service'])} uncommitted files in the service), "
            f"{meta['cores']} cores; gunicorn {meta['serving']}; {meta['redis']} "
            f"{meta['redis_version']}, appendfsync {meta['appendfsync']} (fdatasync on its disk: "
            f"p50 {fsync['fdatasync_p50_us']:.0f} µs, p99 {fsync['fdatasync_p99_us']:.0f} µs); "
            f"{meta['duration_s']} s per run after {meta['warmup_s']} s warm-up"
            + (f"; each load run {meta['repeat']} times, the table shows of each level the "
               "repetition least disturbed by other work" if meta["repeat"] > 1 else ""))


def table(results: dict[str, Any]) -> str:
    """Return every result as readable text."""
    runs = least_disturbed(results["runs"])
    found = summary(results)
    lines = [heading(results["meta"]), "", HEADER]
    for run in runs:
        lines += _endpoint_rows(run)
    lines += ["", *_ratio_lines(found, runs), "", *cpu_rows(runs), "", *_redis_lines(runs)]
    if results.get("workers"):
        lines += ["", *workers_table(results["workers"])]
    if "memory" in results:
        lines += ["", *_memory(results["memory"])]
    if results.get("scale"):
        lines += ["", *_scale(results["scale"])]
    if "profile" in results:
        lines += ["", profile_text(results["profile"])]
    return "\n".join(lines)


def _ratio_lines(found: dict[str, Any], runs: list[dict[str, Any]]) -> list[str]:
    disturbed: dict[int, float] = {}
    for run in runs:
        disturbed[run["concurrency"]] = max(disturbed.get(run["concurrency"], 0.0),
                                            _disturbance(run))
    labels = {"debit_over_floor": "debit / floor throughput",
              "ceiling_over_floor": "ceiling / floor (the most a debit can reach here)",
              "debit_over_ceiling": "debit / ceiling (what the HTTP layer leaves of it)",
              "machine_cpu_per_debit_over_per_floor":
                  "whole-machine CPU per debit / per floor request",
              "stack_cpu_per_debit_over_per_floor":
                  "the stack's CPU (the machine less other work) per debit / per floor request"}
    lines = [f"{label}: " + ", ".join(f"{ratio:.2f} at {c} conn" for c, ratio in
                                      found[key].items())
             for key, label in labels.items()]
    lines.append("other work on the machine during each level's runs, at most: " + ", ".join(
        f"{cores:.1f} cores at {c} conn" for c, cores in disturbed.items()))
    lines.append(f"debit p99 at 8 connections: {found['debit_p99_ms_at_8']} ms; errors in all "
                 f"runs shown: {found['errors']}")
    return lines


def _redis_lines(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["Redis per debit: script time (INFO commandstats cmdstat_evalsha usec / calls), "
             "redis-server CPU (all of it, fsync and networking included), AOF rewrites:"]
    for run in runs:
        if run["redis"]["evalsha_calls"]:
            lines.append(f"  {run['scenario']:<8} x{run['concurrency']:<3} script "
                         f"{run['redis']['evalsha_usec_per_call']} µs, redis-server "
                         f"{run['cpu_us_per_request']['redis-server']:.0f} µs CPU per request, "
                         f"rewrites {run['redis']['forks']}")
    return lines


def workers_table(entries: list[dict[str, Any]]) -> list[str]:
    """Return debit throughput against the walletsvc worker count."""
    lines = ["Debits (wrk) by walletsvc worker count, every run in order: per core-second is "
             "debits per second over the cores the whole machine used",
             f"  {'workers':>7} {'conn':>4} {'rps':>8} {'p50 ms':>7} {'p99 ms':>7} "
             f"{'errors':>6} {'cores':>6} {'per core-s':>10} {'worker µs':>9} {'redis µs':>8}"]
    for entry in entries:
        run = entry["run"]
        total, cores, per = run["total"], run["cpu_cores"], run["cpu_us_per_request"]
        lines.append(
            f"  {entry['workers']:>7} {run['concurrency']:>4} {total['rps']:>8.1f} "
            f"{total.get('p50_ms', 0):>7.2f} {total.get('p99_ms', 0):>7.2f} "
            f"{total['errors']:>6} {cores['machine']:>6.2f} "
            f"{total['rps'] / cores['machine'] if cores['machine'] else 0:>10.0f} "
            f"{per['gunicorn workers']:>9.0f} {per['redis-server']:>8.0f}")
    return lines


def _memory(results: dict[str, Any]) -> list[str]:
    lines = ["Redis memory (INFO used_memory deltas, bench/memory.py): "
             + ", ".join(f"{results[key]:,} B {label}" for key, label in memory.ROWS.items()
                         if key in results)  # older result files have fewer rows
             + f"; MEMORY USAGE by key kind after {results['movements']} debits on "
             f"{results['sessions']} sessions:"]
    lines += [f"  {kind + ':':<5} {usage['keys']:>6} keys {usage['bytes'] / usage['keys']:>7.0f} B "
              f"each" for kind, usage in results["memory_usage_by_key_kind"].items()]
    return lines


def scale_ratios(scale: list[dict[str, Any]]) -> list[float]:
    """Return, for each repetition, the mix's throughput with the most wallets over the fewest.

    The counts of one repetition ran one after the other; the ratio within a repetition is
    what is compared, since the machine's speed drifts between repetitions.
    """
    counts = sorted({entry["wallets"] for entry in scale})
    if len(counts) < 2:
        return []
    repetitions = [scale[i:i + len(counts)] for i in range(0, len(scale), len(counts))]
    ratios = []
    for repetition in repetitions:
        rps = {entry["wallets"]: entry["run"]["total"]["rps"] for entry in repetition}
        if counts[0] in rps and counts[-1] in rps:
            ratios.append(round(rps[counts[-1]] / rps[counts[0]], 2))
    return ratios


def _scale(scale: list[dict[str, Any]]) -> list[str]:
    lines = ["Mix with N wallets in Redis (created via WalletStore, then FLUSHALL between), "
             "every run in order:"]
    for entry in scale:
        run = entry["run"]
        debit = run["endpoints"].get("debit", {})
        lines.append(f"  {entry['wallets']:>7} wallets x{run['concurrency']}: "
                     f"{run['total']['rps']:.1f} rps (debit {debit.get('rps', 0):.1f}, "
                     f"p99 {debit.get('p99_ms')} ms), {run['total']['errors']} errors, "
                     f"other work {run['cpu_cores']['others']:.2f} cores, "
                     f"Redis script {run['redis']['evalsha_usec_per_call']} us/call; "
                     f"created in {entry['create_seconds']} s, "
                     f"used_memory {entry['used_memory'] / 2**20:.1f} MiB")
    ratios = scale_ratios(scale)
    if ratios:
        counts = sorted({entry["wallets"] for entry in scale})
        lines.append(f"  throughput {counts[-1]} / {counts[0]} wallets, per repetition: "
                     f"{', '.join(f'{r:.2f}' for r in ratios)}; "
                     f"median {statistics.median(ratios):.2f}")
    return lines


def plot(results: dict[str, Any], path: Path) -> None:
    """Draw p50 and p99 latency, and throughput, against concurrency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {"floor (ping, wrk)": ("floor", "ping"),
              "ceiling (debit, wrk)": ("ceiling", "debit"),
              "debit (wrk)": ("debit", "debit"), "mix (python): debit": ("mix", "debit")}
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    runs = least_disturbed(results["runs"])
    for colour, (label, (scenario, endpoint)) in enumerate(series.items()):
        chosen = [r for r in runs if r["scenario"] == scenario and endpoint in r["endpoints"]]
        levels = [r["concurrency"] for r in chosen]
        for pct, style in (("p50_ms", "--"), ("p99_ms", "-")):
            latency.plot(levels, [r["endpoints"][endpoint][pct] for r in chosen], style,
                         color=f"C{colour}", marker="o", label=f"{label} {pct[:3]}")
        throughput.plot(levels, [r["total"]["rps"] for r in chosen], color=f"C{colour}",
                        marker="o", label=label.split(":")[0] + (" (all)" if ":" in label else ""))
    latency.set_yscale("log")
    for axes, title in ((latency, "latency (ms)"), (throughput, "requests per second")):
        axes.set_xscale("log", base=2)
        axes.set_xlabel("connections")
        axes.set_title(title)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":  # print the table of a results file again
    print(table(json.loads(Path(sys.argv[1]).read_text())))
