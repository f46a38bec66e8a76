"""Concord's pure core: canonical models, normalisers, dedupe, planning, reconciliation.

Nothing here imports Dagster or talks HTTP; see DESIGN.md for the direction of imports.
"""
