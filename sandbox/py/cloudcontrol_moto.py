"""Cloud Control types carried out by moto, in the sandbox's own process.

moto runs in the sandbox's process (sandbox.py starts ThreadedMotoServer there), so the
adapters here call its backends directly: what Cloud Control creates, the native APIs
(s3, sqs, ec2, ...) see, and what they create, Cloud Control reads and lists.

Two kinds of adapter:

- Written per type, for the types formae's stacks use: S3::Bucket, S3::BucketPolicy,
  SQS::Queue, SQS::QueuePolicy, SNS::Topic, SNS::Subscription, DynamoDB::Table,
  Lambda::Function, IAM::Role, Logs::LogGroup, KMS::Key, SSM::Parameter, Events::Rule,
  EC2::VPC, EC2::Subnet, EC2::InternetGateway, EC2::VPCGatewayAttachment,
  EC2::RouteTable, EC2::Route, EC2::SubnetRouteTableAssociation, EC2::SecurityGroup, and
  SecretsManager::Secret (the flagship's; no moto model, its backend's calls instead).
  Each creates through moto's CloudFormation model of the type where that model does
  what Cloud Control's handler does (else through the backend's calls), reads the model
  back from moto's objects (moto has no "read model" call), updates in place through the
  backend's calls, and lists what the backend holds. A read answers, from moto, the
  properties the adapter lists as `owned`; the other properties are those last asked
  for, kept beside moto's object (moto keeps no record of them), so a read matches the
  last create or update as AWS's would. A resource deleted through the native API is
  gone for Cloud Control too.
- The other types moto has a CloudFormation model for (about 77 more): created and
  deleted through that model, so the native APIs see them; their read-only attributes
  come from the model's Fn::GetAtt answers; reads answer what was last asked for, and
  updates change only that record (moto's CloudFormation updates replace resources,
  which Cloud Control never does). Whether such a resource was deleted through its
  native API is not noticed.

Regions: each request is carried out in the region its SigV4 signature names
(cloudcontrol_schemas.region()): moto's backend of that region, ARNs and queue URLs
naming it, and the records of what was asked for kept per region (cloudcontrol_store),
so a region reads and lists only its own resources. The global services'
(cloudcontrol_schemas.GLOBAL_SERVICES, IAM among them) are one set for every region.
S3 buckets are in moto's one partition-wide backend, each with its region: a read,
update or delete answers only a bucket of the request's region, and a list answers
every region's buckets, as AWS's S3::Bucket handlers do.

Not modelled: what moto itself does not (see the sandbox's README), and properties of
the per-type adapters beyond `owned` (echoed, not enforced).
"""

import base64
import copy
import json
import uuid

import cloudcontrol_schemas as S
from cloudcontrol_store import STORE, HandlerError, already_exists, identifier_of, not_found

SB = None


def attach(sandbox):
    global SB
    SB = sandbox


def account():
    return SB.ACCOUNT if SB is not None else S.ACCOUNT


def stack_id():
    """The stack moto's CloudFormation models are told they belong to."""
    return f"arn:aws:cloudformation:{S.region()}:{account()}:stack/cloudcontrol/00000000-0000-0000-0000-000000000000"


def translate(e, ti, ident=None):
    """A moto exception as the handler error AWS's handler would report."""
    if isinstance(e, HandlerError):
        return e
    if isinstance(e, KeyError):
        return HandlerError("InvalidRequest", f"moto's model of {ti.name} needs the property {e.args[0]!r}, which the "
                            f"schema does not require (not modelled by the sandbox)")
    code = str(getattr(e, "error_type", "") or getattr(e, "code", "") or type(e).__name__)
    text = str(getattr(e, "message", "") or getattr(e, "description", "") or e)
    low = (code + " " + type(e).__name__).lower()
    if any(k in low for k in ("alreadyexist", "already_exist", "resourceinuse", "duplicate", "entityalreadyexists")):
        return HandlerError("AlreadyExists", text or f"{ti.name} {ident} already exists")
    if any(k in low for k in ("notfound", "nosuch", "doesnotexist", "nonexistent", "queuedoesnotexist")):
        return HandlerError("NotFound", text)
    if any(k in low for k in ("dependencyviolation", "deleteconflict", "conflict", "notempty", "inuse")):
        return HandlerError("ResourceConflict", text)
    if "throttl" in low:
        return HandlerError("Throttling", text)
    if "limitexceeded" in low:
        return HandlerError("ServiceLimitExceeded", text)
    if any(k in low for k in ("validation", "invalid", "malformed", "keyerror", "typeerror", "valueerror")):
        return HandlerError("InvalidRequest", f"{code}: {text}" if text else code)
    return HandlerError("GeneralServiceException", f"{code}: {text}" if text else code)


def tags_dict(tags):
    if isinstance(tags, dict):
        return dict(tags)
    return {t["Key"]: t.get("Value", "") for t in (tags or []) if isinstance(t, dict) and "Key" in t}


def tags_list(d):
    return [{"Key": k, "Value": v} for k, v in sorted((d or {}).items())]


def generated_name(ti, prop, lower=False):
    """A name for `prop` as a handler makes one when none is given."""
    node = ti.prop_schema(prop)
    base = f"cc-{S.kebab(ti.resource)}-{uuid.uuid4().hex[:12]}"
    if lower:
        base = base.lower()
    hi = node.get("maxLength")
    if hi is not None:
        base = base[: int(hi)]
    if node.get("pattern") and not S._search(node["pattern"], base):
        try:
            return S.mint(ti, prop)
        except S.CannotGenerate:
            pass
    return base


class Adapter:
    """A type carried out by moto: subclasses give _create, _read, _update, _delete, _list."""

    owned = ()

    def __init__(self, type_name):
        self.type_name = type_name

    # ---------------------------------------------------------------- glue

    def create(self, ti, desired):
        model = copy.deepcopy(desired)
        ident = identifier_of(ti, model)
        if ident is not None and self._safe_read(ti, ident) is not None:
            raise already_exists(ti, ident)
        try:
            ident = self._create(ti, model)
        except Exception as e:
            raise translate(e, ti, ident)
        live = self._safe_read(ti, ident)
        if live is None:
            raise HandlerError("InternalFailure", f"sandbox error: {ti.name} {ident} was created in moto but cannot "
                               f"be read back from it")
        record = {**model, **{k: v for k, v in live.items() if k in ti.top_read_only() or k in ti.primary}}
        STORE.put(ti, ident, record)
        return ident, self.read(ti, ident)

    def _safe_read(self, ti, ident):
        try:
            return self._read(ti, ident)
        except Exception:
            return None

    def read(self, ti, ident):
        live = self._safe_read(ti, ident)
        if live is None:
            STORE.drop(ti, ident)
            return None
        record = STORE.read(ti, ident) or {}
        merged = {k: v for k, v in record.items() if k not in self.owned}
        merged.update({k: v for k, v in live.items() if v is not None})
        return merged

    def update(self, ti, ident, old, new):
        if self._safe_read(ti, ident) is None:
            raise not_found(ti, ident)
        try:
            self._update(ti, ident, old, new)
        except Exception as e:
            raise translate(e, ti, ident)
        STORE.put(ti, ident, new)
        return self.read(ti, ident)

    def delete(self, ti, ident):
        if self._safe_read(ti, ident) is None:
            STORE.drop(ti, ident)
            raise not_found(ti, ident)
        try:
            self._delete(ti, ident)
        except Exception as e:
            raise translate(e, ti, ident)
        STORE.drop(ti, ident)

    def list(self, ti):
        out = []
        for ident in self._list(ti):
            model = self.read(ti, ident)
            if model is not None:
                out.append((ident, model))
        return out

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def cfn_create(type_name, name, props):
        import moto.cloudformation.parsing as parsing
        cls = parsing.get_model_map()[type_name]
        return cls.create_from_cloudformation_json(
            name, {"Type": type_name, "Properties": copy.deepcopy(props)}, account(), S.region(),
            LogicalId="CloudControl", StackId=stack_id(), ResourceType=type_name)


