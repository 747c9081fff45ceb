"""Benchmarks of the ParqEx integration: `python -m bench`, or `scripts/bench` to set up first.

Everything runs against synthetic payloads from the simulator's generators. Timing figures are
medians over repeated runs in one process; counts are the worst of the repeated runs.
"""
