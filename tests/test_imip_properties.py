"""Property: every e-mail ran_events.imip writes parses back without defects (issue 10).

Display names and addresses in any script: names are arbitrary Unicode (control characters,
line breaks, quotes, right-to-left text, emoji, very long), domains mix IDN labels of several
scripts, and local parts are ASCII or not. Each written message is parsed back with
``email.message_from_bytes(..., policy=email.policy.default)``: no header and no part may
report a defect, From and To must be the intended mailboxes (domain in ASCII form), and the
calendar part must come back octet for octet. A non-ASCII local part is refused at intake.

The strategies live here rather than in tests/strategies.py: they describe e-mail input only.
"""

from __future__ import annotations

import datetime as dt
import email
import email.message
import email.policy
import unicodedata

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ran_events import _email, examples, ics, imip
from ran_events.errors import InvalidEmail
from ran_events.models import Organiser

NOW = dt.datetime(2023, 9, 7, 9, 0, tzinfo=dt.UTC)

_ATEXT = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~"
#: Labels IDNA 2008 accepts, in several scripts, and plain ones.
_LABELS = (
    "example",
    "bücher",
    "münchen",
    "straße",
    "пример",
    "παράδειγμα",
    "例え",
    "中国",
    "مثال",
    "उदाहरण",
    "xn--bcher-kva",
    "ran-practitioners",
)
_TLDS = ("org", "example", "рф", "中国", "eu")

ascii_locals = st.lists(st.text(_ATEXT, min_size=1, max_size=12), min_size=1, max_size=3).map(
    ".".join
)
#: ASCII then letters of other scripts: valid but for being non-ASCII.
unicode_locals = st.tuples(
    ascii_locals,
    st.text(st.characters(categories=["Ll", "Lo"], min_codepoint=0xC0), min_size=1, max_size=8),
).map("".join)
domains = st.tuples(
    st.lists(st.sampled_from(_LABELS), min_size=1, max_size=3), st.sampled_from(_TLDS)
).map(lambda parts: ".".join([*parts[0], parts[1]]))
#: Any text: every plane, controls (NUL, ESC, DEL, backspace, C1), separators, surrogates.
names = st.text(max_size=120) | st.text(
    st.sampled_from('Zoë Ünïcödé "Q" \\ ,;<>@()[]:\x00\x1b\x7f\x08\x85\u2028\t\r\n 李 عربي 🙂'),
    min_size=1,
    max_size=300,
)


def _parse(message: email.message.EmailMessage) -> email.message.EmailMessage:
    raw = message.as_bytes()
    assert raw.isascii(), "a message must be 7-bit: no SMTPUTF8 needed"
    assert max(len(line) for line in raw.split(b"\n")) <= 998  # RFC 5322 2.1.1
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def _defects(message: email.message.EmailMessage) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for part in message.walk():
        found += [("part", d) for d in part.defects]
        for name, value in part.items():
            found += [(name, d) for d in getattr(value, "defects", ())]
    return found


def _squeezed(text: str) -> str:
    """Text without white space (an encoded word may be split anywhere on folding)."""
    return "".join(text.split())


def _shown(name: str) -> str:
    """The contract for display names: no controls (NUL, ESC, DEL, backspace, C1), lone
    surrogates, unassigned code points, double quotes or backslashes; the rest kept."""
    dropped = ("Cc", "Cs", "Cn")
    return "".join(c for c in name if unicodedata.category(c) not in dropped and c not in '"\\')


def _check(
    message: email.message.EmailMessage, organiser: Organiser, who: ics.Attendee
) -> email.message.EmailMessage:
    parsed = _parse(message)
    assert _defects(parsed) == []
    for header, name, address in (
        ("From", organiser.name, organiser.email),
        ("To", who.name, who.email),
    ):
        (mailbox,) = parsed[header].addresses
        assert mailbox.addr_spec == _email.ascii_address(address)
        assert _email.normalize(mailbox.addr_spec) == _email.normalize(address)
        assert _squeezed(mailbox.display_name) == _squeezed(_shown(name))
    assert parsed["Date"].datetime is not None
    assert parsed["Message-ID"].strip() == message["Message-ID"]  # it may be folded
    return parsed


@settings(max_examples=150, deadline=None)
@given(
    name=names,
    organiser_name=names.filter(lambda n: ics.clean_text(n).strip()),
    local=ascii_locals,
    domain=domains,
    organiser_domain=domains,
)
def test_every_message_parses_back_without_defects(
    name: str, organiser_name: str, local: str, domain: str, organiser_domain: str
) -> None:
    organiser = Organiser(name=organiser_name, email=f"ran@{organiser_domain}")
    event = attrs.evolve(examples.webinar(), organiser=organiser)
    who = ics.Attendee(registration_id="r1", name=name, email=f"{local}@{domain}")
    (request, _) = ics.invite(event, who, now=NOW)
    (cancel, _) = ics.cancel(event, who, now=NOW)
    for obj, make in ((request, imip.invitation_email), (cancel, imip.cancellation_email)):
        parsed = _check(make(event, who, obj), organiser, who)
        plain, calendar = parsed.iter_parts()
        assert plain.get_content_type() == "text/plain"
        assert calendar.get_content_type() == "text/calendar"
        assert calendar.get_param("method") == obj.method
        assert calendar.get_payload(decode=True) == obj.data
    decision = imip.decision_email(
        event, who, _Rejected(registration_id="r1"), now=NOW + dt.timedelta(days=1)
    )
    assert not _check(decision, organiser, who).is_multipart()


@attrs.frozen(kw_only=True)
class _Rejected:
    registration_id: str
    outcome: str = "rejected"
    sentence: str = "rejected: role 'journalist' is not a target group"
    waitlist_position: int | None = None


@settings(max_examples=50, deadline=None)
@given(local=unicode_locals, domain=domains)
def test_a_non_ascii_local_part_is_refused_at_intake_saying_why(local: str, domain: str) -> None:
    with pytest.raises(InvalidEmail) as refused:
        ics.Attendee(registration_id="r1", name="Zoë", email=f"{local}@{domain}")
    assert "needs the SMTPUTF8 extension" in refused.value.reason
    assert "give an address with an ASCII part before the @" in str(refused.value)
