"""The AWS Cloud Control API in the sandbox (moto has none).

Service `cloudcontrolapi`, JSON 1.0, target prefix `CloudApiService.`: CreateResource,
GetResource, UpdateResource, DeleteResource, ListResources, GetResourceRequestStatus,
ListResourceRequests and CancelResourceRequest, for every type of the CloudFormation
registry schemas cfn-lint bundles (cloudcontrol_schemas.py), as AWS answers them:

- an unknown type is TypeNotFoundException; an operation whose handler the schema does
  not list (no `update`, no `list`, no `read`) is UnsupportedActionException;
- Create, Update and Delete answer a ProgressEvent IN_PROGRESS and are carried out once
  `cloudcontrol_delay` seconds (a sandbox setting, /_sandbox/config) have passed, when
  GetResourceRequestStatus shows SUCCESS, or FAILED with an ErrorCode and StatusMessage
  (AlreadyExists, NotFound, ...); a request can be cancelled until then; a second
  mutation of a resource with one under way is ConcurrentOperationException;
- a ClientToken makes a request idempotent (36 hours, as AWS): the same token with the
  same request answers the first request's progress, with another request
  ClientTokenConflictException;
- the desired state is checked against the schema before anything is done (AWS answers
  ValidationException "Model validation failed (...)", in CloudFormation's wording);
  read-only properties in it are refused (InvalidRequestException);
- UpdateResource applies the RFC 6902 PatchDocument to the model as read (write-only
  properties are not in it, as on AWS: send them with `add`); a patch touching a
  read-only property is ValidationException, one changing a create-only property
  NotUpdatableException (Cloud Control never replaces), a `replace` of a write-only
  property InvalidRequestException;
- GetResource and ListResources never show write-only properties; a missing resource is
  ResourceNotFoundException for GetResource and UpdateResource, and a FAILED progress
  event with ErrorCode NotFound for DeleteResource.

Cloud Control is regional: each request is answered in the region of its SigV4
credential scope (us-east-1 for an unsigned one), and is carried out there, when it is
due, whatever request comes to settle it. Resources, request tokens and client tokens
of one region are not seen from another (a global service's resources excepted; see
cloudcontrol_schemas.GLOBAL_SERVICES).

Who carries a type's handlers out: the moto adapters (cloudcontrol_moto.py) for the types
moto models, so that its native APIs (s3, sqs, ec2, ...) see what Cloud Control made and
Cloud Control reads what they made; the generic store (cloudcontrol_store.py) for the
others. An adapter's `stabilized(ti, operation, identifier)` keeps a request it carried out
IN_PROGRESS until it answers True (the model is then read again) or raises a handler
error; it is asked at each settle (any Cloud Control call, GetResourceRequestStatus too).

Injected faults apply as to every service (fault_share, answered before this module is
reached); besides, `cloudcontrol_fail` (a count, /_sandbox/config) makes the next
mutating requests end FAILED with a Throttling or ServiceInternalError handler error,
chosen by the sandbox's seeded generator, without carrying them out.

Answers are checked against botocore's cloudcontrol model (conformance.py), except
ValidationException: AWS sends it (for model validation and read-only patches) though the
model does not declare it, so the checker would count AWS's own answer as a violation.
"""

import base64
import json
import re
import threading
import time
import uuid

import jsonpatch

import cloudcontrol_moto
import cloudcontrol_schemas as S
from cloudcontrol_store import STORE, HandlerError, identifier_of, not_found

SB = None  # the sandbox module (sandbox.py), set by attach()
TOKEN_LIFETIME = 36 * 3600  # ClientToken idempotency window (Cloud Control user guide)
STABILIZE_POLL = 0.05  # seconds between two checks of a resource that is not ready yet
CONTENT_TYPE = "application/x-amz-json-1.0"

REQUESTS = {}  # (region, request token) -> Request
CLIENT_TOKENS = {}  # (region, client token) -> (fingerprint, request token, when)
BUSY = {}  # (region or "global", type name, identifier) -> request token of the mutation under way
GENERATION = [0]  # bumped by reset(): timers of an earlier generation do nothing


