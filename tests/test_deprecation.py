"""The one mechanism for old names: a warning naming the new one, the same behaviour."""

from __future__ import annotations

import types

import pytest

from ran_events import _deprecation


def double(x: int) -> int:
    """Twice x."""
    return 2 * x


def test_a_renamed_function_warns_naming_the_new_one_and_behaves_the_same() -> None:
    old = _deprecation.renamed(double, "ran_events.old_double", "ran_events.double")
    with pytest.warns(
        DeprecationWarning, match=r"ran_events\.old_double is deprecated.*use ran_events\.double"
    ) as seen:
        assert old(21) == 42
    assert seen[0].filename == __file__  # the warning points at the caller, not the alias
    assert old.__name__ == "old_double"
    assert "ran_events.double" in (old.__doc__ or "")


def test_a_moved_name_warns_and_is_the_same_object() -> None:
    module = types.ModuleType("ran_events.old")
    moves = {"double": ("ran_events.new.double", double)}
    module.__dict__["__getattr__"] = _deprecation.moved("ran_events.old", moves)
    with pytest.warns(
        DeprecationWarning, match=r"ran_events\.old\.double is deprecated.*ran_events\.new\.double"
    ):
        assert getattr(module, "double") is double  # noqa: B009
    with pytest.raises(AttributeError, match="has no attribute 'triple'"):
        getattr(module, "triple")  # noqa: B009


def test_a_renamed_keyword_warns_naming_the_new_one_and_behaves_the_same() -> None:
    def scale(x: int, *, factor: int = 2) -> int:
        return x * factor

    accepting = _deprecation.keyword_renamed("times", "factor", "ran_events.scale")(scale)
    assert accepting(5, factor=3) == 15
    with pytest.warns(
        DeprecationWarning, match=r"ran_events\.scale\(times=\.\.\.\) is deprecated.*use factor="
    ) as seen:
        assert accepting(5, times=3) == 15  # type: ignore[call-arg]
    assert seen[0].filename == __file__
    with pytest.raises(TypeError, match="factor= and its old name times= together"):
        accepting(5, factor=3, times=4)  # type: ignore[call-arg]
    assert accepting.__name__ == "scale"
