"""``import ran_events`` gives every public name at once and stays light.

The heavy dependencies (scipy, numpy, matplotlib) load inside the functions that need them;
icalendar, cattrs and email-validator may load with the package.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import warnings

import ran_events

# icalendar, cattrs and email_validator load with the package, as the design says; only these
# are imported inside the functions that need them.
HEAVY = ("scipy", "numpy", "matplotlib")

PROBE = """
import json, sys
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""

PUBLIC_IN_0_1 = """
CSV_COLUMNS TRANSITIONS AbbreviationMismatch AmbiguousTimeError Answer AwareDatetimeError
CalendarObject ConstraintReport DeadlineParseError Decision DuplicateRegistration Event
EventFileError FairLotteryPolicy FileProblem FirstComePolicy Form IcsError IllegalTransition
ImportReport InfeasibleSelection InvalidAnswers InvalidEmail InvalidPolicyConfig InvalidUrl
InvalidValue InviteFailure LotteryPolicy NaiveDatetimeError NonexistentTimeError Offer
OnDuplicate OnlineMeeting Organiser Outcome PanelPolicy Policy PolicyRegistry Question
QuestionKind QuotaBounds RanEventsError RanEventsWarning Reason Registrant Registration
RegistrationBook RegistrationClosed RegistrationNotOpen RegistrationStatus RegistrationWindow
RejectedRow ReplayMismatch RowProblem ScheduleParseError ScorePolicy SeedMismatch
SelectionRecord SelectionResult SelectionRules Session SessionKind SessionStatus
SimulationReport StatusChange TimeRangeError UnknownPolicy UnknownRegistration UnknownTimeZone
UnknownTimeZoneAbbreviation Venue WeekdayMismatch __version__ as_resource as_resources cancel
cancellation_email compare decision_email default_registry event_problems examples
expire_offers export_csv export_json from_ics import_csv import_json import_jsonl
invitation_email invite invites_for lottery_ticket mask_email normalize_email promote
pseudonymise publish read_decisions_csv registration_id replay respond seed_commitment select
simulate tz write_decisions_csv
""".split()  # noqa: SIM905 - a list of 107 words reads better as text
"""The public names of ran_events 0.1: each keeps working (an old one may warn on use)."""


def loaded_by(code: str) -> set[str]:
    """The top-level modules loaded after running ``code`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code + PROBE], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_ran_events_does_not_load_heavy_dependencies() -> None:
    code = "import ran_events\nfor name in ran_events.__all__:\n    getattr(ran_events, name)\n"
    modules = loaded_by(code)
    assert "ran_events" in modules
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_ran_events_help_does_not_load_heavy_dependencies() -> None:
    code = "from ran_events.cli import main\nassert main(['--help']) == 0\n"
    modules = loaded_by(code)
    assert "argparse" in modules
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_the_probe_can_see_a_heavy_import() -> None:
    """The check works: a fair lottery solves with numpy and scipy, loaded then."""
    code = (
        "import attrs\nfrom ran_events import examples, select\n"
        "event = examples.webinar()\n"
        "fair = attrs.evolve(event.selection, policy='fair-lottery')\n"
        "pool = examples.synthetic_applicants(120, seed=1, event=event)\n"
        "select(attrs.evolve(event, selection=fair), pool, now=event.registration.closes)\n"
    )
    assert {"numpy", "scipy"} <= loaded_by(code)


def test_import_of_any_module_loads_event_files_so_event_s_file_methods_reach_them() -> None:
    # Whichever module a program imports first, the package's __init__ runs before it, and
    # it imports eventfile, which registers the functions behind Event's deprecated methods.
    code = (
        "import sys, warnings\nimport ran_events.models\n"
        "assert 'ran_events.eventfile' in sys.modules\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        "from ran_events.examples import webinar\nassert webinar().to_toml()\n"
    )
    assert "ran_events" in loaded_by(code)


def test_every_public_name_is_bound_when_the_package_is_imported() -> None:
    # No lazy table and no module __getattr__: the names are in the module's namespace.
    assert len(set(ran_events.__all__)) == len(ran_events.__all__)  # order: ruff RUF022
    missing = [name for name in ran_events.__all__ if name not in vars(ran_events)]
    assert missing == []
    assert ran_events.publish is __import__("ran_events.ics").ics.publish
    assert ran_events.examples.webinar().id == "ran-mh-pcve-2023"


def test_every_public_name_of_0_1_still_resolves() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # an old name may warn on use
        missing = [name for name in PUBLIC_IN_0_1 if getattr(ran_events, name, None) is None]
    assert missing == []


def test_the_version_is_the_distributions() -> None:
    assert ran_events.__version__ == importlib.metadata.version("ran-events")
