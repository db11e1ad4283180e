"""A sweep of the sandbox's Cloud Control API over every type AWS can create, read and
delete through it (1,737 in the bundled schemas): for each, a model of its required
properties only, generated from the schema (enums' first value, a string each pattern
finds, minimum lengths and values; cloudcontrol_schemas.minimal_model), is created, read
back (every property given comes back, write-only ones excepted), found in the list
(where the type lists without a filter), deleted, and then not found.

What a type needs beyond its schema is not made first: a VPC for a subnet, a role a
function runs as. Types carried out by moto fail when moto checks such references (as
AWS would); the generic store does not check them. The summary says how many types
passed, and why the others did not.

Run: target/sandbox/venv/bin/python -m unittest discover -s sandbox/py/tests -p 'test_cloudcontrol_sweep.py' -v
Set FORMAE_SWEEP_REPORT=path to write the outcome of each type as JSON."""

import collections
import json
import os
import random
import sys
import time
import unittest
import zlib

from botocore.exceptions import ClientError

import harness
import cloudcontrol_schemas as S
import cloudcontrol_moto

FLOOR = 200  # the sweep fails below this many types passing


class Sweep(unittest.TestCase):
    def test_sweep(self):
        harness.reset()
        harness.configure(cloudcontrol_delay=0, cloudcontrol_fail=0, fault_share=0)
        cc = harness.client("cloudcontrol")
        names = [t for t in S.type_names() if {"create", "read", "delete"} <= S.info(t).handlers]
        outcome = {}
        started = time.time()
        for name in names:
            outcome[name] = self.one(cc, name)
        took = time.time() - started

        passed = [t for t, o in outcome.items() if o["result"] == "pass"]
        kinds = collections.Counter()
        for t, o in outcome.items():
            kinds[(o["backend"], o["result"] == "pass")] += 1
        reasons = collections.Counter(o["stage"] for o in outcome.values() if o["result"] != "pass")
        lines = [f"Cloud Control sweep: {len(passed)} of {len(names)} types passed create, read, list and delete "
                 f"({took:.0f} s)"]
        for backend in ("generic", "moto adapter", "moto model"):
            ok, bad = kinds[(backend, True)], kinds[(backend, False)]
            lines.append(f"  {backend:13} {ok} passed, {bad} did not")
        lines.append("  not passed, by the step that failed: " +
                     ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
        for t, o in sorted(outcome.items()):
            if o["result"] != "pass" and o["backend"] != "generic":
                lines.append(f"    {t}: {o['stage']}: {o['detail'][:150]}")
        for t, o in sorted(outcome.items()):
            if o["result"] != "pass" and o["backend"] == "generic":
                lines.append(f"    {t}: {o['stage']}: {o['detail'][:150]}")
        print("\n".join(lines), file=sys.stderr)
        if os.environ.get("FORMAE_SWEEP_REPORT"):
            with open(os.environ["FORMAE_SWEEP_REPORT"], "w") as f:
                json.dump(outcome, f, indent=1, sort_keys=True)
        self.assertEqual(harness.violations(), [])
        self.assertGreaterEqual(len(passed), FLOOR)

    def one(self, cc, name):
        ti = S.info(name)
        adapter = cloudcontrol_moto.adapter_for(ti)
        backend = "generic" if adapter is None else (
            "moto model" if isinstance(adapter, cloudcontrol_moto.CfnModel) else "moto adapter")
        out = {"backend": backend, "result": "fail"}

        def fail(stage, detail):
            out.update(stage=stage, detail=str(detail))
            return out

        try:
            model = S.minimal_model(ti, random.Random(zlib.crc32(name.encode())))
        except S.CannotGenerate as e:
            return fail("no model", e)
        out["model"] = model
        try:
            ev = cc.create_resource(TypeName=name, DesiredState=json.dumps(model))["ProgressEvent"]
        except ClientError as e:
            return fail("create refused", e)
        ev = wait(cc, ev)
        if ev["OperationStatus"] != "SUCCESS":
            return fail("create failed", f"{ev.get('ErrorCode')}: {ev.get('StatusMessage')}")
        ident = ev.get("Identifier")
        if not ident:
            return fail("create failed", f"no identifier in {ev}")
        try:
            read = json.loads(cc.get_resource(TypeName=name, Identifier=ident)["ResourceDescription"]["Properties"])
        except ClientError as e:
            return fail("read", e)
        public = S.strip(model, ti.write_only)
        differs = [k for k, v in public.items() if read.get(k) != v]
        if differs:
            return fail("read back", f"{differs[0]}: sent {public[differs[0]]!r}, read {read.get(differs[0])!r}")
        if "list" in ti.handlers and not ti.list_required:
            try:
                listed = list_all(cc, name)
            except ClientError as e:
                return fail("list", e)
            if ident not in listed:
                return fail("list", f"{ident} not listed")
        ev = wait(cc, cc.delete_resource(TypeName=name, Identifier=ident)["ProgressEvent"])
        if ev["OperationStatus"] != "SUCCESS":
            return fail("delete failed", f"{ev.get('ErrorCode')}: {ev.get('StatusMessage')}")
        try:
            cc.get_resource(TypeName=name, Identifier=ident)
            return fail("still there", "read after delete succeeded")
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceNotFoundException":
                return fail("read after delete", e)
        out.update(result="pass", identifier=ident)
        return out


def wait(cc, ev):
    while ev["OperationStatus"] in ("PENDING", "IN_PROGRESS", "CANCEL_IN_PROGRESS"):
        time.sleep(0.01)
        ev = cc.get_resource_request_status(RequestToken=ev["RequestToken"])["ProgressEvent"]
    return ev


def list_all(cc, name):
    out, token = set(), None
    while True:
        page = cc.list_resources(TypeName=name, **({"NextToken": token} if token else {}))
        out |= {d["Identifier"] for d in page["ResourceDescriptions"]}
        token = page.get("NextToken")
        if not token:
            return out


if __name__ == "__main__":
    unittest.main()
