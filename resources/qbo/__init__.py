"""QuickBooks Online connector: plain HTTP on the shared Transport, tokens through
intuit-oauth and the vault, and its Dagster resource."""

from .budget import RealmBudget, realm_budget
from .client import QboClient, QboFaultError, reapply_fields
from .resource import QboResource
from .results import QboChange, QboError, QboWriteResult

__all__ = ["QboChange", "QboClient", "QboError", "QboFaultError", "QboResource",
           "QboWriteResult", "RealmBudget", "realm_budget", "reapply_fields"]
