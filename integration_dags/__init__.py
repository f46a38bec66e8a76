"""Dagster wiring for Concord: one module per sync, plus the CLI. It wires; it computes nothing."""
