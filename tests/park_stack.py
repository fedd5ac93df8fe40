"""park_stack - every service of the park running together, and a client that
drives each service's main writes and reads through the protocol.

Used by the valgrind memcheck run (tests/memcheck) and the soak (tests/soak):
a registry; funding and customs following it; reporting following the
registry and funding. Each ParkClient is one principal of its own at every
service (so no client spends another's rate budget) with one connection to
each, as a real client keeps; a step is one service's write or read, and
any reply other than OK, or none within the deadline, is an unexpected error.
"""
import itertools
import random
import threading

from funding_stack import FundingStack, money
from harness import ALL_ROLES, Client, Service, Status, new_key, org_request, registry_pb2 as R
from hetao.v1 import customs_pb2 as C, funding_pb2 as F, reporting_pb2  # noqa: E402  (path set by harness)

SERVICES = ("registry", "funding", "customs", "reporting")
# The services each one follows, and asks on a miss (ht_call_ask).
SOURCES = {"registry": (), "funding": ("registry",), "customs": ("registry",),
           "reporting": ("registry", "funding", "customs")}
BUDGET = 10 ** 15                   # fen: a programme no soak can spend
AMOUNT = 100_000                    # fen per application


class ParkStack:
    """The four services, a funding programme with an open call, and one
    organization with a project that every client may use."""

    def __init__(self, workers=2):
        self.workers = workers
        self.funding_stack = FundingStack(workers=workers)
        self.registry, self.funding = self.funding_stack.registry, self.funding_stack.funding
        self.customs = self.reporting = None
        try:
            self.customs = Service("customs", workers=workers, sources={"registry": self.registry})
            self.reporting = Service("reporting", workers=workers,
                                     sources={"registry": self.registry, "funding": self.funding,
                                              "customs": self.customs})
            self.programme = self.funding_stack.programme(BUDGET)
            self.call = self.funding_stack.open_call(self.programme.id)
        except Exception:
            self.close()
            raise

    def services(self):
        return {"registry": self.registry, "funding": self.funding, "customs": self.customs,
                "reporting": self.reporting}

    def lazy_descriptors(self, name):
        """How many descriptors service `name` may open after it started, and
        keep, without leaking any: each worker makes its client to a source
        when it first asks it, and keeps it (a ZeroMQ socket: its TCP
        connection and its mailbox); a source accepts one connection from
        each worker of each follower that asks it. The registry's own workers
        number 2 (funding_stack.py); the others' `workers`."""
        workers = {"registry": 2, "funding": self.workers, "customs": self.workers, "reporting": self.workers}
        clients = 2 * workers[name] * len(SOURCES[name])
        accepted = sum(workers[follower] for follower, sources in SOURCES.items() if name in sources)
        return clients + accepted

    def admit(self, name):
        """A principal `name` with every role at each service: {service: Keys}."""
        return {service: svc.add_principal(name, ALL_ROLES) for service, svc in self.services().items()}

    def close(self):
        for svc in (self.reporting, self.customs):
            if svc is not None:
                svc.close()
        self.funding_stack.close()


