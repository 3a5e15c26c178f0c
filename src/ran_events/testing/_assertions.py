"""Assertions for policy experiments: constraints met, reproducible, probabilities close.

Each raises :class:`AssertionError` with every finding (not just the first), so pytest
shows what is wrong; none needs Hypothesis.
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from ran_events.models import Event, Registration
from ran_events.selection import (
    Estimate,
    Policy,
    PolicyRegistry,
    SelectionResult,
    SimulationReport,
    decisions_csv_text,
    select,
)
from ran_events.selection._policy import policy_parameters
from ran_events.selection._profiles import value_key

__all__ = [
    "assert_meets_constraints",
    "assert_probabilities_close",
    "assert_reproducible",
    "estimates_of",
]

_SHOWN: Final = 10
"""How many findings an assertion lists before saying how many more there are."""


def _fail(what: str, findings: Sequence[str]) -> None:
    if not findings:
        return
    shown = [f"  {f}" for f in findings[:_SHOWN]]
    if len(findings) > _SHOWN:
        shown.append(f"  ... and {len(findings) - _SHOWN} more")
    raise AssertionError("\n".join([what, *shown]))


# --------------------------------------------------------------------------------------------
# Constraints


def assert_meets_constraints(result: SelectionResult, event: Event) -> None:
    """Assert that ``result`` keeps ``event``'s rules, counted afresh from the registrations.

    Checked: one decision per registration; no more selected than the capacity; every
    selected applicant's role is a target group (when the event has any); every quota's
    minimum and maximum; every cap (values compared as the selection compares them: case,
    width and spaces do not count; applicants without a value share none); the waiting list
    numbered 1, 2, 3...

    Raises:
        AssertionError: listing every rule broken.
    """
    findings: list[str] = []
    ids = [d.registration_id for d in result.decisions]
    by_id = {r.id: r for r in result.inputs}
    if len(set(ids)) != len(ids) or set(ids) != set(by_id):
        findings.append(f"{len(ids)} decisions for {len(by_id)} registrations")
    selected = [by_id[d.registration_id] for d in result.selected if d.registration_id in by_id]
    if len(selected) > event.capacity:
        findings.append(f"{len(selected)} selected; the capacity is {event.capacity}")
    outsiders = [
        f"{r.id} ({r.registrant.role or 'no role'})"
        for r in selected
        if event.target_groups and r.registrant.role not in event.target_groups
    ]
    if outsiders:
        findings.append(
            f"{len(outsiders)} selected whose role is not a target group: "
            + ", ".join(outsiders[:_SHOWN])
            + (", ..." if len(outsiders) > _SHOWN else "")
        )
    for attribute, values in sorted(event.selection.quotas.items()):
        for value, bounds in sorted(values.items()):
            have = sum(1 for r in selected if _key(r, attribute) == value_key(value))
            if have < bounds.min or (bounds.max is not None and have > bounds.max):
                most = "" if bounds.max is None else f", at most {bounds.max}"
                findings.append(
                    f"quota {attribute}={value}: {have} selected; "
                    f"wanted at least {bounds.min}{most}"
                )
    for attribute, limit in sorted(event.selection.caps.items()):
        counts: dict[str, int] = {}
        for r in selected:
            key = _key(r, attribute)
            if key:
                counts[key] = counts.get(key, 0) + 1
        findings += [
            f"cap {attribute} <= {limit}: {count} selected share {key!r}"
            for key, count in sorted(counts.items())
            if count > limit
        ]
    positions = sorted(d.waitlist_position or 0 for d in result.waitlist)
    if positions != list(range(1, len(positions) + 1)):
        findings.append(f"waiting-list positions {positions}, not 1 to {len(positions)}")
    _fail(f"the selection for {event.id!r} breaks its rules:", findings)


def _key(registration: Registration, attribute: str) -> str:
    return value_key(registration.value_of(attribute) or "")


# --------------------------------------------------------------------------------------------
# Reproducibility


@attrs.frozen
class _Configured:
    """A policy factory that returns one configured policy (for a policy object)."""

    policy: Policy

    def __call__(self, *, seed: int | None, parameters: Mapping[str, Any]) -> Policy:
        return self.policy


def _decided(result: SelectionResult) -> str:
    """The decisions CSV with its rows sorted by registration id (the header first)."""
    rows = list(csv.reader(io.StringIO(decisions_csv_text(result))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *sorted(rows[1:])])
    return out.getvalue()


def _shuffled(pool: Sequence[Registration]) -> list[Registration]:
    """``pool`` in an order that depends only on the ids (neither input order nor hash)."""
    return sorted(pool, key=lambda r: hashlib.sha256(r.id.encode()).digest())


_CHILD: Final = (
    "import sys; from ran_events.testing._assertions import decide_in_child; "
    "sys.stdout.write(decide_in_child(sys.argv[1]))"
)


def decide_in_child(path: str) -> str:
    """The sorted decisions of the case pickled at ``path`` (what the child process runs)."""
    event, pool, now, registry = pickle.loads(Path(path).read_bytes())  # noqa: S301 - ours
    return _decided(select(event, pool, now=now, registry=registry))


def assert_reproducible(
    policy: str | Policy | None,
    event: Event,
    pool: Sequence[Registration],
    *,
    now: _dt.datetime | None = None,
    registry: PolicyRegistry | None = None,
    hash_seed: int | None = None,
) -> None:
    """Assert that selecting ``pool`` for ``event`` with ``policy`` gives the same decisions
    for the input reversed and shuffled, and in a fresh Python process with another
    ``PYTHONHASHSEED``.

    Args:
        policy: a registered policy's name (with the event's parameters when it is the
            event's policy, else none), a configured policy object (it must pickle: a class
            at module level of an importable module), or ``None`` for the event's own.
        event: the event (its seed, quotas, caps and eligibility rules).
        pool: the applications.
        now: the time of the selection (default: the end of registration).
        registry: where ``policy`` is looked up (default: the default registry, with the
            installed plug-ins); it must pickle too.
        hash_seed: the child's ``PYTHONHASHSEED`` (default: one other than this process's).

    Raises:
        AssertionError: naming each variant that decided differently, with a diff.
    """
    rules = event.selection
    if isinstance(policy, str) and policy != rules.policy:
        rules = attrs.evolve(rules, policy=policy, parameters=_engine_entries(rules.parameters))
    elif policy is not None and not isinstance(policy, str):
        parameters = {**_engine_entries(rules.parameters), **policy.parameters}
        rules = attrs.evolve(rules, policy=policy.name, parameters=parameters)
        registry = PolicyRegistry(factories={policy.name: _Configured(policy)}, entry_points=False)
    event = attrs.evolve(event, selection=rules)
    now = now or event.registration.closes
    expected = _decided(select(event, pool, now=now, registry=registry))
    findings = []
    for label, variant in (("reversed", pool[::-1]), ("shuffled", _shuffled(pool))):
        found = _decided(select(event, variant, now=now, registry=registry))
        findings += _differences(f"{label} input", expected, found)
    if hash_seed is None:
        hash_seed = (int(os.environ.get("PYTHONHASHSEED", "0") or 0) + 1) % 2**32
    with tempfile.TemporaryDirectory() as folder:
        case = Path(folder, "case.pickle")
        case.write_bytes(pickle.dumps((event, list(pool), now, registry)))
        environment = {
            **os.environ,
            "PYTHONHASHSEED": str(hash_seed),
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        }
        child = subprocess.run(  # noqa: S603 - this Python, a fixed script
            [sys.executable, "-c", _CHILD, str(case)],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
            timeout=600,
        )
    if child.returncode:
        findings.append(f"PYTHONHASHSEED={hash_seed}: the child process failed:\n{child.stderr}")
    else:
        findings += _differences(f"PYTHONHASHSEED={hash_seed}", expected, child.stdout)
    _fail(f"the selection for {event.id!r} with {rules.policy!r} is not reproducible:", findings)


def _engine_entries(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``SelectionRules.parameters`` the engine reads (``require``, ``fill``)."""
    kept = policy_parameters(parameters)
    return {k: v for k, v in parameters.items() if k not in kept}


