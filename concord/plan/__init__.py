from concord.plan.writes import PlannedWrite, PlanSkip, WritePlan, build_payload, plan_writes

__all__ = ["PlanSkip", "PlannedWrite", "WritePlan", "build_payload", "plan_writes"]