class _Defaults:
    """Stand-ins for the sandbox's shared state when used on its own (tests of parts)."""
    CONFIG = {}
    LOCK = threading.RLock()
    FAULTS = {}
    ACCOUNT = "123456789012"
    import random as _random
    RNG = _random.Random(0)


def attach(sandbox):
    """Connects to the sandbox's settings, lock, fault generator and account."""
    global SB
    SB = sandbox
    S.ACCOUNT = sandbox.ACCOUNT
    sandbox.CONFIG.setdefault("cloudcontrol_delay", 0.0)
    sandbox.CONFIG.setdefault("cloudcontrol_fail", 0.0)
    cloudcontrol_moto.attach(sandbox)


def _sb():
    return SB or _Defaults


def reset():
    """Forgets every request, token and stored model (/moto-api/reset)."""
    with _sb().LOCK:
        GENERATION[0] += 1
        REQUESTS.clear()
        CLIENT_TOKENS.clear()
        BUSY.clear()
        STORE.reset()
        cloudcontrol_moto.reset()


class ApiError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# ------------------------------------------------------------------ serving

CREDENTIAL = re.compile(r"Credential=[^/,\s]+/[^/,\s]+/([^/,\s]+)/cloudcontrolapi/aws4_request")


def request_region(headers):
    """The region a request is signed for (its SigV4 credential scope)."""
    m = CREDENTIAL.search(headers.get("Authorization", "") or "")
    return m.group(1) if m else S.REGION


def serve(handler, op, body):
    """Answers one Cloud Control call on the sandbox's request handler, in the region
    the request is signed for."""
    with S.in_region(request_region(handler.headers)):
        return _serve(handler, op, body)


def _serve(handler, op, body):
    ops = {
        "CreateResource": create_resource, "GetResource": get_resource, "UpdateResource": update_resource,
        "DeleteResource": delete_resource, "ListResources": list_resources,
        "GetResourceRequestStatus": get_request_status, "ListResourceRequests": list_requests,
        "CancelResourceRequest": cancel_request,
    }
    fn = ops.get(op)
    if fn is None:
        return handler.reply(400, {"__type": "UnknownOperationException", "message": f"Unknown operation {op}"},
                             CONTENT_TYPE)
    handler.own_operation = ("cloudcontrol", op)
    try:
        req = json.loads(body or b"{}")
        if not isinstance(req, dict):
            raise ValueError("not an object")
    except ValueError:
        handler.own_operation = None
        return handler.reply(400, {"__type": "SerializationException", "Message": "the body is not a JSON object"},
                             CONTENT_TYPE)
    try:
        out = fn(req)
    except ApiError as e:
        if e.code == "ValidationException":
            handler.own_operation = None  # AWS's own answer, undeclared by the model (see above)
        return handler.reply(e.status, {"__type": e.code, "Message": e.message}, CONTENT_TYPE,
                             {"x-amzn-ErrorType": e.code})
    return handler.reply(200, out, CONTENT_TYPE)


# ------------------------------------------------------------------ types

def type_info(req, handler):
    name = req.get("TypeName")
    if not isinstance(name, str) or not name:
        raise ApiError("ValidationException", "1 validation error detected: Value null at 'typeName' failed to satisfy "
                       "constraint: Member must not be null")
    ti = S.info(name)
    if ti is None:
        raise ApiError("TypeNotFoundException", f"The type '{name}' cannot be found.")
    if handler not in ti.handlers:
        raise ApiError("UnsupportedActionException",
                       f"Resource type {name} does not support {handler.upper()} action")
    return ti


def backend_for(ti):
    return cloudcontrol_moto.adapter_for(ti) or STORE


