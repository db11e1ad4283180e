"""CloudFormation registry schemas for the sandbox's Cloud Control front (cloudcontrol.py).

The schemas are those cfn-lint bundles (pinned in requirements.txt):
`cfnlint/data/schemas/providers/us-east-1.json` maps each type name to a hash, and
`cfnlint/data/schemas/resources/<hash>.json` is the type's schema. They are AWS's
"enhanced" schemas: AWS's registry schemas with enums and patterns added from the
service models and `format` values that name what a string holds.

This module answers, per type: which handlers it has, its identifiers and its read-only,
write-only and create-only property paths; validates a model against the schema the way
CloudFormation's handlers do (draft-07, `definitions` references; the enhanced `format`
values are not asserted, and patterns use the `regex` module because many are written
with Java's `\\p{...}` classes) and words the failures as CloudFormation's validator does
("#: required key [X] not found"); and generates values from a schema, for identifiers
a service mints and for models made from a type's required properties (tests).

Property paths are the schemas' JSON pointers, `/properties/A/B` for `A.B` of a model,
with `*` for any array element.
"""

import contextlib
import contextvars
import functools
import importlib.resources
import json
import random
import re
import string
import uuid
import warnings

import jsonschema
import jsonschema.validators
import regex

try:  # Python 3.11+
    from re import _parser as sre_parse
    from re import _constants as sre_constants
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse
    import sre_constants

REGION = "us-east-1"  # the schemas' region (the same in every region), and an unsigned request's
ACCOUNT = "123456789012"  # replaced by the sandbox's account (cloudcontrol.attach)

# The region of the Cloud Control request being answered, from its SigV4 credential
# scope (cloudcontrol.serve), or of the request being carried out (cloudcontrol.run).
CURRENT_REGION = contextvars.ContextVar("cloudcontrol_region", default=REGION)

# Services with one set of resources per partition whatever region a request names
# (their moto backends are per partition too).
GLOBAL_SERVICES = frozenset({"iam", "route53", "cloudfront", "organizations"})


def region():
    return CURRENT_REGION.get()


@contextlib.contextmanager
def in_region(name):
    token = CURRENT_REGION.set(name)
    try:
        yield
    finally:
        CURRENT_REGION.reset(token)


def scope(ti):
    """Where resources of `ti` are kept apart: the current region, or "global"."""
    return "global" if ti.service in GLOBAL_SERVICES else region()

ROOT = importlib.resources.files("cfnlint") / "data" / "schemas"


@functools.lru_cache(maxsize=None)
def providers():
    """Type name -> schema hash, for us-east-1."""
    return json.loads((ROOT / "providers" / f"{REGION}.json").read_text())


def type_names():
    return sorted(providers())


@functools.lru_cache(maxsize=None)
def info(type_name):
    """The TypeInfo of `type_name`, or None for a type the registry does not have."""
    h = providers().get(type_name)
    if h is None:
        return None
    return TypeInfo(type_name, json.loads((ROOT / "resources" / f"{h}.json").read_text()))


