"""Intake memory on a large applications CSV: rows/s, peak memory, working memory.

Usage::

    .venv/bin/python benchmarks/bench_intake_memory.py [--size-mb 100] [--columns N]
        [--csv PATH]

The documented run is ``--size-mb 1024`` (1 GB; about 4.3 million rows of the webinar's
layout: 7 minutes to write, 4 to 10 minutes to read and 5 GB of memory on a shared 2-core
machine); the default of 100 MB is for routine runs. ``--columns 5012`` writes the wide
layout of issue 11 (short attribute cells beside the form's columns), where the cost of
each cell shows.

The file repeats the rows of a synthetic pool of 2,000 applicants (each with its own
address and id, so every row is accepted). The import runs in a child process of its own,
which reports its peak resident memory, its resident memory after the import with the book
and the report still held (the registrations kept, what the import is for, and the book's
indexes by address and by id), and the difference, the *working memory*: what reading
needed beyond what it keeps. The working memory must not grow
with the file (no copy of the file, no per-cell blow-up): it is compared with the largest
row. The baseline, measured in the same run in a child process too, is a plain
``csv.DictReader`` loop over the same file (reading each row into a dict and dropping it):
its rows/s and its memory growth, the floor of any streaming reader.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE_ROWS = 2_000
TARGET_WORKING_MB = 64
"""The working memory allowed beside a few dozen times the largest row (interpreter pages,
the csv module's buffers, the caches of domains, answers and shared texts)."""
TARGET_WORKING_BYTES_A_ROW = 48
"""And per row accepted: the intake's index of the line of each address kept (for the
messages about duplicates and the order of the report), freed when the import ends."""


def generate(path: Path, size_mb: float, columns: int) -> dict[str, int]:
    """Write about ``size_mb`` MB of applications; return the rows and the largest row."""
    from ran_events.examples import synthetic_applicants, webinar
    from ran_events.intake import csv_text

    event = webinar()
    pool = synthetic_applicants(TEMPLATE_ROWS, seed=2023, event=event)
    text = csv_text(pool, questions=[q.id for q in event.form.questions])
    template = list(csv.reader(io.StringIO(text)))
    header, rows = template[0], template[1:]
    extra = max(0, columns - len(header))
    header += [f"extra_{i:04d}" for i in range(extra)]
    email = header.index("email")
    limit = size_mb * 1_000_000
    written = largest = count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        handle.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
        while written < limit:
            for row in rows:
                local, _, domain = row[email].partition("@")
                cells = [f"b{count:09d}", *row[1:]]
                cells[email] = f"{local}.{count}@{domain}"
                cells += [f"v{(count + i) % 50}" for i in range(extra)]
                writer.writerow(cells)
                line = buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                handle.write(line)
                written += len(line.encode())
                largest = max(largest, len(line.encode()))
                count += 1
                if written >= limit:
                    break
    return {"rows": count, "largest_row": largest}


def measure_file(path: Path) -> dict[str, int]:
    """The lines after the header and the longest line (in bytes) of an existing file: its
    rows and its largest row, but for rows with a quoted line break."""
    rows = largest = 0
    with path.open("rb") as handle:
        for line in handle:
            rows += 1
            largest = max(largest, len(line))
    return {"rows": rows - 1, "largest_row": largest}


def _rss_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise SystemExit(f"no {field} in /proc/self/status (Linux only)")


def child_intake(path: Path) -> dict[str, float]:
    """Take in ``path`` (in a process of its own); return the figures."""
    from ran_events.examples import webinar
    from ran_events.intake import RegistrationBook

    book = RegistrationBook(event=webinar())
    figures = {"before_mb": _rss_mb("VmRSS")}
    started = time.perf_counter(), time.process_time()
    report = book.read_csv(path)  # the book and the report: held until the figures are taken
    figures["seconds"] = time.perf_counter() - started[0]
    figures["cpu_seconds"] = time.process_time() - started[1]
    figures["held_mb"] = _rss_mb("VmRSS")
    figures["peak_mb"] = _rss_mb("VmHWM")
    figures["rows"] = report.rows
    if report.rejected:  # every row of the generated file is valid
        raise SystemExit(f"{len(report.rejected)} row(s) rejected, e.g. {report.rejected[0]}")
    return figures


def child_dictreader(path: Path) -> dict[str, float]:
    """The baseline: a plain ``csv.DictReader`` loop over ``path``."""
    before = _rss_mb("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for _row in csv.DictReader(handle):
            rows += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "rows": rows,
        "seconds": wall,
        "cpu_seconds": cpu,
        "before_mb": before,
        "peak_mb": _rss_mb("VmHWM"),
    }


def _in_child(kind: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--csv", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100, help="default 100; 1024: 1 GB")
    parser.add_argument("--columns", type=int, default=0, help="pad rows to this many columns")
    parser.add_argument("--csv", type=Path, help="use (or create, and keep) this CSV file")
    parser.add_argument("--child", choices=["intake", "dictreader"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = child_intake if args.child == "intake" else child_dictreader
        print(json.dumps(run(args.csv)))
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        path = args.csv or Path(scratch) / "applications.csv"
        started, existed = time.perf_counter(), path.exists()
        shape = measure_file(path) if existed else generate(path, args.size_mb, args.columns)
        size_mb = path.stat().st_size / 1e6
        print(
            f"{'read' if existed else 'generated'} {size_mb:,.0f} MB, "
            f"{shape['rows']:,} rows, largest row {shape['largest_row']:,} bytes, "
            f"in {time.perf_counter() - started:.0f} s"
        )
        intake = _in_child("intake", path)
        base = _in_child("dictreader", path)
        if args.csv is None:
            path.unlink()
    rows = intake["rows"]
    working = intake["peak_mb"] - intake["held_mb"]
    kept = intake["held_mb"] - intake["before_mb"]
    largest_mb = shape["largest_row"] / 1e6
    print(
        f"intake of {size_mb:,.0f} MB ({rows:,.0f} rows), load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)"
    )
    print(
        f"  speed: {rows / intake['seconds']:,.0f} rows/s wall, "
        f"{rows / intake['cpu_seconds']:,.0f} rows/s CPU"
    )
    print(
        f"  baseline plain csv.DictReader loop: {base['rows'] / base['seconds']:,.0f} rows/s "
        f"wall, {base['rows'] / base['cpu_seconds']:,.0f} rows/s CPU (intake takes "
        f"{intake['cpu_seconds'] / base['cpu_seconds']:.1f}x its CPU time)"
    )
    print(
        f"  peak memory {intake['peak_mb']:,.0f} MB ({intake['peak_mb'] / size_mb:.2f}x the "
        f"file); registrations held {kept:,.0f} MB ({kept * 1e6 / rows:,.0f} bytes a row)"
    )
    print(
        f"  working memory (peak - held) {working:,.0f} MB; baseline DictReader loop grows "
        f"{base['peak_mb'] - base['before_mb']:,.0f} MB; "
        f"largest row {shape['largest_row']:,} bytes"
    )
    allowed = TARGET_WORKING_MB + 32 * largest_mb + TARGET_WORKING_BYTES_A_ROW * rows / 1e6
    ok = working < allowed
    print(
        f"  working memory a row: {working * 1e6 / rows:,.0f} bytes; target: < "
        f"{TARGET_WORKING_MB} MB + 32 x the largest row + {TARGET_WORKING_BYTES_A_ROW} bytes "
        f"a row = {allowed:,.0f} MB: " + ("OK" if ok else "ABOVE TARGET")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
