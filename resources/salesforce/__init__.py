"""Salesforce connector: a typed client over simple-salesforce and its Dagster resource."""

from .client import SalesforceClient
from .resource import SalesforceResource
from .results import WriteError, WriteResult

__all__ = ["SalesforceClient", "SalesforceResource", "WriteError", "WriteResult"]
