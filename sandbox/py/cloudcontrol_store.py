"""The generic, schema-driven store behind the sandbox's Cloud Control front.

Every type moto does not model (cloudcontrol_moto.py has those it does) is kept here: a
model per identifier, in memory, wiped with the rest of the sandbox by /moto-api/reset
(the sandbox keeps no state on disk). Models are kept per region, the region of the
request (cloudcontrol_schemas.region()), as AWS's are: the same identifier in two
regions is two resources, and a region sees only its own; a global service's
(cloudcontrol_schemas.GLOBAL_SERVICES) are one set whatever the region. What a
service's handler would add is added the way the schema describes it:

- the primary identifier: a property the service assigns (read-only) gets a random value
  that fits its pattern and lengths (an `...Arn` gets an ARN); a name the caller may leave
  out gets one made up, as handlers do; identifiers of several properties are joined
  with `|`, in the schema's order;
- the other top-level read-only strings: an `...Arn` gets
  `arn:aws:<service>:<region>:<account>:<kind>/<id>`, the rest a random id; read-only
  properties of other types, and nested ones, are left out;
- AlreadyExists for a create whose identifier is taken, NotFound for a read, update or
  delete of one that is not.

What it does not model: what a real service checks beyond the schema (that a referenced
role, bucket or key exists, service quotas, values the service normalises, defaults it
fills in), and anything a resource does once it exists.
"""

import json

import cloudcontrol_schemas as S


class HandlerError(Exception):
    """A handler's failure: `code` is one of the ProgressEvent's ErrorCode values."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def not_found(ti, ident):
    return HandlerError("NotFound", f"Resource of type '{ti.name}' with identifier '{ident}' was not found.")


def already_exists(ti, ident):
    return HandlerError("AlreadyExists", f"Resource of type '{ti.name}' with identifier '{ident}' already exists.")


def identifier_of(ti, model):
    """The primary identifier of `model`, or None if a part of it is missing."""
    parts = []
    for segs in ti.primary_segments:
        found = S.find(model, segs)
        value = S.get_at(model, found[0]) if found else None
        if value is None or value == "" or isinstance(value, (dict, list)):
            return None
        parts.append(str(value).lower() if isinstance(value, bool) else str(value))
    return "|".join(parts)


def fill_identifier(ti, model, rng=None):
    """Gives `model` the parts of its primary identifier the caller left out, as the
    service would (assigned ids, generated names)."""
    for segs in ti.primary_segments:
        if S.find(model, segs):
            continue
        parent = S.find(model, segs[:-1])
        if not parent or not isinstance(S.get_at(model, parent[0]), dict):
            continue
        try:
            value = S.mint(ti, segs[0] if len(segs) == 1 else segs, rng)
        except S.CannotGenerate:
            value = f"{S.kebab(ti.resource)}-{S.uuid.uuid4().hex[:12]}"
        S.get_at(model, parent[0])[segs[-1]] = value
    return model


def fill_read_only(ti, model, ident, rng=None):
    """Fills the top-level read-only strings the caller could not give."""
    for name in ti.top_read_only():
        if name in model:
            continue
        node = ti.prop_schema(name)
        kind = node.get("type", "string")
        if kind != "string":
            continue
        if name.endswith("Arn") or name == "ARN":
            model[name] = ti.arn(ident)
        else:
            try:
                model[name] = S.mint(ti, name, rng)
            except S.CannotGenerate:
                pass
    return model


class GenericStore:
    """Models by region, type and identifier, for the types nothing else carries out."""

    kind = "generic"

    def __init__(self):
        self.models = {}  # (region or "global", type name) -> {identifier: model}

    def reset(self):
        self.models.clear()

    def _of(self, ti):
        return self.models.setdefault((S.scope(ti), ti.name), {})

    def create(self, ti, desired):
        model = json.loads(json.dumps(desired))
        fill_identifier(ti, model)
        ident = identifier_of(ti, model)
        if ident is None:
            raise HandlerError("InvalidRequest", f"The primary identifier of {ti.name} "
                               f"({', '.join(ti.primary_paths)}) cannot be empty")
        if ident in self._of(ti):
            raise already_exists(ti, ident)
        fill_read_only(ti, model, ident)
        self._of(ti)[ident] = model
        return ident, model

    def read(self, ti, ident):
        model = self._of(ti).get(ident)
        return None if model is None else json.loads(json.dumps(model))

    def update(self, ti, ident, old, new):
        if ident not in self._of(ti):
            raise not_found(ti, ident)
        self._of(ti)[ident] = json.loads(json.dumps(new))
        return new

    def delete(self, ti, ident):
        if self._of(ti).pop(ident, None) is None:
            raise not_found(ti, ident)

    def list(self, ti):
        return [(ident, json.loads(json.dumps(m))) for ident, m in self._of(ti).items()]

    # Used by the moto adapters to keep what was asked for beside what moto holds.
    def put(self, ti, ident, model):
        self._of(ti)[ident] = json.loads(json.dumps(model))

    def drop(self, ti, ident):
        self._of(ti).pop(ident, None)


STORE = GenericStore()
