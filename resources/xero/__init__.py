"""Xero connector: a typed client over xero-python, its token refresh and Dagster resource."""

from .client import XeroClient, idempotency_key, tenant_budget
from .resource import XeroResource
from .results import XeroWriteResult

__all__ = ["XeroClient", "XeroResource", "XeroWriteResult", "idempotency_key",
           "tenant_budget"]
