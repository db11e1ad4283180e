"""Cloud Control adapters for the types the sandbox's own gap-fillers serve (sandbox.py):
RDS::DBCluster, RDS::DBInstance and ECS::ExpressGatewayService.

Their handlers make the native calls AWS's handlers make (CreateDBCluster,
DescribeDBClusters, ModifyDBCluster, AddTagsToResource, CreateExpressGatewayService,
ListServiceDeployments, ...) with boto3, and the sandbox's request handler (sandbox.Handler)
answers each in the calling thread, as it answers a client's: every gap-filler rule applies
(a cluster id taken, InvalidDBClusterStateFault while a cluster is creating, the Data API
flag, `clusters_fail`, ECS refusing a role IAM has not propagated yet, deployments), and the
native APIs, the Data API and /_sandbox/inventory see what Cloud Control made. In the calling
thread, not over the network, because Cloud Control carries requests out holding the
sandbox's lock, which those answers take too.

Such calls are not counted (/_sandbox/calls, the crash drill) and get no injected fault
(fault_share): the Cloud Control request that makes them was counted, and could have been
refused, once, as the client's call; `cloudcontrol_fail` stands for the handlers' own
failures. Their answers are checked against the service models (conformance.py) as a
client's are. A native error ends the request FAILED with the handler error code AWS's
handlers give for it (`failure`) and the service's own message.

Reads come from the service: GetResource and ListResources describe the resource, so a
change made through the native API (ModifyDBCluster of the capacity, a deleted cluster)
shows in them, as drift. The `owned` properties are the description's; the others are
those last asked for (moto_common.Adapter). Create and update pass the properties their API
call has a parameter of the same name for (ECS's names are camelCase); the others are kept
as asked.

Stabilisation, as AWS's handlers: a create, update or delete stays IN_PROGRESS until the
resource is ready (`stabilized`, asked by cloudcontrol.py): a cluster or an instance
available (after `cluster_delay`, `instance_delay`), a service's deployment settled (after
`service_delay`), a deleted service INACTIVE. A cluster created `failed`, or a deployment
rolled back, ends the request FAILED, NotStabilized.

Region: the gap-fillers are region-blind (their ARNs and lookups name us-east-1), so these
types are served in us-east-1 only; in another region a create, update or delete ends
FAILED (InvalidRequest) and nothing is found.
"""

import datetime
import http.client
import io
import urllib.parse

import cloudcontrol_schemas as S
import moto_common
from cloudcontrol_store import STORE, HandlerError
from moto_common import Adapter, generated_name, tags_dict, tags_list

HOME = "us-east-1"
_CLIENTS = {}
_HANDLER = []


# ------------------------------------------------------------------ calls to the sandbox itself

class _Body(io.BytesIO):
    def stream(self, **_):
        yield self.getvalue()


def _handler_class():
    """sandbox.Handler without a socket: answers one prepared request into a buffer, and
    neither counts it nor answers it with an injected fault (see above)."""
    if not _HANDLER:
        class InProcess(moto_common.SB.Handler):
            def __init__(self, request):
                url = urllib.parse.urlsplit(request.url)
                self.command = request.method
                self.path = url.path + (f"?{url.query}" if url.query else "")
                self.headers = http.client.HTTPMessage()
                for k, v in request.headers.items():
                    self.headers[k] = v.decode() if isinstance(v, bytes) else v
                self.wfile = io.BytesIO()
                self.status, self.out_headers = 500, {}

            def send_response(self, code, message=None):
                self.status = code

            def send_header(self, keyword, value):
                self.out_headers[keyword] = value

            def end_headers(self):
                pass

            def count(self, service, op):
                return None

            def inject_fault(self, service, target, body):
                return False

        _HANDLER.append(InProcess)
    return _HANDLER[0]


def _answer(request, **_):
    """botocore's before-send hook: the sandbox's answer, instead of sending the request."""
    from botocore.awsrequest import AWSResponse
    body = request.body
    body = body.read() if hasattr(body, "read") else body
    body = body.encode() if isinstance(body, str) else (body or b"")
    h = _handler_class()(request)
    h.route(body)
    return AWSResponse(request.url, h.status, h.out_headers, _Body(h.wfile.getvalue()))


def native(service):
    """A boto3 client of `service` whose calls the sandbox answers in this thread."""
    if service not in _CLIENTS:
        import boto3
        from botocore.config import Config
        client = boto3.session.Session().client(
            service, region_name=HOME, endpoint_url=moto_common.SB.PUBLIC or "http://127.0.0.1",
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
            config=Config(retries={"total_max_attempts": 1}))
        client.meta.events.register("before-send", _answer)
        _CLIENTS[service] = client
    return _CLIENTS[service]


