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