def backend(service, scope=None):
    from moto.backends import get_backend
    return get_backend(service)[account()][scope or S.region()]


# ------------------------------------------------------------------ S3

def bucket_here(name):
    """The bucket `name` if it is in the request's region: moto keeps every region's
    buckets in one backend, and AWS's S3 handlers reach only their own region's."""
    b = backend("s3", "aws").buckets.get(name)
    return b if b is not None and b.region_name == S.region() else None


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


# ------------------------------------------------------------------ Lambda

class LambdaFunction(Adapter):
    owned = ("FunctionName", "Arn", "Role", "Handler", "Runtime", "MemorySize", "Timeout", "Description",
             "Environment", "Architectures", "PackageType", "Tags", "Layers", "VpcConfig")

    def lam(self):
        return backend("lambda")

    def _create(self, ti, model):
        name = model.get("FunctionName") or generated_name(ti, "FunctionName")
        model["FunctionName"] = name
        if self._fn(name) is not None:
            raise already_exists(ti, name)
        fn = self.cfn_create(ti.name, name, model)
        for k, v in tags_dict(model.get("Tags")).items():
            fn.tags[k] = v
        return name

    def _fn(self, name):
        try:
            return self.lam().get_function(name)
        except Exception:
            return None

    def _read(self, ti, ident):
        fn = self._fn(ident)
        if fn is None:
            return None
        c = fn.get_configuration()
        out = {"FunctionName": fn.function_name, "Arn": c["FunctionArn"].split(":$LATEST")[0], "Role": c["Role"],
               "MemorySize": c.get("MemorySize"), "Timeout": c.get("Timeout"), "PackageType": c.get("PackageType", "Zip"),
               "Architectures": c.get("Architectures", ["x86_64"])}
        for key in ("Handler", "Runtime"):
            if c.get(key):
                out[key] = c[key]
        if c.get("Description"):
            out["Description"] = c["Description"]
        env = (c.get("Environment") or {}).get("Variables")
        if env:
            out["Environment"] = {"Variables": env}
        tags = {k: v for k, v in (fn.tags or {}).items()}
        if tags:
            out["Tags"] = tags_list(tags)
        return out

    def _update(self, ti, ident, old, new):
        fn = self._fn(ident)
        config = {k: v for k, v in new.items() if k in ("Role", "Handler", "Runtime", "MemorySize", "Timeout",
                                                        "Description", "Environment", "VpcConfig", "Layers")}
        fn.update_configuration(config)
        code = new.get("Code") or {}
        if code != (old.get("Code") or {}) and code:
            spec = dict(code)
            if "ZipFile" in spec:
                spec["ZipFile"] = base64.b64encode(fn._create_zipfile_from_plaintext_code(spec["ZipFile"]))
            fn.update_function_code(spec)
        fn.tags = tags_dict(new.get("Tags"))

    def _delete(self, ti, ident):
        self.lam().delete_function(ident)

    def _list(self, ti):
        return [fn.function_name for fn in self.lam().list_functions()]


# ------------------------------------------------------------------ IAM

class IAMRole(Adapter):
    owned = ("RoleName", "Arn", "RoleId", "AssumeRolePolicyDocument", "Description", "MaxSessionDuration", "Path",
             "PermissionsBoundary", "Policies", "ManagedPolicyArns", "Tags")

    def iam(self):
        return backend("iam", "aws")

    def _create(self, ti, model):
        name = model.get("RoleName") or generated_name(ti, "RoleName")[:64]
        model["RoleName"] = name
        if name in {r.name for r in self.iam().roles.values()}:
            raise already_exists(ti, name)
        self.cfn_create(ti.name, name, model)
        role = self._role(name)
        # moto's CloudFormation model keeps the tags as the template's list; its IAM API
        # (ListRoleTags, TagRole) keeps them by key.
        if role is not None and isinstance(role.tags, list):
            role.tags = {t["Key"]: {"Key": t["Key"], "Value": t["Value"]} for t in role.tags}
        for arn in model.get("ManagedPolicyArns", []):
            self.iam().attach_role_policy(arn, name)
        if SB is not None:  # IAM propagation (sandbox.py): a new role is not assumable at once
            with SB.LOCK:
                SB.ROLE_BORN[name] = __import__("time").time()
        return name

    def _role(self, name):
        for r in self.iam().roles.values():
            if r.name == name:
                return r
        return None

    def _read(self, ti, ident):
        r = self._role(ident)
        if r is None:
            return None
        doc = r.assume_role_policy_document
        try:
            doc = json.loads(doc)
        except (TypeError, ValueError):
            pass
        out = {"RoleName": r.name, "Arn": r.arn, "RoleId": r.id, "AssumeRolePolicyDocument": doc, "Path": r.path,
               "MaxSessionDuration": int(r.max_session_duration or 3600)}
        if r.description:
            out["Description"] = r.description
        if r.permissions_boundary:
            out["PermissionsBoundary"] = r.permissions_boundary
        if r.policies:
            out["Policies"] = [{"PolicyName": n, "PolicyDocument": json.loads(d) if isinstance(d, str) else d}
                               for n, d in sorted(r.policies.items())]
        managed = sorted(r.managed_policies)
        if managed:
            out["ManagedPolicyArns"] = managed
        if r.tags:
            out["Tags"] = [{"Key": k, "Value": v["Value"] if isinstance(v, dict) else v} for k, v in r.tags.items()]
        return out

    def _update(self, ti, ident, old, new):
        iam = self.iam()
        doc = new["AssumeRolePolicyDocument"]
        iam.update_assume_role_policy(ident, doc if isinstance(doc, str) else json.dumps(doc))
        iam.update_role(ident, new.get("Description", ""), new.get("MaxSessionDuration", 3600))
        if new.get("PermissionsBoundary") != old.get("PermissionsBoundary"):
            if new.get("PermissionsBoundary"):
                iam.put_role_permissions_boundary(ident, new["PermissionsBoundary"])
            else:
                iam.delete_role_permissions_boundary(ident)
        old_p = {p["PolicyName"] for p in old.get("Policies", [])}
        new_p = {p["PolicyName"]: p["PolicyDocument"] for p in new.get("Policies", [])}
        for name in old_p - set(new_p):
            iam.delete_role_policy(ident, name)
        old_docs = {p["PolicyName"]: p["PolicyDocument"] for p in old.get("Policies", [])}
        for name, d in new_p.items():
            if old_docs.get(name) != d:
                iam.put_role_policy(ident, name, d if isinstance(d, str) else json.dumps(d))
        old_m, new_m = set(old.get("ManagedPolicyArns", [])), set(new.get("ManagedPolicyArns", []))
        for arn in old_m - new_m:
            iam.detach_role_policy(arn, ident)
        for arn in new_m - old_m:
            iam.attach_role_policy(arn, ident)
        before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
        if before != after:
            if set(before) - set(after):
                iam.untag_role(ident, list(set(before) - set(after)))
            if after:
                iam.tag_role(ident, tags_list(after))

    def _delete(self, ti, ident):
        # As CloudFormation's handler: inline policies deleted and managed ones detached first.
        iam = self.iam()
        r = self._role(ident)
        for name in list(r.policies):
            iam.delete_role_policy(ident, name)
        for arn in list(r.managed_policies):
            iam.detach_role_policy(arn, ident)
        for profile in iam.instance_profiles.values():
            profile.delete_role(role_name=ident)
        iam.delete_role(ident)
        if SB is not None:
            with SB.LOCK:
                SB.ROLE_BORN.pop(ident, None)

    def _list(self, ti):
        return [r.name for r in self.iam().roles.values()]


