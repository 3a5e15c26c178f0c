"""Intake throughput: take in generated 100,000-row applications CSVs, two kinds of file.

Usage::

    .venv/bin/python benchmarks/bench_intake.py [--rows 100000] [--seed 2023]
        [--domains both|few|distinct] [--repeat 5] [--keep DIR]

Two files of the synthetic pool of :func:`ran_events.examples.synthetic_applicants` for the
webinar (written by :func:`ran_events.intake.csv_text`) are taken in:

* ``few`` domains: the pool as generated, whose 100,000 addresses share 243 domains (one
  per role and country);
* ``distinct`` domains, addresses as they really come: 93 % of the rows have a domain of
  their own (``police-antwerp-412.be``, ``ministry-17.gouv.fr``: organisations of every
  size), 6 % share seven webmail domains, 1 % have an internationalised domain
  (``polizei-münchen-5.de``, half of them written in Punycode); local parts are capitalised
  in one row in ten.

Each file is generated, and then measured, in a child process of its own, so that the
measuring process holds nothing but the import and its peak memory is that of one kind of
file. The import is timed ``--repeat`` times, each from a cold start (the e-mail caches
cleared, a new book), interleaved with two baselines on the same file: a bare
``csv.DictReader`` pass (the floor: reading without checking anything), and the loop a user
would write by hand (``csv.DictReader``, ``email_validator.validate_email`` without network
and ``datetime.fromisoformat`` per row, checking nothing else). The best of the runs of
each is reported, in rows per second of CPU time (the machine may be shared with other
work: the wall-clock figures and the load average are printed beside), with the ratios,
and the peak resident memory of the child (the interpreter included).

Targets: 30,000 rows/s of CPU time on both kinds of file; at least 1.5x the hand-written
loop with distinct domains and 2x with few; under 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET_ROWS_PER_SECOND = 30_000
TARGET_RATIO = {"few": 2.0, "distinct": 1.5}
TARGET_PEAK_MB = 300
KINDS = ("few", "distinct")

WEBMAIL = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.fr", "web.de", "gmx.net", "orange.fr")
TOP_LEVELS = ("com", "org", "eu", "be", "de", "fr", "nl", "it", "es", "pl", "se", "at", "pt",
              "ie", "fi", "dk", "co.uk", "gov.uk", "gouv.fr", "police.be", "gv.at")  # fmt: skip
IDN_NAMES = ("polizei-münchen", "ministère-intérieur", "säkerhetspolisen", "policía-local",
             "městská-policie", "κοινότητα", "služba-sigurnosti")  # fmt: skip


def distinct_domain(i: int, organisation: str, rng: random.Random) -> str:
    """A domain of its own for row ``i``: most often the organisation's, numbered."""
    draw = rng.random()
    if draw < 0.06:
        return rng.choice(WEBMAIL)
    if draw < 0.07:
        name = f"{rng.choice(IDN_NAMES)}-{i}.{rng.choice(('de', 'fr', 'se', 'es', 'cz', 'gr'))}"
        return name.encode("idna").decode("ascii") if rng.random() < 0.5 else name
    words = organisation.lower().split()
    return f"{'-'.join(words[:2])}-{i}.{rng.choice(TOP_LEVELS)}"


