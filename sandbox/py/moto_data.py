"""moto adapters for where data lives and moves: S3::Bucket, S3::BucketPolicy, SQS::Queue,
SQS::QueuePolicy, SNS::Topic, SNS::Subscription and DynamoDB::Table."""

import copy
import json
import uuid

import cloudcontrol_schemas as S
from cloudcontrol_store import STORE, HandlerError, already_exists
from moto_common import Adapter, account, backend, bucket_here, generated_name, tags_dict, tags_list, translate


class S3Bucket(Adapter):
    owned = ("BucketName", "Arn", "DomainName", "DualStackDomainName", "RegionalDomainName", "WebsiteURL", "Tags",
             "VersioningConfiguration", "BucketEncryption")

    def s3(self):
        return backend("s3", "aws")

    def _create(self, ti, model):
        name = model.get("BucketName") or generated_name(ti, "BucketName", lower=True)
        model["BucketName"] = name
        self.cfn_create(ti.name, name, model)
        self._apply(name, {}, model)
        return name

    def _apply(self, name, old, new):
        s3 = self.s3()
        if new.get("VersioningConfiguration") != old.get("VersioningConfiguration") and new.get("VersioningConfiguration"):
            s3.put_bucket_versioning(name, new["VersioningConfiguration"].get("Status", "Suspended"))
        if new.get("BucketEncryption") != old.get("BucketEncryption"):
            if new.get("BucketEncryption"):
                from moto.s3.cloud_formation import cfn_to_api_encryption
                s3.put_bucket_encryption(name, cfn_to_api_encryption(new["BucketEncryption"]))
            else:
                s3.delete_bucket_encryption(name)
        if tags_dict(new.get("Tags")) != tags_dict(old.get("Tags")):
            s3.put_bucket_tagging(name, tags_dict(new.get("Tags")))

    def _read(self, ti, ident):
        s3 = self.s3()
        b = bucket_here(ident)
        if b is None:
            return None
        out = {"BucketName": b.name, "Arn": b.arn, "DomainName": b.domain_name,
               "DualStackDomainName": b.dual_stack_domain_name, "RegionalDomainName": b.regional_domain_name,
               "WebsiteURL": b.website_url}
        tags = tags_dict(s3.tagger.list_tags_for_resource(b.arn).get("Tags", []))
        if tags:
            out["Tags"] = tags_list(tags)
        if b.versioning_status:
            out["VersioningConfiguration"] = {"Status": b.versioning_status}
        if b.encryption:
            rule = b.encryption.get("Rule", {}).get("ApplyServerSideEncryptionByDefault", {})
            default = {"SSEAlgorithm": rule.get("SSEAlgorithm", "AES256")}
            if rule.get("KMSMasterKeyID"):
                default["KMSMasterKeyID"] = rule["KMSMasterKeyID"]
            out["BucketEncryption"] = {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": default}]}
        return out

    def _update(self, ti, ident, old, new):
        self._apply(ident, old, new)

    def _delete(self, ti, ident):
        if self.s3().delete_bucket(ident) is None:
            raise HandlerError("GeneralServiceException",
                               "The bucket you tried to delete is not empty (Service: S3, Status Code: 409)")

    def list(self, ti):
        # AWS's list handler answers the account's buckets of every region (ListBuckets),
        # though a read answers only the request's region's: each is read in its own.
        out = []
        for name, b in list(self.s3().buckets.items()):
            with S.in_region(b.region_name):
                model = self.read(ti, name)
            if model is not None:
                out.append((name, model))
        return out


class S3BucketPolicy(Adapter):
    """No CloudFormation model in moto: the bucket's policy through the s3 backend."""
    owned = ("Bucket", "PolicyDocument")

    def s3(self):
        return backend("s3", "aws")

    def _create(self, ti, model):
        self._put(model)
        return model["Bucket"]

    def _put(self, model):
        if bucket_here(model["Bucket"]) is None:
            raise HandlerError("NotFound", "The specified bucket does not exist")
        doc = model["PolicyDocument"]
        self.s3().put_bucket_policy(model["Bucket"], (doc if isinstance(doc, str) else json.dumps(doc)).encode())

    def _read(self, ti, ident):
        b = bucket_here(ident)
        if b is None or not b.policy:
            return None
        text = b.policy.decode() if isinstance(b.policy, bytes) else b.policy
        try:
            doc = json.loads(text)
        except ValueError:
            doc = text
        return {"Bucket": ident, "PolicyDocument": doc}

    def _update(self, ti, ident, old, new):
        self._put(new)

    def _delete(self, ti, ident):
        self.s3().delete_bucket_policy(ident)

    def _list(self, ti):
        return [n for n, b in self.s3().buckets.items() if b.policy and b.region_name == S.region()]


# ------------------------------------------------------------------ SQS

SQS_ATTRIBUTES = {  # CloudFormation property -> SQS attribute, and whether it is a number
    "DelaySeconds": ("DelaySeconds", True), "MaximumMessageSize": ("MaximumMessageSize", True),
    "MessageRetentionPeriod": ("MessageRetentionPeriod", True),
    "ReceiveMessageWaitTimeSeconds": ("ReceiveMessageWaitTimeSeconds", True),
    "VisibilityTimeout": ("VisibilityTimeout", True), "KmsMasterKeyId": ("KmsMasterKeyId", False),
    "KmsDataKeyReusePeriodSeconds": ("KmsDataKeyReusePeriodSeconds", True),
    "ContentBasedDeduplication": ("ContentBasedDeduplication", "bool"),
    "DeduplicationScope": ("DeduplicationScope", False), "FifoThroughputLimit": ("FifoThroughputLimit", False),
    "SqsManagedSseEnabled": ("SqsManagedSseEnabled", "bool"),
}


def queue_url(name):
    return f"https://sqs.{S.region()}.amazonaws.com/{account()}/{name}"


class SQSQueue(Adapter):
    owned = ("QueueUrl", "Arn", "QueueName", "FifoQueue", "RedrivePolicy", "Tags") + tuple(SQS_ATTRIBUTES)

    def sqs(self):
        return backend("sqs")

    def _create(self, ti, model):
        name = model.get("QueueName")
        if not name:
            name = generated_name(ti, "QueueName")[:75] + (".fifo" if model.get("FifoQueue") else "")
        model["QueueName"] = name
        if name in self.sqs().queues:
            raise already_exists(ti, queue_url(name))
        attrs = self._attributes(model)
        if model.get("FifoQueue"):
            attrs["FifoQueue"] = "true"
        self.sqs().create_queue(name, tags=tags_dict(model.get("Tags")), **attrs)
        return queue_url(name)

    @staticmethod
    def _attributes(model):
        attrs = {}
        for prop, (attr, _) in SQS_ATTRIBUTES.items():
            if prop in model:
                v = model[prop]
                attrs[attr] = str(v).lower() if isinstance(v, bool) else str(v)
        if "RedrivePolicy" in model:
            rp = model["RedrivePolicy"]
            attrs["RedrivePolicy"] = rp if isinstance(rp, str) else json.dumps(rp)
        if "RedriveAllowPolicy" in model:
            rp = model["RedriveAllowPolicy"]
            attrs["RedriveAllowPolicy"] = rp if isinstance(rp, str) else json.dumps(rp)
        return attrs

    def _queue(self, ident):
        name = ident.rstrip("/").rsplit("/", 1)[-1]
        return self.sqs().queues.get(name) if ident == queue_url(name) else None

    def _read(self, ti, ident):
        q = self._queue(ident)
        if q is None:
            return None
        attrs = q.attributes
        out = {"QueueUrl": ident, "Arn": q.queue_arn, "QueueName": q.name}
        for prop, (attr, kind) in SQS_ATTRIBUTES.items():
            v = attrs.get(attr)
            if v is None or v == "":
                continue
            if kind is True:
                v = int(v)
            elif kind == "bool":
                v = str(v).lower() == "true"
            out[prop] = v
        if str(attrs.get("FifoQueue", "false")).lower() == "true":
            out["FifoQueue"] = True
        if attrs.get("RedrivePolicy"):
            out["RedrivePolicy"] = json.loads(attrs["RedrivePolicy"])
        if q.tags:
            out["Tags"] = tags_list(q.tags)
        return out

    def _update(self, ti, ident, old, new):
        q = self._queue(ident)
        attrs = self._attributes(new)
        if attrs:
            if q.policy:  # moto's SetQueueAttributes drops a policy not given again; SQS keeps it
                attrs["Policy"] = q.policy
            self.sqs().set_queue_attributes(q.name, attrs)
        if tags_dict(new.get("Tags")) != tags_dict(old.get("Tags")):
            q.tags = tags_dict(new.get("Tags"))

    def _delete(self, ti, ident):
        self.sqs().delete_queue(self._queue(ident).name)

    def _list(self, ti):
        return [queue_url(n) for n in self.sqs().queues]


class SQSQueuePolicy(Adapter):
    """No read or list handler (the schema has none); the policy is set on each queue."""
    owned = ()

    def sqs(self):
        return backend("sqs")

    def _set(self, urls, doc):
        for url in urls:
            name = url.rstrip("/").rsplit("/", 1)[-1]
            value = "" if doc is None else (doc if isinstance(doc, str) else json.dumps(doc))
            self.sqs().set_queue_attributes(self.sqs().get_queue(name).name, {"Policy": value})

    def _create(self, ti, model):
        self._set(model["Queues"], model["PolicyDocument"])
        return S.mint(ti, "Id") if "Id" in ti.properties else uuid.uuid4().hex

    def _read(self, ti, ident):
        return {} if STORE.read(ti, ident) is not None else None

    def _update(self, ti, ident, old, new):
        gone = [q for q in old.get("Queues", []) if q not in new.get("Queues", [])]
        self._set(gone, None)
        self._set(new["Queues"], new["PolicyDocument"])

    def _delete(self, ti, ident):
        record = STORE.read(ti, ident) or {}
        try:
            self._set(record.get("Queues", []), None)
        except Exception:
            pass

    def _list(self, ti):
        return [i for i, _ in STORE.list(ti)]

    def create(self, ti, desired):
        model = copy.deepcopy(desired)
        try:
            ident = self._create(ti, model)
        except Exception as e:
            raise translate(e, ti)
        model["Id"] = ident
        STORE.put(ti, ident, model)
        return ident, model


# ------------------------------------------------------------------ SNS

TOPIC_ATTRIBUTES = {"DisplayName": "display_name", "KmsMasterKeyId": "kms_master_key_id",
                    "SignatureVersion": "signature_version", "TracingConfig": "tracing_config",
                    "ContentBasedDeduplication": "content_based_deduplication", "FifoTopic": "fifo_topic"}


class SNSTopic(Adapter):
    owned = ("TopicArn", "TopicName", "DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication",
             "Tags")

    def sns(self):
        return backend("sns")

    def _create(self, ti, model):
        name = model.get("TopicName") or (generated_name(ti, "TopicName")[:250] + (".fifo" if model.get("FifoTopic") else ""))
        model["TopicName"] = name
        arn = f"arn:aws:sns:{S.region()}:{account()}:{name}"
        if arn in self.sns().topics:
            raise already_exists(ti, arn)
        attrs = {}
        for prop in ("DisplayName", "KmsMasterKeyId", "SignatureVersion", "TracingConfig"):
            if prop in model:
                attrs[prop] = str(model[prop])
        for prop in ("FifoTopic", "ContentBasedDeduplication"):
            if prop in model:
                attrs[prop] = "true" if model[prop] else "false"
        topic = self.sns().create_topic(name, attrs, tags_dict(model.get("Tags")))
        for sub in model.get("Subscription", []):
            self.sns().subscribe(topic.arn, sub["Endpoint"], sub["Protocol"])
        return topic.arn

    def _read(self, ti, ident):
        t = self.sns().topics.get(ident)
        if t is None:
            return None
        out = {"TopicArn": t.arn, "TopicName": t.name}
        if t.display_name:
            out["DisplayName"] = t.display_name
        if t.kms_master_key_id:
            out["KmsMasterKeyId"] = t.kms_master_key_id
        if str(t.fifo_topic).lower() == "true":
            out["FifoTopic"] = True
            out["ContentBasedDeduplication"] = str(t.content_based_deduplication).lower() == "true"
        tags = self.sns().list_tags_for_resource(t.arn)
        if tags:
            out["Tags"] = tags_list(tags)
        return out

    def _update(self, ti, ident, old, new):
        sns = self.sns()
        for prop, attr in (("DisplayName", "display_name"), ("KmsMasterKeyId", "kms_master_key_id")):
            if new.get(prop) != old.get(prop):
                sns.set_topic_attribute(ident, attr, new.get(prop, ""))
        if "ContentBasedDeduplication" in new:
            sns.set_topic_attribute(ident, "content_based_deduplication",
                                    "true" if new["ContentBasedDeduplication"] else "false")
        self._tags(ident, old, new)

    def _tags(self, arn, old, new):
        before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
        if before != after:
            gone = [k for k in before if k not in after]
            if gone:
                self.sns().untag_resource(arn, gone)
            if after:
                self.sns().tag_resource(arn, after)

    def _delete(self, ti, ident):
        self.sns().delete_topic(ident)

    def _list(self, ti):
        return list(self.sns().topics)


class SNSSubscription(Adapter):
    """No CloudFormation model in moto: subscribe/unsubscribe through the sns backend."""
    owned = ("Arn", "TopicArn", "Protocol", "Endpoint", "RawMessageDelivery", "FilterPolicy", "FilterPolicyScope",
             "RedrivePolicy")

    def sns(self):
        return backend("sns")

    def _create(self, ti, model):
        sub = self.sns().subscribe(model["TopicArn"], model.get("Endpoint", ""), model["Protocol"])
        self._attributes(sub.arn, {}, model)
        return sub.arn

    def _attributes(self, arn, old, new):
        for prop in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "DeliveryPolicy"):
            if prop in new and new.get(prop) != old.get(prop):
                v = new[prop]
                v = ("true" if v else "false") if isinstance(v, bool) else (v if isinstance(v, str) else json.dumps(v))
                self.sns().set_subscription_attributes(arn, prop, v)

    def _read(self, ti, ident):
        sub = self.sns().subscriptions.get(ident)
        if sub is None:
            return None
        out = {"Arn": sub.arn, "TopicArn": sub.topic.arn, "Protocol": sub.protocol, "Endpoint": sub.endpoint}
        attrs = getattr(sub, "attributes", {}) or {}
        if attrs.get("RawMessageDelivery"):
            out["RawMessageDelivery"] = str(attrs["RawMessageDelivery"]).lower() == "true"
        for prop in ("FilterPolicy", "RedrivePolicy"):
            if attrs.get(prop):
                try:
                    out[prop] = json.loads(attrs[prop])
                except ValueError:
                    out[prop] = attrs[prop]
        if attrs.get("FilterPolicyScope"):
            out["FilterPolicyScope"] = attrs["FilterPolicyScope"]
        return out

    def _update(self, ti, ident, old, new):
        self._attributes(ident, old, new)

    def _delete(self, ti, ident):
        self.sns().unsubscribe(ident)

    def _list(self, ti):
        return list(self.sns().subscriptions)


