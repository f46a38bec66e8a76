from concord.standardise.records import StandardiseResult, standardise_record, standardise_records

__all__ = ["StandardiseResult", "standardise_record", "standardise_records"]
