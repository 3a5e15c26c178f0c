"""The embedded example: the webinar of 20 September 2023 and a seeded applicant pool.

Used by ``ran-events demo``, the docs and the tests. :func:`webinar` is the announcement of
"RAN Practitioners Training Webinar: Basics of Mental Health in P/CVE" as a ready
:class:`~ran_events.models.Event`; :func:`synthetic_applicants` a plausible pool of
applicants that is the same for the same seed on every machine (its randomness is SHA-256 of
the seed and a label, not Python's ``random``).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import itertools
from collections.abc import Sequence
from typing import Any, Final

from . import tz
from .models import (
    Event,
    Form,
    OnlineMeeting,
    Organiser,
    Question,
    QuestionKind,
    QuotaBounds,
    Registrant,
    Registration,
    RegistrationWindow,
    SelectionRules,
    Session,
    SessionKind,
)

__all__ = ["EXTRA_ROLES", "TARGET_GROUPS", "WEBINAR_FORM", "synthetic_applicants", "webinar"]

TARGET_GROUPS: Final = ("prison", "police", "youth", "social", "community", "exit")
"""The first-line practitioners RAN trains: the webinar's target groups."""

EXTRA_ROLES: Final = ("researcher", "journalist", "policy")
"""Roles that apply but are not target groups (a selection rule turns them away)."""

# The form's choices, which the synthetic pool draws from (genders with rough weights).
_GENDERS: Final = (("female", 52), ("male", 44), ("non-binary", 2), ("prefer-not-to-say", 2))
_TOPICS: Final = ("trauma", "personality-disorders", "substance-use", "autism", "psychosis")

WEBINAR_FORM: Final = Form(
    questions=(
        Question(
            id="motivation",
            text="Why do you want to take part, and how will you use what you learn?",
            kind=QuestionKind.FREE_TEXT,
        ),
        Question(
            id="experience",
            text="How much do you already work with mental health in P/CVE? (1 = none, 5 = daily)",
            kind=QuestionKind.SCALE,
        ),
        Question(
            id="casework",
            text="Do you currently work with individual cases?",
            kind=QuestionKind.YES_NO,
        ),
        Question(
            id="gender",
            text="Gender (used only to balance the group)",
            kind=QuestionKind.SINGLE_CHOICE,
            choices=tuple(gender for gender, _ in _GENDERS),
        ),
        Question(
            id="topics",
            text="Which topics should the case discussion cover?",
            kind=QuestionKind.MULTIPLE_CHOICE,
            choices=_TOPICS,
            required=False,
        ),
    )
)
"""The webinar's registration form."""


def webinar() -> Event:
    """Return the webinar of 20 September 2023, 14:00-17:00 Europe/Brussels, as an Event.

    Published 11 August 2023, registration open until the end of Wednesday 6 September 2023,
    on WebEx, in English, for the six target groups, with 30 places selected by a lottery with
    quotas (prison at least 4, police at most 8) and at most 2 per organisation.
    """
    zone = "Europe/Brussels"
    plenary_start, plenary_end = tz.parse_schedule("20 September 2023, 14:00-15:30 CEST")
    cases_start, cases_end = tz.parse_schedule("20 September 2023, 15:30-17:00 CEST")
    return Event(
        id="ran-mh-pcve-2023",
        title="RAN Practitioners Training Webinar: Basics of Mental Health in P/CVE",
        description=(
            "An interactive webinar for first-line practitioners: a plenary overview of mental "
            "health in preventing and countering violent extremism, then a case discussed in "
            "small groups. Places are limited; participants are selected on their answers in "
            "the registration form and contacted after the deadline."
        ),
        language="en",
        timezone=zone,
        organiser=Organiser(name="RAN Practitioners", email="ran-practitioners@example.org"),
        online=OnlineMeeting(platform="WebEx", url="https://example.webex.com/meet/ran-mh"),
        capacity=30,
        target_groups=TARGET_GROUPS,
        registration=RegistrationWindow(
            opens=tz.localize(_dt.datetime(2023, 8, 11), zone),  # noqa: DTZ001 - a wall time
            closes=tz.end_of_day(_dt.date(2023, 9, 6), zone),
        ),
        sessions=(
            Session(
                id="plenary",
                title="Basics of mental health in P/CVE",
                start=plenary_start,
                end=plenary_end,
                kind=SessionKind.PLENARY,
            ),
            Session(
                id="cases",
                title="Case discussion in small groups",
                start=cases_start,
                end=cases_end,
                kind=SessionKind.BREAKOUT,
            ),
        ),
        form=WEBINAR_FORM,
        selection=SelectionRules(
            policy="lottery",
            seed=2023,
            quotas={"role": {"prison": QuotaBounds(min=4), "police": QuotaBounds(max=8)}},
            caps={"organisation": 2},
        ),
    )