# Error codes, by a part of the service's code, as AWS's handlers report them (first match).
ERRORS = (("alreadyexists", "AlreadyExists"), ("notfound", "NotFound"), ("notactive", "NotFound"),
          ("throttl", "Throttling"), ("accessdenied", "AccessDenied"), ("limitexceeded", "ServiceLimitExceeded"),
          ("quotaexceeded", "ServiceLimitExceeded"), ("state", "ResourceConflict"),
          ("activemembers", "ResourceConflict"), ("invalid", "InvalidRequest"), ("clientexception", "InvalidRequest"),
          ("internal", "ServiceInternalError"), ("unavailable", "ServiceInternalError"),
          ("serverexception", "ServiceInternalError"))


def failure(e, ti, ident=None):
    """A native call's error as the handler error AWS's handler reports, with the service's
    message."""
    from botocore.exceptions import ClientError, ParamValidationError
    if isinstance(e, HandlerError):
        return e
    if isinstance(e, ParamValidationError):  # a required parameter missing, or of another type
        return HandlerError("InvalidRequest", " ".join(str(e).split()))
    if not isinstance(e, ClientError):
        return moto_common.translate(e, ti, ident)
    code = e.response.get("Error", {}).get("Code", "")
    message = e.response.get("Error", {}).get("Message") or code
    if "not idempotent" in message:  # ECS: a service of that name exists in the cluster
        return HandlerError("AlreadyExists", message)
    kind = next((k for part, k in ERRORS if part in code.lower()), "GeneralServiceException")
    return HandlerError(kind, message)


def call(ti, ident, service, operation, /, **params):
    try:
        return getattr(native(service), operation)(**params)
    except Exception as e:
        raise failure(e, ti, ident)


def missing(e):
    from botocore.exceptions import ClientError
    return isinstance(e, ClientError) and "notfound" in e.response.get("Error", {}).get("Code", "").lower()


def home(ti):
    if S.region() != HOME:
        raise HandlerError("InvalidRequest", f"The sandbox serves {ti.name} in {HOME} only (its RDS and ECS "
                           f"gap-fillers are region-blind); this request is for {S.region()}")


def lower_first(name):
    return name[:1].lower() + name[1:]


def camel(value):
    """CloudFormation's PascalCase keys as ECS's API names them."""
    if isinstance(value, dict):
        return {lower_first(k): camel(v) for k, v in value.items()}
    return [camel(v) for v in value] if isinstance(value, list) else value


def pascal(value):
    """ECS's camelCase keys as CloudFormation names them; times as ISO 8601."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def params(service, operation, model, case=None):
    """The properties of `model` that `operation` has a parameter of the same name for, each
    made the type the parameter is (CloudFormation gives some numbers as strings)."""
    members = native(service).meta.service_model.operation_model(operation).input_shape.members
    out = {}
    for k, v in model.items():
        name = case(k) if case else k
        if name not in members:
            continue
        kind = members[name].type_name
        try:
            if kind in ("integer", "long") and isinstance(v, str):
                v = int(v)
            elif kind in ("double", "float") and isinstance(v, str):
                v = float(v)
            elif kind == "boolean" and isinstance(v, str):
                v = v.lower() == "true"
            elif kind == "string" and isinstance(v, (int, float)) and not isinstance(v, bool):
                v = str(v)
        except ValueError:
            pass  # left as it is: boto3 refuses it (InvalidRequest)
        out[name] = camel(v) if case else v
    return out


def changed(service, operation, old, new, skip, case=None):
    """The parameters of `operation` whose value differs from `old` to `new`."""
    before = params(service, operation, old, case)
    return {k: v for k, v in params(service, operation, new, case).items() if k not in skip and before.get(k) != v}


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None}
    return value


# ------------------------------------------------------------------ RDS

def retag_rds(ti, ident, arn, old, new):
    """Tags through AddTagsToResource and RemoveTagsFromResource, as RDS's handlers."""
    before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
    gone = sorted(set(before) - set(after))
    if gone:
        call(ti, ident, "rds", "remove_tags_from_resource", ResourceName=arn, TagKeys=gone)
    put = {k: v for k, v in after.items() if before.get(k) != v}
    if put:
        call(ti, ident, "rds", "add_tags_to_resource", ResourceName=arn, Tags=tags_list(put))


def rds_tags(found):
    tags = [{"Key": t["Key"], "Value": t.get("Value", "")} for t in found.get("TagList") or []]
    return tags or None


