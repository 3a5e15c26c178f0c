"""``import ran_events`` stays light: the heavy or optional dependencies load on demand."""

from __future__ import annotations

import json
import subprocess
import sys

# cattrs is not here: the design imports it at the top of the converter, which event files
# (always loaded with the package) use.
HEAVY = ("icalendar", "email_validator", "scipy", "numpy")

PROBE = """
import json, sys
import ran_events
lazy = getattr(ran_events, "_LAZY", {})
names = [n for n in ran_events.__all__ if not n.startswith("_") and n not in lazy]
for name in names:  # touching every eager public name must not load them either
    getattr(ran_events, name)
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


def loaded_by(code: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_ran_events_does_not_load_heavy_dependencies() -> None:
    # The package, and the core modules a service imports, without using them yet.
    modules = loaded_by("import ran_events.tz, ran_events.models, ran_events.cli\n" + PROBE)
    assert "ran_events" in modules
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_the_probe_can_see_a_heavy_import() -> None:
    """The check works: importing the iCalendar module does load icalendar."""
    code = "from ran_events import ics\n" + PROBE
    assert "icalendar" in loaded_by(code)


def test_import_ran_events_loads_event_files_so_event_s_file_methods_reach_them() -> None:
    # (Whichever module a program imports first, the package's __init__ runs before it.)
    code = "import json, sys\nimport ran_events.models\nprint(json.dumps(sorted(sys.modules)))"
    assert {"ran_events.eventfile", "ran_events._converter"} <= loaded_by(code)


def test_the_icalendar_names_load_icalendar_on_first_use() -> None:
    import ran_events

    assert set(ran_events._LAZY) <= set(ran_events.__all__)
    code = "import ran_events\nran_events.publish\n" + PROBE
    assert "icalendar" in loaded_by(code)
    with __import__("pytest").raises(AttributeError, match="no attribute 'nonsense'"):
        ran_events.nonsense  # noqa: B018 - the attribute access is the test


def test_public_names_resolve_once_each() -> None:
    import ran_events

    assert len(set(ran_events.__all__)) == len(ran_events.__all__)  # order: ruff RUF022
    for name in ran_events.__all__:
        assert getattr(ran_events, name) is not None
    assert ran_events.publish is __import__("ran_events.ics").ics.publish
