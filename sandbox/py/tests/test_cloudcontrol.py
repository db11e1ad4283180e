"""The sandbox's Cloud Control API (cloudcontrol.py), through boto3's `cloudcontrol` client.

Run: target/sandbox/venv/bin/python -m unittest discover -s sandbox/py/tests -v
(see harness.py for which sandbox it talks to)."""

import json
import time
import unittest

from botocore.exceptions import ClientError

import harness

DEST = "AWS::Logs::Destination"  # no moto model: the generic store


def code(e):
    return e.response["Error"]["Code"]


class CloudControlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cc = harness.client("cloudcontrol")

    def setUp(self):
        harness.reset()
        harness.configure(cloudcontrol_delay=0, cloudcontrol_fail=0, fault_share=0)

    def tearDown(self):
        harness.configure(cloudcontrol_delay=0, cloudcontrol_fail=0, fault_share=0)
        self.assertEqual(harness.violations(), [], "answers AWS could not give (conformance.py)")

    # ------------------------------------------------------------ helpers

    def wait(self, event, timeout=30):
        token = event["RequestToken"]
        deadline = time.time() + timeout
        while True:
            ev = self.cc.get_resource_request_status(RequestToken=token)["ProgressEvent"]
            if ev["OperationStatus"] not in ("PENDING", "IN_PROGRESS", "CANCEL_IN_PROGRESS"):
                return ev
            self.assertLess(time.time(), deadline, f"request {token} still {ev['OperationStatus']}")
            time.sleep(0.05)

    def create(self, type_name, model, ok=True, **kw):
        ev = self.cc.create_resource(TypeName=type_name, DesiredState=json.dumps(model), **kw)["ProgressEvent"]
        self.assertEqual(ev["OperationStatus"], "IN_PROGRESS")
        self.assertEqual(ev["Operation"], "CREATE")
        done = self.wait(ev)
        if ok:
            self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        return done

    def read(self, type_name, ident):
        d = self.cc.get_resource(TypeName=type_name, Identifier=ident)["ResourceDescription"]
        return json.loads(d["Properties"])

    def update(self, type_name, ident, patch, ok=True):
        ev = self.cc.update_resource(TypeName=type_name, Identifier=ident, PatchDocument=json.dumps(patch))["ProgressEvent"]
        done = self.wait(ev)
        if ok:
            self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        return done

    def delete(self, type_name, ident, ok=True):
        ev = self.cc.delete_resource(TypeName=type_name, Identifier=ident)["ProgressEvent"]
        self.assertEqual(ev["Identifier"], ident)
        done = self.wait(ev)
        if ok:
            self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        return done

    def listed(self, type_name, **kw):
        out, token = [], None
        while True:
            page = self.cc.list_resources(TypeName=type_name, **({"NextToken": token} if token else {}), **kw)
            out += page["ResourceDescriptions"]
            token = page.get("NextToken")
            if not token:
                return {d["Identifier"]: json.loads(d["Properties"]) for d in out}

    def destination(self, name="dest-1"):
        return {"DestinationName": name, "TargetArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
                "RoleArn": "arn:aws:iam::123456789012:role/logs"}

    # ------------------------------------------------------------ the generic store

    def test_generic_type_lifecycle(self):
        done = self.create(DEST, self.destination())
        self.assertEqual(done["Identifier"], "dest-1")
        self.assertIn("ResourceModel", done)
        model = self.read(DEST, "dest-1")
        self.assertEqual(model["TargetArn"], "arn:aws:kinesis:us-east-1:123456789012:stream/s")
        self.assertTrue(model["Arn"].startswith("arn:aws:logs:us-east-1:123456789012:"), model)

        self.update(DEST, "dest-1", [{"op": "add", "path": "/DestinationPolicy", "value": "{}"},
                                     {"op": "replace", "path": "/RoleArn", "value": "arn:aws:iam::123456789012:role/b"}])
        model = self.read(DEST, "dest-1")
        self.assertEqual(model["RoleArn"], "arn:aws:iam::123456789012:role/b")
        self.assertEqual(model["DestinationPolicy"], "{}")

        self.create(DEST, self.destination("dest-2"))
        self.assertEqual(sorted(self.listed(DEST)), ["dest-1", "dest-2"])
        page = self.cc.list_resources(TypeName=DEST, MaxResults=1)
        self.assertEqual(len(page["ResourceDescriptions"]), 1)
        self.assertIn("NextToken", page)

        self.delete(DEST, "dest-1")
        with self.assertRaises(ClientError) as e:
            self.read(DEST, "dest-1")
        self.assertEqual(code(e.exception), "ResourceNotFoundException")
        self.assertEqual(sorted(self.listed(DEST)), ["dest-2"])

    def test_service_assigned_and_composite_identifiers(self):
        # SecretsManager::Secret: Id is read-only, assigned by the service.
        done = self.create("AWS::SecretsManager::Secret", {"Name": "app/db"})
        ident = done["Identifier"]
        self.assertTrue(ident)
        self.assertEqual(self.read("AWS::SecretsManager::Secret", ident)["Id"], ident)
        # A type whose identifier has two properties answers them joined with "|".
        ti = __import__("cloudcontrol_schemas").info("AWS::ApiGateway::Stage")
        self.assertEqual(ti.primary, ["RestApiId", "StageName"])
        done = self.create("AWS::ApiGateway::Stage", {"RestApiId": "abc123", "StageName": "prod"})
        self.assertEqual(done["Identifier"], "abc123|prod")
        self.assertEqual(self.read("AWS::ApiGateway::Stage", "abc123|prod")["StageName"], "prod")
        # The identifier may be given as a JSON object of its properties.
        model = self.read("AWS::ApiGateway::Stage", json.dumps({"RestApiId": "abc123", "StageName": "prod"}))
        self.assertEqual(model["RestApiId"], "abc123")

    def test_already_exists_and_not_found(self):
        self.create(DEST, self.destination())
        done = self.create(DEST, self.destination(), ok=False)
        self.assertEqual((done["OperationStatus"], done["ErrorCode"]), ("FAILED", "AlreadyExists"))
        with self.assertRaises(ClientError) as e:
            self.read(DEST, "missing")
        self.assertEqual(code(e.exception), "ResourceNotFoundException")
        done = self.delete(DEST, "missing", ok=False)
        self.assertEqual((done["OperationStatus"], done["ErrorCode"]), ("FAILED", "NotFound"))
        with self.assertRaises(ClientError) as e:
            self.cc.update_resource(TypeName=DEST, Identifier="missing",
                                    PatchDocument=json.dumps([{"op": "add", "path": "/DestinationPolicy", "value": "{}"}]))
        self.assertEqual(code(e.exception), "ResourceNotFoundException")

    def test_unknown_type_and_unsupported_actions(self):
        with self.assertRaises(ClientError) as e:
            self.cc.get_resource(TypeName="AWS::Nope::Thing", Identifier="x")
        self.assertEqual(code(e.exception), "TypeNotFoundException")
        with self.assertRaises(ClientError) as e:
            self.cc.create_resource(TypeName="AWS::Nope::Thing", DesiredState="{}")
        self.assertEqual(code(e.exception), "TypeNotFoundException")
        # SQS::QueuePolicy has no read handler; SubnetRouteTableAssociation no update;
        # ECS::ExpressGatewayService no list; DocDB::DBCluster no handlers at all.
        for call, kw in (("get_resource", {"TypeName": "AWS::SQS::QueuePolicy", "Identifier": "x"}),
                         ("update_resource", {"TypeName": "AWS::EC2::SubnetRouteTableAssociation", "Identifier": "x",
                                              "PatchDocument": "[]"}),
                         ("list_resources", {"TypeName": "AWS::ECS::ExpressGatewayService"}),
                         ("create_resource", {"TypeName": "AWS::DocDB::DBCluster", "DesiredState": "{}"})):
            with self.assertRaises(ClientError, msg=call) as e:
                getattr(self.cc, call)(**kw)
            self.assertEqual(code(e.exception), "UnsupportedActionException", call)

    def test_validation(self):
        with self.assertRaises(ClientError) as e:
            self.cc.create_resource(TypeName=DEST, DesiredState=json.dumps({"DestinationName": "d"}))
        self.assertEqual(code(e.exception), "ValidationException")
        self.assertIn("required key [TargetArn] not found", str(e.exception))
        with self.assertRaises(ClientError) as e:
            self.cc.create_resource(TypeName=DEST, DesiredState=json.dumps({**self.destination(), "Bogus": 1}))
        self.assertIn("extraneous key [Bogus] is not permitted", str(e.exception))
        with self.assertRaises(ClientError) as e:
            self.cc.create_resource(TypeName="AWS::Logs::LogGroup", DesiredState=json.dumps({"RetentionInDays": "7"}))
        self.assertIn("#/RetentionInDays: expected type: Integer, found: String", str(e.exception))

    def test_read_only_properties_are_refused(self):
        with self.assertRaises(ClientError) as e:
            self.cc.create_resource(TypeName=DEST, DesiredState=json.dumps({**self.destination(), "Arn": "arn:x"}))
        self.assertEqual(code(e.exception), "InvalidRequestException")
        self.assertIn("/properties/Arn", str(e.exception))
        self.create(DEST, self.destination())
        with self.assertRaises(ClientError) as e:
            self.cc.update_resource(TypeName=DEST, Identifier="dest-1",
                                    PatchDocument=json.dumps([{"op": "add", "path": "/Arn", "value": "arn:x"}]))
        self.assertEqual(code(e.exception), "ValidationException")
        self.assertIn("readOnlyProperties [/properties/Arn] cannot be updated", str(e.exception))

    def test_create_only_properties_are_not_updatable(self):
        self.create(DEST, self.destination())
        with self.assertRaises(ClientError) as e:
            self.cc.update_resource(TypeName=DEST, Identifier="dest-1", PatchDocument=json.dumps(
                [{"op": "replace", "path": "/DestinationName", "value": "other"}]))
        self.assertEqual(code(e.exception), "NotUpdatableException")
        self.assertIn("createOnlyProperties [/properties/DestinationName] cannot be updated", str(e.exception))
        with self.assertRaises(ClientError) as e:
            self.cc.update_resource(TypeName=DEST, Identifier="dest-1", PatchDocument="not json")
        self.assertEqual(code(e.exception), "InvalidRequestException")

    def test_write_only_properties(self):
        secret = "AWS::SecretsManager::Secret"
        sm = harness.client("secretsmanager")
        ident = self.create(secret, {"Name": "s", "SecretString": "hunter2"})["Identifier"]
        self.assertEqual(ident, sm.describe_secret(SecretId="s")["ARN"])
        self.assertEqual(sm.get_secret_value(SecretId="s")["SecretString"], "hunter2")
        model = self.read(secret, ident)
        self.assertNotIn("SecretString", model)
        self.assertEqual(model["Name"], "s")
        self.assertNotIn("hunter2", json.dumps(self.listed(secret)))
        with self.assertRaises(ClientError) as e:
            self.cc.update_resource(TypeName=secret, Identifier=ident, PatchDocument=json.dumps(
                [{"op": "replace", "path": "/SecretString", "value": "x"}]))
        self.assertEqual(code(e.exception), "InvalidRequestException")
        self.assertIn("can only be updated using 'add' operation", str(e.exception))
        self.update(secret, ident, [{"op": "add", "path": "/SecretString", "value": "x"},
                                    {"op": "add", "path": "/Description", "value": "d"}])
        self.assertEqual(self.read(secret, ident)["Description"], "d")
        self.assertEqual(sm.get_secret_value(SecretId="s")["SecretString"], "x")
        # A value put by hand since is replaced by the one sent, though it is the one last asked.
        sm.put_secret_value(SecretId="s", SecretString="typed-by-hand")
        self.update(secret, ident, [{"op": "add", "path": "/SecretString", "value": "x"}])
        self.assertEqual(sm.get_secret_value(SecretId="s")["SecretString"], "x")
        # A generated value, and the name held for a while after a (forced) deletion.
        other = self.create(secret, {"Name": "gen", "GenerateSecretString": {
            "SecretStringTemplate": '{"username": "app"}', "GenerateStringKey": "password", "PasswordLength": 20,
            "ExcludePunctuation": True}})["Identifier"]
        value = json.loads(sm.get_secret_value(SecretId="gen")["SecretString"])
        self.assertEqual((value["username"], len(value["password"])), ("app", 20))
        self.delete(secret, other)
        done = self.create(secret, {"Name": "gen"}, ok=False)
        self.assertEqual(done["ErrorCode"], "InvalidRequest")
        # Lambda's Code holds write-only members only: it is left out whole.
        import cloudcontrol_schemas as S
        self.assertEqual(S.strip({"Code": {"ZipFile": "x"}, "Role": "r"}, S.info("AWS::Lambda::Function").write_only),
                         {"Role": "r"})

    def test_client_token_idempotency(self):
        first = self.cc.create_resource(TypeName=DEST, DesiredState=json.dumps(self.destination()),
                                        ClientToken="tok-1")["ProgressEvent"]
        again = self.cc.create_resource(TypeName=DEST, DesiredState=json.dumps(self.destination()),
                                        ClientToken="tok-1")["ProgressEvent"]
        self.assertEqual(first["RequestToken"], again["RequestToken"])
        self.assertEqual(again["OperationStatus"], "SUCCESS")  # not a second create (AlreadyExists)
        with self.assertRaises(ClientError) as e:
            self.cc.create_resource(TypeName=DEST, DesiredState=json.dumps(self.destination("dest-2")),
                                    ClientToken="tok-1")
        self.assertEqual(code(e.exception), "ClientTokenConflictException")
        d1 = self.cc.delete_resource(TypeName=DEST, Identifier="dest-1", ClientToken="tok-2")["ProgressEvent"]
        d2 = self.cc.delete_resource(TypeName=DEST, Identifier="dest-1", ClientToken="tok-2")["ProgressEvent"]
        self.assertEqual(d1["RequestToken"], d2["RequestToken"])
        self.assertEqual(self.wait(d2)["OperationStatus"], "SUCCESS")

    def test_delay_concurrency_and_cancel(self):
        harness.configure(cloudcontrol_delay=1.0)
        ev = self.cc.create_resource(TypeName=DEST, DesiredState=json.dumps(self.destination()))["ProgressEvent"]
        status = self.cc.get_resource_request_status(RequestToken=ev["RequestToken"])["ProgressEvent"]
        self.assertEqual(status["OperationStatus"], "IN_PROGRESS")
        self.assertIn("RetryAfter", status)
        with self.assertRaises(ClientError) as e:
            self.cc.delete_resource(TypeName=DEST, Identifier="dest-1")
        self.assertEqual(code(e.exception), "ConcurrentOperationException")
        self.assertEqual(self.wait(ev)["OperationStatus"], "SUCCESS")

        ev = self.cc.delete_resource(TypeName=DEST, Identifier="dest-1")["ProgressEvent"]
        cancelled = self.cc.cancel_resource_request(RequestToken=ev["RequestToken"])["ProgressEvent"]
        self.assertEqual(cancelled["OperationStatus"], "CANCEL_IN_PROGRESS")
        self.assertEqual(self.wait(ev)["OperationStatus"], "CANCEL_COMPLETE")
        self.read(DEST, "dest-1")  # never deleted
        with self.assertRaises(ClientError) as e:
            self.cc.cancel_resource_request(RequestToken=ev["RequestToken"])
        self.assertEqual(code(e.exception), "ConcurrentModificationException")
        with self.assertRaises(ClientError) as e:
            self.cc.get_resource_request_status(RequestToken="nope")
        self.assertEqual(code(e.exception), "RequestTokenNotFoundException")

        done = self.cc.list_resource_requests(ResourceRequestStatusFilter={"Operations": ["DELETE"]})
        self.assertEqual([(s["Operation"], s["OperationStatus"]) for s in done["ResourceRequestStatusSummaries"]],
                         [("DELETE", "CANCEL_COMPLETE")])
        done = self.cc.list_resource_requests(ResourceRequestStatusFilter={"OperationStatuses": ["SUCCESS"]})
        self.assertEqual([s["Operation"] for s in done["ResourceRequestStatusSummaries"]], ["CREATE"])

    def test_injected_faults(self):
        harness.configure(cloudcontrol_fail=1, fault_seed=7)
        done = self.create(DEST, self.destination(), ok=False)
        self.assertEqual(done["OperationStatus"], "FAILED")
        self.assertIn(done["ErrorCode"], ("Throttling", "ServiceInternalError"))
        with self.assertRaises(ClientError):
            self.read(DEST, "dest-1")  # not carried out
        self.assertEqual(sum(v for k, v in harness.get("/_sandbox/faults").items() if k.startswith("CloudControl:")), 1)
        self.create(DEST, self.destination())  # the next one succeeds
        harness.configure(fault_share=1.0, fault_seed=1)
        with self.assertRaises(ClientError) as e:
            self.read(DEST, "dest-1")
        self.assertIn(code(e.exception), ("ThrottlingException", "InternalFailure"))
        harness.configure(fault_share=0)

    def test_reset_forgets_everything(self):
        done = self.create(DEST, self.destination())
        harness.reset()
        with self.assertRaises(ClientError):
            self.read(DEST, "dest-1")
        with self.assertRaises(ClientError) as e:
            self.cc.get_resource_request_status(RequestToken=done["RequestToken"])
        self.assertEqual(code(e.exception), "RequestTokenNotFoundException")

    # ------------------------------------------------------------ moto-backed types

    def test_s3_bucket_through_moto(self):
        s3 = harness.client("s3")
        self.create("AWS::S3::Bucket", {"BucketName": "cc-bucket-one", "Tags": [{"Key": "team", "Value": "a"}]})
        self.assertIn("cc-bucket-one", [b["Name"] for b in s3.list_buckets()["Buckets"]])
        self.assertEqual(s3.get_bucket_tagging(Bucket="cc-bucket-one")["TagSet"], [{"Key": "team", "Value": "a"}])
        model = self.read("AWS::S3::Bucket", "cc-bucket-one")
        self.assertEqual(model["Arn"], "arn:aws:s3:::cc-bucket-one")
        self.assertIn("DomainName", model)

        self.update("AWS::S3::Bucket", "cc-bucket-one",
                    [{"op": "add", "path": "/VersioningConfiguration", "value": {"Status": "Enabled"}}])
        self.assertEqual(s3.get_bucket_versioning(Bucket="cc-bucket-one")["Status"], "Enabled")
        self.assertEqual(self.read("AWS::S3::Bucket", "cc-bucket-one")["VersioningConfiguration"], {"Status": "Enabled"})

        # Made through the native API: Cloud Control reads and lists it.
        s3.create_bucket(Bucket="native-bucket")
        s3.put_bucket_tagging(Bucket="native-bucket", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        self.assertEqual(self.read("AWS::S3::Bucket", "native-bucket")["Tags"], [{"Key": "k", "Value": "v"}])
        self.assertEqual(sorted(self.listed("AWS::S3::Bucket")), ["cc-bucket-one", "native-bucket"])

        # A bucket policy, on a bucket made through Cloud Control.
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                          "Resource": "arn:aws:s3:::cc-bucket-one/*"}]}
        self.create("AWS::S3::BucketPolicy", {"Bucket": "cc-bucket-one", "PolicyDocument": policy})
        self.assertEqual(json.loads(s3.get_bucket_policy(Bucket="cc-bucket-one")["Policy"]), policy)
        self.assertEqual(self.read("AWS::S3::BucketPolicy", "cc-bucket-one")["PolicyDocument"], policy)
        self.delete("AWS::S3::BucketPolicy", "cc-bucket-one")

        self.delete("AWS::S3::Bucket", "cc-bucket-one")
        self.assertNotIn("cc-bucket-one", [b["Name"] for b in s3.list_buckets()["Buckets"]])
        # Deleted through the native API: gone for Cloud Control too.
        s3.delete_bucket(Bucket="native-bucket")
        with self.assertRaises(ClientError):
            self.read("AWS::S3::Bucket", "native-bucket")
        # A create with a taken name fails as AWS's does.
        s3.create_bucket(Bucket="taken-bucket")
        done = self.create("AWS::S3::Bucket", {"BucketName": "taken-bucket"}, ok=False)
        self.assertEqual(done["ErrorCode"], "AlreadyExists")

    def test_messaging_and_data_types_through_moto(self):
        sqs, sns, ddb, ssm, logs = (harness.client(s) for s in ("sqs", "sns", "dynamodb", "ssm", "logs"))
        url = self.create("AWS::SQS::Queue", {"QueueName": "jobs", "VisibilityTimeout": 45})["Identifier"]
        self.assertEqual(url, "https://sqs.us-east-1.amazonaws.com/123456789012/jobs")
        attrs = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="jobs")["QueueUrl"],
                                         AttributeNames=["VisibilityTimeout"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "45")
        model = self.read("AWS::SQS::Queue", url)
        self.assertEqual((model["VisibilityTimeout"], model["Arn"]), (45, "arn:aws:sqs:us-east-1:123456789012:jobs"))
        self.update("AWS::SQS::Queue", url, [{"op": "replace", "path": "/VisibilityTimeout", "value": 60}])
        self.assertEqual(self.read("AWS::SQS::Queue", url)["VisibilityTimeout"], 60)
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                       "Action": "sqs:SendMessage", "Resource": "*"}]}
        policy = self.create("AWS::SQS::QueuePolicy", {"Queues": [url], "PolicyDocument": doc})
        self.assertIn("Policy", sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="jobs")["QueueUrl"],
                                                         AttributeNames=["Policy"])["Attributes"])
        self.delete("AWS::SQS::QueuePolicy", policy["Identifier"])

        topic = self.create("AWS::SNS::Topic", {"TopicName": "events", "DisplayName": "Events"})["Identifier"]
        self.assertIn(topic, [t["TopicArn"] for t in sns.list_topics()["Topics"]])
        sub = self.create("AWS::SNS::Subscription", {"TopicArn": topic, "Protocol": "sqs", "Endpoint":
                                                     "arn:aws:sqs:us-east-1:123456789012:jobs"})["Identifier"]
        self.assertEqual([s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]],
                         [sub])
        self.assertEqual(self.read("AWS::SNS::Subscription", sub)["Protocol"], "sqs")
        self.delete("AWS::SNS::Subscription", sub)
        self.update("AWS::SNS::Topic", topic, [{"op": "replace", "path": "/DisplayName", "value": "Other"}])
        self.assertEqual(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"], "Other")
        self.delete("AWS::SNS::Topic", topic)

        table = {"TableName": "items", "BillingMode": "PAY_PER_REQUEST",
                 "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
        self.create("AWS::DynamoDB::Table", table)
        self.assertIn("items", ddb.list_tables()["TableNames"])
        model = self.read("AWS::DynamoDB::Table", "items")
        self.assertEqual((model["KeySchema"], model["BillingMode"]), (table["KeySchema"], "PAY_PER_REQUEST"))
        self.delete("AWS::DynamoDB::Table", "items")
        self.assertNotIn("items", ddb.list_tables()["TableNames"])

        self.create("AWS::SSM::Parameter", {"Name": "/app/mode", "Type": "String", "Value": "a"})
        self.assertEqual(ssm.get_parameter(Name="/app/mode")["Parameter"]["Value"], "a")
        self.update("AWS::SSM::Parameter", "/app/mode", [{"op": "replace", "path": "/Value", "value": "b"}])
        self.assertEqual(ssm.get_parameter(Name="/app/mode")["Parameter"]["Value"], "b")
        self.assertEqual(self.read("AWS::SSM::Parameter", "/app/mode")["Arn"],
                         "arn:aws:ssm:us-east-1:123456789012:parameter/app/mode")
        self.delete("AWS::SSM::Parameter", "/app/mode")

        self.create("AWS::Logs::LogGroup", {"LogGroupName": "/app/logs", "RetentionInDays": 7})
        groups = logs.describe_log_groups(logGroupNamePrefix="/app")["logGroups"]
        self.assertEqual([(g["logGroupName"], g.get("retentionInDays")) for g in groups], [("/app/logs", 7)])
        self.update("AWS::Logs::LogGroup", "/app/logs", [{"op": "replace", "path": "/RetentionInDays", "value": 14}])
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix="/app")["logGroups"][0]["retentionInDays"], 14)
        logs.create_log_group(logGroupName="/native")
        self.assertIn("/native", self.listed("AWS::Logs::LogGroup"))

    def test_identity_compute_and_events_through_moto(self):
        iam, lam, kms, events = (harness.client(s) for s in ("iam", "lambda", "kms", "events"))
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                         "Action": "sts:AssumeRole"}]}
        self.create("AWS::IAM::Role", {"RoleName": "fn-role", "AssumeRolePolicyDocument": trust,
                                       "Policies": [{"PolicyName": "p", "PolicyDocument": {
                                           "Version": "2012-10-17", "Statement": [
                                               {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}}]})
        role = iam.get_role(RoleName="fn-role")["Role"]
        self.assertEqual(self.read("AWS::IAM::Role", "fn-role")["Arn"], role["Arn"])
        self.assertEqual(iam.list_role_policies(RoleName="fn-role")["PolicyNames"], ["p"])
        self.update("AWS::IAM::Role", "fn-role", [{"op": "add", "path": "/Description", "value": "runs fn"}])
        self.assertEqual(iam.get_role(RoleName="fn-role")["Role"]["Description"], "runs fn")
        with self.assertRaises(ClientError) as e:
            self.cc.update_resource(TypeName="AWS::IAM::Role", Identifier="fn-role", PatchDocument=json.dumps(
                [{"op": "add", "path": "/Path", "value": "/x/"}]))
        self.assertEqual(code(e.exception), "NotUpdatableException")

        self.create("AWS::Lambda::Function", {"FunctionName": "fn", "Role": role["Arn"], "Runtime": "python3.12",
                                              "Handler": "index.handler",
                                              "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"}})
        self.assertEqual(lam.get_function(FunctionName="fn")["Configuration"]["Runtime"], "python3.12")
        model = self.read("AWS::Lambda::Function", "fn")
        self.assertNotIn("Code", model)
        self.assertEqual(model["Role"], role["Arn"])
        # Code is write-only and required: a patch without it fails validation, as on AWS
        # (the model a patch applies to is the one a read gives); it is sent again with add.
        with self.assertRaises(ClientError) as e:
            self.cc.update_resource(TypeName="AWS::Lambda::Function", Identifier="fn", PatchDocument=json.dumps(
                [{"op": "add", "path": "/MemorySize", "value": 256}]))
        self.assertIn("required key [Code] not found", str(e.exception))
        self.update("AWS::Lambda::Function", "fn", [{"op": "add", "path": "/MemorySize", "value": 256},
                                                    {"op": "add", "path": "/Code", "value": {"ZipFile": "x = 1"}}])
        self.assertEqual(lam.get_function(FunctionName="fn")["Configuration"]["MemorySize"], 256)
        self.delete("AWS::Lambda::Function", "fn")
        self.delete("AWS::IAM::Role", "fn-role")
        with self.assertRaises(ClientError):
            iam.get_role(RoleName="fn-role")

        key = self.create("AWS::KMS::Key", {"Description": "k"})["Identifier"]
        self.assertEqual(kms.describe_key(KeyId=key)["KeyMetadata"]["Description"], "k")
        self.update("AWS::KMS::Key", key, [{"op": "replace", "path": "/Description", "value": "k2"}])
        self.assertEqual(kms.describe_key(KeyId=key)["KeyMetadata"]["Description"], "k2")
        self.delete("AWS::KMS::Key", key)
        self.assertEqual(kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"], "PendingDeletion")
        with self.assertRaises(ClientError):
            self.read("AWS::KMS::Key", key)

        arn = self.create("AWS::Events::Rule", {"Name": "nightly", "ScheduleExpression": "rate(1 day)"})["Identifier"]
        self.assertEqual(arn, events.describe_rule(Name="nightly")["Arn"])
        self.update("AWS::Events::Rule", arn, [{"op": "add", "path": "/Description", "value": "d"}])
        self.assertEqual(events.describe_rule(Name="nightly")["Description"], "d")
        self.assertEqual(self.read("AWS::Events::Rule", json.dumps({"Arn": arn}))["Name"], "nightly")
        self.delete("AWS::Events::Rule", arn)

    def test_a_role_made_through_iam_is_taken_over_and_keeps_json_policies(self):
        iam = harness.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                         "Action": "sts:AssumeRole"}]}
        logs = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
        # An inline policy made through Cloud Control is kept as IAM keeps it: JSON.
        self.create("AWS::IAM::Role", {"RoleName": "made-here", "AssumeRolePolicyDocument": trust,
                                       "Policies": [{"PolicyName": "p", "PolicyDocument": logs}]})
        self.assertEqual(iam.get_role_policy(RoleName="made-here", PolicyName="p")["PolicyDocument"], logs)
        # Tags given at create are what IAM's own API lists, and it can add more.
        self.update("AWS::IAM::Role", "made-here", [{"op": "add", "path": "/Tags", "value": [{"Key": "a", "Value": "1"}]}])
        iam.tag_role(RoleName="made-here", Tags=[{"Key": "b", "Value": "2"}])
        self.assertEqual(iam.list_role_tags(RoleName="made-here")["Tags"], [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        # A role made through IAM's own API, then tagged and given policies by a Cloud
        # Control update (an adoption), is still read.
        iam.create_role(RoleName="made-by-hand", AssumeRolePolicyDocument=json.dumps(trust))
        self.update("AWS::IAM::Role", "made-by-hand", [
            {"op": "add", "path": "/Tags", "value": [{"Key": "formae:stack", "Value": "s"}]},
            {"op": "add", "path": "/Policies", "value": [{"PolicyName": "p", "PolicyDocument": logs}]}])
        model = self.read("AWS::IAM::Role", "made-by-hand")
        self.assertEqual(model["Tags"], [{"Key": "formae:stack", "Value": "s"}])
        self.assertEqual(model["Policies"], [{"PolicyName": "p", "PolicyDocument": logs}])

    def test_network_through_moto(self):
        ec2 = harness.client("ec2")
        vpc = self.create("AWS::EC2::VPC", {"CidrBlock": "10.1.0.0/16", "EnableDnsHostnames": True,
                                            "Tags": [{"Key": "Name", "Value": "cc"}]})["Identifier"]
        described = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]
        self.assertEqual((described["CidrBlock"], described["Tags"]), ("10.1.0.0/16", [{"Key": "Name", "Value": "cc"}]))
        model = self.read("AWS::EC2::VPC", vpc)
        self.assertTrue(model["EnableDnsHostnames"])
        self.assertTrue(model["DefaultSecurityGroup"].startswith("sg-"))
        subnet = self.create("AWS::EC2::Subnet", {"VpcId": vpc, "CidrBlock": "10.1.1.0/24",
                                                  "AvailabilityZone": "us-east-1a"})["Identifier"]
        self.assertEqual(ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["VpcId"], vpc)
        self.update("AWS::EC2::Subnet", subnet, [{"op": "add", "path": "/MapPublicIpOnLaunch", "value": True}])
        self.assertTrue(ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["MapPublicIpOnLaunch"])
        igw = self.create("AWS::EC2::InternetGateway", {})["Identifier"]
        attach = self.create("AWS::EC2::VPCGatewayAttachment", {"VpcId": vpc, "InternetGatewayId": igw})["Identifier"]
        self.assertEqual(attach, f"igw|{vpc}")
        self.assertEqual(ec2.describe_internet_gateways(InternetGatewayIds=[igw])["InternetGateways"][0]["Attachments"][0]["VpcId"], vpc)
        rt = self.create("AWS::EC2::RouteTable", {"VpcId": vpc})["Identifier"]
        route = self.create("AWS::EC2::Route", {"RouteTableId": rt, "DestinationCidrBlock": "0.0.0.0/0",
                                                "GatewayId": igw})["Identifier"]
        self.assertEqual(route, f"{rt}|0.0.0.0/0")
        self.assertEqual(self.read("AWS::EC2::Route", route)["GatewayId"], igw)
        self.assertEqual(list(self.listed("AWS::EC2::Route", ResourceModel=json.dumps({"RouteTableId": rt}))), [route])
        with self.assertRaises(ClientError) as e:
            self.cc.list_resources(TypeName="AWS::EC2::Route")
        self.assertEqual(code(e.exception), "InvalidRequestException")
        assoc = self.create("AWS::EC2::SubnetRouteTableAssociation", {"RouteTableId": rt, "SubnetId": subnet})["Identifier"]
        tables = ec2.describe_route_tables(RouteTableIds=[rt])["RouteTables"][0]
        self.assertEqual([a["SubnetId"] for a in tables["Associations"]], [subnet])
        sg = self.create("AWS::EC2::SecurityGroup", {
            "GroupDescription": "web", "VpcId": vpc,
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}]})["Identifier"]
        perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissions"]
        self.assertEqual([(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in perms], [(443, "0.0.0.0/0")])
        self.update("AWS::EC2::SecurityGroup", sg, [{"op": "replace", "path": "/SecurityGroupIngress/0/FromPort", "value": 80},
                                                    {"op": "replace", "path": "/SecurityGroupIngress/0/ToPort", "value": 80}])
        perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissions"]
        self.assertEqual([p["FromPort"] for p in perms], [80])

        # A VPC with a subnet cannot go: AWS's DependencyViolation, as a handler error.
        done = self.delete("AWS::EC2::VPC", vpc, ok=False)
        self.assertEqual(done["OperationStatus"], "FAILED")
        for type_name, ident in (("AWS::EC2::SecurityGroup", sg), ("AWS::EC2::SubnetRouteTableAssociation", assoc),
                                 ("AWS::EC2::Route", route), ("AWS::EC2::RouteTable", rt),
                                 ("AWS::EC2::VPCGatewayAttachment", attach), ("AWS::EC2::InternetGateway", igw),
                                 ("AWS::EC2::Subnet", subnet), ("AWS::EC2::VPC", vpc)):
            self.delete(type_name, ident)
            with self.assertRaises(ClientError, msg=type_name):
                self.read(type_name, ident)
        self.assertEqual(ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"], [])

    def test_other_moto_models(self):
        # A type with a moto CloudFormation model and no adapter of its own.
        ecr = harness.client("ecr")
        self.create("AWS::ECR::Repository", {"RepositoryName": "images"})
        self.assertEqual([r["repositoryName"] for r in ecr.describe_repositories()["repositories"]], ["images"])
        self.assertIn("Arn", self.read("AWS::ECR::Repository", "images"))
        self.delete("AWS::ECR::Repository", "images")
        self.assertEqual(ecr.describe_repositories()["repositories"], [])


if __name__ == "__main__":
    unittest.main()
