"""One fuzz target per reader of outside data, each with the contract it checks.

A target takes the *octets* a user could hand the reader (a file's content), runs the reader
and checks what its documentation promises:

- it raises only the exceptions its docstring names (a crash such as ``TypeError``,
  ``RecursionError`` or ``OverflowError`` is a failure, and so is a cattrs error that was
  meant to arrive as the documented ``ValueError``);
- a bulk reader accounts for every row: ``accepted + rejected == rows``, and a line that is
  on its own a complete row is accepted or rejected *at that line*, never swallowed by a
  neighbour (no silent loss);
- what it accepts, the library writes back and reads back equal (the writers' promise), so an
  accepted value that the library's own output cannot carry is found too.

A broken promise raises :class:`ContractViolation`; its ``kind`` and ``detail`` are what
``tests/fuzz_corpus/known.toml`` matches known failures on.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
from hypothesis import strategies as st
from tests.fuzz.mutations import (
    NASTY_TEXT,
    json_text,
    mutated_bytes,
    mutated_documents,
    mutated_lines,
    toml_text,
)

NOW = dt.datetime(2023, 9, 8, 9, 0, tzinfo=dt.UTC)
"""The clock of every call that needs one: fuzzing must be deterministic."""


class ContractViolation(AssertionError):
    """A reader broke its documented contract.

    Attributes:
        kind: what broke, e.g. ``raised TypeError``, ``lost line``, ``round trip``.
        detail: the message, with the offending exception's text where there is one.
    """

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(f"{kind}: {detail}")


@attrs.frozen
class Target:
    """A reader, the strategy that makes its inputs, and the check of its contract.

    Attributes:
        name: the target's name (its corpus folder).
        reader: the public function fuzzed, as users call it.
        contract: the promise checked, in words (shown by ``scripts/fuzz --list``).
        check: runs the reader on the octets; raises :class:`ContractViolation` on a break.
        inputs: the Hypothesis strategy of inputs (valid seeds, then mutated).
    """

    name: str
    reader: str
    contract: str
    check: Callable[[bytes], None]
    inputs: Callable[[], st.SearchStrategy[bytes]]


def _call(allowed: tuple[type[BaseException], ...], call: Callable[[], Any]) -> Any:
    """``call()``; ``None`` if it raised a documented exception; any other is a violation."""
    try:
        return call()
    except allowed:
        return None
    except Exception as exc:
        raise ContractViolation(f"raised {type(exc).__name__}", _text(exc)) from exc


def _text(exc: BaseException) -> str:
    return str(exc)[:300] or repr(exc)[:300]


def _same(kind: str, before: object, after: object) -> None:
    if before != after:
        raise ContractViolation(kind, f"read back {after!r:.300} from {before!r:.300}")


@functools.cache
def _scratch() -> Path:
    # One file per process, rewritten for every input: readers that take a path get one.
    # The directory lives as long as the process (the operating system cleans /tmp).
    return Path(tempfile.mkdtemp(prefix="ran-events-fuzz-"))


def _as_file(data: bytes, suffix: str) -> Path:
    path = _scratch() / f"input{suffix}"
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------------------
# Seeds (valid inputs made by the library itself)


@functools.cache
def _webinar() -> Any:
    from ran_events import examples

    return examples.webinar()


@functools.cache
def _applicants(n: int, seed: int) -> tuple[Any, ...]:
    from ran_events import examples

    return tuple(examples.synthetic_applicants(n, seed=seed))


@functools.cache
def _selection(n: int, policy: str) -> Any:
    from ran_events import select

    # Without the webinar's quotas for small pools (they would be infeasible).
    quotas = _webinar().selection.quotas if n >= 100 else {}
    event = attrs.evolve(
        _webinar(),
        selection=attrs.evolve(_webinar().selection, policy=policy, seed=7, quotas=quotas),
    )
    return select(event, list(_applicants(n, 3)), now=NOW)


def _events() -> st.SearchStrategy[Any]:
    from tests.strategies import events

    return st.just(None).map(lambda _: _webinar()) | events()


# ------------------------------------------------------------------------------------------
# Checks shared by the event readers


def _accepted_event(event: Any) -> None:
    """What an accepted event promises: it writes TOML and JSON that read back equal, and a
    listing that :func:`~ran_events.from_ics` reads back with the same sessions."""
    from ran_events import eventfile, from_ics, publish
    from ran_events.errors import IcsError

    _same("round trip (TOML)", event, _call((), lambda: eventfile.loads(eventfile.dumps(event))))
    as_json = _call((), lambda: eventfile.dumps(event, format="json"))
    _same("round trip (JSON)", event, _call((), lambda: eventfile.loads(as_json, format="json")))
    listing = _call((), lambda: publish(event, now=NOW, join_link=True))
    try:
        back = from_ics(listing, registration=event.registration, capacity=event.capacity)
    except IcsError as exc:
        raise ContractViolation("listing unreadable", _text(exc)) from exc
    _same(
        "round trip (iCalendar)",
        [(s.id, s.start, s.end) for s in event.sessions],
        [(s.id, s.start, s.end) for s in back.sessions],
    )


def check_event_toml(data: bytes) -> None:
    from ran_events import eventfile
    from ran_events.errors import EventFileError

    event = _call((EventFileError,), lambda: eventfile.load(_as_file(data, ".toml")))
    if event is not None:
        _accepted_event(event)


def check_event_json(data: bytes) -> None:
    from ran_events import eventfile
    from ran_events.errors import EventFileError

    event = _call((EventFileError,), lambda: eventfile.loads(data, format="json"))
    if event is not None:
        _accepted_event(event)


@st.composite
def _event_documents(draw: st.DrawFn) -> Any:
    from ran_events.eventfile import event_to_document

    return draw(mutated_documents(event_to_document(draw(_events()))))


def event_toml_inputs() -> st.SearchStrategy[bytes]:
    return _event_documents().flatmap(
        lambda doc: mutated_bytes(toml_text(doc).encode("utf-8", "surrogatepass"))
    )


def event_json_inputs() -> st.SearchStrategy[bytes]:
    return _event_documents().flatmap(
        lambda doc: mutated_bytes(
            json_text({"schema_version": 1, **doc} if isinstance(doc, dict) else doc).encode(
                "utf-8", "surrogatepass"
            )
        )
    )


# ------------------------------------------------------------------------------------------
# Rows: the applications and decisions CSV, the applications JSON lines

_LINE_END = re.compile(r"\r\n|\r|\n")


def complete_lines(
    text: str, width: int, is_row: Callable[[list[str]], bool]
) -> Iterable[tuple[int, list[str]]]:
    """The lines (number, cells) after the first that are on their own a complete row:
    no quote, ``width`` cells and ``is_row`` true. Such a line starts a row in any reading."""
    for number, line in enumerate(_LINE_END.split(text), start=1):
        if number == 1 or '"' in line:
            continue
        cells = line.split(",")
        if len(cells) == width and is_row(cells):
            yield number, cells


def _row_count(kind: str, accepted: int, rejected: int, rows: int) -> None:
    if accepted + rejected != rows:
        raise ContractViolation(kind, f"{accepted} accepted + {rejected} rejected != {rows} rows")


def _is_application(header: Sequence[str]) -> Callable[[list[str]], bool]:
    email, when = header.index("email"), header.index("submitted_at")

    def is_row(cells: list[str]) -> bool:
        if "@" not in cells[email] or not cells[email].strip().isprintable():
            return False
        try:
            at = dt.datetime.fromisoformat(cells[when].strip())
        except ValueError:
            return False
        return at.utcoffset() is not None

    return is_row


def check_applications_csv(data: bytes) -> None:
    from ran_events import csv_text, read_csv
    from ran_events.errors import InvalidValue

    event = _webinar()
    report = _call((InvalidValue,), lambda: read_csv(_as_file(data, ".csv"), event))
    if report is None:
        return
    _row_count("rows", len(report.accepted), len(report.rejected), report.rows)
    # Lines as the reader sees them (UTF-8, BOM dropped, bytes that are not UTF-8 kept).
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")), [])]
    except csv.Error:
        header = []
    if "email" in header and "submitted_at" in header:
        emails = {r.registrant.email for r in report.accepted}
        starts = {r.line for r in report.rejected}
        for number, cells in complete_lines(text, len(header), _is_application(header)):
            if number not in starts and cells[header.index("email")].strip() not in emails:
                raise ContractViolation(
                    "lost line", f"line {number} ({','.join(cells)[:80]!r}) is in no row"
                )
    # What was accepted, csv_text writes and read_csv reads back the same.
    again = _call((), lambda: read_csv(io.StringIO(csv_text(report.accepted)), event))
    _same(
        "round trip (csv_text)",
        [_essentials(r) for r in report.accepted],
        [_essentials(r) for r in again.accepted],
    )


def _essentials(registration: Any) -> tuple[Any, ...]:
    person = registration.registrant
    return (
        registration.id,
        person.email,
        person.name,
        person.organisation,
        person.country,
        person.role,
        registration.submitted_at,
        registration.answers,
        person.attributes,
    )


_CELLS: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.sampled_from(['"Lea Garcia', '"Lea Garcia"', '""', '"a""b"', '"x\ny"']),
    st.text(max_size=10),
)


def applications_csv_inputs() -> st.SearchStrategy[bytes]:
    from ran_events import csv_text

    def seed(n: int, which: int) -> list[str]:
        return _LINE_END.split(csv_text(_applicants(n, which)).rstrip("\n"))

    return st.builds(seed, st.integers(1, 25), st.integers(0, 2)).flatmap(
        lambda lines: mutated_lines(lines, _CELLS).flatmap(
            lambda changed: mutated_bytes("\n".join(changed).encode("utf-8", "surrogatepass"))
        )
    )


def check_applications_jsonl(data: bytes) -> None:
    from ran_events import json_text, jsonl_text, read_json, read_jsonl

    report = _call((), lambda: read_jsonl(_as_file(data, ".jsonl"), _webinar()))
    _row_count("rows", len(report.accepted), len(report.rejected), report.rows)
    # Every line that is not blank is one row.
    text = data.decode("utf-8", "surrogateescape")
    lines = [t for t in io.StringIO(text, newline="") if t.strip()]
    if report.rows != len(lines):
        raise ContractViolation("lost line", f"{report.rows} rows from {len(lines)} lines")
    again = _call((), lambda: read_json(io.StringIO(json_text(report.accepted))).accepted)
    _same("round trip (json_text)", report.accepted, again)
    lines_again = _call(
        (), lambda: read_jsonl(io.StringIO(jsonl_text(report.accepted)), _webinar()).accepted
    )
    _same("round trip (jsonl_text)", report.accepted, lines_again)


def _application_objects(n: int, which: int) -> list[dict[str, Any]]:
    rows = []
    for registration in _applicants(n, which):
        person = registration.registrant
        rows.append(
            {
                "email": person.email,
                "name": person.name,
                "submitted_at": registration.submitted_at.isoformat(),
                "organisation": person.organisation,
                "country": person.country,
                "role": person.role,
                "answers": {
                    k: list(v) if isinstance(v, tuple) else v
                    for k, v in registration.answers.items()
                },
            }
        )
    return rows


def applications_jsonl_inputs() -> st.SearchStrategy[bytes]:
    return st.builds(_application_objects, st.integers(1, 12), st.integers(0, 2)).flatmap(
        lambda rows: mutated_documents(rows).flatmap(
            lambda changed: mutated_bytes(
                "\n".join(json_text(r) for r in changed).encode("utf-8", "surrogatepass")
                if isinstance(changed, list)
                else json_text(changed).encode()
            )
        )
    )


def check_decisions_csv(data: bytes) -> None:
    from ran_events import read_decisions_csv

    found = _call((), lambda: read_decisions_csv(_as_file(data, ".csv")))
    if any(p.field == "header" for p in found.rejected):
        return
    for row in found.rows:
        if row.rank is not None and row.rank < 1:
            raise ContractViolation("invalid row", f"line {row.line}: rank {row.rank}")
    lines = [r.line for r in found.rows] + [p.line for p in found.rejected]
    if len(lines) != len(set(lines)):
        raise ContractViolation("rows", f"two rows or problems on one line: {sorted(lines)}")
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    for number, cells in complete_lines(
        text, 6, lambda cells: "@" in cells[1] and bool(cells[0].strip())
    ):
        if number not in lines:
            raise ContractViolation("lost line", f"line {number} ({','.join(cells)[:80]!r})")


def decisions_csv_inputs() -> st.SearchStrategy[bytes]:
    from ran_events.selection._decisions_csv import decisions_csv_text

    def seed(n: int, policy: str) -> list[str]:
        return _LINE_END.split(decisions_csv_text(_selection(n, policy)).rstrip("\r\n"))

    return (
        st.builds(seed, st.sampled_from([1, 6, 120]), st.sampled_from(["lottery", "first-come"]))
        .flatmap(
            lambda lines: mutated_lines(
                lines, _CELLS | st.sampled_from(["²", "0", "-3", "1.0"])
            ).map("\r\n".join)
        )
        .flatmap(lambda text: mutated_bytes(text.encode("utf-8", "surrogatepass")))
    )


def check_assignments_csv(data: bytes) -> None:
    from ran_events.groups import assignments_csv_text, read_assignments_csv

    found = _call((), lambda: read_assignments_csv(_as_file(data, ".csv")))
    if any(p.field == "header" for p in found.rejected):
        return
    lines = [r.line for r in found.rows] + [p.line for p in found.rejected]
    if len(lines) != len(set(lines)):
        raise ContractViolation("rows", f"two rows or problems on one line: {sorted(lines)}")
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    for number, cells in complete_lines(
        text, 4, lambda cells: bool(cells[0].strip() and cells[1].strip())
    ):
        if number not in lines:
            raise ContractViolation("lost line", f"line {number} ({','.join(cells)[:80]!r})")
    again = read_assignments_csv(io.StringIO(assignments_csv_text(found.rows), newline=""))
    _same(
        "round trip",
        [attrs.evolve(r, line=0) for r in found.rows],
        [attrs.evolve(r, line=0) for r in again.rows],
    )


def assignments_csv_inputs() -> st.SearchStrategy[bytes]:
    from ran_events.groups import AssignmentRow, assignments_csv_text

    def seed(n: int, groups: int) -> list[str]:
        rows = [
            AssignmentRow(
                registration_id=a.id,
                group=str(i % groups + 1),
                session_id="cases",
                reason=f"group {i % groups + 1}: {a.registrant.role}, {a.registrant.country}",
            )
            for i, a in enumerate(_applicants(n, 3))
        ]
        return _LINE_END.split(assignments_csv_text(rows).rstrip("\r\n"))

    return (
        st.builds(seed, st.sampled_from([1, 6, 30]), st.sampled_from([1, 5]))
        .flatmap(lambda lines: mutated_lines(lines, _CELLS).map("\r\n".join))
        .flatmap(lambda text: mutated_bytes(text.encode("utf-8", "surrogatepass")))
    )


# ------------------------------------------------------------------------------------------
# iCalendar


def check_from_ics(data: bytes) -> None:
    from ran_events import from_ics, publish
    from ran_events.errors import IcsError

    event = _call((IcsError,), lambda: from_ics(data))
    if event is None:
        return
    # from_ics(publish(e, join_link=True)) equals e in everything iCalendar carries.
    listing = _call((), lambda: publish(event, now=NOW, join_link=True))
    again = _call(
        (), lambda: from_ics(listing, registration=event.registration, capacity=event.capacity)
    )
    _same("round trip (publish)", event, again)


_ICS_VALUES: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.sampled_from(
        [
            "XYZ",
            "P99999999D",
            "PT0S",
            "-PT1H",
            "00010101T000000Z",
            "99991231T235959Z",
            "20230920T140000",
            "20230920",
            "ftp://a.example/x",
            "http://[",
            "https://[::1]:99999/",
            "mailto:",
        ]
    ),
)

_ICS_LINES: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(
        [
            "SUMMARY:Second title",
            "DTEND;TZID=Europe/Brussels:20230920T180000",
            "DTEND:20230920T180000Z",
            "DURATION:XYZ",
            "DURATION:P99999999D",
            "DTSTART:00010101T000000Z",
            "CONFERENCE;VALUE=URI;FEATURE=AUDIO,VIDEO:ftp://a.example/x",
            "CONFERENCE;VALUE=URI:http://[",
            "URL:http://[",
            "X-WR-TIMEZONE:Europe/Lisbon",
            "X-WR-TIMEZONE:" + "X" * 300,
            "NAME:Another name",
            "ORGANIZER:http://a.example/",
            "RRULE:FREQ=DAILY;COUNT=3",
            "BEGIN:VEVENT",
            "END:VEVENT",
            "BEGIN:VTIMEZONE",
            "TZID:" + "Europe/" + "X" * 300,
        ]
    ),
)


def ics_inputs() -> st.SearchStrategy[bytes]:
    from ran_events import publish

    @st.composite
    def lines(draw: st.DrawFn) -> bytes:
        event = draw(_events())
        content = publish(event, now=NOW).decode("utf-8").split("\r\n")
        changed = draw(mutated_lines(content, _ICS_VALUES))
        for _ in range(draw(st.integers(0, 2))):
            at = draw(st.integers(0, len(changed)))
            changed.insert(at, draw(_ICS_LINES))
        return draw(mutated_bytes("\r\n".join(changed).encode("utf-8", "surrogatepass")))

    from tests.strategies import reply_files

    # and replies of every shape the light reader reads (encodings, folding, parts...)
    return st.one_of(lines(), reply_files().flatmap(lambda file: mutated_bytes(file[0])))


# ------------------------------------------------------------------------------------------
# Selection records and registrations as JSON


def check_records(data: bytes) -> None:
    from ran_events.selection import record_from_text, record_text

    record = _call((ValueError,), lambda: record_from_text(data))
    if record is not None:
        _same("round trip", record, _call((), lambda: record_from_text(record_text(record))))


def records_inputs() -> st.SearchStrategy[bytes]:
    from ran_events.selection import record_text

    def seed(n: int, policy: str) -> Any:
        return json.loads(record_text(_selection(n, policy).record))

    return (
        st.builds(seed, st.sampled_from([1, 6, 120]), st.sampled_from(["lottery", "first-come"]))
        .flatmap(mutated_documents)
        .flatmap(lambda doc: mutated_bytes(json_text(doc).encode("utf-8", "surrogatepass")))
    )


def check_import_json(data: bytes) -> None:
    from ran_events import json_text, read_json
    from ran_events.errors import RanEventsError

    found = _call((ValueError, RanEventsError), lambda: read_json(io.BytesIO(data)).accepted)
    if found is not None:
        again = _call((), lambda: read_json(io.StringIO(json_text(found))).accepted)
        _same("round trip", found, again)


def import_json_inputs() -> st.SearchStrategy[bytes]:
    from ran_events import json_text as registrations_json

    def seed(n: int, selected: bool) -> Any:
        registrations = _selection(6, "lottery").registrations if selected else _applicants(n, 1)
        return json.loads(registrations_json(registrations))

    return (
        st.builds(seed, st.integers(0, 4), st.booleans())
        .flatmap(mutated_documents)
        .flatmap(lambda doc: mutated_bytes(json_text(doc).encode("utf-8", "surrogatepass")))
    )


# ------------------------------------------------------------------------------------------
# Policies files (labelled configurations for compare)


def check_policies_toml(data: bytes) -> None:
    from ran_events.errors import PoliciesFileError
    from ran_events.selection import load_policies

    lines = data.count(b"\n") + 1
    try:
        found = load_policies(_as_file(data, ".toml"))
    except PoliciesFileError as exc:
        for problem in exc.problems:
            if problem.line is not None and not 1 <= problem.line <= lines:
                raise ContractViolation(
                    "line out of range", f"line {problem.line} of {lines}: {problem.message}"
                ) from exc
        return
    except Exception as exc:
        raise ContractViolation(f"raised {type(exc).__name__}", _text(exc)) from exc
    labels = [c.label for c in found]
    if not found or len(set(labels)) != len(labels) or not all(x.strip() for x in labels):
        raise ContractViolation("labels", f"accepted {labels!r}")
    for configured in found:
        if not isinstance(configured.policy, str) or not isinstance(configured.parameters, dict):
            raise ContractViolation("entry", f"accepted {configured!r:.300}")


def policies_toml_inputs() -> st.SearchStrategy[bytes]:
    seeds = st.sampled_from(
        [
            {"lottery": {"policy": "lottery"}},
            {
                "experience first": {
                    "policy": "score",
                    "parameters": {"weights": {"experience": 1}},
                },
                "fair": {"policy": "fair-lottery"},
            },
            {"first": {"policy": "first-come", "parameters": {}}},
        ]
    )
    return seeds.flatmap(mutated_documents).flatmap(
        lambda doc: mutated_bytes(toml_text(doc).encode("utf-8", "surrogatepass"))
    )


# Replies (iTIP REPLY in .ics files and e-mails)

_REPLIES = Path(__file__).resolve().parent.parent / "data" / "replies"


def check_replies(data: bytes) -> None:
    from ran_events._email import normalize
    from ran_events.errors import ReplyError
    from ran_events.replies import read_replies

    replies = _call((ReplyError,), lambda: read_replies(data))
    _same_as_full_reader(data, replies)
    for reply in replies or ():
        if not reply.uid or reply.attendee != normalize(reply.attendee):
            raise ContractViolation("invalid reply", f"{reply!r:.300}")
        if reply.dtstamp is not None and reply.dtstamp.utcoffset() != dt.timedelta(0):
            raise ContractViolation("invalid reply", f"DTSTAMP {reply.dtstamp!r} is not UTC")
        if reply.sequence is not None and reply.sequence < 0:
            raise ContractViolation("invalid reply", f"SEQUENCE {reply.sequence}")


def _same_as_full_reader(data: bytes, replies: Any) -> None:
    """The light reader (``replies/_fast.py``) answers only as the full reader would."""
    from ran_events.errors import ReplyError
    from ran_events.replies._fast import fast_replies
    from ran_events.replies._read import _full_replies, _is_calendar

    calendar = _is_calendar(data)
    fast = _call((), lambda: fast_replies(data, "<bytes>", calendar=calendar))
    try:
        full = _full_replies(data, "<bytes>", calendar=calendar)
    except ReplyError:
        full = None
    if fast is not None and fast != full:
        raise ContractViolation("light reader differs", f"{fast!r:.300} != {full!r:.300}")
    if replies != full:
        raise ContractViolation("light reader differs", f"{replies!r:.300} != {full!r:.300}")


_REPLY_LINES: st.SearchStrategy[str] = st.sampled_from(
    [
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example",
        'ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:x":mailto:a@b.example',
        'ATTENDEE;DELEGATED-FROM="mailto:a@b.example":mailto:c@b.example',
        "SEQUENCE:99999999999999999999999",
        "DTSTAMP:99991231T235959Z",
        "RECURRENCE-ID:20230920",
        "METHOD:REQUEST",
        "From: a@b.example, c@d.example",
        "Content-Type: text/calendar; method=REPLY; charset=x-unknown",
        "Content-Transfer-Encoding: base64",
        "BEGIN:VEVENT",
        "END:VCALENDAR",
    ]
)


def replies_inputs() -> st.SearchStrategy[bytes]:
    seeds = sorted(p.read_bytes() for p in _REPLIES.iterdir() if not p.name.startswith("bad-"))

    @st.composite
    def lines(draw: st.DrawFn) -> bytes:
        content = draw(st.sampled_from(seeds)).decode("utf-8").split("\r\n")
        changed = draw(mutated_lines(content, _ICS_VALUES))
        for _ in range(draw(st.integers(0, 2))):
            changed.insert(draw(st.integers(0, len(changed))), draw(_REPLY_LINES))
        return draw(mutated_bytes("\r\n".join(changed).encode("utf-8", "surrogatepass")))

    from tests.strategies import reply_files

    # and replies of every shape the light reader reads (encodings, folding, parts...)
    return st.one_of(lines(), reply_files().flatmap(lambda file: mutated_bytes(file[0])))


# ------------------------------------------------------------------------------------------

TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            name="event-toml",
            reader="ran_events.eventfile.load",
            contract="EventFileError only; an accepted event writes TOML, JSON and a listing "
            "that read back equal",
            check=check_event_toml,
            inputs=event_toml_inputs,
        ),
        Target(
            name="event-json",
            reader="ran_events.eventfile.loads",
            contract="EventFileError only; an accepted event writes TOML, JSON and a listing "
            "that read back equal",
            check=check_event_json,
            inputs=event_json_inputs,
        ),
        Target(
            name="applications-csv",
            reader="ran_events.read_csv",
            contract="InvalidValue (header) only; accepted + rejected == rows; every line that "
            "is a complete row on its own is accepted or rejected at its line; csv_text of "
            "the accepted reads back the same",
            check=check_applications_csv,
            inputs=applications_csv_inputs,
        ),
        Target(
            name="applications-jsonl",
            reader="ran_events.read_jsonl",
            contract="no exception; accepted + rejected == rows == lines that are not blank; "
            "json_text and jsonl_text of the accepted read back equal",
            check=check_applications_jsonl,
            inputs=applications_jsonl_inputs,
        ),
        Target(
            name="decisions-csv",
            reader="ran_events.read_decisions_csv",
            contract="no exception; one row or one problem per line that is a complete row on "
            "its own",
            check=check_decisions_csv,
            inputs=decisions_csv_inputs,
        ),
        Target(
            name="assignments-csv",
            reader="ran_events.groups.read_assignments_csv",
            contract="no exception; one row or one problem per line that is a complete row on "
            "its own; the rows accepted write back and read back equal",
            check=check_assignments_csv,
            inputs=assignments_csv_inputs,
        ),
        Target(
            name="from-ics",
            reader="ran_events.from_ics",
            contract="IcsError only; an event read publishes a listing that reads back equal",
            check=check_from_ics,
            inputs=ics_inputs,
        ),
        Target(
            name="replies",
            reader="ran_events.replies.read_replies",
            contract="ReplyError only; every answer read has a UID, a normalised attendee, "
            "a UTC DTSTAMP or none, a SEQUENCE >= 0 or none",
            check=check_replies,
            inputs=replies_inputs,
        ),
        Target(
            name="records",
            reader="ran_events.selection.record_from_text",
            contract="ValueError only; a record read writes JSON that reads back equal",
            check=check_records,
            inputs=records_inputs,
        ),
        Target(
            name="import-json",
            reader="ran_events.read_json",
            contract="ValueError or RanEventsError only; what is read writes JSON that reads "
            "back equal",
            check=check_import_json,
            inputs=import_json_inputs,
        ),
        Target(
            name="policies-toml",
            reader="ran_events.selection.load_policies",
            contract="PoliciesFileError only, each problem on a line of the file (or none); "
            "what is accepted has distinct, non-empty labels, each a policy name and a table",
            check=check_policies_toml,
            inputs=policies_toml_inputs,
        ),
    )
}
"""Every target, by name."""
