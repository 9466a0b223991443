"""Worker classes, proxy, fsync policy and Redis Cluster, each in a run of its own, in one table.

``python -m bench.matrix [--duration 10 --concurrency 8 --repeat 2 --quiet-wait 30]
[--only sync-5,gevent-2]`` runs ``bench.run --loads-only`` once per configuration below (a stack
of its own each: floor, ceiling, debit and the mix side by side), writes each one's results to
matrix/NAME.json and .txt, and the comparison to matrix.txt (bench/paths.py says where).
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from bench import paths, report, run

# name -> bench.run options, each naming its worker class and count. What
# config/gunicorn.conf.py ships is gevent, a worker per core: "gevent 2" on 2 cores.
CONFIGURATIONS: dict[str, list[str]] = {
    "sync 5": ["--worker-class", "sync", "--workers", "5"],
    "gthread 2x2": ["--worker-class", "gthread", "--workers", "2", "--threads", "2"],
    "gthread 2x4": ["--worker-class", "gthread", "--workers", "2", "--threads", "4"],
    "gthread 2x8": ["--worker-class", "gthread", "--workers", "2", "--threads", "8"],
    "gevent 2": ["--worker-class", "gevent", "--workers", "2"],
    "gevent 3": ["--worker-class", "gevent", "--workers", "3"],
    "sync 5 + nginx": ["--worker-class", "sync", "--workers", "5", "--proxy", "nginx"],
    "gthread 2x4 + nginx": ["--worker-class", "gthread", "--workers", "2", "--threads", "4",
                            "--proxy", "nginx"],
    "gevent 2 + nginx": ["--worker-class", "gevent", "--workers", "2", "--proxy", "nginx"],
    "sync 5 everysec": ["--worker-class", "sync", "--workers", "5",
                        "--appendfsync", "everysec"],
    "gevent 2 everysec": ["--worker-class", "gevent", "--workers", "2",
                          "--appendfsync", "everysec"],
    "gevent 2 cluster": ["--worker-class", "gevent", "--workers", "2", "--cluster"],
}
COLUMNS = (f"{'configuration':<20} {'floor':>6} {'ceil':>6} {'debit':>6} {'mix':>6} "
           f"{'d p50':>6} {'d p99':>6} {'d/f':>5} {'c/f':>5} {'d/c':>5} {'cpu d/f':>7} {'own':>5} "
           f"{'stack':>5} {'wrk µs':>6} {'wkr µs':>6} {'rds µs':>6} {'nginx':>5} {'script':>6} "
           f"{'err':>4} "
           f"{'other':>5} {'commit':<8}")


def file_name(name: str) -> str:
    """Return the results file name of a configuration."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def row(name: str, results: dict[str, Any]) -> str:
    """Return one configuration's line of the comparison (its least disturbed repetition)."""
    runs = {r["scenario"]: r for r in report.least_disturbed(results["runs"])}
    summary = report.summary(results)
    level = next(iter(summary["debit_over_floor"]), None)

    def rps(scenario: str) -> str:
        return f"{runs[scenario]['total']['rps']:>6.0f}" if scenario in runs else f"{'-':>6}"

    def ratio(key: str) -> str:
        return f"{summary[key].get(level, 0):>5.2f}"

    debit = runs["debit"]
    per = debit["cpu_us_per_request"]
    cpu_ratio = summary["machine_cpu_per_debit_over_per_floor"].get(level, 0)
    own_ratio = summary["stack_cpu_per_debit_over_per_floor"].get(level, 0)
    return (f"{name:<20} {rps('floor')} {rps('ceiling')} {rps('debit')} {rps('mix')} "
            f"{debit['total']['p50_ms']:>6.1f} {debit['total']['p99_ms']:>6.1f} "
            f"{ratio('debit_over_floor')} {ratio('ceiling_over_floor')} "
            f"{ratio('debit_over_ceiling')} {cpu_ratio:>7.2f} {own_ratio:>5.2f} "
            f"{per['machine'] - per['others']:>5.0f} {per['load generator']:>6.0f} "
            f"{per['gunicorn workers']:>6.0f} {per['redis-server']:>6.0f} "
            f"{per.get('nginx', 0):>5.0f} {debit['redis']['evalsha_usec_per_call'] or 0:>6.0f} "
            f"{summary['errors']:>4} "
            f"{max(r['cpu_cores']['others'] for r in runs.values()):>5.2f} "
            f"{results['meta']['git_head'][:8]:<8}")


def table(found: dict[str, dict[str, Any]]) -> str:
    """Return the comparison of every configuration measured."""
    first = next(iter(found.values()))["meta"]
    lines = [f"walletsvc worker classes, proxy and persistence, {first['cores']} cores, "
             f"Redis {first['redis_version']}, "
             f"{first['duration_s']} s per load after {first['warmup_s']} s warm-up, "
             f"{next(iter(found.values()))['runs'][0]['concurrency']} connections; each "
             "configuration in a run of its own (floor, ceiling, debit, mix side by side); "
             "appendfsync always unless said",
             "rps: floor, ceiling and debit from wrk, mix from the Python generator; d p50/p99: "
             "debit latency (ms); d/f, c/f, d/c: debit/floor, ceiling/floor, debit/ceiling; "
             "cpu d/f: whole-machine CPU per debit over per floor request, own: the same "
             "for the stack's processes alone (other work left out); stack: their CPU per debit "
             "(µs); µs: CPU per debit "
             "of wrk, the gunicorn workers, redis-server and nginx; script: µs per EVALSHA; "
             "other: cores used by other work on the machine (at most, over the runs shown); "
             "commit: the code each configuration ran",
             "", COLUMNS]
    lines += [row(name, results) for name, results in found.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run every configuration (or those of ``--only``) and write the comparison."""
    parser = argparse.ArgumentParser(prog="python -m bench.matrix", description=__doc__)
    parser.add_argument("--only", type=lambda text: text.split(","),
                        help="configurations by file name, e.g. sync-5,gevent-2")
    parser.add_argument("--table", action="store_true",
                        help="run nothing: write the comparison of the stored results again")
    options, passed = parser.parse_known_args(argv)
    chosen = {name: extra for name, extra in CONFIGURATIONS.items()
              if not options.table and (not options.only or file_name(name) in options.only)}
    found: dict[str, dict[str, Any]] = {}
    for name, extra in chosen.items():
        out = paths.results_dir() / "matrix" / f"{file_name(name)}.json"
        print(f"== {name}", flush=True)
        args = run.parse_args(["--loads-only", "--concurrency", "8", *passed, *extra,
                               "--out", str(out)])
        run.write(run.measure(args), out)
        found[name] = json.loads(out.read_text())
    for name in CONFIGURATIONS:  # earlier runs of the others stay in the table
        path = paths.results_dir() / "matrix" / f"{file_name(name)}.json"
        if name not in found and path.exists():
            found[name] = json.loads(path.read_text())
    text = table({name: found[name] for name in CONFIGURATIONS if name in found})
    paths.result("matrix.txt").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
