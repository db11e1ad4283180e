"""Cloud Control types carried out by moto, in the sandbox's own process.

moto runs in the sandbox's process (sandbox.py starts ThreadedMotoServer there), so the
adapters here call its backends directly: what Cloud Control creates, the native APIs
(s3, sqs, ec2, ...) see, and what they create, Cloud Control reads and lists.

Two kinds of adapter, the first in moto_data.py, moto_app.py, moto_ec2.py and
moto_gapfill.py (what they share is in moto_common.py), the second here:

- Written per type, for the types formae's stacks use: S3::Bucket, S3::BucketPolicy,
  SQS::Queue, SQS::QueuePolicy, SNS::Topic, SNS::Subscription, DynamoDB::Table,
  Lambda::Function, IAM::Role, Logs::LogGroup, KMS::Key, SSM::Parameter, Events::Rule,
  EC2::VPC, EC2::Subnet, EC2::InternetGateway, EC2::VPCGatewayAttachment,
  EC2::RouteTable, EC2::Route, EC2::SubnetRouteTableAssociation, EC2::SecurityGroup, and
  SecretsManager::Secret (the flagship's; no moto model, its backend's calls instead);
  and RDS::DBCluster, RDS::DBInstance and ECS::ExpressGatewayService, whose native calls
  the sandbox's own RDS and ECS gap-fillers answer (moto_gapfill.py: read from the
  service's descriptions, stabilising as AWS's handlers do).
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

import copy
import uuid

import cloudcontrol_schemas as S
from cloudcontrol_store import STORE, already_exists, identifier_of, not_found
from moto_app import EventsRule, IAMRole, KMSKey, LambdaFunction, LogsLogGroup, SecretsManagerSecret, SSMParameter
from moto_common import Adapter, account, attach, generated_name, stack_id, translate  # noqa: F401 (attach: the sandbox's door)
from moto_data import DynamoDBTable, S3Bucket, S3BucketPolicy, SNSSubscription, SNSTopic, SQSQueue, SQSQueuePolicy
from moto_ec2 import (EC2InternetGateway, EC2Route, EC2RouteTable, EC2SecurityGroup, EC2Subnet,
                      EC2SubnetRouteTableAssociation, EC2VPC, EC2VPCGatewayAttachment)
from moto_gapfill import ECSExpressGatewayService, RDSDBCluster, RDSDBInstance


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
    "AWS::RDS::DBCluster": RDSDBCluster, "AWS::RDS::DBInstance": RDSDBInstance,
    "AWS::ECS::ExpressGatewayService": ECSExpressGatewayService,
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