# ------------------------------------------------------------------ DynamoDB

class DynamoDBTable(Adapter):
    owned = ("TableName", "Arn", "StreamArn", "KeySchema", "AttributeDefinitions", "BillingMode",
             "ProvisionedThroughput", "StreamSpecification", "GlobalSecondaryIndexes", "LocalSecondaryIndexes",
             "DeletionProtectionEnabled", "Tags")

    def ddb(self):
        return backend("dynamodb")

    def _create(self, ti, model):
        name = model.get("TableName") or generated_name(ti, "TableName")
        model["TableName"] = name
        if name in self.ddb().tables:
            raise already_exists(ti, name)
        self.cfn_create(ti.name, name, model)
        return name

    def _read(self, ti, ident):
        t = self.ddb().tables.get(ident)
        if t is None:
            return None
        d = t.describe()["TableDescription"]
        out = {"TableName": t.name, "Arn": d["TableArn"], "KeySchema": d["KeySchema"],
               "AttributeDefinitions": d.get("AttributeDefinitions", []),
               "BillingMode": d.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")}
        if out["BillingMode"] == "PROVISIONED":
            pt = d.get("ProvisionedThroughput", {})
            out["ProvisionedThroughput"] = {"ReadCapacityUnits": pt.get("ReadCapacityUnits", 0),
                                            "WriteCapacityUnits": pt.get("WriteCapacityUnits", 0)}
        spec = d.get("StreamSpecification")
        if spec and spec.get("StreamEnabled"):
            out["StreamSpecification"] = {"StreamViewType": spec.get("StreamViewType")}
            if d.get("LatestStreamArn"):
                out["StreamArn"] = d["LatestStreamArn"]
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if d.get(key):
                out[key] = [{k: v for k, v in ix.items() if k in ("IndexName", "KeySchema", "Projection")}
                            for ix in d[key]]
        out["DeletionProtectionEnabled"] = bool(d.get("DeletionProtectionEnabled", False))
        tags = t.tags if isinstance(getattr(t, "tags", None), list) else []
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        ddb = self.ddb()
        billing = new.get("BillingMode")
        stream = new.get("StreamSpecification")
        stream_spec = ({"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]} if stream
                       else ({"StreamEnabled": False} if old.get("StreamSpecification") else None))
        ddb.update_table(name=ident, attr_definitions=None, global_index=None,
                         throughput=new.get("ProvisionedThroughput") if new.get("ProvisionedThroughput") != old.get("ProvisionedThroughput") else None,
                         billing_mode=billing if billing != old.get("BillingMode") else None,
                         stream_spec=stream_spec if stream != old.get("StreamSpecification") else None,
                         deletion_protection_enabled=new.get("DeletionProtectionEnabled"),
                         warm_throughput=None)
        if tags_dict(new.get("Tags")) != tags_dict(old.get("Tags")):
            t = ddb.tables[ident]
            t.tags = tags_list(tags_dict(new.get("Tags")))

    def _delete(self, ti, ident):
        t = self.ddb().tables[ident]
        if getattr(t, "deletion_protection_enabled", False):
            raise HandlerError("InvalidRequest", f"Resource cannot be deleted as it is currently protected against "
                               f"deletion. Disable deletion protection first.")
        self.ddb().delete_table(ident)

    def _list(self, ti):
        return list(self.ddb().tables)
