"""``ran-events applications EVENT APPLICATIONS``: take in applications and summarise them.

With ``--db`` (or ``$RAN_EVENTS_DB``) what is accepted is kept in a store; a row already
stored (the same application, or one a stored application superseded) adds nothing, so
running the command again on the same file changes nothing and says so.
"""

from __future__ import annotations

import argparse
import datetime as _dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ..errors import InvalidValue, UnknownTimeZone
from ..intake import (
    BookBackend,
    ImportReport,
    OnDuplicate,
    RegistrationBook,
    csv_text,
)
from ..intake._backend import REPLACES
from ._base import Console, DemoState, InputError, load_event, write_atomic
from ._stored import add_db_option, db_of, opened, shown_location

if TYPE_CHECKING:
    from ..models import Event, Registration, RegistrationStatus

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
            "unless --allow-rejects. With --db the accepted applications are kept in a "
            "store; rows stored already add nothing (running it again changes nothing)."
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
    add_db_option(parser, "keep the accepted applications in this store")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    event = load_event(args.event)
    on_duplicate: OnDuplicate = "replace" if args.keep_latest else "reject"
    location = db_of(args)
    if location is None:
        report = take_in(args.applications, event, zone=args.zone, on_duplicate=on_duplicate)
        print_summary(report, event, console)
    else:
        with opened(location) as store:
            store.put_event(event, at=_dt.datetime.now(_dt.UTC), source=str(args.event))
            backend = _StoredOnce(store.backend(event.id))
            book = RegistrationBook(event, on_duplicate=on_duplicate, backend=backend)
            report = take_in(args.applications, event, zone=args.zone, book=book)
            print_summary(report, event, console)
            print_stored(report, backend, shown_location(location), console)
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
    path: Path,
    event: Event,
    *,
    zone: str | None = None,
    on_duplicate: OnDuplicate = "reject",
    book: RegistrationBook | None = None,
) -> ImportReport:
    """Import an applications file (CSV, or JSON lines by its ``.jsonl`` suffix).

    Args:
        path: the file.
        event: the event applied to.
        zone: the zone of times without an offset.
        on_duplicate: what a new book does with a second application of an address.
        book: the book to take them into (its own ``on_duplicate`` applies); default: a
            new one in memory.

    Raises:
        InputError: the file cannot be read, its header is invalid or ``zone`` is unknown.
    """
    if book is None:
        book = RegistrationBook(event, on_duplicate=on_duplicate)
    try:
        if path.suffix.lower() == ".jsonl":
            return book.read_jsonl(path, zone=zone)
        return book.read_csv(path, zone=zone)
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


def print_stored(
    report: ImportReport, backend: _StoredOnce, location: str, console: Console
) -> None:
    """Say what the import added to the store: new applications, and those it had already."""
    known = backend.already_stored
    new = len(report.accepted) - backend.same
    if new == 0 and known:
        console.out(f"Nothing new: all {known} application(s) were stored already in {location}")
        return
    again = f"; {known} stored already" if known else ""
    console.out(f"Stored {new} new application(s) in {location}{again}")


@attrs.define
class _StoredOnce:
    """A store's book backend that takes an application it holds already as held.

    An application is held already when the store keeps it (same id, submission time,
    registrant and answers) or keeps a later one of the same address that replaced it. Such
    an application is answered with what the store holds and nothing is written, so taking
    in the same file twice changes nothing (not even the history of a replaced one).
    """

    _inner: BookBackend
    already_stored: int = 0
    """How many applications were held already (the same, or replaced by a later one)."""
    same: int = 0
    """How many of them were held as they are (not replaced)."""
    _held: dict[str, Registration] | None = None

    def _stored(self, registration: Registration) -> Registration | None:
        if self._held is None:  # once, on the first batch: what the store held before
            self._held = {r.email: r for r in self._inner} if len(self._inner) else {}
        held = self._held.get(registration.email)
        if held is None:
            return None
        same = (held.id, held.submitted_at, held.registrant, held.answers) == (
            registration.id,
            registration.submitted_at,
            registration.registrant,
            registration.answers,
        )
        replaced = f"{REPLACES}{registration.id} submitted {registration.submitted_at.isoformat()}"
        if same:
            self.same += 1
            return held
        if any(change.reason == replaced for change in held.history):
            return held
        return None

    def hold(
        self, registration: Registration, *, on_duplicate: OnDuplicate, by: str
    ) -> Registration:
        (result,) = self.hold_many([registration], on_duplicate=on_duplicate, by=by)
        if isinstance(result, Exception):
            raise result
        return result

    def hold_many(
        self, registrations: Iterable[Registration], *, on_duplicate: OnDuplicate, by: str
    ) -> list[Registration | Exception]:
        batch = list(registrations)
        known = [self._stored(registration) for registration in batch]
        new = [r for r, held in zip(batch, known, strict=True) if held is None]
        results = iter(self._inner.hold_many(new, on_duplicate=on_duplicate, by=by))
        self.already_stored += len(batch) - len(new)
        return [next(results) if held is None else held for held in known]

    def get(self, registration_id: str) -> Registration:
        return self._inner.get(registration_id)

    def find(self, normalised_email: str) -> Registration | None:
        return self._inner.find(normalised_email)

    def __iter__(self) -> Iterator[Registration]:
        return iter(self._inner)

    def __len__(self) -> int:
        return len(self._inner)

    def replace_status(
        self, registration_id: str, changed: Registration, *, expected: RegistrationStatus | str
    ) -> Registration:
        return self._inner.replace_status(registration_id, changed, expected=expected)


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