# ------------------------------------------------------------------ Logs

class LogsLogGroup(Adapter):
    owned = ("LogGroupName", "Arn", "RetentionInDays", "KmsKeyId", "Tags")

    def logs(self):
        return backend("logs")

    def _create(self, ti, model):
        name = model.get("LogGroupName") or generated_name(ti, "LogGroupName")
        model["LogGroupName"] = name
        if name in self.logs().groups:
            raise already_exists(ti, name)
        self.logs().create_log_group(name, tags_dict(model.get("Tags")),
                                     **({"RetentionInDays": model["RetentionInDays"]} if "RetentionInDays" in model else {}),
                                     **({"kmsKeyId": model["KmsKeyId"]} if "KmsKeyId" in model else {}))
        return name

    def _read(self, ti, ident):
        g = self.logs().groups.get(ident)
        if g is None:
            return None
        out = {"LogGroupName": g.name, "Arn": g.arn + ":*"}
        if g.retention_in_days:
            out["RetentionInDays"] = int(g.retention_in_days)
        if g.kms_key_id:
            out["KmsKeyId"] = g.kms_key_id
        tags = self.logs().list_tags_for_resource(g.arn)
        if tags:
            out["Tags"] = tags_list(tags)
        return out

    def _update(self, ti, ident, old, new):
        logs = self.logs()
        if new.get("RetentionInDays"):
            logs.put_retention_policy(ident, new["RetentionInDays"])
        else:
            logs.delete_retention_policy(ident)
        g = logs.groups[ident]
        g.kms_key_id = new.get("KmsKeyId")
        before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
        if before != after:
            if set(before) - set(after):
                logs.untag_resource(g.arn, list(set(before) - set(after)))
            logs.tag_resource(g.arn, after)

    def _delete(self, ti, ident):
        self.logs().delete_log_group(ident)

    def _list(self, ti):
        return list(self.logs().groups)


# ------------------------------------------------------------------ KMS

class KMSKey(Adapter):
    owned = ("KeyId", "Arn", "Description", "Enabled", "EnableKeyRotation", "KeyPolicy", "KeySpec", "KeyUsage",
             "MultiRegion", "Origin", "Tags")

    def kms(self):
        return backend("kms")

    def _create(self, ti, model):
        policy = model.get("KeyPolicy")
        key = self.kms().create_key(
            policy=None if policy is None else (policy if isinstance(policy, str) else json.dumps(policy)),
            key_usage=model.get("KeyUsage", "ENCRYPT_DECRYPT"), key_spec=model.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=model.get("Description", ""),
            # KMS's own API names a tag's parts TagKey and TagValue.
            tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in model.get("Tags", [])],
            multi_region=bool(model.get("MultiRegion", False)), origin=model.get("Origin", "AWS_KMS"))
        key.key_rotation_status = bool(model.get("EnableKeyRotation", False))
        if model.get("Enabled", True) is False:
            self.kms().disable_key(key.id)
        return key.id

    def _key(self, ident):
        k = self.kms().keys.get(ident)
        # A key scheduled for deletion is gone for CloudFormation's read handler.
        return None if k is None or k.key_state == "PendingDeletion" else k

    def _read(self, ti, ident):
        k = self._key(ident)
        if k is None:
            return None
        policy = k.policy
        try:
            policy = json.loads(policy)
        except (TypeError, ValueError):
            pass
        out = {"KeyId": k.id, "Arn": k.arn, "Description": k.description or "", "Enabled": bool(k.enabled),
               "EnableKeyRotation": bool(k.key_rotation_status), "KeyPolicy": policy, "KeySpec": k.key_spec,
               "KeyUsage": k.key_usage, "MultiRegion": bool(k.multi_region), "Origin": k.origin}
        tags = self.kms().list_resource_tags(k.id).get("Tags", [])
        if tags:
            out["Tags"] = [{"Key": t["TagKey"], "Value": t["TagValue"]} for t in tags]
        return out

    def _update(self, ti, ident, old, new):
        kms = self.kms()
        kms.update_key_description(ident, new.get("Description", ""))
        (kms.enable_key if new.get("Enabled", True) else kms.disable_key)(ident)
        (kms.enable_key_rotation if new.get("EnableKeyRotation") else kms.disable_key_rotation)(ident)
        if "KeyPolicy" in new and new["KeyPolicy"] != old.get("KeyPolicy"):
            p = new["KeyPolicy"]
            kms.put_key_policy(ident, p if isinstance(p, str) else json.dumps(p))
        before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
        if before != after:
            k = kms.keys[ident]
            if set(before) - set(after):
                kms.untag_resource(k.arn, list(set(before) - set(after)))
            kms.tag_resource(k.arn, [{"TagKey": a, "TagValue": b} for a, b in after.items()])

    def _delete(self, ti, ident):
        record = STORE.read(ti, ident) or {}
        self.kms().schedule_key_deletion(ident, int(record.get("PendingWindowInDays", 30)))

    def _list(self, ti):
        return [i for i, k in self.kms().keys.items() if k.key_state != "PendingDeletion"]


