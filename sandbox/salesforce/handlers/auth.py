"""OAuth 2.0 token endpoint (client_credentials and username-password flows), the version
list and `/limits`."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.reference import INTEGRATION_USER
from sandbox.salesforce.errors import json_response
from sandbox.salesforce.handlers.base import Org, api_call
from sandbox.salesforce.state import ORG_ID, Session

VERSIONS = [("58.0", "Summer '23"), ("59.0", "Winter '24"), ("60.0", "Spring '24"),
            ("61.0", "Summer '24"), ("62.0", "Winter '25")]


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def token(org: Org, req: ApiRequest) -> Response:
    form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    form.update({k: v for k, v in req.params.items() if k not in form})
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    auth = req.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            pair = base64.b64decode(auth[6:].strip()).decode()
            client_id, _, client_secret = pair.partition(":")
        except (ValueError, UnicodeDecodeError):
            return _oauth_error("invalid_client", "invalid client credentials")
    creds = org.state.credentials()
    grant = form.get("grant_type")
    if grant not in ("client_credentials", "password"):
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    if client_id != creds["client_id"]:
        return _oauth_error("invalid_client_id", "client identifier invalid")
    if not hmac.compare_digest(client_secret or "", creds["client_secret"]):
        return _oauth_error("invalid_client", "invalid client credentials")
    user_id = INTEGRATION_USER.id  # client credentials run as the app's integration user
    if grant == "password":
        user = next((u for u in org.state.records["User"].values()
                     if u["Username"].lower() == (form.get("username") or "").lower()), None)
        if user is None or user["Username"] != creds["username"] or not hmac.compare_digest(
                form.get("password") or "", creds["password"]):
            return _oauth_error("invalid_grant", "authentication failure")
        user_id = user["Id"]
    access_token, issued = org.state.issue_token(user_id)
    instance_url = org.instance_url(req)
    identity = f"{instance_url}/id/{ORG_ID}/{user_id}"
    issued_at = str(int(issued.timestamp() * 1000))
    signature = base64.b64encode(hmac.new(creds["client_secret"].encode(),
                                          (identity + issued_at).encode(),
                                          hashlib.sha256).digest()).decode()
    return json_response({
        "access_token": access_token, "instance_url": instance_url, "id": identity,
        "token_type": "Bearer", "issued_at": issued_at, "signature": signature,
    })


def versions(org: Org, req: ApiRequest) -> Response:
    return json_response([{"label": label, "url": f"/services/data/v{v}", "version": v}
                          for v, label in VERSIONS])


@api_call
def resources(org: Org, req: ApiRequest, session: Session) -> Response:
    base = f"/services/data/v{req.path_params['version']}"
    names = ("sobjects", "query", "queryAll", "limits", "composite", "jobs")
    return json_response({n: f"{base}/{n}" for n in names})


@api_call
def limits(org: Org, req: ApiRequest, session: Session) -> Response:
    usage = org.state.usage()
    remaining = max(usage["max"] - usage["used"], 0)
    return json_response({
        "DailyApiRequests": {"Max": usage["max"], "Remaining": remaining},
        "DailyBulkApiRequests": {"Max": 15000, "Remaining": 15000},
        "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
        "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
        "DataStorageMB": {"Max": 1024, "Remaining": 1024},
        "FileStorageMB": {"Max": 1024, "Remaining": 1024},
    })
