"""CloudWatch in the Smithy RPC v2 CBOR protocol, the one the AWS SDK for Rust speaks to it.

moto 5.2.5 serves CloudWatch in the query and JSON 1.0 protocols only (boto3 picks JSON). A CBOR request,
`POST /service/GraniteServiceVersion20100801/operation/<Operation>` with `smithy-protocol: rpc-v2-cbor`, is
decoded, handed to moto as the same call in JSON 1.0 (`X-Amz-Target`), and moto's answer is encoded back to CBOR
with the operation's output shape; an error keeps its status, `__type` and message. The codec and the shapes
are botocore's own (its CBOR client), so nothing here knows CloudWatch's operations.
"""

import base64
import datetime
import io
import json
import re

from botocore import parsers, serialize
from botocore.session import get_session

_PATH = re.compile(r"^/service/(?P<target>[A-Za-z0-9_]+)/operation/(?P<operation>[A-Za-z0-9]+)$")
# The JSON target prefix of each service served here, and its botocore name.
_SERVICES = {"GraniteServiceVersion20100801": "cloudwatch"}
_models = {}


def _model(service):
    if service not in _models:
        _models[service] = get_session().get_service_model(service)
    return _models[service]


def _json_ready(value):
    """Decoded CBOR as the JSON protocol writes it: timestamps in epoch seconds, blobs in base64."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return value


def _error_body(code, message):
    """A CBOR map of `__type` and `message`, as RPC v2 errors are written."""
    writer = serialize.RpcV2CBORSerializer()
    fields = {"__type": code}
    if message:
        fields["message"] = message
    body = bytearray([0xA0 + len(fields)])
    for key, value in fields.items():
        writer._serialize_type_string(body, key, None, None)
        writer._serialize_type_string(body, str(value), None, None)
    return bytes(body)


def _serve(dispatch, app, environ, start_response, target, operation):
    operation_model = _model(_SERVICES[target]).operation_model(operation)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    reader = parsers.RpcV2CBORParser()
    params = reader.parse_data_item(reader.get_peekable_stream_from_bytes(body)) if body else {}
    payload = json.dumps(_json_ready(params)).encode()
    inner = dict(environ)
    inner.pop("HTTP_SMITHY_PROTOCOL", None)
    inner.update(
        {
            "PATH_INFO": "/",
            "CONTENT_TYPE": "application/x-amz-json-1.0",
            "CONTENT_LENGTH": str(len(payload)),
            "HTTP_X_AMZ_TARGET": f"{target}.{operation}",
            "wsgi.input": io.BytesIO(payload),
        }
    )
    answered = {}
    chunks = []

    def capture(status, headers, exc_info=None):
        answered["status"] = status
        return chunks.append

    result = dispatch(app, inner, capture)
    try:
        chunks.extend(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    status = answered.get("status", "500 INTERNAL SERVER ERROR")
    code = int(status.split()[0])
    text = b"".join(chunks)
    if code < 300:
        out = b""
        shape = operation_model.output_shape
        if shape is not None:
            parsed = parsers.JSONParser().parse({"body": text, "headers": {}, "status_code": code}, shape)
            parsed.pop("ResponseMetadata", None)
            out = serialize.RpcV2CBORSerializer()._serialize_body_params(parsed, shape)
    else:
        try:
            error = json.loads(text or b"{}")
        except ValueError:
            error = {"message": text.decode(errors="replace")}
        out = _error_body(
            error.get("__type") or error.get("code") or "InternalFailure",
            error.get("message") or error.get("Message"),
        )
    start_response(
        status,
        [
            ("Content-Type", "application/cbor"),
            ("smithy-protocol", "rpc-v2-cbor"),
            ("Content-Length", str(len(out))),
        ],
    )
    return [out]


def apply_all():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatch = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if match is None or match["target"] not in _SERVICES:
            return dispatch(self, environ, start_response)
        return _serve(dispatch, self, environ, start_response, match["target"], match["operation"])

    DomainDispatcherApplication.__call__ = __call__