# ------------------------------------------------------------------ SSM

class SSMParameter(Adapter):
    owned = ("Name", "Type", "Value", "DataType", "Tags")

    def ssm(self):
        return backend("ssm")

    def _create(self, ti, model):
        name = model.get("Name") or generated_name(ti, "Name")
        model["Name"] = name
        if self.ssm().get_parameter(name) is not None:
            raise already_exists(ti, name)
        self._put(model, overwrite=False)
        return name

    def _put(self, model, overwrite):
        self.ssm().put_parameter(
            name=model["Name"], description=model.get("Description"), value=model["Value"],
            parameter_type=model["Type"], allowed_pattern=model.get("AllowedPattern"), keyid=None,
            overwrite=overwrite, tags=None if overwrite else (tags_list(model["Tags"]) if model.get("Tags") else None),
            data_type=model.get("DataType", "text"), tier=model.get("Tier"),
            policies=model.get("Policies"))

    def _read(self, ti, ident):
        p = self.ssm().get_parameter(ident)
        if p is None:
            return None
        out = {"Name": p.name, "Type": p.parameter_type, "Value": p.value, "DataType": p.data_type or "text"}
        tags = self.ssm().list_tags_for_resource("Parameter", p.name)
        if tags:
            out["Tags"] = dict(tags)
        return out

    def _update(self, ti, ident, old, new):
        self._put({**new, "Name": ident}, overwrite=True)
        before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
        if before != after:
            if set(before) - set(after):
                self.ssm().remove_tags_from_resource("Parameter", ident, list(set(before) - set(after)))
            if after:
                self.ssm().add_tags_to_resource("Parameter", ident, after)

    def _delete(self, ti, ident):
        self.ssm().delete_parameter(ident)

    def _list(self, ti):
        return [n for n in self.ssm()._parameters]

    def create(self, ti, desired):
        ident, model = super().create(ti, desired)
        # moto's model gives no Arn (cloudformation attributes); SSM's is this.
        record = STORE.read(ti, ident)
        record["Arn"] = f"arn:aws:ssm:{S.region()}:{account()}:parameter/{ident.lstrip('/')}"
        STORE.put(ti, ident, record)
        return ident, self.read(ti, ident)


# ------------------------------------------------------------------ EventBridge

class EventsRule(Adapter):
    owned = ("Arn", "Name", "Description", "EventBusName", "EventPattern", "ScheduleExpression", "State", "RoleArn",
             "Targets")

    def events(self):
        return backend("events")

    def _create(self, ti, model):
        name = model.get("Name") or generated_name(ti, "Name")[:64]
        model["Name"] = name
        bus = model.get("EventBusName", "default")
        try:
            self.events().describe_rule(name, bus)
            raise already_exists(ti, name)
        except HandlerError:
            raise
        except Exception:
            pass
        rule = self._put(model)
        return rule.arn

    def _put(self, model):
        ev = self.events()
        pattern = model.get("EventPattern")
        rule = ev.put_rule(model["Name"], description=model.get("Description"),
                           event_bus_arn=model.get("EventBusName", "default"),
                           event_pattern=None if pattern is None else (pattern if isinstance(pattern, str) else json.dumps(pattern)),
                           role_arn=model.get("RoleArn"), scheduled_expression=model.get("ScheduleExpression"),
                           state=model.get("State", "ENABLED"), tags=model.get("Tags"))
        if model.get("Targets"):
            ev.put_targets(model["Name"], model.get("EventBusName", "default"), copy.deepcopy(model["Targets"]))
        return rule

    def _rule(self, ident):
        for bus in self.events().event_buses.values():
            for rule in bus.rules.values():
                if rule.arn == ident:
                    return rule
        return None

    def _read(self, ti, ident):
        r = self._rule(ident)
        if r is None:
            return None
        out = {"Arn": r.arn, "Name": r.name, "EventBusName": r.event_bus_name, "State": r.state}
        if r.description:
            out["Description"] = r.description
        if r.event_pattern:
            pattern = r.event_pattern.dump() if hasattr(r.event_pattern, "dump") else r.event_pattern
            try:
                out["EventPattern"] = json.loads(pattern) if isinstance(pattern, str) else pattern
            except ValueError:
                out["EventPattern"] = pattern
        if r.scheduled_expression:
            out["ScheduleExpression"] = r.scheduled_expression
        if r.role_arn:
            out["RoleArn"] = r.role_arn
        if r.targets:
            out["Targets"] = copy.deepcopy(r.targets)
        return out

    def _update(self, ti, ident, old, new):
        r = self._rule(ident)
        gone = [t["Id"] for t in r.targets if t["Id"] not in {x["Id"] for x in new.get("Targets", [])}]
        if gone:
            self.events().remove_targets(r.name, r.event_bus_name, gone)
        self._put({**new, "Name": r.name, "EventBusName": r.event_bus_name})

    def _delete(self, ti, ident):
        r = self._rule(ident)
        if r.targets:
            self.events().remove_targets(r.name, r.event_bus_name, [t["Id"] for t in r.targets])
        self.events().delete_rule(r.name, r.event_bus_name)

    def _list(self, ti):
        return [rule.arn for bus in self.events().event_buses.values() for rule in bus.rules.values()]


# ------------------------------------------------------------------ Secrets Manager