def generate(path: Path, rows: int, seed: int, kind: str) -> None:
    """Write the synthetic pool of ``rows`` applicants as an applications CSV of ``kind``."""
    from ran_events.examples import synthetic_applicants, webinar
    from ran_events.intake import csv_text

    event = webinar()
    pool = synthetic_applicants(rows, seed=seed, event=event)
    text = csv_text(pool, questions=[q.id for q in event.form.questions])
    if kind == "distinct":
        rng = random.Random(seed)
        lines = text.splitlines(keepends=True)
        reader = csv.DictReader(lines)
        out = tempfile.SpooledTemporaryFile(mode="w+", newline="", encoding="utf-8")  # noqa: SIM115
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
        writer.writeheader()
        for i, row in enumerate(reader):
            local = row["email"].partition("@")[0]
            if rng.random() < 0.1:
                local = local.title()
            row["email"] = f"{local}@{distinct_domain(i, row['organisation'], rng)}"
            writer.writerow(row)
        out.seek(0)
        text = out.read()
    path.write_text(text, encoding="utf-8")


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``run()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(path: Path, repeat: int) -> dict[str, object]:
    """Take in ``path`` ``repeat`` times from a cold start, interleaved with the baselines;
    return the best seconds (wall and CPU) of each, the rows and the peak memory."""
    import datetime as dt

    from email_validator import validate_email

    from ran_events import _email
    from ran_events.examples import webinar
    from ran_events.intake import read_csv

    event = webinar()
    rows = []

    def intake() -> None:
        _email.clear_cache()
        report = read_csv(path, event)
        if report.rejected:
            raise SystemExit(f"unexpected: {len(report.rejected)} rejected: {report.rejected[0]}")
        rows.append(report.rows)

    def bare() -> None:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for _row in csv.DictReader(handle):
                pass

    def by_hand() -> None:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                validate_email(row["email"], check_deliverability=False)
                dt.datetime.fromisoformat(row["submitted_at"])

    best: dict[str, list[float]] = {}
    for _ in range(max(1, repeat)):
        for name, run in (("intake", intake), ("by_hand", by_hand), ("bare_csv", bare)):
            wall, cpu = _timed(run)
            previous = best.setdefault(name, [wall, cpu])
            best[name] = [min(previous[0], wall), min(previous[1], cpu)]
    with path.open(encoding="utf-8") as handle:
        domains = {row["email"].rpartition("@")[2].lower() for row in csv.DictReader(handle)}
    return {
        "rows": rows[0],
        "domains": len(domains),
        "best": best,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }


def report(kind: str, figures: dict[str, object]) -> bool:
    """Print the figures of one kind of file; return whether its targets are met."""
    rows = int(figures["rows"])  # type: ignore[call-overload]
    best: dict[str, list[float]] = figures["best"]  # type: ignore[assignment]
    rate = {name: [rows / seconds for seconds in pair] for name, pair in best.items()}
    ratio = [ours / hand for ours, hand in zip(rate["intake"], rate["by_hand"], strict=True)]
    peak = float(figures["peak_mb"])  # type: ignore[arg-type]
    print(f"{kind} domains: {rows:,} rows, {figures['domains']:,} distinct domains")
    for name, label in (
        ("intake", "intake (every field, window, form, duplicates)"),
        ("by_hand", "hand-written loop (DictReader + validate_email + fromisoformat)"),
        ("bare_csv", "bare csv.DictReader"),
    ):
        wall, cpu = rate[name]
        print(f"  {label:66} {cpu:9,.0f} rows/s CPU  {wall:9,.0f} rows/s wall")
    print(f"  intake / hand-written loop: {ratio[1]:.2f}x CPU, {ratio[0]:.2f}x wall "
          f"(target >= {TARGET_RATIO[kind]}x); intake takes "
          f"{best['intake'][1] / best['bare_csv'][1]:.1f}x the bare pass's CPU time")  # fmt: skip
    print(f"  peak memory {peak:.0f} MB (process RSS; target < {TARGET_PEAK_MB})")
    ok = (
        rate["intake"][1] >= TARGET_ROWS_PER_SECOND
        and ratio[1] >= TARGET_RATIO[kind]
        and peak < TARGET_PEAK_MB
    )
    print("  OK" if ok else "  BELOW TARGET")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--domains", choices=["both", *KINDS], default="both")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the files in this folder")
    parser.add_argument("--generate", help=argparse.SUPPRESS)  # child: write this kind
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child: measure file
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeat)))
        return 0
    kinds = KINDS if args.domains == "both" else (args.domains,)
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in kinds:
            path = folder / f"applications-{kind}-{args.rows}-{args.seed}.csv"
            if args.generate:
                if args.generate == kind:
                    generate(path, args.rows, args.seed, kind)
                continue
            if not path.exists():
                subprocess.run(
                    [sys.executable, __file__, "--generate", kind, "--domains", kind,
                     "--rows", str(args.rows), "--seed", str(args.seed), "--keep", str(folder)],
                    check=True,
                )  # fmt: skip
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(path), "--repeat", str(args.repeat)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            ok = report(kind, json.loads(child.stdout)) and ok
    if not args.generate:
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
