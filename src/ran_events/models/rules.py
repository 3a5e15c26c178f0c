"""Selection rules: the configuration an event carries and the selection layer applies.

The policy, its seed or the published commitment to it, quotas and caps.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..errors import InvalidValue, SeedMismatch
from ._checks import _non_empty, _non_negative_int, _string_tuple

__all__ = ["QuotaBounds", "SelectionRules", "seed_commitment"]


@attrs.frozen(kw_only=True)
class QuotaBounds:
    """At least ``min`` and at most ``max`` selected applicants with one attribute value.

    Raises:
        InvalidValue: negative bounds, or ``min`` above ``max``.
    """

    min: int = attrs.field(default=0, validator=_non_negative_int)
    max: int | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if self.max is not None:
            _non_negative_int(self, attrs.fields(QuotaBounds).max, self.max)
            if self.max < self.min:
                raise InvalidValue(
                    "max", self.max, f"a maximum of at least the minimum {self.min}"
                )


def _int_mapping(value: Mapping[str, int]) -> dict[str, int]:
    return dict(value)


def _quota_table(
    value: Mapping[str, Mapping[str, QuotaBounds]],
) -> dict[str, dict[str, QuotaBounds]]:
    return {str(a): dict(values) for a, values in value.items()}


_SHA256: Final = re.compile(r"[0-9a-f]{64}")


def _lower_or_none(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def seed_commitment(seed: int) -> str:
    """The commitment to a selection seed: the SHA-256 (hex) of its decimal text.

    Publish it as ``selection.seed_sha256`` while registration is open and reveal the seed
    only when selecting; anyone can then check the seed against it.

    >>> seed_commitment(2023)[:16]
    'd398b29d3dbbb9bf'
    """
    return hashlib.sha256(str(int(seed)).encode("ascii")).hexdigest()


@attrs.frozen(kw_only=True)
class SelectionRules:
    """How an event's participants are selected: the policy, its seed and the constraints.

    ``quotas[attribute][value]`` bounds the number selected with that value (attributes are
    ``role``, ``country``, ``organisation`` or a form question id); ``caps[attribute]`` is
    the most selected that may share any one value. ``parameters`` holds policy-specific
    settings (e.g. the weights of the ``score`` policy). ``seed_sha256`` is the published
    commitment to a seed not yet revealed (see :func:`seed_commitment`); with both set, the
    seed must match it. ``attributes`` declares the free
    attributes of the applicants (columns of the applications file that are not form
    questions) that the rules may name; an event file's rules may name no other attribute
    than these, ``role``, ``country``, ``organisation``, ``name`` and the form's questions.

    Raises:
        InvalidValue: a seed that is not a whole number, a commitment that is not 64
            hexadecimal digits, or a cap that is not a whole number >= 0.
        SeedMismatch: the seed's SHA-256 is not the commitment.
    """

    policy: str = attrs.field(default="first-come", validator=_non_empty)
    seed: int | None = None
    seed_sha256: str | None = attrs.field(default=None, converter=_lower_or_none)
    quotas: dict[str, dict[str, QuotaBounds]] = attrs.field(factory=dict, converter=_quota_table)
    caps: dict[str, int] = attrs.field(factory=dict, converter=_int_mapping)
    parameters: dict[str, Any] = attrs.field(factory=dict, converter=dict)
    attributes: tuple[str, ...] = attrs.field(default=(), converter=_string_tuple)

    def __attrs_post_init__(self) -> None:
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise InvalidValue("selection.seed", self.seed, "a whole number")
        commitment = self.seed_sha256
        if commitment is not None:
            if not isinstance(commitment, str) or not _SHA256.fullmatch(commitment):
                raise InvalidValue(
                    "selection.seed_sha256",
                    commitment,
                    "64 hexadecimal digits: the SHA-256 of the seed's decimal text",
                )
            if self.seed is not None and seed_commitment(self.seed) != commitment:
                raise SeedMismatch(self.seed, commitment, seed_commitment(self.seed))
        for attribute, limit in self.caps.items():
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise InvalidValue(f"selection.caps.{attribute}", limit, "a whole number >= 0")
