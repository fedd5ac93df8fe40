"""customs_stack - the registry and hetao-customs running together for the customs tests.

Customs asks the registry about organizations with a key of its own (a
principal of the registry with the reporting_reader role); its clock can be
moved forward by writing seconds into a test clock file (--test-clock-file,
a test-only setting).
"""
import os
import tempfile
import time

from harness import Service, ServiceTest, Status, decode, new_key, org_request, read_events, registry_pb2, last_sequence, wait_applied_all, wait_caught_up, wait_for  # noqa: F401
from hetao.v1 import customs_pb2  # noqa: F401

SEED = 424242


class CustomsStack:
    def __init__(self, args=(), workers=3, registry=None):
        """`registry`: a running registry to follow (the caller closes it); else one of its own."""
        self.own_registry = registry is None
        self.registry = registry or Service("registry", workers=2)
        fd, self.clock_file = tempfile.mkstemp(prefix="hetao-clock-")
        os.close(fd)
        self.set_clock(0)
        try:
            self.customs = Service("customs", workers=workers, sources={"registry": self.registry}, args=[
                "--test-clock-file", self.clock_file,
                "--job-interval-ms", "100",
                "--inspection-seed", str(SEED)] + list(args))
        except Exception:
            os.unlink(self.clock_file)
            if self.own_registry:
                self.registry.close()
            raise
        self.orgs = 0

    def set_clock(self, seconds):
        """Moves customs' clock to `seconds` ahead of the real time."""
        with open(self.clock_file + ".new", "w") as f:
            f.write("%d\n" % seconds)
        os.rename(self.clock_file + ".new", self.clock_file)

    def org(self, n=None, **overrides):
        """A new organization of the registry; returns its id."""
        self.orgs += 1
        n = n if n is not None else int(time.time() * 1000) % 10_000_000 + self.orgs * 7919
        reply = self.registry.call("registry.RegisterOrganization", org_request(n, **overrides), key=new_key())
        return decode(reply, registry_pb2.OrganizationReply).organization.id

    def withdraw(self, org_id):
        decode(self.registry.call("registry.SetOrganizationStatus", registry_pb2.SetOrganizationStatusRequest(
            id=org_id, status=registry_pb2.ORGANIZATION_STATUS_WITHDRAWN, reason="left the park"), key=new_key()),
            registry_pb2.OrganizationReply)
        # Customs learns it from the registry's stream once the relay has
        # numbered it: wait for every event committed so far, this one included
        # (the health's last sequence may still lag behind earlier commits).
        wait_applied_all(self.customs, self.registry)

    def call(self, method, payload, keys="admin", key=None, mutating=None):
        """Calls customs; mutating methods get a new idempotency key unless one is given."""
        if key is None and mutating is not False:
            key = new_key()
        return self.customs.call("customs." + method, payload, key=key, keys=keys)

    def restart(self):
        self.customs.restart()

    def events(self, after=0):
        return read_events(self.customs, stream="customs", after=after)

    def close(self):
        self.customs.close()
        if self.own_registry:
            self.registry.close()
        os.unlink(self.clock_file)


class CustomsTest(ServiceTest):
    """One registry and one customs service per test class (assertStatus from ServiceTest)."""

    args = ()

    @classmethod
    def setUpClass(cls):
        cls.stack = CustomsStack(args=cls.args)
        cls.customs = cls.stack.customs

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def call(self, method, payload, **kw):
        return self.stack.call(method, payload, **kw)

    def ok(self, method, payload, reply_type, **kw):
        return decode(self.call(method, payload, **kw), reply_type)

    def wait_event(self, aggregate_id, type, seconds=10):
        """The last event of `type` about `aggregate_id`, once the relay has numbered it."""
        found = wait_for(lambda: [e for e in self.stack.events() if e.aggregate_id == aggregate_id
                                  and e.type == type], seconds=seconds)
        self.assertTrue(found, "no %s event about %s" % (type, aggregate_id))
        return found[-1]

    def open_case(self, org, category=customs_pb2.CASE_CATEGORY_ACCOUNT_ESTABLISHMENT,
                  priority=customs_pb2.CASE_PRIORITY_NORMAL, keys="admin"):
        return self.ok("OpenCase", customs_pb2.OpenCaseRequest(
            organization_id=org, category=category, priority=priority, description="Help with customs"),
            customs_pb2.CaseReply, keys=keys).assistance_case

    def act(self, case_id, action, note=None, keys="admin"):
        return self.call("ChangeCaseStatus", customs_pb2.ChangeCaseStatusRequest(
            id=case_id, action=action, note=note), keys=keys)

    def applicant(self, org, name=None):
        return self.customs.add_principal(name or "applicant-" + org[:8] + new_key()[:4], "applicant",
                                          organization=org)
