"""Checks the sandbox's own answers against botocore's service models.

The sandbox (sandbox.py) answers a few AWS operations itself instead of passing them to
moto: the ECS Express Mode gateway service calls (JSON 1.1) and the RDS Data API
(rest-json). Those answers are hand-written, so nothing stops them from drifting away
from what AWS really sends. A test that passes against a sandbox kinder than AWS, or one
that answers in shapes AWS never uses, proves nothing about the real thing. This module
says, for one reply, whether AWS could have given it, by botocore's model of the
operation:

- an error (status >= 400) must carry an error code the operation declares (generic
  throttling and server-side codes excepted: botocore retries those for any operation),
  with the HTTP status the model gives that error, if it gives one;
- a success (2xx) must be a JSON object matching the operation's output shape: known
  members only (by their wire names), required members present, values of the right
  JSON types, strings within their enum, unions with exactly one member set.

    check(service, operation, status, body) -> list of violations (strings); [] if fine.

Run it directly for a self-test:
    target/sandbox/venv/bin/python sandbox/py/conformance.py
"""

import base64
import binascii
import datetime
import functools
import json
import sys

import botocore.exceptions
import botocore.model
import botocore.session

# Codes any operation may answer with: botocore retries them whatever the operation
# (throttling, internal failure), so they are never in the declared errors.
GENERIC_CODES = {"ThrottlingException", "Throttling", "RequestLimitExceeded", "InternalFailure",
                 "ServiceUnavailable"}
# Statuses of server-side failures, which may carry any code (or none).
GENERIC_STATUSES = {500, 503}
# Special floats, which JSON cannot spell as numbers, travel as these strings.
FLOAT_STRINGS = {"NaN", "Infinity", "-Infinity"}


@functools.lru_cache(maxsize=None)
def service_model(service):
    return botocore.session.get_session().get_service_model(service)


def check(service, operation, status, body, headers=None):
    """The ways one reply of `service`'s `operation` is not one AWS could give ([] if
    none). `body` is the reply body (bytes, str, or already-parsed dict); `headers`,
    optional, the reply headers (rest-json may carry the error code in x-amzn-ErrorType)."""
    where = f"{service}:{operation}"
    try:
        model = service_model(service)
        op = model.operation_model(operation)
    except botocore.exceptions.UnknownServiceError:
        return [f"{where}: botocore knows no service {service!r}"]
    except botocore.model.OperationNotFoundError:
        return [f"{where}: botocore's {service} model has no operation {operation!r}"]

    if status >= 400:
        return check_error(where, model.metadata.get("protocol"), op, status, body, headers or {})
    if 200 <= status < 300:
        return check_output(where, op.output_shape, body)
    return [f"{where}: unexpected HTTP status {status}"]


# ---------------------------------------------------------------- errors

def check_error(where, protocol, op, status, body, headers):
    if status in GENERIC_STATUSES:
        return []
    try:
        doc = parse(body) if body not in (b"", "") else {}  # botocore reads "" as {}
    except ValueError:
        return [f"{where}: error body is not JSON: {short(body)}"]
    if not isinstance(doc, dict):
        return [f"{where}: error body is not a JSON object: {short(doc)}"]

    # Where botocore finds the code: rest-json looks at the x-amzn-ErrorType header,
    # then the body's code/Code; both JSON protocols then the body's __type.
    code = None
    if protocol == "rest-json":
        code = {k.lower(): v for k, v in headers.items()}.get("x-amzn-errortype")
    code = code or doc.get("__type") or doc.get("code") or doc.get("Code")
    if not isinstance(code, str) or not code:
        return [f"{where}: error (HTTP {status}) carries no error code: {short(doc)}"]
    # "prefix#Code" and "Code:http://..." both name Code.
    code = code.split(":", 1)[0].rsplit("#", 1)[-1]
    if code in GENERIC_CODES:
        return []

    for shape in op.error_shapes:
        declared = shape.metadata.get("error", {})
        if code in (shape.name, declared.get("code")):
            expected = declared.get("httpStatusCode")
            if expected is not None and expected != status:
                return [f"{where}: {code} is answered with HTTP {status}; AWS uses {expected}"]
            return []
    names = ", ".join(sorted(s.name for s in op.error_shapes)) or "none"
    return [f"{where}: error code {code} is not declared for this operation (declared: {names})"]