def canonical_identifier(ti, ident):
    """The primary identifier `ident` names: the identifier itself, or a JSON object of
    the primary identifier's properties or of one of the additional identifiers."""
    if not isinstance(ident, str) or not ident:
        raise ApiError("ValidationException", "1 validation error detected: Value at 'identifier' failed to satisfy "
                       "constraint: Member must have length greater than or equal to 1")
    if not ident.lstrip().startswith("{"):
        return ident
    try:
        given = json.loads(ident)
    except ValueError:
        raise ApiError("InvalidRequestException", f"Identifier {ident} is not valid JSON")
    if not isinstance(given, dict):
        raise ApiError("InvalidRequestException", f"Identifier {ident} is not a JSON object")
    if set(given) == set(ti.primary):
        return identifier_of(ti, given)
    for names in ti.additional:
        if set(given) == set(names):
            for found, model in backend_for(ti).list(ti):
                if all(str(model.get(k)) == str(v) for k, v in given.items()):
                    return found
            return "|".join(str(given[k]) for k in names)
    raise ApiError("InvalidRequestException",
                   f"Identifier {ident} does not name the primary identifier {ti.primary} of {ti.name} "
                   f"nor one of its additional identifiers {ti.additional}")


def public(ti, model):
    """What a read shows: the model without its write-only properties."""
    return S.strip(model, ti.write_only)


# ------------------------------------------------------------------ requests

class Request:
    def __init__(self, ti, operation, ident, action):
        self.token = str(uuid.uuid4())
        self.region = S.region()
        self.scope = S.scope(ti)
        self.type = ti.name
        self.ti = ti
        self.operation = operation
        self.identifier = ident
        self.action = action
        self.created = time.time()
        self.done_at = self.created + float(_sb().CONFIG.get("cloudcontrol_delay", 0.0))
        self.done = False
        self.status = "IN_PROGRESS"
        self.error_code = None
        self.message = None
        self.model = None
        self.cancelled_at = None
        self.injected = None
        self.carried_out = False
        self.generation = GENERATION[0]

    def current_status(self):
        if self.cancelled_at is not None:
            return "CANCEL_COMPLETE" if time.time() > self.cancelled_at + 0.05 else "CANCEL_IN_PROGRESS"
        return self.status

    def event(self, with_model=True):
        ev = {"TypeName": self.type, "RequestToken": self.token, "Operation": self.operation,
              "OperationStatus": self.current_status(), "EventTime": self.created}
        if self.identifier:
            ev["Identifier"] = self.identifier
        if self.current_status() == "IN_PROGRESS":
            ev["RetryAfter"] = self.done_at
        if self.status == "FAILED":
            ev["ErrorCode"] = self.error_code
            ev["StatusMessage"] = self.message
        if with_model and self.model is not None and self.status == "SUCCESS":
            ev["ResourceModel"] = json.dumps(public(self.ti, self.model))
        return ev


def settle():
    """Carries out, in order, the requests whose time has come."""
    with _sb().LOCK:
        now = time.time()
        due = sorted((r for r in REQUESTS.values() if not r.done and r.cancelled_at is None and r.done_at <= now),
                     key=lambda r: r.created)
        for r in due:
            run(r)


def run(r):
    with S.in_region(r.region):
        _run(r)


def _run(r):
    r.done = True
    BUSY.pop((r.scope, r.type, r.identifier), None)
    try:
        if r.injected:
            raise HandlerError(r.injected, {
                "Throttling": "Rate exceeded (injected by the sandbox)",
                "ServiceInternalError": "The service encountered an internal error (injected by the sandbox)",
            }.get(r.injected, "injected by the sandbox"))
        if not r.carried_out:
            ident, model = r.action()
            r.carried_out = True
            r.identifier = ident or r.identifier
            r.model = model
        backend = backend_for(r.ti)
        if hasattr(backend, "stabilized"):
            if not backend.stabilized(r.ti, r.operation, r.identifier):
                # Carried out, the resource not ready yet: asked again at the next settle().
                r.done, r.done_at = False, time.time() + STABILIZE_POLL
                BUSY[(r.scope, r.type, r.identifier)] = r.token
                return
            if r.operation != "DELETE":
                r.model = backend.read(r.ti, r.identifier) or r.model
        r.status = "SUCCESS"
    except HandlerError as e:
        r.status, r.error_code, r.message = "FAILED", e.code, e.message
    except Exception as e:  # a failure of the sandbox itself, not one AWS would give
        r.status, r.error_code, r.message = "FAILED", "InternalFailure", f"sandbox error: {e!r}"
    BUSY.pop((r.scope, r.type, r.identifier), None)