# ------------------------------------------------------------------------------------------
# The synthetic pool

# EU member states, weighted roughly by how many practitioners apply (larger states more).
_COUNTRIES: Final = (
    ("DE", 14), ("FR", 12), ("IT", 9), ("ES", 8), ("PL", 6), ("NL", 7), ("BE", 8), ("SE", 5),
    ("AT", 4), ("DK", 3), ("FI", 3), ("IE", 3), ("PT", 3), ("CZ", 2), ("GR", 2), ("HU", 2),
    ("RO", 2), ("BG", 1), ("HR", 1), ("SK", 1), ("SI", 1), ("LT", 1), ("LV", 1), ("EE", 1),
    ("CY", 1), ("LU", 1), ("MT", 1),
)  # fmt: skip
_ROLES: Final = (
    ("prison", 10), ("police", 22), ("youth", 16), ("social", 18), ("community", 14),
    ("exit", 6), ("researcher", 8), ("journalist", 3), ("policy", 3),
)  # fmt: skip
_ORGANISATION_KIND: Final = {
    "prison": "Prison and Probation Service",
    "police": "Police",
    "youth": "Youth Work Network",
    "social": "Social Services",
    "community": "Community Centre",
    "exit": "Exit Programme",
    "researcher": "Institute for Security Studies",
    "journalist": "Press Agency",
    "policy": "Ministry of the Interior",
}
_FIRST: Final = (
    "Anna", "Lukas", "Sofia", "Jan", "Marie", "Pieter", "Elena", "Mateo", "Ines", "Jonas",
    "Chiara", "Tomasz", "Eva", "Mikkel", "Aoife", "Joao", "Katarina", "Nikos", "Zsofia",
    "Andrei", "Lea", "Marco", "Hanna", "Luca", "Ingrid", "Pablo", "Agnieszka", "Kristof",
)  # fmt: skip
_LAST: Final = (
    "Peeters", "Muller", "Rossi", "Garcia", "Nowak", "de Vries", "Janssens", "Dubois",
    "Lindqvist", "Novak", "Papadopoulos", "Horvath", "Popescu", "Murphy", "Silva", "Virtanen",
    "Hansen", "Schmidt", "Kowalski", "Bianchi", "Martin", "Jensen", "Berg", "Costa",
)  # fmt: skip
_MOTIVATIONS: Final = (
    "I work with clients who show signs of radicalisation and mental health problems.",
    "Our team needs a shared language with mental health professionals.",
    "I coordinate multi-agency case meetings and want to refer people better.",
    "I am new to P/CVE and want to understand the role of mental health.",
    "We see more young people with autism in online extremist spaces.",
)