def segments(path):
    """`/properties/A/*/B` -> ["A", "*", "B"]; a patch path `/A/0/B` -> ["A", "0", "B"]."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
    if parts and parts[0] == "properties":
        parts = parts[1:]
    return parts


def pointer(segs):
    return "/" + "/".join(str(s).replace("~", "~0").replace("/", "~1") for s in segs)


class TypeInfo:
    def __init__(self, name, schema):
        self.name = name
        self.schema = schema
        _, service, resource = name.split("::")
        self.service = service.lower()
        self.resource = resource
        self.handlers = set(schema.get("handlers", {}))
        self.primary = [segments(p)[0] for p in schema.get("primaryIdentifier", [])]
        self.primary_paths = list(schema.get("primaryIdentifier", []))
        # Three types name a nested property (S3::StorageLens: StorageLensConfiguration/Id).
        self.primary_segments = [segments(p) for p in self.primary_paths]
        self.additional = [[segments(p)[0] for p in ids] for ids in schema.get("additionalIdentifiers", [])]
        self.read_only = list(schema.get("readOnlyProperties", []))
        self.write_only = list(schema.get("writeOnlyProperties", []))
        self.create_only = list(schema.get("createOnlyProperties", []))
        self.required = list(schema.get("required", []))
        self.properties = schema.get("properties", {})
        list_schema = schema.get("handlers", {}).get("list", {}).get("handlerSchema", {})
        self.list_required = list(list_schema.get("required", []))
        self.list_properties = list(list_schema.get("properties", {}))
        self._validator = None

    # -------------------------------------------------------------- paths

    def top_read_only(self):
        return [segments(p)[0] for p in self.read_only if len(segments(p)) == 1]

    def prop_schema(self, name):
        return resolve(self.schema, self.properties.get(name, {}))

    def arn(self, ident):
        """An ARN the way most services shape theirs: arn:aws:SERVICE:REGION:ACCOUNT:KIND/ID
        (no region for a global service's)."""
        kind = re.sub(r"(?<!^)(?=[A-Z][a-z])", "-", self.resource).lower()
        where = "" if self.service in GLOBAL_SERVICES else region()
        return f"arn:aws:{self.service}:{where}:{ACCOUNT}:{kind}/{ident.replace('|', '/')}"

    # -------------------------------------------------------------- validation

    def validator(self):
        if self._validator is None:
            self._validator = LenientValidator(self.schema)
        return self._validator

    def validation_errors(self, model):
        """CloudFormation's wording of each way `model` breaks the schema ([] if none)."""
        out = []
        for e in sorted(self.validator().iter_errors(model), key=lambda e: list(e.absolute_path)):
            out.extend(describe(e))
        seen, unique = set(), []
        for m in out:
            if m not in seen:
                seen.add(m)
                unique.append(m)
        return unique


# ------------------------------------------------------------------ paths in models

def find(model, segs):
    """The concrete paths (lists of keys and indices) in `model` that `segs` (with `*`)
    names and that exist."""
    found = []

    def walk(node, i, at):
        if i == len(segs):
            found.append(at)
            return
        s = segs[i]
        if isinstance(node, dict):
            if s == "*":
                for k in node:
                    walk(node[k], i + 1, at + [k])
            elif s in node:
                walk(node[s], i + 1, at + [s])
        elif isinstance(node, list):
            if s == "*":
                for k, v in enumerate(node):
                    walk(v, i + 1, at + [k])
            elif str(s).isdigit() and int(s) < len(node):
                walk(node[int(s)], i + 1, at + [int(s)])

    walk(model, 0, [])
    return found


def get_at(model, at):
    for k in at:
        model = model[k]
    return model


def remove_at(model, at):
    parent = get_at(model, at[:-1])
    if isinstance(parent, dict):
        parent.pop(at[-1], None)
    elif isinstance(parent, list) and at[-1] < len(parent):
        parent.pop(at[-1])


def covers(pattern, concrete):
    """Whether schema path `pattern` (segments, `*` for any) is `concrete` or one of its
    ancestors."""
    if len(pattern) > len(concrete):
        return False
    return all(p == "*" or str(p) == str(c) for p, c in zip(pattern, concrete))


def overlaps(pattern, concrete):
    """Whether one of the two paths contains the other."""
    n = min(len(pattern), len(concrete))
    return all(p == "*" or str(c) == "-" or str(p) == str(c) for p, c in zip(pattern[:n], concrete[:n]))


def strip(model, paths):
    """`model` without the properties at `paths` (schema paths), and without the objects
    that removing them left empty (Lambda's Code, all of whose members are write-only)."""
    model = json.loads(json.dumps(model))
    for p in paths:
        segs = segments(p)
        for at in sorted(find(model, segs), key=lambda a: [str(x) for x in a], reverse=True):
            remove_at(model, at)
            for n in range(len(at) - 1, 0, -1):
                parent = get_at(model, at[:n])
                if parent in ({}, []):
                    remove_at(model, at[:n])
                else:
                    break
    return model


def resolve(root, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target = root
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **extra} if extra else target
        seen += 1
    return node


# ------------------------------------------------------------------ validator

def _search(pattern, text):
    try:
        return regex.search(pattern, text) is not None
    except Exception:
        return True  # a pattern no engine here can read is not held against the model


def _pattern(validator, patrn, instance, schema):
    if validator.is_type(instance, "string") and not _search(patrn, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for k, v in instance.items():
            if _search(pattern, k):
                yield from validator.descend(v, subschema, path=k, schema_path=pattern)


def _additional_properties(validator, aP, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    props = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [k for k in instance if k not in props and not any(_search(p, k) for p in patterns)]
    if validator.is_type(aP, "object"):
        for k in extras:
            yield from validator.descend(instance[k], aP, path=k)
    elif not aP and extras:
        for k in extras:
            e = jsonschema.ValidationError(f"extraneous key [{k}] is not permitted")
            e.cfn_extra = k
            yield e


LenientValidator = jsonschema.validators.extend(jsonschema.Draft7Validator, {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
})

JSON_TYPES = {dict: "JSONObject", list: "JSONArray", str: "String", bool: "Boolean", int: "Integer", float: "Number",
              type(None): "null"}


def describe(e):
    """One jsonschema error in the words of CloudFormation's (Everit) validator."""
    where = "#" + "".join(f"/{p}" for p in e.absolute_path)
    v, inst, val = e.validator, e.instance, e.validator_value
    if v == "required":
        return [f"{where}: required key [{k}] not found" for k in val if isinstance(inst, dict) and k not in inst]
    if v == "additionalProperties":
        return [f"{where}: extraneous key [{getattr(e, 'cfn_extra', '?')}] is not permitted"]
    if v == "type":
        want = val if isinstance(val, str) else "/".join(val)
        return [f"{where}: expected type: {want.capitalize()}, found: {JSON_TYPES.get(type(inst), type(inst).__name__)}"]
    if v == "enum":
        return [f"{where}: {inst} is not a valid enum value"]
    if v == "pattern":
        return [f"{where}: string [{inst}] does not match pattern {val}"]
    if v == "maxLength":
        return [f"{where}: expected maxLength: {val}, actual: {len(inst)}"]
    if v == "minLength":
        return [f"{where}: expected minLength: {val}, actual: {len(inst)}"]
    if v == "minimum":
        return [f"{where}: {inst} is not greater or equal to {val}"]
    if v == "maximum":
        return [f"{where}: {inst} is not less or equal to {val}"]
    if v == "maxItems":
        return [f"{where}: expected maximum item count: {val}, found: {len(inst)}"]
    if v == "minItems":
        return [f"{where}: expected minimum item count: {val}, found: {len(inst)}"]
    if v == "uniqueItems":
        return [f"{where}: array items are not unique"]
    if v in ("oneOf", "anyOf"):
        return [f"{where}: #: no subschema matched out of the total {len(val)} subschemas"]
    return [f"{where}: {e.message}"]


# ------------------------------------------------------------------ generating values

class CannotGenerate(Exception):
    pass


# ASCII stand-ins for the Unicode classes the schemas use (Java's \p{...}).
UNICODE_CLASSES = {
    "L": "a-zA-Z", "Lu": "A-Z", "Ll": "a-z", "Lt": "A-Z", "Lm": "a-z", "Lo": "a-z", "IsAlphabetic": "a-zA-Z",
    "Alpha": "a-zA-Z", "IsLetter": "a-zA-Z", "N": "0-9", "Nd": "0-9", "Digit": "0-9", "IsDigit": "0-9",
    "Alnum": "a-zA-Z0-9", "Z": " ", "Zs": " ", "Space": " ", "P": ".,_\\-", "Punct": ".,_\\-", "S": "+=",
    "M": "\u0301", "C": "\x00-\x1f", "Cc": "\x00-\x1f", "Print": " -~", "Graph": "!-~", "ASCII": " -~",
    "XDigit": "0-9a-fA-F", "Upper": "A-Z", "Lower": "a-z", "Blank": " ", "Cntrl": "\x00-\x1f",
}
PRINTABLE = [chr(c) for c in range(0x21, 0x7f)]


SURROGATES = re.compile(r"\\uD[89AB][0-9A-F]{2}\\uD[C-F][0-9A-F]{2}-\\uD[89AB][0-9A-F]{2}\\uD[C-F][0-9A-F]{2}", re.I)
INLINE_FLAGS = re.compile(r"(?<!^)\(\?[aiLmsux]+\)")


def _asciify(pattern):
    """`pattern` with the Unicode classes replaced by ASCII stand-ins, Java's surrogate
    pairs and inline flags after the start dropped, for sre_parse."""
    pattern = INLINE_FLAGS.sub("", SURROGATES.sub("", pattern))
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            if n in "pP" and i + 2 < len(pattern):
                if pattern[i + 2] == "{":
                    end = pattern.find("}", i)
                    name = pattern[i + 3:end]
                else:
                    end, name = i + 2, pattern[i + 2]
                name = name.replace("Is", "", 1) if name not in UNICODE_CLASSES else name
                chars = UNICODE_CLASSES.get(name, "a-zA-Z0-9")
                if n == "P":  # a negated class: keep to the printable ones outside it
                    chars = "a-zA-Z0-9" if name in ("C", "Cc", "Cntrl") else "\x00-\x1f"
                    if depth == 0:
                        out.append(f"[{chars}]" if name in ("C", "Cc", "Cntrl") else "[^\x00-\x1f]")
                        i = end + 1
                        continue
                out.append(chars if depth else f"[{chars}]")
                i = end + 1
                continue
            if n in "zZ" and depth == 0:
                out.append("$")
                i += 2
                continue
            out.append(pattern[i:i + 2])
            i += 2
            # Java reads `[\\w-.]` as \\w, "-" and "."; Python as a bad range.
            if depth and n in "wWdDsS" and pattern[i:i + 1] == "-":
                out.append("\\-")
                i += 1
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        elif c == "&" and depth and pattern[i:i + 2] == "&&":
            i += 2  # Java's class intersection: dropped (the result is checked below)
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _class_chars(items):
    chars, negate = set(), False
    for op, av in items:
        if op == sre_constants.NEGATE:
            negate = True
        elif op == sre_constants.LITERAL:
            chars.add(chr(av))
        elif op == sre_constants.RANGE:
            lo, hi = av
            if hi - lo > 400:
                hi = lo + 400
            chars.update(chr(c) for c in range(lo, hi + 1))
        elif op == sre_constants.CATEGORY:
            chars.update(_category(av))
    if negate:
        return [c for c in PRINTABLE if c not in chars] or ["_"]
    return sorted(chars) or ["a"]


def _category(cat):
    name = str(cat)
    if "NOT_DIGIT" in name:
        return list(string.ascii_letters)
    if "DIGIT" in name:
        return list(string.digits)
    if "NOT_WORD" in name:
        return ["-", "."]
    if "WORD" in name:
        return list(string.ascii_letters + string.digits)
    if "NOT_SPACE" in name:
        return list(string.ascii_letters)
    if "SPACE" in name:
        return [" "]
    return list(string.ascii_letters)


def _gen_re(parsed, rng, stretch, groups, fixed=False):
    out = []
    for op, av in parsed:
        if op == sre_constants.LITERAL:
            out.append(chr(av))
        elif op == sre_constants.NOT_LITERAL:
            out.append(rng.choice([c for c in string.ascii_letters if ord(c) != av]))
        elif op == sre_constants.ANY:
            out.append(rng.choice(string.ascii_lowercase))
        elif op == sre_constants.IN:
            chars = _class_chars(av)
            nice = [c for c in chars if c.isascii() and c.isalnum()]
            out.append(rng.choice(nice if nice and rng.random() < 0.9 else chars))
        elif op == sre_constants.CATEGORY:
            out.append(rng.choice(_category(av)))
        elif op == sre_constants.BRANCH:
            out.append(_gen_re(rng.choice(av[1]), rng, stretch, groups, fixed))
        elif op == sre_constants.SUBPATTERN:
            text = _gen_re(av[-1], rng, stretch, groups, fixed)
            if av[0] is not None:
                groups[av[0]] = text
            out.append(text)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT,
                    getattr(sre_constants, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            hi = lo + stretch if hi == sre_constants.MAXREPEAT else min(hi, lo + stretch)
            n = max(lo, hi) if fixed else rng.randint(lo, max(lo, hi))
            out.extend(_gen_re(sub, rng, stretch, groups, fixed) for _ in range(n))
        elif op == sre_constants.GROUPREF:
            out.append(groups.get(av, ""))
        elif op == getattr(sre_constants, "ATOMIC_GROUP", None):
            out.append(_gen_re(av, rng, stretch, groups, fixed))
        elif op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            pass
        elif op == sre_constants.GROUPREF_EXISTS:
            out.append(_gen_re(av[1], rng, stretch, groups, fixed))
        else:
            raise CannotGenerate(f"regex construct {op}")
    return "".join(out)


def from_pattern(pattern, rng, min_len=0, max_len=None):
    """A string that `pattern` finds and that has a length within the bounds."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = sre_parse.parse(_asciify(pattern))
    except Exception as e:
        raise CannotGenerate(f"pattern {pattern!r}: {e}")
    # Random repeats first; then each repeat stretched by exactly n, for exact lengths.
    tries = [(s, False) for s in (1, 2, 3, 0, 6) for _ in range(12)]
    tries += [(n, True) for n in range(0, min(max(int(min_len), 8) + 4, 400))]
    tries += [(s, False) for s in (24, 48, 96, 200) for _ in range(6)]
    for stretch, fixed in tries:
        try:
            s = _gen_re(parsed, rng, stretch, {}, fixed)
        except CannotGenerate:
            raise
        except Exception as e:
            raise CannotGenerate(f"pattern {pattern!r}: {e}")
        if len(s) < min_len and not pattern.startswith("^"):
            s += "a" * (min_len - len(s))  # an unanchored pattern finds it in a longer string
        if len(s) < min_len or (max_len is not None and len(s) > max_len):
            continue
        if _search(pattern, s):
            return s
    raise CannotGenerate(f"no string within [{min_len}, {max_len}] found for pattern {pattern!r}")


def kebab(name):
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "-", name).lower()


def plain_string(node, rng, hint=""):
    lo = int(node.get("minLength", 0))
    hi = node.get("maxLength")
    hi = int(hi) if hi is not None else None
    if hint.endswith("Arn") or hint.endswith("ARN"):
        base = f"arn:aws:iam::{ACCOUNT}:role/cc-{rng.getrandbits(32):08x}"
    elif hint.lower().endswith(("url", "uri", "endpoint")):
        base = f"https://example.com/cc-{rng.getrandbits(32):08x}"
    elif "email" in hint.lower():
        base = f"cc{rng.getrandbits(24):06x}@example.com"
    else:
        base = f"cc{rng.getrandbits(40):010x}"
    if hi is not None and len(base) > hi:
        base = base[-hi:] if hi >= 1 else ""
        base = base.lstrip("-/") or "a" * max(1, min(hi, 1))
    if len(base) < lo:
        base = base + "x" * (lo - len(base))
    return base


def generate(root, node, rng, hint="", minimal=True, depth=0):
    """A value for schema `node` (resolved against `root`): the first enum value, a string
    its pattern finds, the minimum, and for objects their required members only."""
    if depth > 12:
        raise CannotGenerate("schema nests too deep")
    node = resolve(root, node)
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in node:
            rest = {k: v for k, v in node.items() if k != key}
            last = None
            for branch in node[key]:
                merged = merge(rest, resolve(root, branch))
                try:
                    value = generate(root, merged, rng, hint, minimal, depth + 1)
                except CannotGenerate as e:
                    last = e
                    continue
                if _valid(root, merged, value):
                    return value
            raise last or CannotGenerate(f"no branch of {key} could be generated")
    if "allOf" in node:
        merged = {k: v for k, v in node.items() if k != "allOf"}
        for branch in node["allOf"]:
            merged = merge(merged, resolve(root, branch))
        return generate(root, merged, rng, hint, minimal, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = "object" if "object" in kind else ("string" if "string" in kind else kind[0])
    if kind is None:
        if any(k in node for k in ("properties", "additionalProperties", "required", "minProperties", "patternProperties")):
            kind = "object"
        else:
            kind = "array" if "items" in node else "string"
    if kind == "string":
        lo = int(node.get("minLength", 0))
        if node.get("maxLength") != 0:
            lo = max(1, lo)  # an empty string is rarely what a service takes
        if node.get("pattern"):
            return from_pattern(node["pattern"], rng, lo, node.get("maxLength"))
        return plain_string({**node, "minLength": lo}, rng, hint)
    if kind in ("integer", "number"):
        lo = node.get("minimum")
        if lo is None and "exclusiveMinimum" in node:
            lo = node["exclusiveMinimum"] + 1
        hi = node.get("maximum")
        value = lo if lo is not None else (1 if hi is None or hi >= 1 else hi)
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    if kind == "array":
        n = int(node.get("minItems", 0))
        if n == 0 and not minimal:
            n = 1
        items = resolve(root, node.get("items", {"type": "string"}))
        if items.get("enum") and n <= len(items["enum"]):
            return list(items["enum"][:n])
        out = []
        for i in range(n):
            for _ in range(8):
                value = generate(root, items, rng, hint, minimal, depth + 1)
                if value not in out or not node.get("uniqueItems"):
                    break
            out.append(value)
        return out
    if kind == "object":
        props = node.get("properties", {})
        out = {}
        for name in node.get("required", []):
            out[name] = generate(root, props.get(name, {}), rng, name, minimal, depth + 1)
        # minProperties (or an empty object refused): the first optional members that
        # can be made.
        want = int(node.get("minProperties", 0))
        for name in props:
            if len(out) >= want:
                break
            if name not in out:
                try:
                    out[name] = generate(root, props[name], rng, name, minimal, depth + 1)
                except CannotGenerate:
                    pass
        if len(out) < want and not props and node.get("additionalProperties", True) is not False:
            out.update({f"cc{i}": "cc" for i in range(want - len(out))})
        return out
    if kind == "null":
        return None
    raise CannotGenerate(f"type {kind!r}")


def _valid(root, node, value):
    try:
        return not any(True for _ in LenientValidator({**{"definitions": root.get("definitions", {})}, **node}).iter_errors(value))
    except Exception:
        return True


def merge(a, b):
    out = dict(a)
    for k, v in b.items():
        if k == "properties" and k in out:
            out[k] = {**out[k], **v}
        elif k == "required" and k in out:
            out[k] = list(dict.fromkeys(out[k] + v))
        else:
            out[k] = v
    return out


def _nested_schema(ti, segs):
    node = {"properties": ti.properties}
    for seg in segs:
        node = resolve(ti.schema, node)
        node = node.get("properties", {}).get(seg, {}) if seg != "*" else node.get("items", {})
    return node


def minimal_model(ti, rng):
    """A model of type `ti` with its required properties only (read-only ones left out),
    each generated from the schema; raises CannotGenerate."""
    root = ti.schema
    node = {k: v for k, v in root.items() if k in ("properties", "required", "oneOf", "anyOf", "allOf")}
    node["type"] = "object"
    read_only = set(ti.top_read_only())
    node["required"] = [r for r in node.get("required", []) if r not in read_only]
    model = generate(root, node, rng, ti.resource, True)
    errors = ti.validation_errors(model)
    if errors:
        raise CannotGenerate("; ".join(errors[:3]))
    return model


def mint(ti, name, rng=None):
    """A value for property `name` of `ti` the way a service makes one it assigns: an ARN
    for an `...Arn`, else a random id that fits the property's pattern and lengths."""
    rng = rng or random.Random(uuid.uuid4().int)
    node = ti.prop_schema(name) if isinstance(name, str) else resolve(ti.schema, _nested_schema(ti, name))
    name = name if isinstance(name, str) else name[-1]
    kind = node.get("type", "string")
    if isinstance(kind, list):
        kind = kind[0]
    if kind in ("integer", "number"):
        return rng.randint(int(node.get("minimum", 1)), int(node.get("maximum", 1_000_000)))
    if kind != "string":
        raise CannotGenerate(f"{name} is a {kind}")
    if name.endswith("Arn") or name == "ARN":
        return ti.arn(uuid.UUID(int=rng.getrandbits(128)).hex[:20])
    if node.get("pattern"):
        try:
            # A service never assigns an empty identifier, whatever the pattern allows.
            return from_pattern(node["pattern"], rng, max(1, int(node.get("minLength", 0))), node.get("maxLength"))
        except CannotGenerate:
            pass
    hi = node.get("maxLength")
    value = f"{kebab(ti.resource)[:12]}-{uuid.UUID(int=rng.getrandbits(128)).hex[:17]}"
    if name.lower().endswith("id") and "uuid" in str(node.get("format", "")).lower():
        value = str(uuid.UUID(int=rng.getrandbits(128)))
    if hi is not None and len(value) > int(hi):
        value = value[-int(hi):]
    return value