def _timer(r):
    if r.generation != GENERATION[0]:
        return
    settle()


def submit(ti, operation, ident, action, client_token, fingerprint):
    """Records a mutation and schedules it; its first progress event."""
    sb = _sb()
    with sb.LOCK:
        busy = (S.scope(ti), ti.name, ident)
        if ident is not None and busy in BUSY:
            raise ApiError("ConcurrentOperationException",
                           f"Another resource operation is currently being performed on this resource "
                           f"(request token {BUSY[busy]}).")
        r = Request(ti, operation, ident, action)
        if sb.CONFIG.get("cloudcontrol_fail", 0) > 0:
            sb.CONFIG["cloudcontrol_fail"] -= 1
            r.injected = sb.RNG.choice(("Throttling", "ServiceInternalError"))
            key = f"CloudControl:{r.injected}"
            sb.FAULTS[key] = sb.FAULTS.get(key, 0) + 1
        REQUESTS[(r.region, r.token)] = r
        if client_token:
            CLIENT_TOKENS[(r.region, client_token)] = (fingerprint, r.token, r.created)
        if ident is not None:
            BUSY[busy] = r.token
        first = r.event()
        first["OperationStatus"] = "IN_PROGRESS"
        first.pop("ResourceModel", None)
        first.pop("ErrorCode", None)
        first.pop("StatusMessage", None)
        first["RetryAfter"] = r.done_at
    if r.done_at <= time.time():
        settle()
    else:
        t = threading.Timer(r.done_at - time.time() + 0.01, _timer, (r,))
        t.daemon = True
        t.start()
    return first


def replay(client_token, fingerprint):
    """The progress of the request a ClientToken was first used for, or None."""
    if not client_token:
        return None
    with _sb().LOCK:
        seen = CLIENT_TOKENS.get((S.region(), client_token))
        if seen is None or time.time() - seen[2] > TOKEN_LIFETIME:
            return None
        if seen[0] != fingerprint:
            raise ApiError("ClientTokenConflictException",
                           f"The client token {client_token} was already used for a different request.")
        settle()
        return {"ProgressEvent": REQUESTS[(S.region(), seen[1])].event()}


def _reject_read_only(ti, model):
    found = [p for p in ti.read_only if S.find(model, S.segments(p))]
    if found:
        raise ApiError("InvalidRequestException",
                       f"Invalid desired state: readOnlyProperties [{', '.join(found)}] cannot be set")


def _validate(ti, model):
    errors = ti.validation_errors(model)
    if errors:
        raise ApiError("ValidationException", "Model validation failed (" + "\n".join(errors) + ")")


# ------------------------------------------------------------------ operations

def create_resource(req):
    ti = type_info(req, "create")
    text = req.get("DesiredState")
    fingerprint = ("CREATE", ti.name, text)
    again = replay(req.get("ClientToken"), fingerprint)
    if again:
        return again
    try:
        desired = json.loads(text) if isinstance(text, str) else None
    except ValueError as e:
        raise ApiError("ValidationException", f"Model validation failed (#: DesiredState is not valid JSON: {e})")
    if not isinstance(desired, dict):
        raise ApiError("ValidationException", "Model validation failed (#: expected type: JSONObject)")
    _reject_read_only(ti, desired)
    _validate(ti, desired)
    backend = backend_for(ti)
    ident = identifier_of(ti, desired)

    def action():
        return backend.create(ti, desired)

    return {"ProgressEvent": submit(ti, "CREATE", ident, action, req.get("ClientToken"), fingerprint)}


