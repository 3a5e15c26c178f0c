"""The failures fuzzing found that are known and being fixed: ``tests/fuzz_corpus/known.toml``.

Each entry names a target, the kind of failure (a :class:`~tests.fuzz.targets.ContractViolation`
``kind`` such as ``raised TypeError``) and a regular expression its detail matches, the
branch that fixes it, and the corpus files that show it. While an entry is there:

- ``scripts/fuzz`` counts a failure that matches it instead of stopping on it (so a run
  still looks for *new* failures), unless given ``--strict``;
- the replay test marks its corpus files ``xfail(strict=False)``.

Once the fix is merged and the replay passes, the entry is deleted.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import attrs
from tests.fuzz.targets import ContractViolation

CORPUS = Path(__file__).resolve().parent.parent / "fuzz_corpus"
"""``tests/fuzz_corpus``: one folder per target, one file per input that ever failed."""

MANIFEST = CORPUS / "known.toml"


@attrs.frozen
class KnownFailure:
    """One known failure (an entry of ``known.toml``)."""

    target: str
    kind: str
    match: str
    branch: str
    what: str
    files: tuple[str, ...]

    def matches(self, target: str, violation: ContractViolation) -> bool:
        """Whether ``violation`` of ``target`` is this failure."""
        return (
            target == self.target
            and violation.kind == self.kind
            and re.search(self.match, violation.detail) is not None
        )


def known_failures(manifest: Path = MANIFEST) -> tuple[KnownFailure, ...]:
    """The entries of the manifest (none when it does not exist)."""
    if not manifest.exists():
        return ()
    entries = tomllib.loads(manifest.read_text(encoding="utf-8")).get("known", [])
    return tuple(
        KnownFailure(
            target=e["target"],
            kind=e["kind"],
            match=e.get("match", ""),
            branch=e["branch"],
            what=e["what"],
            files=tuple(e.get("files", ())),
        )
        for e in entries
    )


def known_match(
    known: tuple[KnownFailure, ...], target: str, violation: ContractViolation
) -> KnownFailure | None:
    """The known failure ``violation`` is, or ``None`` for a new one."""
    return next((k for k in known if k.matches(target, violation)), None)
