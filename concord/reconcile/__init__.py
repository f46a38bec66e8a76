from concord.reconcile.counts import Drift, SyncCounts, field_drift

__all__ = ["Drift", "SyncCounts", "field_drift"]
