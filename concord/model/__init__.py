from concord.model.records import GoldenId, Rejection, SourceRecord, StandardRecord

__all__ = ["GoldenId", "Rejection", "SourceRecord", "StandardRecord"]
