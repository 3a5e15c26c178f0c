"""Run fuzz targets for a bounded time on a fixed seed; keep what fails (``scripts/fuzz``).

Each target runs as a Hypothesis test in rounds of a few dozen examples, round ``i`` with the
seed ``seed + i``, until its time is up: the same seed explores the same inputs in the same
order on every machine (a faster machine only gets further). A failure is shrunk to a small
input, which is written to ``tests/fuzz_corpus/<target>/<sha256>`` (the normal test suite
replays it from then on), and the run exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import attrs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from tests.fuzz.known import CORPUS, KnownFailure, known_failures, known_match
from tests.fuzz.targets import TARGETS, ContractViolation, Target

ROUND = 25
"""Examples per Hypothesis run; the clock is looked at between runs."""

SHRINK_SECONDS = 30.0
"""At most this long is spent shrinking one failure; after that the smallest so far is kept."""


@attrs.define
class Outcome:
    """What fuzzing one target found."""

    target: str
    examples: int = 0
    seconds: float = 0.0
    known: Counter[str] = attrs.Factory(Counter)
    failure: str | None = None
    saved: Path | None = None


def save(target: str, data: bytes, corpus: Path = CORPUS) -> Path:
    """Write ``data`` to ``corpus/<target>/<first 16 hex digits of its SHA-256>``."""
    folder = corpus / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / hashlib.sha256(data).hexdigest()[:16]
    path.write_bytes(data)
    return path


def fuzz(
    target: Target,
    *,
    seconds: float,
    seed: int,
    known: tuple[KnownFailure, ...] = (),
    corpus: Path = CORPUS,
) -> Outcome:
    """Fuzz ``target`` for about ``seconds`` (plus shrinking) from ``seed``."""
    outcome = Outcome(target=target.name)
    start = time.monotonic()
    stop_shrinking = float("inf")
    failing: list[bytes] = []

    def fail(data: bytes) -> None:
        nonlocal stop_shrinking
        if not failing:
            stop_shrinking = time.monotonic() + SHRINK_SECONDS
        failing.append(data)

    def run_one(data: bytes) -> None:
        if time.monotonic() > stop_shrinking:
            return  # shrinking took long enough: keep the smallest failure found so far
        outcome.examples += 1
        try:
            target.check(data)
        except ContractViolation as exc:
            entry = known_match(known, target.name, exc)
            if entry is None:
                fail(data)
                raise
            outcome.known[f"{entry.what} ({entry.branch})"] += 1
        except Exception:
            fail(data)
            raise

    found: bytes | None = None
    round_number = 0
    while time.monotonic() - start < seconds:
        test = settings(
            max_examples=ROUND,
            database=None,
            deadline=None,
            derandomize=False,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            print_blob=False,
        )(hypothesis_seed(seed + round_number)(given(target.inputs())(run_one)))
        round_number += 1
        try:
            test()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            if not failing:
                outcome.failure = "".join(traceback.format_exception(exc))
                break
            found = failing[-1]  # Hypothesis tries smaller inputs later: the last is smallest
            break
    if found is not None:  # described outside the handler: no Hypothesis report chained
        outcome.saved = save(target.name, found, corpus)
        outcome.failure = (
            f"round {round_number - 1} (seed {seed + round_number - 1}), input "
            f"{found[:2000]!r}{' (cut)' if len(found) > 2000 else ''}\n" + _describe(target, found)
        )
    outcome.seconds = time.monotonic() - start
    return outcome


def _describe(target: Target, data: bytes) -> str:
    try:
        target.check(data)
    except Exception as exc:
        return "".join(traceback.format_exception(exc, limit=-4, chain=exc.__cause__ is not None))
    return "the input failed during fuzzing but passes when run again (flaky?)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/fuzz",
        description="Fuzz every reader of outside data for a bounded time on a fixed seed; "
        "keep each failing input in tests/fuzz_corpus/<target>/.",
    )
    parser.add_argument("targets", nargs="*", help="targets to run (default: all)")
    parser.add_argument("--seconds", type=float, default=20.0, help="per target (default 20)")
    parser.add_argument("--seed", type=int, default=20230920, help="the first seed")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="stop on known failures too (ignore tests/fuzz_corpus/known.toml)",
    )
    parser.add_argument("--list", action="store_true", help="list the targets and contracts")
    args = parser.parse_args(argv)
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    if args.list:
        for target in TARGETS.values():
            print(f"{target.name:20} {target.reader}\n{'':20} {target.contract}")
        return 0
    known = () if args.strict else known_failures()
    failed = 0
    for name in args.targets or TARGETS:
        outcome = fuzz(TARGETS[name], seconds=args.seconds, seed=args.seed, known=known)
        print(
            f"== {name}: {outcome.examples} inputs in {outcome.seconds:.0f} s, "
            f"{'FAILED' if outcome.failure else 'ok'}",
            flush=True,
        )
        for what, count in sorted(outcome.known.items()):
            print(f"   known, not counted: {what}: {count} input(s)")
        if outcome.failure:
            failed += 1
            if outcome.saved is not None:
                print(f"   kept as {outcome.saved}")
            print("   " + outcome.failure.rstrip().replace("\n", "\n   "), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover - python -m tests.fuzz.runner
    sys.exit(main())
