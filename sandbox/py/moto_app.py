"""moto adapters for what runs and guards an application: Lambda::Function, IAM::Role,
Logs::LogGroup, KMS::Key, SSM::Parameter, Events::Rule and SecretsManager::Secret."""

import base64
import copy
import json

import cloudcontrol_schemas as S
import moto_common
from cloudcontrol_store import STORE, HandlerError, already_exists
from moto_common import Adapter, account, backend, generated_name, tags_dict, tags_list


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
        # moto's model keeps an inline policy's document as it came (a dict), and its IAM
        # API then answers GetRolePolicy with Python's text of it; IAM keeps JSON.
        self.cfn_create(ti.name, name, {k: v for k, v in model.items() if k != "Policies"})
        for p in model.get("Policies", []):
            d = p["PolicyDocument"]
            self.iam().put_role_policy(name, p["PolicyName"], d if isinstance(d, str) else json.dumps(d))
        role = self._role(name)
        # moto's IAM API (ListRoleTags, TagRole) keeps a role's tags as a list of Key and
        # Value; its CloudFormation model keeps whatever the template held.
        if role is not None:
            held = role.tags.values() if isinstance(role.tags, dict) else (role.tags or [])
            role.tags = [{"Key": t["Key"], "Value": t["Value"]} for t in held]
        for arn in model.get("ManagedPolicyArns", []):
            self.iam().attach_role_policy(arn, name)
        if moto_common.SB is not None:  # IAM propagation (sandbox.py): a new role is not assumable at once
            with moto_common.SB.LOCK:
                moto_common.SB.ROLE_BORN[name] = __import__("time").time()
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
            out["Tags"] = [{"Key": t["Key"], "Value": t["Value"]} for t in r.tags]
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
        if moto_common.SB is not None:
            with moto_common.SB.LOCK:
                moto_common.SB.ROLE_BORN.pop(ident, None)

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
        if moto_common.SB is not None:
            with moto_common.SB.LOCK:
                held = __import__("time").time() < moto_common.SB.DELETING_SECRETS.get(name, 0)
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
        # Compared with what the secret holds now, not with what was last asked: a value
        # put by hand since is replaced, as AWS's handler puts the value it is given.
        if value is not None and value != sm.get_secret_value(ident, None, None).get("SecretString"):
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
        if moto_common.SB is not None:
            with moto_common.SB.LOCK:
                moto_common.SB.DELETING_SECRETS[secret.name] = __import__("time").time() + moto_common.SB.CONFIG["secret_deletion_delay"]

    def _list(self, ti):
        return [sec.arn for sec in dict.values(self.sm().secrets) if not sec.is_deleted()]
