from concord.standardise.records import (
    StandardiseResult,
    available_cpus,
    standardise_record,
    standardise_records,
)

__all__ = ["StandardiseResult", "available_cpus", "standardise_record", "standardise_records"]