# ---------------------------------------------------------------- outputs

def check_output(where, shape, body):
    members = body_members(shape)
    if body in (b"", "") and not members:
        return []
    try:
        doc = parse(body)
    except ValueError:
        return [f"{where}: body is not JSON: {short(body)}"]
    if not isinstance(doc, dict):
        return [f"{where}: body is not a JSON object: {short(doc)}"]
    # A rest-json output may name one member as the whole body (its payload).
    payload = shape.serialization.get("payload") if shape is not None else None
    if payload:
        return [f"{where}: {v}" for v in check_value(shape.members[payload], doc, payload)]
    return [f"{where}: {v}" for v in check_struct(shape, members, doc, "")]


def body_members(shape):
    """The output's members that travel in the body, by wire name; rest-json puts some
    in headers or the status code instead."""
    if shape is None:
        return {}
    return {m.serialization.get("name", name): m for name, m in shape.members.items()
            if not m.serialization.get("location")}


def check_struct(shape, members, doc, path):
    out = []
    # botocore drops members sent as null: they count as absent.
    present = {k: v for k, v in doc.items() if v is not None}
    if getattr(shape, "is_tagged_union", False):
        present.pop("__type", None)  # some services tag unions; botocore ignores it
        if len(present) != 1:
            out.append(f"{path or '(body)'} is a union with {len(present)} members set, not exactly one")
    required = {shape.members[n].serialization.get("name", n) for n in shape.required_members} if shape else set()
    for key in sorted(required - present.keys()):
        out.append(f"{join(path, key)} is required but missing")
    for key, value in present.items():
        if key not in members:
            out.append(f"{join(path, key)} is not a member of {shape.name if shape else 'the (empty) output'}")
        else:
            out += check_value(members[key], value, join(path, key))
    return out


def check_value(shape, value, path):
    """Violations of one JSON value against its shape, recursively."""
    kind = shape.type_name
    if getattr(shape, "is_document_type", False):
        return []  # a document may hold any JSON value
    if value is None:
        return [f"{path} is null"]
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path} = {short(value)} is not an object ({shape.name})"]
        return check_struct(shape, body_members(shape), value, path)
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path} = {short(value)} is not a list ({shape.name})"]
        return [v for i, item in enumerate(value) for v in check_value(shape.member, item, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path} = {short(value)} is not a map ({shape.name})"]
        out = []
        for k, item in value.items():
            out += check_value(shape.key, k, f"{path} key {k!r}")
            out += check_value(shape.value, item, f"{path}[{k!r}]")
        return out
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path} = {short(value)} is not a string"]
        if shape.enum and value not in shape.enum:
            return [f"{path} = {value!r} is not one of {', '.join(shape.enum)}"]
        return []
    if kind in ("integer", "long", "short", "byte"):
        # bool is an int in Python, never on the wire.
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path} = {short(value)} is not an integer"]
    if kind in ("double", "float"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) or value in FLOAT_STRINGS
        return [] if ok else [f"{path} = {short(value)} is not a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path} = {short(value)} is not a boolean"]
    if kind == "timestamp":
        # JSON protocols send epoch seconds; some members use ISO-8601 strings.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return []
        if isinstance(value, str) and iso8601(value):
            return []
        return [f"{path} = {short(value)} is not a timestamp (epoch seconds or ISO-8601)"]
    if kind == "blob":
        if not isinstance(value, str):
            return [f"{path} = {short(value)} is not a (base64) string"]
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error:
            return [f"{path} = {short(value)} is not valid base64"]
        return []
    return [f"{path}: shape type {kind!r} is not checked by conformance.py"]


# ---------------------------------------------------------------- helpers

def parse(body):
    return body if isinstance(body, (dict, list)) else json.loads(body)


def iso8601(text):
    try:
        datetime.datetime.fromisoformat(text)
        return True
    except ValueError:
        return False


def join(path, key):
    return f"{path}.{key}" if path else key


def short(value, limit=120):
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------- self-test