class _Draws:
    """Uniform draws from SHA-256 of (seed, label): identical on every machine, forever."""

    def __init__(self, seed: int) -> None:
        self._seed = str(seed).encode()

    def unit(self, *label: object) -> float:
        digest = hashlib.sha256(self._seed + b"\x00" + repr(label).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def below(self, n: int, *label: object) -> int:
        return min(int(self.unit(*label) * n), n - 1)

    def weighted(self, table: Sequence[tuple[str, int]], *label: object) -> str:
        cumulative = list(itertools.accumulate(w for _, w in table))
        point = self.unit(*label) * cumulative[-1]
        return table[bisect.bisect_right(cumulative, point)][0]


def _rankings(event: Event, draws: _Draws, i: int) -> dict[str, tuple[str, ...]]:
    """Seeded answers to the form's ranking questions: every choice, the earlier-listed ones
    more often ranked high (weights 1/1, 1/2, 1/3...: some workshops are more popular)."""
    found = {}
    for question in event.form.questions:
        if question.kind is not QuestionKind.RANKING:
            continue
        left = list(question.choices)
        ranked: list[str] = []
        while left:
            table = [(c, 60 // (question.choices.index(c) + 1)) for c in left]
            ranked.append(draws.weighted(table, i, question.id, len(ranked)))
            left.remove(ranked[-1])
        found[question.id] = tuple(ranked)
    return found


def synthetic_applicants(n: int, *, seed: int, event: Event | None = None) -> list[Registration]:
    """Return a plausible, seeded pool of ``n`` applications to ``event`` (the webinar).

    Roles are mostly the target groups plus some that are not (researchers, journalists,
    policy officers); countries are EU member states weighted by size; organisations have
    realistic sizes (a few large services send many applicants, many send one or two);
    submissions fall inside the registration window, more of them early and just before the
    deadline; every application answers the event's form (a ranking question with all its
    choices, the first listed the most popular). Registration ids are ``a00001``...

    Args:
        n: how many applications.
        seed: the seed; the same seed gives the same pool on every machine.
        event: the event applied to (default: :func:`webinar`).

    Raises:
        ValueError: ``n`` is negative.
    """
    if n < 0:
        raise ValueError(f"n must be at least 0, not {n}")
    event = event or webinar()
    draws = _Draws(seed)
    window = event.registration
    span = (window.closes - window.opens).total_seconds()
    known = {q.id for q in event.form.questions}
    result: list[Registration] = []
    # Texts and tuples many applicants share (names, organisations, topic sets, rankings) are
    # made once and shared, as a form's answers read from one file are: a pool of a million
    # keeps one copy of each, not a million.
    shared: dict[object, Any] = {}
    for i in range(n):
        role = draws.weighted(_ROLES, i, "role")
        country = draws.weighted(_COUNTRIES, i, "country")
        # Organisation sizes follow a power law: index = floor(u^3 * 12) makes low indices
        # (big services) far more likely than high ones.
        org_index = int(draws.unit(i, "org") ** 3 * 12) + 1
        organisation = shared.setdefault(
            ("organisation", role, country, org_index),
            f"{_ORGANISATION_KIND[role]} {country} {org_index}",
        )
        first = _FIRST[draws.below(len(_FIRST), i, "first")]
        last = _LAST[draws.below(len(_LAST), i, "last")]
        local = f"{first}.{last}".lower().replace(" ", "")
        email = f"{local}.{i:05d}@{role}-{country.lower()}.example.org"
        # More applications right after publication and right before the deadline.
        u = draws.unit(i, "when")
        shaped = u * u if draws.unit(i, "early") < 0.5 else 1 - (1 - u) ** 2
        # (in UTC: pytz datetimes keep their offset through arithmetic, even across DST)
        submitted = tz.to_utc(window.opens) + _dt.timedelta(seconds=int(shaped * (span - 1)))
        topics = tuple(t for t in _TOPICS if draws.unit(i, "topic", t) < 0.35)
        topics = shared.setdefault(topics, topics)
        answers = {
            "motivation": _MOTIVATIONS[draws.below(len(_MOTIVATIONS), i, "motivation")],
            "experience": 1 + draws.below(5, i, "experience"),
            "casework": draws.unit(i, "casework") < 0.6,
            "gender": draws.weighted(_GENDERS, i, "gender"),
            "topics": topics,
        }
        answers.update({k: shared.setdefault(v, v) for k, v in _rankings(event, draws, i).items()})
        result.append(
            Registration(
                id=f"a{i + 1:05d}",
                event_id=event.id,
                registrant=Registrant(
                    name=shared.setdefault(("name", first, last), f"{first} {last}"),
                    email=email,
                    organisation=organisation,
                    country=country,
                    role=role,
                ),
                submitted_at=tz.to_zone(submitted, event.timezone),
                answers={k: v for k, v in answers.items() if k in known},
            )
        )
    return result
