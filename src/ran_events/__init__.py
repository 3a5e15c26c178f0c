"""ran_events: training events for the Radicalisation Awareness Network."""
from importlib.metadata import version as _v
__version__ = _v("ran-events")