class ParkClient:
    """One client of every service. `steps` names what it does, in turn."""

    STEPS = ("register_organization", "register_project", "read_registry",
             "create_application", "read_funding",
             "open_case", "create_declaration", "read_customs",
             "overview")

    def __init__(self, stack, number, timeout=10.0):
        self.stack = stack
        self.timeout = timeout
        self.numbers = itertools.count(number * 1_000_000 + 1)
        self.random = random.Random(number)
        self.keys = stack.admit("client-%d" % number)
        self.clients = {name: self._connect(name) for name in SERVICES}
        self.orgs, self.projects, self.applications, self.cases = [], [], [], []
        self.calls = 0
        self.done = dict.fromkeys(self.STEPS, 0)
        self.errors = []

    def close(self):
        for client in self.clients.values():
            client.close()

    # -- one call ------------------------------------------------------------

    def _call(self, service, method, payload, reply_type=None, mutating=False):
        """The decoded reply, or None after recording an unexpected error."""
        self.calls += 1
        try:
            reply = self.clients[service].call(method, payload, key=new_key() if mutating else None,
                                               timeout=self.timeout)
        except Exception as error:      # no reply within the deadline, or a wrong one
            # The socket may hold a late reply: a new connection, as a client would.
            self._reconnect(service)
            self.errors.append("%s: %s" % (method, error))
            return None
        if reply.status != Status.OK:
            self.errors.append("%s: %s %s" % (method, Status.Name(reply.status), reply.message))
            return None
        if reply_type is None:
            return reply
        message = reply_type()
        message.ParseFromString(reply.payload)
        return message

    def _reconnect(self, service):
        self.clients[service].close()
        self.clients[service] = self._connect(service)

    def _connect(self, service):
        svc = self.stack.services()[service]
        return Client(svc.endpoint, keys=self.keys[service], server_key=svc.server.public)

    # -- the steps -------------------------------------------------------------

    def step(self, name):
        getattr(self, name)()
        self.done[name] += 1

    def register_organization(self):
        reply = self._call("registry", "registry.RegisterOrganization", org_request(next(self.numbers)),
                           R.OrganizationReply, mutating=True)
        if reply:
            self.orgs.append(reply.organization.id)

    def register_project(self):
        if not self.orgs:
            return self.register_organization()
        request = R.RegisterProjectRequest(title_en="Soak project %d" % next(self.numbers),
                                           lead_organization_id=self.random.choice(self.orgs),
                                           origin=R.PROJECT_ORIGIN_HK_UNIVERSITY,
                                           sector=R.SECTOR_QUANTUM_TECHNOLOGY)
        reply = self._call("registry", "registry.RegisterProject", request, R.ProjectReply, mutating=True)
        if reply:
            self.projects.append((request.lead_organization_id, reply.project.id))

    def read_registry(self):
        if self.orgs:
            self._call("registry", "registry.GetOrganization",
                       R.GetOrganizationRequest(id=self.random.choice(self.orgs)), R.OrganizationReply)
        if self.projects:
            self._call("registry", "registry.GetProject",
                       R.GetProjectRequest(id=self.random.choice(self.projects)[1]), R.ProjectReply)

    def create_application(self):
        if not self.projects:
            return self.register_project()
        org, project = self.random.choice(self.projects)
        request = F.CreateApplicationRequest(call_id=self.stack.call.id, organization_id=org, project_id=project,
                                             amount=money(AMOUNT))
        request.breakdown.add(category=F.BUDGET_CATEGORY_PERSONNEL, amount=money(AMOUNT))
        reply = self._call("funding", "funding.CreateApplication", request, F.ApplicationReply, mutating=True)
        if reply:
            self.applications.append(reply.application.id)
            self._call("funding", "funding.SubmitApplication",
                       F.ApplicationActionRequest(id=reply.application.id), F.ApplicationReply, mutating=True)

    def read_funding(self):
        if self.applications:
            self._call("funding", "funding.GetApplication",
                       F.GetApplicationRequest(id=self.random.choice(self.applications)), F.ApplicationReply)
        self._call("funding", "funding.GetProgramme", F.GetProgrammeRequest(id=self.stack.programme.id),
                   F.ProgrammeReply)

    def open_case(self):
        if not self.orgs:
            return self.register_organization()
        reply = self._call("customs", "customs.OpenCase", C.OpenCaseRequest(
            organization_id=self.random.choice(self.orgs), category=C.CASE_CATEGORY_ACCOUNT_ESTABLISHMENT,
            priority=C.CASE_PRIORITY_NORMAL, description="Help with customs"), C.CaseReply, mutating=True)
        if reply:
            self.cases.append(reply.assistance_case.id)

    def create_declaration(self):
        if not self.orgs:
            return self.register_organization()
        line = C.DeclarationLine(hs_code="382200", description="Diagnostic reagents", quantity="10", unit="kg",
                                 value_minor=12000000, currency="CNY", origin_country="HK",
                                 category=C.GOODS_CATEGORY_REAGENTS)
        self._call("customs", "customs.CreateDeclaration", C.CreateDeclarationRequest(
            organization_id=self.random.choice(self.orgs), lines=[line]), C.DeclarationReply, mutating=True)

    def read_customs(self):
        if self.cases:
            self._call("customs", "customs.GetCase", C.GetCaseRequest(id=self.random.choice(self.cases)),
                       C.CaseReply)

    def overview(self):
        self._call("reporting", "reporting.Overview", reporting_pb2.OverviewRequest(),
                   reporting_pb2.OverviewReply)


def run_clients(clients, stop, steps=ParkClient.STEPS):
    """Runs each client in a thread of its own, step after step in turn, until
    the event `stop` is set; returns once every thread has ended."""
    def loop(client):
        for name in itertools.cycle(steps):
            if stop.is_set():
                return
            client.step(name)
    threads = [threading.Thread(target=loop, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