def read_or_raise(ti, ident):
    model = backend_for(ti).read(ti, ident)
    if model is None:
        raise ApiError("ResourceNotFoundException",
                       f"{ti.name} Handler returned status FAILED: Resource of type '{ti.name}' with identifier "
                       f"'{ident}' was not found. (HandlerErrorCode: NotFound)")
    return model


def get_resource(req):
    ti = type_info(req, "read")
    ident = canonical_identifier(ti, req.get("Identifier"))
    settle()
    with _sb().LOCK:
        model = read_or_raise(ti, ident)
    return {"TypeName": ti.name, "ResourceDescription": {"Identifier": ident, "Properties": json.dumps(public(ti, model))}}


def update_resource(req):
    ti = type_info(req, "update")
    fingerprint = ("UPDATE", ti.name, req.get("Identifier"), req.get("PatchDocument"))
    again = replay(req.get("ClientToken"), fingerprint)
    if again:
        return again
    ident = canonical_identifier(ti, req.get("Identifier"))
    try:
        ops = json.loads(req.get("PatchDocument") or "")
        patch = jsonpatch.JsonPatch(ops)
        if not isinstance(ops, list) or not all(isinstance(o, dict) and "op" in o and "path" in o for o in ops):
            raise ValueError("a patch document is a list of operations, each with an op and a path")
    except (ValueError, TypeError, jsonpatch.InvalidJsonPatch) as e:
        raise ApiError("InvalidRequestException", f"Invalid patch document: {e}")
    settle()
    with _sb().LOCK:
        stored = read_or_raise(ti, ident)
        current = public(ti, stored)

        touched = [S.segments(o["path"]) for o in ops] + [S.segments(o["from"]) for o in ops if "from" in o]
        read_only = [p for p in ti.read_only if any(S.covers(S.segments(p), t) for t in touched)]
        if read_only:
            raise ApiError("ValidationException",
                           f"Invalid patch update: readOnlyProperties [{', '.join(read_only)}] cannot be updated")
        replaced = [p for p in ti.write_only
                    if any(o["op"] == "replace" and S.overlaps(S.segments(p), S.segments(o["path"])) for o in ops)]
        if replaced:
            raise ApiError("InvalidRequestException",
                           f"Invalid patch update: writeOnlyProperties [{', '.join(replaced)}] can only be updated "
                           f"using 'add' operation")
        try:
            patched = patch.apply(current)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, KeyError, IndexError, TypeError) as e:
            raise ApiError("InvalidRequestException", f"Invalid patch document: {e}")
        if not isinstance(patched, dict):
            raise ApiError("InvalidRequestException", "Invalid patch document: the result is not a JSON object")
        changed = []
        for p in ti.create_only:
            segs = S.segments(p)
            before = {json.dumps(a): S.get_at(current, a) for a in S.find(current, segs)}
            after = {json.dumps(a): S.get_at(patched, a) for a in S.find(patched, segs)}
            if before != after:
                changed.append(p)
        if changed:
            raise ApiError("NotUpdatableException",
                           f"Invalid patch update: createOnlyProperties [{', '.join(changed)}] cannot be updated")
        changed_ro = [p for p in ti.read_only
                      if [S.get_at(current, a) for a in S.find(current, S.segments(p))]
                      != [S.get_at(patched, a) for a in S.find(patched, S.segments(p))]]
        if changed_ro:
            raise ApiError("ValidationException",
                           f"Invalid patch update: readOnlyProperties [{', '.join(changed_ro)}] cannot be updated")
        _validate(ti, S.strip(patched, ti.read_only))
        # Write-only values not sent again are kept, the handler's usual reading of an
        # absent write-only property ("unchanged"); those sent with `add` replace them.
        new = json.loads(json.dumps(patched))
        for p in ti.write_only:
            segs = S.segments(p)
            for at in S.find(stored, segs):
                try:
                    S.get_at(new, at)
                except (KeyError, IndexError, TypeError):
                    _set_at(new, at, S.get_at(stored, at))
        backend = backend_for(ti)

        def action():
            return ident, backend.update(ti, ident, stored, new)

        return {"ProgressEvent": submit(ti, "UPDATE", ident, action, req.get("ClientToken"), fingerprint)}


