"""``ran-events applications EVENT APPLICATIONS``: take in applications and summarise them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..errors import InvalidValue, UnknownTimeZone
from ..intake import ImportReport, OnDuplicate, csv_text, read_csv, read_jsonl
from ._base import Console, DemoState, InputError, load_event, write_atomic

if TYPE_CHECKING:
    from ..models import Event

SUMMARY_ATTRIBUTES: Final = ("role", "country", "status")
"""What the summary counts the accepted registrations by."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "applications",
        help="take in an applications file and summarise it",
        description=(
            "Take in APPLICATIONS (CSV with a header row: email, name, submitted_at required; "
            "id, organisation, country, role optional; other columns are answers to the "
            "event's form or free attributes; or JSON lines if the name ends in .jsonl) for "
            "EVENT. Prints counts by role, country and status, then every rejected row as "
            "FILE:LINE: FIELD: REASON on stderr. Exit status 1 if any row was rejected, "
            "unless --allow-rejects."
        ),
    )
    parser.add_argument("event", type=Path, metavar="EVENT", help="the event file")
    parser.add_argument(
        "applications", type=Path, metavar="APPLICATIONS", help="the applications file"
    )
    parser.add_argument(
        "--allow-rejects",
        action="store_true",
        help="exit 0 even if some rows were rejected (they are still listed)",
    )
    parser.add_argument(
        "--zone",
        metavar="ZONE",
        help="the IANA zone in which times without a UTC offset were recorded "
        "(default: such rows are rejected)",
    )
    parser.add_argument(
        "--keep-latest",
        action="store_true",
        help="for several applications from one address keep the latest "
        "(default: reject the later ones as duplicates)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    event = load_event(args.event)
    on_duplicate: OnDuplicate = "replace" if args.keep_latest else "reject"
    report = take_in(args.applications, event, zone=args.zone, on_duplicate=on_duplicate)
    print_summary(report, event, console)
    refused = report_rejects(
        report, args.applications, console, command="applications", allow=args.allow_rejects
    )
    return 1 if refused else 0


def report_rejects(
    report: ImportReport, path: Path, console: Console, *, command: str, allow: bool
) -> bool:
    """Print every row of ``path`` that was not taken in; say whether to exit 1 for them.

    Args:
        report: the import's report.
        path: the applications file, named in each line (``FILE:LINE: FIELD: REASON``).
        console: where to print (stderr).
        command: the subcommand, named in the closing line.
        allow: ``--allow-rejects`` was given.

    Returns:
        ``True`` when some row is an error (not merely superseded by a later application)
        and ``allow`` is false; a closing line saying so is printed then.
    """
    for row in report.rejected:
        console.err(row.format(str(path)))
    errors = len(report.errors)
    if errors and not allow:
        console.err(
            f"ran-events {command}: {errors} row(s) of {path} rejected "
            "(use --allow-rejects to accept the rest anyway)"
        )
        return True
    return False


def take_in(
    path: Path, event: Event, *, zone: str | None = None, on_duplicate: OnDuplicate = "reject"
) -> ImportReport:
    """Import an applications file (CSV, or JSON lines by its ``.jsonl`` suffix).

    Raises:
        InputError: the file cannot be read, its header is invalid or ``zone`` is unknown.
    """
    try:
        if path.suffix.lower() == ".jsonl":
            return read_jsonl(path, event, zone=zone, on_duplicate=on_duplicate)
        return read_csv(path, event, zone=zone, on_duplicate=on_duplicate)
    except UnknownTimeZone as exc:
        raise InputError("--zone", str(exc)) from None
    except InvalidValue as exc:
        raise InputError(str(path), str(exc), line=1) from None
    except OSError as exc:
        raise InputError(
            str(path), f"cannot read the applications ({exc.strerror or exc})"
        ) from None


def print_summary(report: ImportReport, event: Event, console: Console) -> None:
    """Rows read, accepted and rejected, then the accepted counted by role, country, status."""
    superseded = len(report.rejected) - len(report.errors)
    extra = f" ({superseded} superseded by a later application)" if superseded else ""
    console.out(
        f"Applications to {event.id}: {report.rows} row(s), {len(report.accepted)} accepted, "
        f"{len(report.rejected)} rejected{extra}"
    )
    for attribute in SUMMARY_ATTRIBUTES:
        counts = report.counts(attribute)
        shown = ", ".join(f"{value or '(none)'} {n}" for value, n in counts.items())
        console.out(f"  by {attribute}: {shown or '-'}")


def demo(state: DemoState, console: Console) -> None:
    """Generate the seeded applicant pool, write it as ``applications.csv``, take it in."""

    console.out("\n== Applications ==")
    size, seed = state.applicants, state.seed
    pool = state.synthetic_pool()
    path = state.out_dir / "applications.csv"
    write_atomic(path, csv_text(pool, questions=[q.id for q in state.event.form.questions]))
    console.out(f"  wrote {path} ({size} synthetic applicants, seed {seed})")
    report = take_in(path, state.event)
    print_summary(report, state.event, console)
    report_rejects(report, path, console, command="demo", allow=True)
    state.registrations = list(report.accepted)
    state.results["applications"] = path
