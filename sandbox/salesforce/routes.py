"""URL table of the sandbox Salesforce, with the call kind each endpoint is counted under."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from starlette.responses import Response

from sandbox.common.router import ApiRequest, Router
from sandbox.salesforce.handlers import auth, bulk, collections, describe, query, sobjects
from sandbox.salesforce.handlers.base import Org

D = r"/services/data/v(?P<version>\d+\.\d+)"
T = r"(?P<sobject>[A-Za-z][A-Za-z0-9_]*)"
JOB = r"(?P<job>[A-Za-z0-9]+)"

ROUTES: list[tuple[str, str, Callable[[Org, ApiRequest], Response], str, str]] = [
    ("POST", r"/services/oauth2/token", auth.token, "token", "/services/oauth2/token"),
    ("GET", r"/services/data", auth.versions, "versions", "/services/data"),
    ("GET", D, auth.resources, "versions", "/services/data/vXX.X"),
    ("GET", D + r"/limits", auth.limits, "limits", "/limits"),
    ("GET", D + r"/sobjects", describe.describe_global, "describe", "/sobjects"),
    ("GET", D + rf"/sobjects/{T}/describe", describe.describe_sobject, "describe",
     "/sobjects/{T}/describe"),
    ("GET", D + rf"/sobjects/{T}", describe.sobject_basic_info, "describe", "/sobjects/{T}"),
    ("POST", D + rf"/sobjects/{T}", sobjects.create, "sobject", "/sobjects/{T}"),
    ("GET", D + rf"/sobjects/{T}/(?P<id>[^/]+)", sobjects.get, "sobject", "/sobjects/{T}/{id}"),
    ("PATCH", D + rf"/sobjects/{T}/(?P<id>[^/]+)", sobjects.update, "sobject",
     "/sobjects/{T}/{id}"),
    ("DELETE", D + rf"/sobjects/{T}/(?P<id>[^/]+)", sobjects.delete, "sobject",
     "/sobjects/{T}/{id}"),
    ("GET", D + rf"/sobjects/{T}/(?P<field>[A-Za-z0-9_]+)/(?P<value>.+)",
     sobjects.get_by_external_id, "sobject", "/sobjects/{T}/{field}/{value}"),
    ("PATCH", D + rf"/sobjects/{T}/(?P<field>[A-Za-z0-9_]+)/(?P<value>.+)",
     sobjects.upsert_by_external_id, "sobject", "/sobjects/{T}/{field}/{value}"),
    ("DELETE", D + rf"/sobjects/{T}/(?P<field>[A-Za-z0-9_]+)/(?P<value>.+)",
     sobjects.delete_by_external_id, "sobject", "/sobjects/{T}/{field}/{value}"),
    ("GET", D + r"/query", query.query, "query", "/query"),
    ("GET", D + r"/query/(?P<cursor>[^/]+)", query.query_more, "query", "/query/{locator}"),
    ("GET", D + r"/queryAll", query.query_all, "queryAll", "/queryAll"),
    ("GET", D + r"/queryAll/(?P<cursor>[^/]+)", query.query_all_more, "queryAll",
     "/queryAll/{locator}"),
    ("POST", D + r"/composite/sobjects", collections.create, "collections",
     "/composite/sobjects"),
    ("PATCH", D + r"/composite/sobjects", collections.update, "collections",
     "/composite/sobjects"),
    ("DELETE", D + r"/composite/sobjects", collections.delete, "collections",
     "/composite/sobjects"),
    ("GET", D + rf"/composite/sobjects/{T}", collections.retrieve, "collections",
     "/composite/sobjects/{T}"),
    ("PATCH", D + rf"/composite/sobjects/{T}/(?P<field>[A-Za-z0-9_]+)", collections.upsert,
     "collections", "/composite/sobjects/{T}/{field}"),
    ("POST", D + r"/jobs/ingest", bulk.create_ingest_job, "bulk_ingest", "/jobs/ingest"),
    ("GET", D + r"/jobs/ingest", bulk.list_ingest_jobs, "bulk_ingest", "/jobs/ingest"),
    ("GET", D + rf"/jobs/ingest/{JOB}", bulk.get_ingest_job, "bulk_ingest", "/jobs/ingest/{id}"),
    ("PATCH", D + rf"/jobs/ingest/{JOB}", bulk.patch_ingest_job, "bulk_ingest",
     "/jobs/ingest/{id}"),
    ("DELETE", D + rf"/jobs/ingest/{JOB}", bulk.delete_job, "bulk_ingest", "/jobs/ingest/{id}"),
    ("PUT", D + rf"/jobs/ingest/{JOB}/batches", bulk.upload_batch, "bulk_ingest",
     "/jobs/ingest/{id}/batches"),
    ("GET", D + rf"/jobs/ingest/{JOB}/(?P<result>successfulResults|failedResults|"
     r"unprocessedrecords|unprocessedRecords)", bulk.ingest_results, "bulk_ingest",
     "/jobs/ingest/{id}/{results}"),
    ("POST", D + r"/jobs/query", bulk.create_query_job, "bulk_query", "/jobs/query"),
    ("GET", D + r"/jobs/query", bulk.list_query_jobs, "bulk_query", "/jobs/query"),
    ("GET", D + rf"/jobs/query/{JOB}", bulk.get_query_job, "bulk_query", "/jobs/query/{id}"),
    ("PATCH", D + rf"/jobs/query/{JOB}", bulk.patch_query_job, "bulk_query", "/jobs/query/{id}"),
    ("DELETE", D + rf"/jobs/query/{JOB}", bulk.delete_job, "bulk_query", "/jobs/query/{id}"),
    ("GET", D + rf"/jobs/query/{JOB}/results", bulk.query_results, "bulk_query",
     "/jobs/query/{id}/results"),
]


def build_router(org: Org) -> Router:
    router = Router()
    for method, pattern, handler, kind, name in ROUTES:
        label = name if name.startswith("/services") else f"/services/data/vXX.X{name}"
        router.add(method, pattern, partial(handler, org), kind=kind, name=label)
    return router
