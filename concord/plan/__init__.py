from concord.plan.writes import PlannedWrite, WritePlan, build_payload, plan_writes

__all__ = ["PlannedWrite", "WritePlan", "build_payload", "plan_writes"]
