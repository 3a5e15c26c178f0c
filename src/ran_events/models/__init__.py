"""The domain: events, sessions, the registration form, registrants and registrations.

Every model is ``@attrs.frozen(kw_only=True)``: it cannot hold an invalid value, and a change
returns a new object (:func:`attrs.evolve` or a named method). Models know nothing of JSON,
CSV or iCalendar; :mod:`ran_events.eventfile`, :mod:`ran_events.intake` and
:mod:`ran_events.ics` translate.

One module per concept, each importing only those listed before it:

``_checks``
    the validators every model shares (aware instants, texts, identifiers, counts);
``registrant``
    :class:`Registrant` and the e-mail address that identifies a person;
``form``
    :class:`Form`, :class:`Question` and the kinds of answer, :class:`ConsentQuestion`;
``rules``
    :class:`SelectionRules`, :class:`QuotaBounds` and :func:`seed_commitment`;
``registration``
    :class:`Registration`, its status lifecycle and history, :class:`Consent`;
``event``
    :class:`Event`, its sessions, window, organiser, venue and online meeting.

Every name is importable from ``ran_events.models``.
"""

from ._checks import FIRST_YEAR, LAST_YEAR, check_instant
from .event import (
    Event,
    OnlineMeeting,
    Organiser,
    RegistrationWindow,
    Session,
    SessionKind,
    SessionStatus,
    Venue,
    event_problems,
    register_event_files,
)
from .form import SCALE_RANGE, Answer, ConsentQuestion, Form, Question, QuestionKind
from .registrant import Registrant, mask_email, normalise_email, normalize_email
from .registration import TRANSITIONS, Consent, Registration, RegistrationStatus, StatusChange
from .rules import QuotaBounds, SelectionRules, seed_commitment

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "SCALE_RANGE",
    "TRANSITIONS",
    "Answer",
    "Consent",
    "ConsentQuestion",
    "Event",
    "Form",
    "OnlineMeeting",
    "Organiser",
    "Question",
    "QuestionKind",
    "QuotaBounds",
    "Registrant",
    "Registration",
    "RegistrationStatus",
    "RegistrationWindow",
    "SelectionRules",
    "Session",
    "SessionKind",
    "SessionStatus",
    "StatusChange",
    "Venue",
    "check_instant",
    "event_problems",
    "mask_email",
    "normalise_email",
    "normalize_email",
    "register_event_files",
    "seed_commitment",
]