class RDSResource(Adapter):
    """What a cluster and an instance share: listing, and waiting until `available`."""
    what = ""  # "DB cluster"
    status_field = ""  # the description's status
    listing = ("", "", "")  # the describe call, its list, the identifier in it
    creating = ("", "")  # the create call, its operation

    def _create(self, ti, model):
        home(ti)
        key = self.listing[2]
        ident = (model.get(key) or generated_name(ti, key, lower=True)).lower()
        model[key] = ident
        call(ti, ident, "rds", self.creating[0], **params("rds", self.creating[1], model))
        return ident

    def _describe(self, ident):
        call_name, items, key = self.listing
        return getattr(native("rds"), call_name)(**{key: ident.lower()})[items][0]

    def _list(self, ti):
        if S.region() != HOME:
            return []
        call_name, items, ident = self.listing
        return [x[ident] for x in getattr(native("rds"), call_name)()[items]]

    def stabilized(self, ti, operation, ident):
        try:
            status = self._describe(ident).get(self.status_field)
        except Exception as e:
            if missing(e) and operation == "DELETE":
                return True
            raise failure(e, ti, ident)
        if status == "failed":
            raise HandlerError("NotStabilized", f"{self.what} {ident} is in the failed state; it did not become available")
        return operation != "DELETE" and status == "available"


class RDSDBCluster(RDSResource):
    what, status_field = "DB cluster", "Status"
    listing = ("describe_db_clusters", "DBClusters", "DBClusterIdentifier")
    creating = ("create_db_cluster", "CreateDBCluster")
    owned = ("DBClusterIdentifier", "Engine", "EngineVersion", "ServerlessV2ScalingConfiguration", "MasterUsername",
             "EnableHttpEndpoint", "Tags", "DBClusterArn", "DBClusterResourceId", "Endpoint", "ReadEndpoint")

    def _read(self, ti, ident):
        if S.region() != HOME:
            return None
        c = self._describe(ident)
        return clean({
            "DBClusterIdentifier": c["DBClusterIdentifier"], "Engine": c.get("Engine"),
            "EngineVersion": c.get("EngineVersion"), "MasterUsername": c.get("MasterUsername"),
            "ServerlessV2ScalingConfiguration": c.get("ServerlessV2ScalingConfiguration"),
            "EnableHttpEndpoint": bool(c.get("HttpEndpointEnabled")), "Tags": rds_tags(c),
            "DBClusterArn": c.get("DBClusterArn"), "DBClusterResourceId": c.get("DbClusterResourceId"),
            "Endpoint": {"Address": c.get("Endpoint"), "Port": None if c.get("Port") is None else str(c["Port"])},
            "ReadEndpoint": {"Address": c.get("ReaderEndpoint")},
        })

    def _update(self, ti, ident, old, new):
        home(ti)
        changes = changed("rds", "ModifyDBCluster", old, new, ("DBClusterIdentifier", "EnableHttpEndpoint"))
        if changes:
            call(ti, ident, "rds", "modify_db_cluster", DBClusterIdentifier=ident, ApplyImmediately=True, **changes)
        # The Data API's switch on a provisioned (Serverless v2) cluster; ModifyDBCluster's
        # EnableHttpEndpoint is for Serverless v1 only.
        if bool(new.get("EnableHttpEndpoint")) != bool(old.get("EnableHttpEndpoint")):
            op = "enable_http_endpoint" if new.get("EnableHttpEndpoint") else "disable_http_endpoint"
            call(ti, ident, "rds", op, ResourceArn=old["DBClusterArn"])
        retag_rds(ti, ident, old["DBClusterArn"], old, new)

    def _delete(self, ti, ident):
        home(ti)
        call(ti, ident, "rds", "delete_db_cluster", DBClusterIdentifier=ident, SkipFinalSnapshot=True)


class RDSDBInstance(RDSResource):
    what, status_field = "DB instance", "DBInstanceStatus"
    listing = ("describe_db_instances", "DBInstances", "DBInstanceIdentifier")
    creating = ("create_db_instance", "CreateDBInstance")
    owned = ("DBInstanceIdentifier", "DBClusterIdentifier", "DBInstanceClass", "Engine", "Tags", "DBInstanceArn",
             "DbiResourceId", "Endpoint")

    def _read(self, ti, ident):
        if S.region() != HOME:
            return None
        i = self._describe(ident)
        end = i.get("Endpoint") or {}
        return clean({
            "DBInstanceIdentifier": i["DBInstanceIdentifier"], "DBClusterIdentifier": i.get("DBClusterIdentifier"),
            "DBInstanceClass": i.get("DBInstanceClass"), "Engine": i.get("Engine"), "Tags": rds_tags(i),
            "DBInstanceArn": i.get("DBInstanceArn"), "DbiResourceId": i.get("DbiResourceId"),
            "Endpoint": {"Address": end.get("Address"), "Port": None if end.get("Port") is None else str(end["Port"])},
        })

    def _update(self, ti, ident, old, new):
        home(ti)
        changes = changed("rds", "ModifyDBInstance", old, new, ("DBInstanceIdentifier",))
        if changes:
            call(ti, ident, "rds", "modify_db_instance", **{"ApplyImmediately": True, **changes,
                                                            "DBInstanceIdentifier": ident})
        retag_rds(ti, ident, old["DBInstanceArn"], old, new)

    def _delete(self, ti, ident):
        home(ti)
        call(ti, ident, "rds", "delete_db_instance", DBInstanceIdentifier=ident, SkipFinalSnapshot=True)


