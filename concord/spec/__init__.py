from concord.spec.loader import load_sync_spec, parse_sync_spec
from concord.spec.model import DedupeRule, FieldSpec, ObjectSpec, SyncSpec

__all__ = ["DedupeRule", "FieldSpec", "ObjectSpec", "SyncSpec", "load_sync_spec", "parse_sync_spec"]
