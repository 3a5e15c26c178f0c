"""``import ran_events`` stays light: the heavy or optional dependencies load on demand."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("icalendar", "cattrs", "email_validator", "scipy", "numpy")

PROBE = """
import json, sys
import ran_events
names = [n for n in getattr(ran_events, "__all__", []) if not n.startswith("_")]
for name in names:  # touching every public name must not load them either
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
    """The check works: importing the serialization converter does load cattrs."""
    code = "from ran_events import serialization\nserialization.unstructure(1)\n" + PROBE
    assert "cattrs" in loaded_by(code)
