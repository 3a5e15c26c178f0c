"""Hypothesis strategies shared by the tests (add to this file; do not rewrite it)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from ran_events.selection.constraints import Cap, Constraints, Profile, Quota

SelectionProblem = tuple[list[Profile], Constraints, list[int]]
"""Profiles, constraints and an order of applicants (indices into the profiles)."""


@st.composite
def selection_problems(draw: st.DrawFn, max_applicants: int = 9) -> SelectionProblem:
    """Small random pools: 1-3 attributes of 2-3 values, random minimums, maximums, caps,
    capacity and an order over a random subset of the applicants."""
    width = draw(st.integers(1, 3))
    names = [f"attr{a}" for a in range(width)]
    values = [[f"v{v}" for v in range(draw(st.integers(2, 3)))] for _ in range(width)]
    size = draw(st.integers(0, max_applicants))
    profiles: list[Profile] = [
        tuple(draw(st.sampled_from(values[a])) for a in range(width)) for _ in range(size)
    ]
    quotas = []
    for a in range(width):
        for value in values[a]:
            if draw(st.booleans()):
                low = draw(st.integers(0, 3))
                high = draw(st.none() | st.integers(low, 5))
                quotas.append(Quota(attribute=names[a], value=value, min=low, max=high))
    caps = [
        Cap(attribute=names[a], limit=draw(st.integers(1, 4)))
        for a in range(width)
        if draw(st.booleans())
    ]
    used = {q.attribute for q in quotas} | {c.attribute for c in caps}
    for name, named in zip(names, values, strict=True):
        if name not in used:  # every attribute of a profile must be constrained somehow
            quotas.append(Quota(attribute=name, value=named[0]))
    constraints = Constraints(
        capacity=draw(st.integers(0, 7)), quotas=tuple(quotas), caps=tuple(caps)
    )
    order = draw(st.permutations(range(size)))
    order = order[: draw(st.integers(0, size))] if draw(st.booleans()) else order
    return profiles, constraints, list(order)


# ------------------------------------------------------------------------------------------
# Time zones and wall times (tests of ran_events.tz, models and event files)

EU_ZONES: tuple[str, ...] = (
    "Europe/Vienna", "Europe/Brussels", "Europe/Sofia", "Europe/Zagreb", "Asia/Nicosia",
    "Europe/Prague", "Europe/Copenhagen", "Europe/Tallinn", "Europe/Helsinki", "Europe/Paris",
    "Europe/Berlin", "Europe/Athens", "Europe/Budapest", "Europe/Dublin", "Europe/Rome",
    "Europe/Riga", "Europe/Vilnius", "Europe/Luxembourg", "Europe/Malta", "Europe/Amsterdam",
    "Europe/Warsaw", "Europe/Lisbon", "Europe/Bucharest", "Europe/Bratislava",
    "Europe/Ljubljana", "Europe/Madrid", "Europe/Stockholm",
)  # fmt: skip
"""The zone of every EU member state."""

ZONES: tuple[str, ...] = (
    *EU_ZONES,
    "UTC", "Australia/Sydney", "America/New_York", "Asia/Tokyo", "America/Santiago",
    "Pacific/Apia", "Australia/Lord_Howe", "Asia/Kathmandu", "Africa/Casablanca",
    "America/Havana", "Pacific/Chatham", "Antarctica/Troll", "America/St_Johns",
    "Europe/London", "America/Sao_Paulo", "Pacific/Kiritimati",
)  # fmt: skip
"""EU zones plus zones with odd rules: 30-minute DST, negative DST, midnight changes, a
skipped day, two-hour DST, no DST."""


def naive_datetimes(
    min_value: dt.datetime = dt.datetime(1900, 1, 1),
    max_value: dt.datetime = dt.datetime(2100, 12, 31),
) -> st.SearchStrategy[dt.datetime]:
    """Wall times (no tzinfo) between ``min_value`` and ``max_value``, seconds included."""
    return st.datetimes(min_value, max_value, timezones=st.none())


# ------------------------------------------------------------------------------------------
# E-mail addresses (tests of ran_events._email against email-validator)

_ATEXT = "abcxyzABCXYZ0189_!#$%&'*+-/=?^`{|}~"
_EDGE_LENGTHS = st.sampled_from([1, 2, 3, 4, 62, 63, 64, 65])
_UNICODE_LETTERS = (
    "äößéÄÉΣσжЖאבعر中文ｂ１K\u212a\u0301\u00ad\u200d"  # Kelvin, combining, soft hyphen
)
_SEPARATORS = ".．。"  # full stops UTS-46 maps to "."


def _texts(alphabet: str, max_size: int) -> st.SearchStrategy[str]:
    """Short texts of ``alphabet``, often of a length at a limit (labels, local parts)."""
    random_length = st.text(alphabet=alphabet, min_size=0, max_size=max_size)
    edge_length = _EDGE_LENGTHS.flatmap(
        lambda n: st.text(alphabet=alphabet, min_size=n, max_size=n)
    )
    return random_length | edge_length


_DOT_ATOMS = st.lists(st.text(alphabet=_ATEXT, min_size=1, max_size=10), min_size=1, max_size=3)
_LOCAL_PARTS = st.one_of(
    _DOT_ATOMS.map(".".join),
    _EDGE_LENGTHS.map(lambda n: "x" * n),
    _texts(_ATEXT + '."@ \\(),:;<>[]é\u212a', 20),  # dots, specials and non-ASCII anywhere
    (_DOT_ATOMS.map(".".join) | _texts(_ATEXT + '. @\\"é', 20)).map(
        lambda text: f'"{text}"'  # quoted, needlessly or not
    ),
    st.sampled_from(["", "info", "Postmaster", "a..b", ".a", "a.", "Ann <ann"]),
)
_HOSTNAME_LABELS = st.one_of(
    st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True),  # valid
    _EDGE_LENGTHS.map(lambda n: "a" * n),
    st.text(alphabet="äößéÄжЖאعر中文", min_size=1, max_size=6),  # IDN
    st.text(alphabet="äöéжאعر", min_size=1, max_size=6).map(
        lambda text: "xn--" + text.encode("punycode").decode("ascii")  # real Punycode
    ),
)
_LABELS = st.one_of(
    _HOSTNAME_LABELS,
    _texts("abcxyzABXY0189-_", 12),  # hyphens anywhere, underscores
    _texts("abxy019-", 8).map(lambda text: f"xn--{text}"),  # Punycode, or not quite
    _texts("abXN019-", 6).map(lambda text: f"{text[:2]}--{text[2:]}"),  # R-LDH ("ab--c")
    _texts("abc-" + _UNICODE_LETTERS, 8),  # characters UTS-46 maps or refuses
)
_TOP_LEVELS = st.sampled_from(
    ["org", "COM", "eu", "co.uk", "a1", "1a", "123", "x", "localhost", "local", "test",
     "invalid", "onion", "arpa", "in-addr.arpa", "example", "xn--p1ai", "рф", "org."]
)  # fmt: skip
_ODD_DOMAINS = (
    "", "[127.0.0.1]", "[300.1.1.1]", "[IPv6:::1]", "[ipv6:fe80::1%eth0]", "[x:y]", "[1.2.3]",
    "example.org>", "example.org ", ".example.org", "example..org",
)  # fmt: skip
_VALID_DOMAINS = st.builds(
    lambda labels, top, separator: separator.join([*labels, top]),
    st.lists(_HOSTNAME_LABELS, min_size=1, max_size=3),
    _TOP_LEVELS | _HOSTNAME_LABELS,
    st.sampled_from(_SEPARATORS),
)  # valid, or nearly
_DOMAINS = st.one_of(
    _VALID_DOMAINS,
    st.builds(
        lambda labels, top: ".".join([*labels, top]),
        st.lists(_LABELS, min_size=0, max_size=4),
        _TOP_LEVELS | _LABELS,
    ),
    st.integers(min_value=1, max_value=4).map(lambda n: ".".join(["a" * 63] * n) + ".org"),
    st.sampled_from(_ODD_DOMAINS),
)


@st.composite
def email_addresses(draw: st.DrawFn) -> str:
    """Addresses of every shape email-validator accepts or refuses: ASCII and IDN domains
    (Unicode and ``xn--``), quoted local parts, dots, hyphens, special-use and bad top-level
    domains, IP literals, display names, and lengths at the limits (63-character labels,
    64-character local parts, 254 characters in all)."""
    # Mostly (3 times in 4) of the valid shape, so that acceptances are tested as often.
    often = st.sampled_from([True, True, True, False])
    local = draw(_DOT_ATOMS.map(".".join) if draw(often) else _LOCAL_PARTS)
    domain = draw(_VALID_DOMAINS if draw(often) else _DOMAINS)
    shape = draw(
        st.sampled_from(["plain"] * 5 + ["at the length limit", "display name", "stray character"])
    )
    if shape == "at the length limit":
        room = 254 - 1 - len(domain.encode()) + draw(st.integers(min_value=-1, max_value=1))
        local = "x" * max(room, 1)
    address = f"{local}@{domain}"
    if shape == "display name":
        return f"Ann Example <{address}>"
    if shape == "stray character":
        return f" {address}" if draw(st.booleans()) else f"{address}@"
    return address


# ------------------------------------------------------------------------------------------
# Events (tests of the models and of event files)

_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")

USER_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)),  # anything but lone surrogates
    min_size=1,
    max_size=12,
).filter(lambda t: bool(_CONTROLS.sub("", t).strip()))
"""Text a person may type: quotes, backslashes, newlines, control characters, any script
(never only blanks and control characters, which the models refuse)."""

TRICKY_TEXT = (
    st.sampled_from(
        ['say "hi"', "back\\slash", "two\nlines", "tab\there", "caf\u00e9 \u0394 \u4e2d", "'", "#"]
    )
    | USER_TEXT
)

IDENTIFIERS = st.from_regex(r"\A[a-z0-9][a-z0-9._-]{0,8}\Z")
"""Identifiers as the models accept them (session and question ids)."""

_EVENT_ZONES = (*EU_ZONES[:6], "UTC", "America/New_York", "Australia/Sydney", "Asia/Tokyo")


@st.composite
def sessions(draw: st.DrawFn, after: dt.datetime, zone: str, count: int) -> list[Any]:
    """``count`` sessions in ``zone`` starting after ``after`` (aware), plenaries in turn."""
    from ran_events import tz
    from ran_events.models import Session, SessionKind, SessionStatus

    result = []
    cursor = tz.to_utc(after)
    ids = draw(st.lists(IDENTIFIERS, min_size=count, max_size=count, unique=True))
    for sid in ids:
        start = cursor + dt.timedelta(seconds=draw(st.sampled_from([0, 60, 1800, 86400, 3661])))
        end = start + dt.timedelta(minutes=draw(st.integers(1, 600)))
        kind = draw(st.sampled_from(list(SessionKind)))
        result.append(
            Session(
                id=sid,
                title=draw(TRICKY_TEXT),
                start=tz.to_zone(start, zone),
                end=tz.to_zone(end, zone),
                kind=kind,
                description=draw(st.just("") | TRICKY_TEXT),
                status=draw(st.sampled_from(list(SessionStatus))),
                capacity=draw(st.none() | st.integers(1, 500)),
                room=draw(st.just("") | TRICKY_TEXT),
                online=draw(st.none() | online_meetings()),
                choice=kind is not SessionKind.PLENARY and draw(st.booleans()),
            )
        )
        cursor = end
    return result


def online_meetings() -> st.SearchStrategy[Any]:
    """Online meetings with user text in their platform and notes."""
    from ran_events.models import OnlineMeeting

    return st.builds(
        OnlineMeeting,
        platform=TRICKY_TEXT,
        url=st.sampled_from(["https://example.webex.com/meet/x", 'http://a.example/?q=1&r="2"']),
        access_notes=st.just("") | TRICKY_TEXT,
    )


@st.composite
def questions(draw: st.DrawFn) -> Any:
    """A registration form with user text in its questions and choices."""
    from ran_events.models import Form, Question, QuestionKind

    ids = draw(st.lists(IDENTIFIERS, max_size=4, unique=True))
    choice = TRICKY_TEXT.map(str.strip).filter(lambda c: bool(c) and ";" not in c and "|" not in c)
    made = []
    for qid in ids:
        kind = draw(st.sampled_from([k for k in QuestionKind if k is not QuestionKind.RANKING]))
        has_choices = kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
        made.append(
            Question(
                id=qid,
                text=draw(TRICKY_TEXT),
                kind=kind,
                choices=draw(st.lists(choice, min_size=1, max_size=3, unique=True))
                if has_choices
                else (),
                required=draw(st.booleans()),
            )
        )
    return Form(questions=made)


@st.composite
def selection_rules(draw: st.DrawFn) -> Any:
    """Selection rules with quotas, caps and policy parameters under user-typed keys."""
    from ran_events.models import QuotaBounds, SelectionRules

    @st.composite
    def bounds(draw: st.DrawFn) -> QuotaBounds:
        low = draw(st.integers(0, 5))
        return QuotaBounds(min=low, max=draw(st.none() | st.integers(low, 9)))

    scalars = st.integers(-(2**63), 2**63 - 1) | TRICKY_TEXT | st.booleans()
    return SelectionRules(
        policy=draw(st.sampled_from(["first-come", "lottery", "score"]) | TRICKY_TEXT),
        seed=draw(st.none() | st.integers(-(2**63), 2**63 - 1)),
        quotas=draw(
            st.dictionaries(
                TRICKY_TEXT, st.dictionaries(TRICKY_TEXT, bounds(), max_size=3), max_size=2
            )
        ),
        caps=draw(st.dictionaries(TRICKY_TEXT, st.integers(0, 9), max_size=2)),
        parameters=draw(
            st.dictionaries(
                TRICKY_TEXT,
                scalars
                | st.lists(scalars, max_size=3)
                | st.dictionaries(TRICKY_TEXT, scalars, max_size=2),
                max_size=3,
            )
        ),
    )


@st.composite
def events(draw: st.DrawFn) -> Any:
    """Valid events: 1-4 sessions in a zone (folds included), a window before them, an
    optional online meeting and venue, a form and selection rules."""
    from ran_events import tz
    from ran_events.models import Event, Organiser, RegistrationWindow, Venue

    zone = draw(st.sampled_from(_EVENT_ZONES))
    wall = draw(st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2035, 12, 31)))
    first = tz.localize(wall.replace(microsecond=0), zone, disambiguate="compatible")
    made = draw(sessions(first, zone, draw(st.integers(1, 4))))
    start_utc = tz.to_utc(made[0].start)
    if draw(st.booleans()):  # a deadline "until the end of a day"
        day = tz.to_zone(start_utc, zone).date() - dt.timedelta(days=draw(st.integers(1, 30)))
        closes = tz.end_of_day(day, zone)
    else:
        closes = start_utc - dt.timedelta(seconds=draw(st.integers(0, 90 * 86400)))
    opens = tz.to_utc(closes) - dt.timedelta(seconds=draw(st.integers(1, 120 * 86400)))
    return Event(
        id=draw(IDENTIFIERS),
        title=draw(TRICKY_TEXT),
        description=draw(st.just("") | TRICKY_TEXT),
        language=draw(st.sampled_from(["en", "fr", "nl"]) | TRICKY_TEXT),
        timezone=zone,
        organiser=Organiser(
            name=draw(TRICKY_TEXT),
            email=draw(st.sampled_from(["ran@example.org", "Jos.Peeters@Example.BE"])),
        ),
        online=draw(st.none() | online_meetings()),
        venue=draw(
            st.none()
            | st.builds(
                Venue,
                name=TRICKY_TEXT,
                address=TRICKY_TEXT,
                city=st.just(""),
                country=st.just("BE"),
            )
        ),
        sessions=made,
        registration=RegistrationWindow(
            opens=tz.to_zone(opens, zone), closes=tz.to_zone(closes, zone)
        ),
        capacity=draw(st.integers(1, 500)),
        target_groups=draw(st.lists(TRICKY_TEXT, max_size=4, unique=True)),
        form=_with_ranking(draw, draw(questions()), made),
        selection=draw(selection_rules()),
        revision=draw(st.integers(0, 3)),
    )


def _with_ranking(draw: st.DrawFn, form: Any, made: Sequence[Any]) -> Any:
    """``form``, with a ranking question of the choice sessions added when there are some
    (its choices: none, for the event to fill in, or some choice session ids)."""
    from ran_events.models import Form, Question, QuestionKind

    choice_ids = [s.id for s in made if s.choice]
    if not choice_ids or not draw(st.booleans()) or "rank" in {q.id for q in form.questions}:
        return form
    listed = draw(st.just([]) | st.lists(st.sampled_from(choice_ids), min_size=1, unique=True))
    ranking = Question(
        id="rank", text=draw(TRICKY_TEXT), kind=QuestionKind.RANKING, choices=listed
    )
    return Form(questions=(*form.questions, ranking))


def meets_constraints(
    profiles: Sequence[Profile], constraints: Constraints, chosen: Sequence[int]
) -> bool:
    """Whether ``chosen`` meets every quota and cap and the capacity: written independently of
    the library, the reference that the allocator and the fair lottery are checked against."""
    if len(set(chosen)) != len(chosen) or len(chosen) > constraints.capacity:
        return False
    attributes = constraints.attributes
    for quota in constraints.quotas:
        a = attributes.index(quota.attribute)
        have = sum(1 for i in chosen if profiles[i][a] == quota.value)
        if have < quota.min or (quota.max is not None and have > quota.max):
            return False
    for cap in constraints.caps:
        a = attributes.index(cap.attribute)
        values = [profiles[i][a] for i in chosen]
        if any(values.count(value) > cap.limit for value in values):
            return False
    return True


# ------------------------------------------------------------------------------------------
# Reply files (iTIP REPLY as .ics and .eml) of every shape calendar programs send, and the
# near misses around them: for the light reader's agreement with the full one.

_REPLY_NAMES = st.sampled_from(
    ["Lea Garcia", '"Doe, Jane"', "Zoë Müller", '"Zoë; x:y"', "a=b-c", "a@b"]
)
_REPLY_ADDRESSES = st.sampled_from(
    [
        "lea.garcia@prison-service.example",
        "Lea.Garcia@Prison-Service.EXAMPLE",
        "zoe%2Emuller@jugendamt.example",
        "x@localhost",
        "not-an-address",
        "a..b@c.example",
        "jürgen@police.example",
    ]
)
_PARTSTATS = st.sampled_from(
    [
        *("ACCEPTED", "DECLINED", "TENTATIVE", "accepted", '"ACCEPTED"', " DECLINED"),
        *("NEEDS-ACTION", "DELEGATED", "ACC^nEPTED", ""),
    ]
)
_TEXTS = st.sampled_from(
    [
        *("", "Looking forward to it.\\n", "Sorry\\, a hearing\\; later", "Zoë: ja"),
        *("a\\\\b", " x ", "tab\there", "back\\x", "é" * 80),
    ]
)


@st.composite
def reply_calendars(draw: st.DrawFn) -> tuple[str, bool]:
    """An iTIP REPLY's text and whether it is *plain* (a shape replies really come in, that
    every reader accepts): other draws put in one near miss (wrong METHOD, missing or
    repeated fields, odd parameters, delegation, RECURRENCE-ID, stray lines...)."""
    miss = draw(
        st.sampled_from(
            ["none"] * 6
            + ["method", "no-uid", "two-uids", "sequence", "dtstamp", "two-attendees"]
            + ["partstat", "address", "recurrence", "stray", "nesting", "param", "text"]
        )
    )
    lines = ["BEGIN:VCALENDAR", "PRODID:-//t//t//EN", "VERSION:2.0"]
    method = {"method": draw(st.sampled_from(["REQUEST", "reply ", "", "REPLY\\,"]))}
    lines.append(f"METHOD:{method.get(miss, 'REPLY')}")
    if draw(st.booleans()):
        lines += ["BEGIN:VTIMEZONE", "TZID:Europe/Brussels", "BEGIN:STANDARD"]
        lines += ["DTSTART:19701025T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100"]
        lines += ["END:STANDARD", "END:VTIMEZONE"]
    for number in range(draw(st.integers(1, 2))):
        lines.append("BEGIN:VEVENT")
        uid = f"ran-mh-pcve-2023+s{number}@example.org"
        if miss != "no-uid":
            lines.append(f"UID:{uid}")
        if miss == "two-uids":
            lines.append(f"UID:{uid}x")
        sequence = draw(st.sampled_from(["0", "1", "007", None]))
        if miss == "sequence":
            sequence = draw(st.sampled_from(["-1", "first", " 2", "1_0", "٣"]))
        if sequence is not None:
            lines.append(f"SEQUENCE:{sequence}")
        stamp = "20230913T061544Z"
        if miss == "dtstamp":
            stamp = draw(st.sampled_from(["20230913T061544", "20231313T061544Z", "20230913", ""]))
        if miss != "dtstamp" or stamp:
            lines.append(f"DTSTAMP:{stamp}")
        name = draw(_REPLY_NAMES).replace("a@b", draw(_REPLY_ADDRESSES))
        parameters = [f"CN={name}", "CUTYPE=INDIVIDUAL", "ROLE=REQ-PARTICIPANT"]
        partstat = (
            draw(_PARTSTATS)
            if miss == "partstat"
            else draw(
                st.sampled_from(["ACCEPTED", "DECLINED", "TENTATIVE", "Accepted", '"DECLINED"'])
            )
        )
        parameters.append(f"PARTSTAT={partstat}")
        if partstat == "DELEGATED":
            parameters.append('DELEGATED-TO="mailto:anna.berg@exit-sweden.example"')
        if miss == "param":
            parameters.append(
                draw(st.sampled_from(["X-A=b,c", "X-A = b", "X-A=", "X-A", 'X-A="b"c', "X=a\\;b"]))
            )
        parameters = draw(st.permutations(parameters))
        address = (
            draw(_REPLY_ADDRESSES) if miss == "address" else "lea.garcia@prison-service.example"
        )
        mailto = draw(st.sampled_from(["mailto:", "MAILTO:", " mailto:"]))
        lines.append(f"ATTENDEE;{';'.join(parameters)}:{mailto}{address}")
        if miss == "two-attendees":
            lines.append(
                'ATTENDEE;DELEGATED-FROM="mailto:lea.garcia@prison-service.example";'
                "PARTSTAT=ACCEPTED:mailto:anna.berg@exit-sweden.example"
            )
        for _ in range(draw(st.integers(0, 2))):
            text = draw(_TEXTS) if miss == "text" else "Looking forward\\, really.\\n"
            language = draw(st.sampled_from(["", ";LANGUAGE=en-US"]))
            lines.append(f"COMMENT{language}:{text}")
        if miss == "recurrence":
            lines.append("RECURRENCE-ID;TZID=Europe/Brussels:20230920T140000")
        lines += [
            "SUMMARY:RAN Practitioners Training Webinar\\, Basics",
            "DTSTART:20230920T120000Z",
        ]
        if draw(st.booleans()):
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM"]
        lines.append("END:VEVENT")
    if miss == "stray":
        spot = draw(st.integers(1, len(lines)))
        lines.insert(spot, draw(st.sampled_from(["END:VTODO", "UID", "uid:x", "X-Y:\x0bz"])))
    if miss == "nesting":
        lines.append(draw(st.sampled_from(["BEGIN:VCALENDAR", "END:VEVENT", "garbage"])))
    lines.append("END:VCALENDAR")
    folded = []
    for line in lines:
        width, rest = draw(st.sampled_from([0, 0, 30, 74])), line
        while width and len(rest) > width:
            folded.append(rest[:width])
            rest = draw(st.sampled_from([" ", "\t"])) + rest[width:]
        folded.append(rest)
    end = draw(st.sampled_from(["\r\n", "\r\n", "\n"]))
    return end.join(folded) + end, miss == "none"


def _encoded(octets: bytes, encoding: str) -> bytes:
    import base64
    import quopri

    if encoding == "base64":
        return base64.encodebytes(octets).replace(b"\n", b"\r\n")
    if encoding == "quoted-printable":
        return quopri.encodestring(octets.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
    return octets


@st.composite
def reply_files(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A reply file's octets (a bare ``.ics`` or an ``.eml`` of any common shape) and
    whether it is plain (see :func:`reply_calendars`; every mail around it plain too)."""
    text, plain = draw(reply_calendars())
    if draw(st.integers(0, 4)) == 0:
        bom = draw(st.sampled_from(["", "\ufeff"]))
        return (bom + text).encode(), plain
    charset = draw(st.sampled_from(["UTF-8", '"utf-8"', "utf-8", None, "us-ascii", "latin-1"]))
    octets = text.encode("latin-1" if charset == "latin-1" else "utf-8", "replace")
    plain = plain and (charset in ("UTF-8", '"utf-8"', "utf-8", None) or octets.isascii())
    plain = plain and charset != "latin-1"
    encoding = draw(st.sampled_from(["base64", "quoted-printable", "7bit", "8bit", None]))
    parameters = [] if charset is None else [f"charset={charset}"]
    if draw(st.booleans()):
        parameters.append("method=REPLY")
    separator = draw(st.sampled_from(["; ", ";\r\n\t", ";"]))
    kind = draw(st.sampled_from(["text/calendar", "text/calendar", "application/ics"]))
    headers = f"Content-Type: {separator.join([kind, *parameters])}\r\n"
    if encoding is not None:
        headers += f"Content-Transfer-Encoding: {encoding}\r\n"
    calendar_part = headers.encode() + b"\r\n" + _encoded(octets, encoding or "7bit")
    sender = draw(
        st.sampled_from(
            [
                "Lea Garcia <lea.garcia@prison-service.example>",
                "<Lea.Garcia@Prison-Service.example>",
                "lea.garcia@prison-service.example",
                '"Garcia, Lea" <lea.garcia@prison-service.example>',
                "=?utf-8?Q?L=C3=A9a?= <lea.garcia@prison-service.example>",
            ]
        )
    )
    odd_sender = draw(
        st.sampled_from(
            [None] * 4
            + ["a@b.example, c@d.example", "x@", "Dr. Lea <lea@x.example>", "(c) <l@x.example>"]
        )
    )
    top = f"From: {odd_sender or sender}\r\n" if draw(st.integers(0, 9)) else ""
    top += (
        "To: ran-practitioners@example.org\r\nSubject: Accepted: Webinar\r\nMIME-Version: 1.0\r\n"
    )
    plain = plain and odd_sender is None and top.startswith("From:")
    shape = draw(st.sampled_from(["single", "mixed", "alternative", "nested"]))
    if shape == "single":
        return top.encode() + calendar_part, plain
    boundary = draw(st.sampled_from(["b1", '"=_b 2"', "000000000000f1e2d3"]))
    bare = boundary.strip('"')
    parts = [b'Content-Type: text/plain; charset="UTF-8"\r\n\r\nLea has answered.\r\n']
    parts.append(calendar_part)
    if draw(st.booleans()):
        parts.append(
            b'Content-Type: application/ics; name="invite.ics"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + _encoded(octets, "base64")
        )
    body = b"".join(b"--" + bare.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    body += b"--" + bare.encode() + b"--\r\n"
    subtype = "alternative" if shape == "alternative" else "mixed"
    entity = f"Content-Type: multipart/{subtype}; boundary={boundary}\r\n\r\n".encode() + body
    if shape == "nested":
        entity = (
            b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\npreamble\r\n--outer\r\n'
            + entity
            + b"\r\n--outer\r\nContent-Type: text/plain\r\n\r\nhi\r\n--outer--\r\n"
        )
    return top.encode() + entity, plain
