"""Memory of a large lottery selection: peak resident memory of ``select()`` beside its pool.

Usage::

    .venv/bin/python benchmarks/bench_selection_memory.py [--sizes 200000:1000 1000000:5000]
        [--tracemalloc]

The selection is the one of ``bench_selection.py`` (a lottery with role quotas, a country
cap and at most two per organisation) on the seeded synthetic pool, filling the most places
the caps allow (``fill = "most"``: the pool's organisations allow 3,888 of 5,000 at 1M).
Each size runs in a child process of its own, which builds the pool, collects garbage,
notes its resident memory (the interpreter and the pool: the input, which the caller holds
anyway), then runs ``select()`` once and reports its time and the process's peak resident
memory. The *selection's own memory* is the peak minus the memory before ``select()``: the
decisions, reasons and working data of the selection (the registrations with their new
status are built on first access to ``SelectionResult.registrations``, which this run does
not make). ``--tracemalloc`` also reports the Python allocations of ``select()`` by source
line (slower: several times the time).

The documented run is ``--sizes 1000000:5000`` (about 2 GB of memory in all, some ten
minutes on a shared 2-core machine, most of it building the pool). Target: a peak under
1 GB for 1,000,000 / 5,000 at the speed of ``bench_selection.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

TARGET_PEAK_MB = {(1_000_000, 5_000): 1024}


def _resident_mb() -> float:
    """The resident memory of this process now, in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(applicants: int, places: int, trace: bool) -> dict[str, object]:
    """Run one selection in this process; return its figures."""
    sys.path.insert(0, str(Path(__file__).parent))
    import attrs
    from bench_selection import NOW, event_for

    from ran_events.examples import synthetic_applicants
    from ran_events.selection import select

    pool = synthetic_applicants(applicants, seed=1)
    event = event_for(places)  # fill as many places as the caps allow (3,888 of 5,000 at 1M)
    parameters = {**event.selection.parameters, "fill": "most"}
    rules = attrs.evolve(event.selection, parameters=parameters)
    event = attrs.evolve(event, selection=rules)
    gc.collect()
    before = _resident_mb()
    if trace:
        import tracemalloc

        tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    result = select(event, pool, now=NOW)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures: dict[str, object] = {
        "pool_mb": before,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        "after_mb": _resident_mb(),
        "seconds": wall,
        "cpu_seconds": cpu,
        "selected": len(result.selected),
    }
    if trace:
        snapshot = tracemalloc.take_snapshot()
        figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        figures["top"] = [
            f"{stat.size / 2**20:8.1f} MB {stat.count:>9,} blocks  {stat.traceback[0]}"
            for stat in snapshot.statistics("lineno")[:12]
        ]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=["200000:1000"], help="APPLICANTS:PLACES")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        applicants, places = (int(part) for part in args.child.split(":"))
        print(json.dumps(measure(applicants, places, args.tracemalloc)))
        return 0
    ok = True
    for size in args.sizes:
        applicants, places = (int(part) for part in size.split(":"))
        command = [sys.executable, __file__, "--child", size]
        command += ["--tracemalloc"] if args.tracemalloc else []
        figures = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
        own = figures["peak_mb"] - figures["pool_mb"]
        target = TARGET_PEAK_MB.get((applicants, places))
        print(
            f"{applicants:>9,} applicants / {places:>5,} places: "
            f"select {figures['seconds']:.1f} s "
            f"({figures['cpu_seconds']:.1f} s CPU); peak {figures['peak_mb']:,.0f} MB = pool "
            f"{figures['pool_mb']:,.0f} MB + selection {own:,.0f} MB "
            f"({own * 2**20 / applicants:,.0f} bytes an applicant); "
            f"{figures['after_mb']:,.0f} MB held after"
            + ("" if target is None else f"; target < {target:,} MB")
        )
        if "top" in figures:
            print(f"  traced peak {figures['traced_peak_mb']:,.0f} MB; held after, by line:")
            print("\n".join(f"  {line}" for line in figures["top"]))
        if target is not None and figures["peak_mb"] >= target:
            ok = False
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
