from concord.plan.writes import (
    DELETED_BY_CONCORD,
    DELETED_IN_TARGET,
    PlannedWrite,
    PlanSkip,
    WritePlan,
    build_payload,
    plan_deletes,
    plan_writes,
)

__all__ = [
    "DELETED_BY_CONCORD", "DELETED_IN_TARGET", "PlanSkip", "PlannedWrite", "WritePlan",
    "build_payload", "plan_deletes", "plan_writes",
]
