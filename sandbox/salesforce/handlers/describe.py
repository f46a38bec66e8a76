"""Global and per-object describe."""

from __future__ import annotations

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.salesforce import schema
from sandbox.salesforce.errors import json_response
from sandbox.salesforce.handlers.base import Org, api_call, sobject_or_404
from sandbox.salesforce.state import Session


@api_call
def describe_global(org: Org, req: ApiRequest, session: Session) -> Response:
    version = req.path_params["version"]
    return json_response({
        "encoding": "UTF-8", "maxBatchSize": 200,
        "sobjects": [schema.describe_global_entry(o, version)
                     for o in sorted(schema.SOBJECTS.values(), key=lambda o: o.name)],
    })


@api_call
def describe_sobject(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    return json_response(schema.describe_sobject(o, req.path_params["version"]))


@api_call
def sobject_basic_info(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    return json_response({"objectDescribe": schema.describe_global_entry(
        o, req.path_params["version"]), "recentItems": []})