class SecretsManagerSecret(Adapter):
    """No CloudFormation model in moto: the secretsmanager backend, so that the native API
    (and the sandbox's Data API, which looks secrets up there) sees the secret. Deletion
    is forced, without a recovery window, as CloudFormation's handler does; the name stays
    taken for `secret_deletion_delay` seconds, as the sandbox models for DeleteSecret."""
    owned = ("Id", "Name", "Description", "KmsKeyId", "Tags")

    def sm(self):
        return backend("secretsmanager")

    def _create(self, ti, model):
        name = model.get("Name") or generated_name(ti, "Name")
        model["Name"] = name
        if SB is not None:
            with SB.LOCK:
                held = __import__("time").time() < SB.DELETING_SECRETS.get(name, 0)
            if held:
                raise HandlerError("InvalidRequest", "You can't create this secret because a secret with this name "
                                   "is already scheduled for deletion.")
        existing = self.sm().secrets.get(name)
        if existing is not None:
            if existing.is_deleted():
                raise HandlerError("InvalidRequest", "You can't create this secret because a secret with this name "
                                   "is already scheduled for deletion.")
            raise already_exists(ti, name)
        self.sm().create_secret(
            name=name, secret_string=self._value(model), secret_binary=None, description=model.get("Description"),
            tags=model.get("Tags"), kms_key_id=model.get("KmsKeyId"), client_request_token=None,
            replica_regions=[], force_overwrite=False)
        return self.sm().secrets.get(name).arn

    @staticmethod
    def _value(model):
        """SecretString, or one GenerateSecretString makes (its defaults: 32 characters of
        letters, digits and punctuation, as the API's GetRandomPassword)."""
        if "SecretString" in model:
            return model["SecretString"]
        gen = model.get("GenerateSecretString")
        if gen is None:
            return None
        import secrets as rand
        import string as chars
        pool = ""
        if not gen.get("ExcludeLowercase"):
            pool += chars.ascii_lowercase
        if not gen.get("ExcludeUppercase"):
            pool += chars.ascii_uppercase
        if not gen.get("ExcludeNumbers"):
            pool += chars.digits
        if not gen.get("ExcludePunctuation"):
            pool += "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
        if gen.get("IncludeSpace"):
            pool += " "
        pool = "".join(c for c in pool if c not in gen.get("ExcludeCharacters", "")) or chars.ascii_letters
        value = "".join(rand.choice(pool) for _ in range(int(gen.get("PasswordLength", 32))))
        if gen.get("SecretStringTemplate") and gen.get("GenerateStringKey"):
            doc = json.loads(gen["SecretStringTemplate"])
            doc[gen["GenerateStringKey"]] = value
            return json.dumps(doc)
        return value

    def _secret(self, ident):
        secret = self.sm().secrets.get(ident)
        return None if secret is None or secret.is_deleted() else secret

    def _read(self, ti, ident):
        secret = self._secret(ident)
        if secret is None:
            return None
        out = {"Id": secret.arn, "Name": secret.name}
        if secret.description:
            out["Description"] = secret.description
        if secret.kms_key_id:
            out["KmsKeyId"] = secret.kms_key_id
        if secret.tags:
            out["Tags"] = [{"Key": t["Key"], "Value": t["Value"]} for t in secret.tags]
        return out

    def _update(self, ti, ident, old, new):
        sm = self.sm()
        value = self._value(new) if ("SecretString" in new or "GenerateSecretString" in new) else None
        if value is not None and value != self._value(old):
            sm.put_secret_value(ident, value, None, None, ["AWSCURRENT"])
        secret = self._secret(ident)
        secret.description = new.get("Description")
        secret.kms_key_id = new.get("KmsKeyId")
        before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
        if before != after:
            if set(before) - set(after):
                sm.untag_resource(secret.arn, list(set(before) - set(after)))
            if after:
                sm.tag_resource(secret.arn, after)

    def _delete(self, ti, ident):
        secret = self._secret(ident)
        self.sm().delete_secret(ident, None, True)
        if SB is not None:
            with SB.LOCK:
                SB.DELETING_SECRETS[secret.name] = __import__("time").time() + SB.CONFIG["secret_deletion_delay"]

    def _list(self, ti):
        return [sec.arn for sec in dict.values(self.sm().secrets) if not sec.is_deleted()]


# ------------------------------------------------------------------ EC2

def ec2():
    return backend("ec2")


def ec2_tags(resource_id):
    return [{"Key": t["key"], "Value": t["value"]} for t in ec2().describe_tags(filters={"resource-id": [resource_id]})]


def ec2_retag(resource_id, old, new):
    before, after = tags_dict(old.get("Tags")), tags_dict(new.get("Tags"))
    if before != after:
        gone = {k: None for k in before if k not in after}
        if gone:
            ec2().delete_tags([resource_id], gone)
        if after:
            ec2().create_tags([resource_id], after)


