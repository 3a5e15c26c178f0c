"""Drive one target with atheris (libFuzzer, coverage-guided): the optional ``fuzz`` extra.

    python -m tests.fuzz.atheris_main TARGET [libFuzzer options] [corpus folders]

Known failures (``tests/fuzz_corpus/known.toml``) are counted as passing, as by
``scripts/fuzz``; any other failure stops the run and libFuzzer writes the input as
``crash-<sha1>``: move it into ``tests/fuzz_corpus/TARGET/`` so that the suite replays it.
"""

from __future__ import annotations

import importlib
import sys


def main() -> None:
    # atheris is the optional extra: imported here, as pytest imports this module without it
    import atheris
    from tests.fuzz.known import known_failures, known_match
    from tests.fuzz.targets import TARGETS, ContractViolation

    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m tests.fuzz.atheris_main {{{','.join(TARGETS)}}} [options]")
    target = TARGETS[sys.argv.pop(1)]
    known = known_failures()
    with atheris.instrument_imports(include=["ran_events"]):
        for module in (
            "registration",
            "_converter",
            "eventfile",
            "ics",
            "selection",
            "models",
            "tz",
        ):
            importlib.import_module(f"ran_events.{module}")

    def test_one_input(data: bytes) -> None:
        try:
            target.check(data)
        except ContractViolation as exc:
            if known_match(known, target.name, exc) is None:
                raise

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