def _differences(label: str, expected: str, found: str) -> list[str]:
    if found == expected:
        return []
    diff = difflib.unified_diff(
        expected.splitlines(), found.splitlines(), "expected", label, lineterm="", n=0
    )
    return [f"{label} decides differently:\n" + "\n".join(list(diff)[:12])]


# --------------------------------------------------------------------------------------------
# Probabilities


def estimates_of(report: SimulationReport) -> dict[str, Estimate]:
    """A report's estimates by registration id, whether ``report.estimates`` is a tuple of
    :class:`~ran_events.selection.Estimate` or a mapping from id to estimate."""
    found: Mapping[str, Estimate] | Iterable[Estimate] = report.estimates
    if isinstance(found, Mapping):
        return dict(found)
    return {e.registration_id: e for e in found}


def assert_probabilities_close(
    report_a: SimulationReport, report_b: SimulationReport, tol: float = 0.0
) -> None:
    """Assert that two reports give every applicant a compatible selection probability.

    Compatible: the two confidence intervals, each widened by ``tol`` on both sides,
    overlap. An exact probability (the fair lottery) is an interval of width 0, so two exact
    reports are close when they differ by at most ``2 * tol``.

    Raises:
        AssertionError: an applicant is in one report only, or its intervals do not meet;
            the worst first.
    """
    a, b = estimates_of(report_a), estimates_of(report_b)
    findings = [f"{rid} is in one report only" for rid in sorted(set(a) ^ set(b))]
    gaps = []
    for rid in sorted(set(a) & set(b)):
        x, y = a[rid], b[rid]
        gap = max(x.low - y.high, y.low - x.high) - 2 * tol
        if gap > 0:
            gaps.append((gap, rid, x, y))
    gaps.sort(key=lambda item: (-item[0], item[1]))
    findings += [
        f"{rid}: {x.probability:.4f} [{x.low:.4f}, {x.high:.4f}] vs "
        f"{y.probability:.4f} [{y.low:.4f}, {y.high:.4f}] (apart by {gap:.4f} beyond tol)"
        for gap, rid, x, y in gaps
    ]
    _fail(
        f"{report_a.policy!r} and {report_b.policy!r} give different probabilities (tol {tol}):",
        findings,
    )
