"""A local stand-in for the ParqEx and Seam clouds, for tests, benchmarks and development."""

from .app import STATE_KEY, build_app
from .state import ActionSettings, Fault, SimulatorState

__all__ = ["STATE_KEY", "ActionSettings", "Fault", "SimulatorState", "build_app"]
