from concord.plan.twoway import CHANGED_IN_TARGET, plan_two_way
from concord.plan.writes import (
    DELETED_BY_CONCORD,
    DELETED_IN_TARGET,
    MERGED_AWAY,
    PlannedWrite,
    PlanSkip,
    WritePlan,
    build_payload,
    plan_deletes,
    plan_merged_away,
    plan_writes,
)

__all__ = [
    "CHANGED_IN_TARGET",
    "DELETED_BY_CONCORD",
    "DELETED_IN_TARGET",
    "MERGED_AWAY",
    "PlanSkip",
    "PlannedWrite",
    "WritePlan",
    "build_payload",
    "plan_deletes",
    "plan_merged_away",
    "plan_two_way",
    "plan_writes",
]