class EC2VPC(Adapter):
    owned = ("VpcId", "CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl", "DefaultSecurityGroup",
             "EnableDnsHostnames", "EnableDnsSupport", "InstanceTenancy", "Ipv6CidrBlocks", "Tags")

    def _create(self, ti, model):
        if "CidrBlock" not in model:
            raise HandlerError("InvalidRequest", "CidrBlock is required (IPAM pools are not modelled by the sandbox)")
        vpc = ec2().create_vpc(cidr_block=model["CidrBlock"], instance_tenancy=model.get("InstanceTenancy", "default"),
                               tags=None)
        self._apply(vpc.id, {}, model)
        return vpc.id

    def _apply(self, vpc_id, old, new):
        for prop, attr in (("EnableDnsSupport", "enable_dns_support"), ("EnableDnsHostnames", "enable_dns_hostnames")):
            if prop in new:
                ec2().modify_vpc_attribute(vpc_id, attr, bool(new[prop]))
        ec2_retag(vpc_id, old, new)

    def _read(self, ti, ident):
        vpc = ec2().vpcs.get(ident)
        if vpc is None:
            return None
        out = {"VpcId": vpc.id, "CidrBlock": vpc.cidr_block, "InstanceTenancy": vpc.instance_tenancy,
               "EnableDnsSupport": str(vpc.enable_dns_support).lower() == "true",
               "EnableDnsHostnames": str(vpc.enable_dns_hostnames).lower() == "true",
               "CidrBlockAssociations": [a["association_id"] for a in vpc.cidr_block_association_set.values()
                                         if "." in a.get("cidr_block", "")] if isinstance(vpc.cidr_block_association_set, dict) else [],
               "Ipv6CidrBlocks": []}
        try:
            out["DefaultSecurityGroup"] = ec2().get_security_group_from_name("default", vpc_id=vpc.id).id
        except Exception:
            pass
        acl = next((a.id for a in ec2().network_acls.values() if a.vpc_id == vpc.id and a.default), None)
        if acl:
            out["DefaultNetworkAcl"] = acl
        tags = ec2_tags(vpc.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        if new.get("InstanceTenancy") and new.get("InstanceTenancy") != old.get("InstanceTenancy"):
            ec2().modify_vpc_tenancy(ident, new["InstanceTenancy"])
        self._apply(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_vpc(ident)

    def _list(self, ti):
        return list(ec2().vpcs)


class EC2Subnet(Adapter):
    owned = ("SubnetId", "VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId", "MapPublicIpOnLaunch",
             "AssignIpv6AddressOnCreation", "Ipv6CidrBlocks", "NetworkAclAssociationId", "Tags")

    def _create(self, ti, model):
        if "CidrBlock" not in model:
            raise HandlerError("InvalidRequest", "CidrBlock is required (IPAM pools are not modelled by the sandbox)")
        subnet = ec2().create_subnet(vpc_id=model["VpcId"], cidr_block=model["CidrBlock"],
                                     availability_zone=model.get("AvailabilityZone"),
                                     availability_zone_id=model.get("AvailabilityZoneId"))
        self._apply(subnet.id, {}, model)
        return subnet.id

    def _apply(self, subnet_id, old, new):
        for prop, attr in (("MapPublicIpOnLaunch", "map_public_ip_on_launch"),
                           ("AssignIpv6AddressOnCreation", "assign_ipv6_address_on_creation")):
            if prop in new or prop in old:
                ec2().modify_subnet_attribute(subnet_id, attr, bool(new.get(prop, False)))
        ec2_retag(subnet_id, old, new)

    def _subnet(self, ident):
        for zone in ec2().subnets.values():
            if ident in zone:
                return zone[ident]
        return None

    def _read(self, ti, ident):
        s = self._subnet(ident)
        if s is None:
            return None
        out = {"SubnetId": s.id, "VpcId": s.vpc_id, "CidrBlock": s.cidr_block,
               "AvailabilityZone": s.availability_zone, "AvailabilityZoneId": s.availability_zone_id,
               "MapPublicIpOnLaunch": str(s.map_public_ip_on_launch).lower() == "true",
               "AssignIpv6AddressOnCreation": str(s.assign_ipv6_address_on_creation).lower() == "true",
               "Ipv6CidrBlocks": []}
        acl = next((aid for a in ec2().network_acls.values() for aid, assoc in a._associations.items()
                    if getattr(assoc, "subnet_id", None) == s.id), None)
        if acl:
            out["NetworkAclAssociationId"] = acl
        tags = ec2_tags(s.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        self._apply(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_subnet(ident)

    def _list(self, ti):
        return [sid for zone in ec2().subnets.values() for sid in zone]


class EC2InternetGateway(Adapter):
    owned = ("InternetGatewayId", "Tags")

    def _create(self, ti, model):
        igw = ec2().create_internet_gateway(tags=tags_list(tags_dict(model.get("Tags"))) or None)
        return igw.id

    def _read(self, ti, ident):
        igw = ec2().internet_gateways.get(ident)
        if igw is None:
            return None
        out = {"InternetGatewayId": igw.id}
        tags = ec2_tags(igw.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        ec2_retag(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_internet_gateway(ident)

    def _list(self, ti):
        return list(ec2().internet_gateways)


class EC2VPCGatewayAttachment(Adapter):
    """Identifier AttachmentType|VpcId, AttachmentType `igw` or `vgw` (the schema's
    description of the read-only property)."""
    owned = ("AttachmentType", "VpcId", "InternetGatewayId", "VpnGatewayId")

    def _create(self, ti, model):
        vpc = model["VpcId"]
        if model.get("InternetGatewayId"):
            ec2().attach_internet_gateway(internet_gateway_id=model["InternetGatewayId"], vpc_id=vpc)
            return f"igw|{vpc}"
        if model.get("VpnGatewayId"):
            ec2().attach_vpn_gateway(vpc_id=vpc, vpn_gateway_id=model["VpnGatewayId"])
            return f"vgw|{vpc}"
        raise HandlerError("InvalidRequest", "One of InternetGatewayId and VpnGatewayId is required")

    def _read(self, ti, ident):
        kind, _, vpc = ident.partition("|")
        if kind == "igw":
            for igw in ec2().internet_gateways.values():
                if igw.vpc is not None and igw.vpc.id == vpc:
                    return {"AttachmentType": "igw", "VpcId": vpc, "InternetGatewayId": igw.id}
        if kind == "vgw":
            for vgw in ec2().vpn_gateways.values():
                if vpc in getattr(vgw, "attachments", {}) and vgw.attachments[vpc].state == "attached":
                    return {"AttachmentType": "vgw", "VpcId": vpc, "VpnGatewayId": vgw.id}
        return None

    def _update(self, ti, ident, old, new):
        self._delete(ti, ident)
        self._create(ti, new)

    def _delete(self, ti, ident):
        found = self._read(ti, ident)
        if found.get("InternetGatewayId"):
            ec2().detach_internet_gateway(internet_gateway_id=found["InternetGatewayId"], vpc_id=found["VpcId"])
        else:
            ec2().detach_vpn_gateway(vpn_gateway_id=found["VpnGatewayId"], vpc_id=found["VpcId"])

    def _list(self, ti):
        out = [f"igw|{igw.vpc.id}" for igw in ec2().internet_gateways.values() if igw.vpc is not None]
        for vgw in ec2().vpn_gateways.values():
            out += [f"vgw|{v}" for v, a in getattr(vgw, "attachments", {}).items() if a.state == "attached"]
        return out


class EC2RouteTable(Adapter):
    owned = ("RouteTableId", "VpcId", "Tags")

    def _create(self, ti, model):
        rt = ec2().create_route_table(vpc_id=model["VpcId"], tags=None)
        ec2_retag(rt.id, {}, model)
        return rt.id

    def _read(self, ti, ident):
        rt = ec2().route_tables.get(ident)
        if rt is None:
            return None
        out = {"RouteTableId": rt.id, "VpcId": rt.vpc_id}
        tags = ec2_tags(rt.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        ec2_retag(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_route_table(ident)

    def _list(self, ti):
        return list(ec2().route_tables)


ROUTE_TARGETS = {  # CloudFormation property -> moto Route attribute (an object with .id)
    "GatewayId": "gateway", "NatGatewayId": "nat_gateway", "TransitGatewayId": "transit_gateway",
    "VpcPeeringConnectionId": "vpc_pcx", "NetworkInterfaceId": "interface", "InstanceId": "instance",
    "EgressOnlyInternetGatewayId": "egress_only_igw",
}


class EC2Route(Adapter):
    """Identifier RouteTableId|CidrBlock, CidrBlock being the destination (IPv4 or IPv6)."""
    owned = ("RouteTableId", "CidrBlock", "DestinationCidrBlock", "DestinationIpv6CidrBlock") + tuple(ROUTE_TARGETS)

    def _create(self, ti, model):
        rt = model["RouteTableId"]
        dest = model.get("DestinationCidrBlock") or model.get("DestinationIpv6CidrBlock")
        if not dest:
            raise HandlerError("InvalidRequest", "DestinationCidrBlock or DestinationIpv6CidrBlock is required "
                               "(prefix lists are not modelled by the sandbox)")
        ident = f"{rt}|{dest}"
        if self._read(ti, ident) is not None:
            raise already_exists(ti, ident)
        ec2().create_route(
            route_table_id=rt, destination_cidr_block=model.get("DestinationCidrBlock"),
            destination_ipv6_cidr_block=model.get("DestinationIpv6CidrBlock"), gateway_id=model.get("GatewayId"),
            instance_id=model.get("InstanceId"), nat_gateway_id=model.get("NatGatewayId"),
            egress_only_igw_id=model.get("EgressOnlyInternetGatewayId"), transit_gateway_id=model.get("TransitGatewayId"),
            interface_id=model.get("NetworkInterfaceId"), vpc_peering_connection_id=model.get("VpcPeeringConnectionId"))
        return ident

    def _read(self, ti, ident):
        rt_id, _, dest = ident.partition("|")
        rt = ec2().route_tables.get(rt_id)
        if rt is None:
            return None
        for route in rt.routes:
            if dest in (route.destination_cidr_block, route.destination_ipv6_cidr_block) and not route.local:
                out = {"RouteTableId": rt_id, "CidrBlock": dest}
                if route.destination_cidr_block:
                    out["DestinationCidrBlock"] = route.destination_cidr_block
                if route.destination_ipv6_cidr_block:
                    out["DestinationIpv6CidrBlock"] = route.destination_ipv6_cidr_block
                for prop, attr in ROUTE_TARGETS.items():
                    target = getattr(route, attr, None)
                    if target is not None:
                        out[prop] = getattr(target, "id", target)
                return out
        return None

    def _update(self, ti, ident, old, new):
        rt_id, _, dest = ident.partition("|")
        ec2().replace_route(
            route_table_id=rt_id, destination_cidr_block=new.get("DestinationCidrBlock"),
            destination_ipv6_cidr_block=new.get("DestinationIpv6CidrBlock"), nat_gateway_id=new.get("NatGatewayId"),
            egress_only_igw_id=new.get("EgressOnlyInternetGatewayId"), transit_gateway_id=new.get("TransitGatewayId"),
            gateway_id=new.get("GatewayId"), instance_id=new.get("InstanceId"), interface_id=new.get("NetworkInterfaceId"),
            vpc_peering_connection_id=new.get("VpcPeeringConnectionId"))

    def _delete(self, ti, ident):
        rt_id, _, dest = ident.partition("|")
        if ":" in dest:
            ec2().delete_route(rt_id, None, destination_ipv6_cidr_block=dest)
        else:
            ec2().delete_route(rt_id, dest)

    def _list(self, ti):
        return [f"{rt.id}|{r.destination_cidr_block or r.destination_ipv6_cidr_block}"
                for rt in ec2().route_tables.values() for r in rt.routes
                if not r.local and (r.destination_cidr_block or r.destination_ipv6_cidr_block)]


class EC2SubnetRouteTableAssociation(Adapter):
    owned = ("Id", "RouteTableId", "SubnetId")

    def _create(self, ti, model):
        for rt in ec2().route_tables.values():
            if model["SubnetId"] in rt._associations.values():
                raise HandlerError("AlreadyExists", f"The subnet {model['SubnetId']} is already associated with "
                                   f"route table {rt.id}")
        return ec2().associate_route_table(route_table_id=model["RouteTableId"], subnet_id=model["SubnetId"])

    def _read(self, ti, ident):
        for rt in ec2().route_tables.values():
            if ident in rt._associations:
                return {"Id": ident, "RouteTableId": rt.id, "SubnetId": rt._associations[ident]}
        return None

    def _update(self, ti, ident, old, new):
        raise HandlerError("NotUpdatable", "AWS::EC2::SubnetRouteTableAssociation has no update handler")

    def _delete(self, ti, ident):
        ec2().disassociate_route_table(ident)

    def _list(self, ti):
        return [a for rt in ec2().route_tables.values() for a, target in rt._associations.items()
                if str(target).startswith("subnet-")]


class EC2SecurityGroup(Adapter):
    owned = ("Id", "GroupId", "GroupName", "GroupDescription", "VpcId", "SecurityGroupIngress", "SecurityGroupEgress",
             "Tags")

    def _create(self, ti, model):
        name = model.get("GroupName") or generated_name(ti, "GroupName")[:255]
        model["GroupName"] = name
        vpc = model.get("VpcId") or next((v.id for v in ec2().vpcs.values() if v.is_default), None)
        sg = ec2().create_security_group(name=name, description=model["GroupDescription"], vpc_id=vpc)
        if "SecurityGroupEgress" in model:
            for rule in list(sg.egress_rules):
                sg.egress_rules.remove(rule)
        self._rules(sg, {}, model)
        ec2_retag(sg.id, {}, model)
        return sg.id

    @staticmethod
    def _args(rule):
        protocol = str(rule.get("IpProtocol", "-1"))
        ip_ranges = []
        if rule.get("CidrIp"):
            ip_ranges.append({"CidrIp": rule["CidrIp"], **({"Description": rule["Description"]} if rule.get("Description") else {})})
        if rule.get("CidrIpv6"):
            ip_ranges.append({"CidrIpv6": rule["CidrIpv6"]})
        groups = []
        for key in ("SourceSecurityGroupId", "DestinationSecurityGroupId"):
            if rule.get(key):
                groups.append({"GroupId": rule[key]})
        prefixes = [{"PrefixListId": rule[k]} for k in ("SourcePrefixListId", "DestinationPrefixListId") if rule.get(k)]
        ports = (None, None) if protocol == "-1" else (rule.get("FromPort"), rule.get("ToPort"))
        return dict(ip_protocol=protocol, from_port=ports[0], to_port=ports[1], ip_ranges=ip_ranges,
                    source_groups=groups, prefix_list_ids=prefixes)

    def _rules(self, sg, old, new):
        for key, auth, revoke in (("SecurityGroupIngress", ec2().authorize_security_group_ingress,
                                   ec2().revoke_security_group_ingress),
                                  ("SecurityGroupEgress", ec2().authorize_security_group_egress,
                                   ec2().revoke_security_group_egress)):
            before, after = old.get(key, []), new.get(key, [])
            if before == after:
                continue
            for rule in before:
                if rule not in after:
                    try:
                        revoke(group_name_or_id=sg.id, vpc_id=sg.vpc_id, **self._args(rule))
                    except Exception:
                        pass
            for rule in after:
                if rule not in before:
                    auth(group_name_or_id=sg.id, vpc_id=sg.vpc_id, **self._args(rule))

    @staticmethod
    def _rule_models(rules, egress):
        out = []
        for r in rules:
            base = {"IpProtocol": r.ip_protocol or "-1"}
            if r.from_port is not None:
                base["FromPort"], base["ToPort"] = int(r.from_port), int(r.to_port)
            if r.ip_range:
                rng = dict(r.ip_range)
                if "CidrIp" in rng:
                    base["CidrIp"] = rng["CidrIp"]
                if "CidrIpv6" in rng:
                    base["CidrIpv6"] = rng["CidrIpv6"]
                if rng.get("Description"):
                    base["Description"] = rng["Description"]
            if r.source_group:
                base["DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"] = r.source_group.get("GroupId")
            if r.prefix_list_id:
                base["DestinationPrefixListId" if egress else "SourcePrefixListId"] = r.prefix_list_id
            out.append(base)
        return out

    def _read(self, ti, ident):
        sg = ec2().get_security_group_from_id(ident)
        if sg is None:
            return None
        out = {"Id": sg.id, "GroupId": sg.id, "GroupName": sg.name, "GroupDescription": sg.description,
               "VpcId": sg.vpc_id}
        ingress = self._rule_models(sg.ingress_rules, False)
        egress = self._rule_models(sg.egress_rules, True)
        if ingress:
            out["SecurityGroupIngress"] = ingress
        if egress:
            out["SecurityGroupEgress"] = egress
        tags = ec2_tags(sg.id)
        if tags:
            out["Tags"] = tags
        return out

    def _update(self, ti, ident, old, new):
        sg = ec2().get_security_group_from_id(ident)
        live = self._read(ti, ident)
        self._rules(sg, {k: live.get(k, []) for k in ("SecurityGroupIngress", "SecurityGroupEgress")},
                    {k: new.get(k, []) for k in ("SecurityGroupIngress", "SecurityGroupEgress")})
        ec2_retag(ident, old, new)

    def _delete(self, ti, ident):
        ec2().delete_security_group(group_id=ident)

    def _list(self, ti):
        return [sg.id for groups in ec2().groups.values() for sg in groups.values()]


# ------------------------------------------------------------------ any other CloudFormation model

def object_key(ti, ident):
    return S.scope(ti), ti.name, ident


class CfnModel(Adapter):
    """A type moto has a CloudFormation model for and no adapter above: created and
    deleted through the model; reads answer what was asked for plus the model's
    Fn::GetAtt attributes; updates change that record only."""

    objects = {}  # (region or "global", type name, identifier) -> moto's object

    def __init__(self, type_name, cls):
        super().__init__(type_name)
        self.cls = cls

    def create(self, ti, desired):
        model = copy.deepcopy(desired)
        ident = identifier_of(ti, model)
        if ident is not None and object_key(ti, ident) in self.objects:
            raise already_exists(ti, ident)
        name_prop = self.name_property(ti)
        name = model.get(name_prop) if name_prop else None
        if name_prop and not name:
            name = generated_name(ti, name_prop)
            model[name_prop] = name  # the name moto made it with, as the service would answer
        try:
            name = name or f"cc-{uuid.uuid4().hex[:12]}"
            obj = self.cls.create_from_cloudformation_json(
                name, {"Type": ti.name, "Properties": copy.deepcopy(model)},
                account(), S.region(), LogicalId="CloudControl", StackId=stack_id(), ResourceType=ti.name)
        except Exception as e:
            raise translate(e, ti, ident)
        for prop in ti.top_read_only():
            if prop in model:
                continue
            try:
                if self.cls.has_cfn_attr(prop):
                    value = obj.get_cfn_attribute(prop)
                    if value is not None and not callable(value):
                        model[prop] = value
            except Exception:
                pass
        if len(ti.primary) == 1 and ti.primary[0] not in model:
            physical = getattr(obj, "physical_resource_id", None)
            if physical:
                model[ti.primary[0]] = physical
        from cloudcontrol_store import fill_identifier, fill_read_only
        fill_identifier(ti, model)
        ident = identifier_of(ti, model)
        if object_key(ti, ident) in self.objects:
            raise already_exists(ti, ident)
        fill_read_only(ti, model, ident)
        self.objects[object_key(ti, ident)] = (obj, model, name)
        STORE.put(ti, ident, model)
        return ident, model

    def name_property(self, ti):
        """The property moto names the resource by: its cloudformation_name_type() where
        the schema has that property (moto's IoT models answer "Thing" for ThingName),
        else a single primary identifier the caller may choose."""
        name_prop = self.cls.cloudformation_name_type()
        if name_prop in ti.properties:
            return name_prop
        if name_prop and len(ti.primary_segments) == 1 and len(ti.primary_segments[0]) == 1 \
                and ti.primary[0] not in ti.top_read_only():
            return ti.primary[0]
        return None

    def read(self, ti, ident):
        if object_key(ti, ident) not in self.objects:
            return None
        return STORE.read(ti, ident)

    def update(self, ti, ident, old, new):
        if object_key(ti, ident) not in self.objects:
            raise not_found(ti, ident)
        STORE.put(ti, ident, new)
        return new

    def delete(self, ti, ident):
        found = self.objects.get(object_key(ti, ident))
        if found is None:
            raise not_found(ti, ident)
        obj, model, name = found
        try:
            try:
                obj.delete(account(), S.region())
            except (TypeError, AttributeError, NotImplementedError):
                if "__isabstractmethod__" not in dir(self.cls.delete_from_cloudformation_json):
                    # As moto's stack deletion calls it: the name the resource was made with
                    # in its properties, else its physical id.
                    props = dict(model)
                    name_prop = self.name_property(ti)
                    if name_prop and name:
                        props.setdefault(name_prop, name)
                    self.cls.delete_from_cloudformation_json(
                        getattr(obj, "physical_resource_id", None) or name or ident,
                        {"Type": ti.name, "Properties": props}, account(), S.region())
        except Exception as e:
            raise translate(e, ti, ident)
        self.objects.pop(object_key(ti, ident), None)
        STORE.drop(ti, ident)

    def list(self, ti):
        return [(i, STORE.read(ti, i)) for (r, t, i) in list(self.objects) if (r, t) == (S.scope(ti), ti.name)]


ADAPTERS = {
    "AWS::S3::Bucket": S3Bucket, "AWS::S3::BucketPolicy": S3BucketPolicy, "AWS::SQS::Queue": SQSQueue,
    "AWS::SQS::QueuePolicy": SQSQueuePolicy, "AWS::SNS::Topic": SNSTopic, "AWS::SNS::Subscription": SNSSubscription,
    "AWS::DynamoDB::Table": DynamoDBTable, "AWS::Lambda::Function": LambdaFunction, "AWS::IAM::Role": IAMRole,
    "AWS::Logs::LogGroup": LogsLogGroup, "AWS::KMS::Key": KMSKey, "AWS::SSM::Parameter": SSMParameter,
    "AWS::Events::Rule": EventsRule, "AWS::EC2::VPC": EC2VPC, "AWS::EC2::Subnet": EC2Subnet,
    "AWS::EC2::InternetGateway": EC2InternetGateway, "AWS::EC2::VPCGatewayAttachment": EC2VPCGatewayAttachment,
    "AWS::EC2::RouteTable": EC2RouteTable, "AWS::EC2::Route": EC2Route,
    "AWS::EC2::SubnetRouteTableAssociation": EC2SubnetRouteTableAssociation,
    "AWS::EC2::SecurityGroup": EC2SecurityGroup, "AWS::SecretsManager::Secret": SecretsManagerSecret,
}
_INSTANCES = {}


def adapter_for(ti):
    """The adapter that carries `ti` out in moto, or None for the generic store."""
    if ti.name in _INSTANCES:
        return _INSTANCES[ti.name]
    adapter = None
    if ti.name in ADAPTERS:
        adapter = ADAPTERS[ti.name](ti.name)
    else:
        try:
            import moto.cloudformation.parsing as parsing
            cls = parsing.get_model_map().get(ti.name)
        except Exception:
            cls = None
        if cls is not None:
            adapter = CfnModel(ti.name, cls)
    _INSTANCES[ti.name] = adapter
    return adapter


def reset():
    CfnModel.objects.clear()
