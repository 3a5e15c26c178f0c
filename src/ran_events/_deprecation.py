"""Old names that keep working for one release, with a warning that names the new one.

Every renamed public name goes through here, so that the warnings read the same everywhere
and a test can find every alias: a function alias made by :func:`renamed`, a module whose
names moved made by :func:`moved` (used as that module's ``__getattr__``), and a parameter
whose keyword changed made by :func:`keyword_renamed`.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

#: The release in which the deprecated names are removed.
REMOVED_IN = "0.3"


def message(old: str, new: str) -> str:
    """The one wording of a deprecation warning."""
    return f"{old} is deprecated and will be removed in ran_events {REMOVED_IN}; use {new}"


def warn(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` was used; ``stacklevel`` 3 points at the caller of the alias."""
    warnings.warn(message(old, new), DeprecationWarning, stacklevel=stacklevel)


def renamed(new: Callable[P, R], old: str, new_name: str) -> Callable[P, R]:
    """A function called ``old`` that warns and then does exactly what ``new`` does."""

    @functools.wraps(new)
    def alias(*args: P.args, **kwargs: P.kwargs) -> R:
        warn(old, new_name)
        return new(*args, **kwargs)

    alias.__name__ = old.rsplit(".", 1)[-1]
    alias.__qualname__ = alias.__name__
    alias.__doc__ = f"Deprecated alias of :func:`{new_name}` (removed in {REMOVED_IN})."
    return alias


def moved(module: str, names: Mapping[str, tuple[str, object]]) -> Callable[[str], object]:
    """A module ``__getattr__`` for names that moved: ``{old name: (new dotted name, object)}``.

    ``from old_module import name`` warns once per use and returns the object itself, so
    ``isinstance`` checks and identity keep working.
    """

    def attribute(name: str) -> object:
        try:
            new_name, value = names[name]
        except KeyError:
            raise AttributeError(f"module {module!r} has no attribute {name!r}") from None
        warn(f"{module}.{name}", new_name)
        return value

    return attribute


def keyword_renamed(
    old: str, new: str, function: str
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator: the function's parameter ``new`` is also accepted as ``old=``, with a warning.

    ``function`` is the function's public dotted name (``ran_events.tz.localize``), for the
    warning. Giving both keywords is a :class:`TypeError`, as for any repeated argument.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def accept(*args: P.args, **kwargs: P.kwargs) -> R:
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{function}() got {new}= and its old name {old}= together")
                warn(f"{function}({old}=...)", f"{new}=")
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return accept

    return decorate
