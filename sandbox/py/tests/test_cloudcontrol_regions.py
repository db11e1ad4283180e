"""The sandbox's Cloud Control API is regional, as AWS's: a request is carried out in the
region its SigV4 signature names, and one region does not see another's resources,
request tokens or client tokens (the global services' resources excepted).

Run: target/sandbox/venv/bin/python -m unittest discover -s sandbox/py/tests -v
(see harness.py for which sandbox it talks to)."""

import json
import os
import time
import unittest

from botocore.exceptions import ClientError

import harness

ACCOUNT = "123456789012"
QUEUE = "AWS::SQS::Queue"
DEST = "AWS::Logs::Destination"  # no moto model: the generic store
EU, US = "eu-west-1", "us-east-1"


def code(e):
    return e.response["Error"]["Code"]


class RegionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cc = {r: harness.client("cloudcontrol", r) for r in (EU, US)}
        cls.sqs = {r: harness.client("sqs", r) for r in (EU, US)}

    def setUp(self):
        harness.reset()
        harness.configure(cloudcontrol_delay=0, cloudcontrol_fail=0, fault_share=0)

    def tearDown(self):
        harness.configure(cloudcontrol_delay=0, cloudcontrol_fail=0, fault_share=0)
        self.assertEqual(harness.violations(), [], "answers AWS could not give (conformance.py)")

    # ------------------------------------------------------------ helpers

    def wait(self, region, event, timeout=30):
        deadline = time.time() + timeout
        while True:
            ev = self.cc[region].get_resource_request_status(RequestToken=event["RequestToken"])["ProgressEvent"]
            if ev["OperationStatus"] not in ("PENDING", "IN_PROGRESS", "CANCEL_IN_PROGRESS"):
                return ev
            self.assertLess(time.time(), deadline, f"request {event['RequestToken']} still {ev['OperationStatus']}")
            time.sleep(0.05)

    def create(self, region, type_name, model, ok=True):
        ev = self.cc[region].create_resource(TypeName=type_name, DesiredState=json.dumps(model))["ProgressEvent"]
        done = self.wait(region, ev)
        if ok:
            self.assertEqual(done["OperationStatus"], "SUCCESS", done)
        return done

    def read(self, region, type_name, ident):
        d = self.cc[region].get_resource(TypeName=type_name, Identifier=ident)["ResourceDescription"]
        return json.loads(d["Properties"])

    def not_found(self, region, type_name, ident):
        with self.assertRaises(ClientError, msg=f"{type_name} {ident} seen from {region}") as e:
            self.read(region, type_name, ident)
        self.assertEqual(code(e.exception), "ResourceNotFoundException")

    def listed(self, region, type_name):
        page = self.cc[region].list_resources(TypeName=type_name)
        return sorted(d["Identifier"] for d in page["ResourceDescriptions"])

    def queue_exists(self, region, name):
        # The sqs client signed for `region` is answered by moto's backend of that region.
        try:
            self.sqs[region].get_queue_url(QueueName=name)
            return True
        except ClientError as e:
            self.assertIn(code(e), ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"))
            return False

    # ------------------------------------------------------------ tests

    def test_queue_is_created_in_the_signed_region(self):
        harness.configure(cloudcontrol_delay=0.2)  # carried out later, by a timer, in the request's region
        url = self.create(EU, QUEUE, {"QueueName": "jobs"})["Identifier"]
        self.assertEqual(url, f"https://sqs.{EU}.amazonaws.com/{ACCOUNT}/jobs")
        self.assertTrue(self.queue_exists(EU, "jobs"))
        self.assertFalse(self.queue_exists(US, "jobs"))
        if not os.environ.get("FORMAE_SANDBOX_URL"):  # moto runs in this process: its backends, directly
            from moto.backends import get_backend
            backends = get_backend("sqs")[ACCOUNT]
            self.assertIn("jobs", backends[EU].queues)
            self.assertNotIn("jobs", backends[US].queues)

        model = self.read(EU, QUEUE, url)
        self.assertEqual((model["Arn"], model["QueueUrl"]), (f"arn:aws:sqs:{EU}:{ACCOUNT}:jobs", url))
        self.not_found(US, QUEUE, url)
        self.assertEqual(self.listed(EU, QUEUE), [url])
        self.assertEqual(self.listed(US, QUEUE), [])

    def test_same_queue_name_in_two_regions_is_two_queues(self):
        eu = self.create(EU, QUEUE, {"QueueName": "jobs", "VisibilityTimeout": 45})["Identifier"]
        us = self.create(US, QUEUE, {"QueueName": "jobs", "VisibilityTimeout": 60})["Identifier"]
        self.assertNotEqual(eu, us)
        self.assertEqual(self.read(EU, QUEUE, eu)["VisibilityTimeout"], 45)
        self.assertEqual(self.read(US, QUEUE, us)["VisibilityTimeout"], 60)
        self.assertEqual(self.listed(EU, QUEUE), [eu])
        self.assertEqual(self.listed(US, QUEUE), [us])

        ev = self.cc[US].delete_resource(TypeName=QUEUE, Identifier=us)["ProgressEvent"]
        self.assertEqual(self.wait(US, ev)["OperationStatus"], "SUCCESS")
        self.not_found(US, QUEUE, us)
        self.assertFalse(self.queue_exists(US, "jobs"))
        self.assertTrue(self.queue_exists(EU, "jobs"))
        self.assertEqual(self.read(EU, QUEUE, eu)["VisibilityTimeout"], 45)
        self.assertEqual(self.listed(EU, QUEUE), [eu])

    def test_generic_store_and_tokens_are_regional(self):
        dest = {"DestinationName": "d", "TargetArn": f"arn:aws:kinesis:{EU}:{ACCOUNT}:stream/s",
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/logs"}
        first = self.cc[EU].create_resource(TypeName=DEST, DesiredState=json.dumps(dest),
                                            ClientToken="tok")["ProgressEvent"]
        self.assertEqual(self.wait(EU, first)["OperationStatus"], "SUCCESS")
        self.assertTrue(self.read(EU, DEST, "d")["Arn"].startswith(f"arn:aws:logs:{EU}:{ACCOUNT}:"))
        self.not_found(US, DEST, "d")
        with self.assertRaises(ClientError) as e:
            self.cc[US].get_resource_request_status(RequestToken=first["RequestToken"])
        self.assertEqual(code(e.exception), "RequestTokenNotFoundException")
        self.assertEqual(self.cc[US].list_resource_requests()["ResourceRequestStatusSummaries"], [])

        # The same client token in another region is another request, not a replay.
        role = f"arn:aws:iam::{ACCOUNT}:role/other"
        other = self.cc[US].create_resource(TypeName=DEST, DesiredState=json.dumps({**dest, "RoleArn": role}),
                                            ClientToken="tok")["ProgressEvent"]
        self.assertNotEqual(other["RequestToken"], first["RequestToken"])
        self.assertEqual(self.wait(US, other)["OperationStatus"], "SUCCESS")
        self.assertEqual((self.read(EU, DEST, "d")["RoleArn"], self.read(US, DEST, "d")["RoleArn"]),
                         (dest["RoleArn"], role))
        self.assertEqual((self.listed(EU, DEST), self.listed(US, DEST)), (["d"], ["d"]))

    def test_global_service_is_one_set_for_every_region(self):
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "lambda.amazonaws.com"}}]}
        self.create(EU, "AWS::IAM::Role", {"RoleName": "fn-role", "AssumeRolePolicyDocument": trust})
        self.assertEqual(self.read(US, "AWS::IAM::Role", "fn-role")["Arn"], f"arn:aws:iam::{ACCOUNT}:role/fn-role")
        done = self.create(US, "AWS::IAM::Role", {"RoleName": "fn-role", "AssumeRolePolicyDocument": trust}, ok=False)
        self.assertEqual(done["ErrorCode"], "AlreadyExists")

    def test_bucket_is_read_in_its_region_and_listed_in_all(self):
        self.create(EU, "AWS::S3::Bucket", {"BucketName": "eu-bucket"})
        self.assertEqual(self.read(EU, "AWS::S3::Bucket", "eu-bucket")["BucketName"], "eu-bucket")
        self.not_found(US, "AWS::S3::Bucket", "eu-bucket")
        self.assertEqual(self.listed(US, "AWS::S3::Bucket"), ["eu-bucket"])  # as AWS's list handler answers
        done = self.create(US, "AWS::S3::Bucket", {"BucketName": "eu-bucket"}, ok=False)  # names are global
        self.assertEqual(done["ErrorCode"], "AlreadyExists")

    def test_region_of_a_request(self):
        import cloudcontrol
        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/ap-south-1/cloudcontrolapi/aws4_request, "
                                   "SignedHeaders=host;x-amz-date, Signature=0"}
        self.assertEqual(cloudcontrol.request_region(signed), "ap-south-1")
        self.assertEqual(cloudcontrol.request_region({}), "us-east-1")


if __name__ == "__main__":
    unittest.main()