if __name__ == "__main__":
    passed, failed = 0, 0

    def expect(name, violations, ok, contains=""):
        """ok: whether `violations` should be empty; contains: text one should hold."""
        global passed, failed
        good = (not violations) if ok else (bool(violations) and any(contains in v for v in violations))
        if good:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {name}: {violations}", file=sys.stderr)

    ecs, describe = "ecs", "DescribeExpressGatewayService"
    arn = "arn:aws:ecs:us-east-1:123456789012:service/default/web"
    service = {
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/default",
        "serviceName": "web",
        "serviceArn": arn,
        "status": {"statusCode": "ACTIVE"},
        "activeConfigurations": [{
            "serviceRevisionArn": arn + "/revision/1",
            "cpu": "256",
            "primaryContainer": {"image": "nginx", "containerPort": 80},
            "scalingTarget": {"minTaskCount": 1, "maxTaskCount": 2},
            "ingressPaths": [{"accessType": "PUBLIC", "endpoint": "https://web.example"}],
            "createdAt": 1700000000.5,
        }],
        "tags": [{"key": "team", "value": "a"}],
        "createdAt": 1700000000.5,
        "updatedAt": "2023-11-14T22:13:20Z",
    }
    expect("valid describe", check(ecs, describe, 200, json.dumps({"service": service})), True)
    expect("valid describe (bytes)", check(ecs, describe, 200, json.dumps({"service": service}).encode()), True)
    expect("unknown key", check(ecs, describe, 200, {"service": {**service, "extra": 1}}),
           False, "service.extra is not a member")
    bad = {**service, "status": {"statusCode": "WEIRD"}}
    expect("bad enum", check(ecs, describe, 200, {"service": bad}),
           False, "service.status.statusCode = 'WEIRD' is not one of ACTIVE, DRAINING, INACTIVE")
    wrong = {**service, "activeConfigurations": [{"primaryContainer": {"containerPort": "80"}}]}
    expect("wrong type, missing required", check(ecs, describe, 200, {"service": wrong}),
           False, "primaryContainer.image is required")
    expect("not JSON", check(ecs, describe, 200, b"<xml/>"), False, "not JSON")
    expect("undeclared error", check(ecs, describe, 400, {"__type": "ServiceNotFoundException", "message": "x"}),
           False, "ServiceNotFoundException is not declared")
    expect("declared error", check(ecs, describe, 400, {"__type": "ResourceNotFoundException", "message": "x"}), True)
    expect("prefixed error", check(ecs, describe, 400, {"__type": "com.amazonaws.ecs#ResourceNotFoundException"}), True)
    expect("throttle", check(ecs, describe, 400, {"__type": "ThrottlingException"}), True)
    expect("server error", check(ecs, describe, 500, {"__type": "Whatever"}), True)
    expect("unknown operation", check(ecs, "Nope", 200, {}), False, "no operation")
    expect("unknown service", check("nope-service", "Nope", 200, {}), False, "no service")

    # rds-data ExecuteStatement: which of the two codes does the model declare?
    data, execute = "rds-data", "ExecuteStatement"
    declared = {s.name for s in service_model(data).operation_model(execute).error_shapes}
    for code, status in (("BadRequestException", 400), ("DatabaseNotFoundException", 404)):
        expect(f"rds-data {code} in body", check(data, execute, status, {"code": code, "message": "x"}),
               code in declared, "not declared")
        expect(f"rds-data {code} in header", check(data, execute, status, {"message": "x"},
                                                   {"x-amzn-ErrorType": f"{code}:http://internal"}),
               code in declared, "not declared")
    expect("rds-data undeclared", check(data, execute, 404, {"message": "x"}, {"x-amzn-ErrorType": "NotFoundException"}),
           False, "NotFoundException is not declared")
    expect("rds-data wrong status", check(data, execute, 400, {"code": "DatabaseNotFoundException"}),
           False, "AWS uses 404")
    expect("rds-data no code", check(data, execute, 400, {"message": "x"}), False, "no error code")
    records = {"numberOfRecordsUpdated": 0,
               "records": [[{"longValue": 1}, {"isNull": True}, {"blobValue": "aGk="}, {"doubleValue": 1.5}]]}
    expect("rds-data records", check(data, execute, 200, records), True)
    expect("rds-data union with two members",
           check(data, execute, 200, {"records": [[{"longValue": 1, "stringValue": "1"}]]}), False, "union")
    expect("rds-data bool is not a long", check(data, execute, 200, {"numberOfRecordsUpdated": True}),
           False, "not an integer")

    print(f"conformance self-test: {passed} passed" + (f", {failed} failed" if failed else ""))
    sys.exit(1 if failed else 0)
