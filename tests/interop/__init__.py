"""Helpers that run independent iCalendar readers as test oracles (see docs/interop.md)."""