# ------------------------------------------------------------------ ECS Express Mode

class ECSExpressGatewayService(Adapter):
    """The write-only properties (the service's configuration) are read from the active
    configuration once one is (the revision that answers), else as last asked for; a read
    never shows them, ActiveConfigurations does. `Endpoint` is the active configuration's
    ingress path: the URL the service answers on (in the sandbox,
    http://127.0.0.1:PORT/_express/CLUSTER/NAME). A service INACTIVE is gone."""
    owned = ("ServiceArn", "ServiceName", "Cluster", "InfrastructureRoleArn", "Status", "ActiveConfigurations",
             "CreatedAt", "UpdatedAt", "Endpoint", "Tags")
    config = ("ExecutionRoleArn", "TaskRoleArn", "PrimaryContainer", "HealthCheckPath", "Cpu", "Memory",
              "ScalingTarget", "NetworkConfiguration", "TaskDefinitionArn")

    def _create(self, ti, model):
        home(ti)
        model["ServiceName"] = model.get("ServiceName") or generated_name(ti, "ServiceName")
        made = call(ti, None, "ecs", "create_express_gateway_service",
                    **params("ecs", "CreateExpressGatewayService", model, lower_first))
        return made["service"]["serviceArn"]

    def _describe(self, ident):
        return native("ecs").describe_express_gateway_service(serviceArn=ident, include=["TAGS"])["service"]

    def _read(self, ti, ident):
        if S.region() != HOME:
            return None
        s = self._describe(ident)
        if s["status"]["statusCode"] == "INACTIVE":
            return None
        name = s["cluster"].rsplit("/", 1)[-1]
        asked = (STORE.read(ti, ident) or {}).get("Cluster")
        active = pascal(s.get("activeConfigurations") or [])
        out = {"ServiceArn": s["serviceArn"], "ServiceName": s["serviceName"],
               "Cluster": asked if asked in (name, s["cluster"]) else name,
               "InfrastructureRoleArn": s.get("infrastructureRoleArn"), "Status": pascal(s["status"]),
               "ActiveConfigurations": active, "CreatedAt": pascal(s.get("createdAt")),
               "UpdatedAt": pascal(s.get("updatedAt")), "Tags": pascal(s.get("tags")) or None}
        if active:
            out.update({k: v for k, v in active[0].items() if k in self.config})
            paths = active[0].get("IngressPaths") or [{}]
            out["Endpoint"] = paths[0].get("Endpoint")
        return clean(out)

    def _update(self, ti, ident, old, new):
        home(ti)
        changes = changed("ecs", "UpdateExpressGatewayService", old, new, ("serviceArn",), lower_first)
        if changes:
            call(ti, ident, "ecs", "update_express_gateway_service", serviceArn=ident, **changes)

    def _delete(self, ti, ident):
        home(ti)
        call(ti, ident, "ecs", "delete_express_gateway_service", serviceArn=ident)

    def _list(self, ti):
        with moto_common.SB.LOCK:
            return list(moto_common.SB.SERVICES) if S.region() == HOME else []

    def stabilized(self, ti, operation, ident):
        if operation == "DELETE":
            try:
                return self._describe(ident)["status"]["statusCode"] == "INACTIVE"
            except Exception as e:
                if missing(e):
                    return True
                raise failure(e, ti, ident)
        found = call(ti, ident, "ecs", "list_service_deployments", service=ident)["serviceDeployments"]
        latest = found[0] if found else {"status": "SUCCESSFUL"}
        if latest["status"] in ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED",
                                "ROLLBACK_IN_PROGRESS"):
            return False
        if latest["status"] != "SUCCESSFUL":
            raise HandlerError("NotStabilized", latest.get("statusReason")
                               or f"The deployment of {ident} ended {latest['status']}")
        return True
