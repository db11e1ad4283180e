"""What every moto adapter shares: the sandbox it runs in, error translation, tags, and the
Adapter base class (see cloudcontrol_moto.py for what the adapters do and how).

`SB` is the sandbox module once attached; read it as `moto_common.SB`, never copied by an
import, since it is set after the adapters' modules load.
"""

import copy
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