def _set_at(model, at, value):
    node = model
    for k in at[:-1]:
        try:
            node = node[k]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict):
        node[at[-1]] = value


def delete_resource(req):
    ti = type_info(req, "delete")
    fingerprint = ("DELETE", ti.name, req.get("Identifier"))
    again = replay(req.get("ClientToken"), fingerprint)
    if again:
        return again
    ident = canonical_identifier(ti, req.get("Identifier"))
    backend = backend_for(ti)

    def action():
        backend.delete(ti, ident)
        return ident, None

    settle()
    return {"ProgressEvent": submit(ti, "DELETE", ident, action, req.get("ClientToken"), fingerprint)}


def _page(items, req, default=100):
    try:
        start = int(base64.b64decode(req["NextToken"]).decode()) if req.get("NextToken") else 0
    except (ValueError, TypeError):
        raise ApiError("InvalidRequestException", "Invalid NextToken")
    size = req.get("MaxResults") or default
    chunk = items[start:start + size]
    nxt = base64.b64encode(str(start + size).encode()).decode() if start + size < len(items) else None
    return chunk, nxt


def list_resources(req):
    ti = type_info(req, "list")
    given = {}
    if req.get("ResourceModel"):
        try:
            given = json.loads(req["ResourceModel"])
        except ValueError:
            raise ApiError("InvalidRequestException", "ResourceModel is not valid JSON")
        if not isinstance(given, dict):
            raise ApiError("InvalidRequestException", "ResourceModel is not a JSON object")
    missing = [k for k in ti.list_required if k not in given]
    if missing:
        raise ApiError("InvalidRequestException",
                       f"Missing or invalid ResourceModel property in {ti.name} list handler request input. "
                       f"Required property: [{', '.join(missing)}]")
    settle()
    with _sb().LOCK:
        found = sorted(backend_for(ti).list(ti), key=lambda x: x[0])
    found = [(i, m) for i, m in found if all(m.get(k) == v for k, v in given.items())]
    chunk, nxt = _page(found, req)
    out = {"TypeName": ti.name,
           "ResourceDescriptions": [{"Identifier": i, "Properties": json.dumps(public(ti, m))} for i, m in chunk]}
    if nxt:
        out["NextToken"] = nxt
    return out


def _request(req):
    token = req.get("RequestToken")
    settle()
    r = REQUESTS.get((S.region(), token)) if isinstance(token, str) else None
    if r is None:
        raise ApiError("RequestTokenNotFoundException", f"Request with token {token} was not found")
    return r


def get_request_status(req):
    with _sb().LOCK:
        return {"ProgressEvent": _request(req).event()}


def list_requests(req):
    flt = req.get("ResourceRequestStatusFilter") or {}
    ops, statuses = flt.get("Operations"), flt.get("OperationStatuses")
    settle()
    with _sb().LOCK:
        found = [r for r in REQUESTS.values() if r.region == S.region()]
        found = sorted(found, key=lambda r: r.created, reverse=True)
        found = [r for r in found if (not ops or r.operation in ops) and (not statuses or r.current_status() in statuses)]
        chunk, nxt = _page(found, req)
        out = {"ResourceRequestStatusSummaries": [r.event(with_model=False) for r in chunk]}
    if nxt:
        out["NextToken"] = nxt
    return out


def cancel_request(req):
    with _sb().LOCK:
        r = _request(req)
        if r.cancelled_at is not None or r.status != "IN_PROGRESS":
            raise ApiError("ConcurrentModificationException",
                           f"Request {r.token} is {r.current_status()}; only PENDING or IN_PROGRESS requests "
                           f"can be cancelled.")
        r.cancelled_at = time.time()
        r.done = True
        BUSY.pop((r.scope, r.type, r.identifier), None)
        ev = r.event()
        ev["OperationStatus"] = "CANCEL_IN_PROGRESS"
        return {"ProgressEvent": ev}
