"""Benchmarks: API call counts against the protocol minimum, wall time and memory.

Not part of the test run. `python -m bench` runs them all at their default sizes.
"""
