"""Security: CURVE on every socket, principals, roles per method, audit, limits.

The role matrix is read from docs/security.md, the same table the docs show.
"""
import os
import subprocess
import tempfile
import time
import unittest

import zmq

from harness import (BUILD, Keys, Service, Status, decode, envelope_pb2, new_key, org_request, read_events,
                     registry_pb2, system_pb2, wait_for)

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "security.md")
ROLES = ["park_admin", "finance_officer", "customs_officer", "applicant", "reporting_reader", "event_subscriber",
         "reviewer"]


def role_table(services=("system", "registry")):
    """{method: {role: 'yes' | 'own' | '-'}} from the table in docs/security.md, for the
    methods of `services` (each service's rows are checked against that service)."""
    table = {}
    header = None
    with open(DOCS) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells and cells[0] == "method":
                header = cells[1:]
                continue
            if header and len(cells) == len(header) + 1 and cells[0].split(".")[0] in services:
                table[cells[0]] = dict(zip(header, cells[1:]))
    return table


class Security(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.svc = Service("registry", workers=2)
        own = decode(cls.svc.call("registry.RegisterOrganization", org_request(9001), key=new_key()),
                     registry_pb2.OrganizationReply).organization
        other = decode(cls.svc.call("registry.RegisterOrganization", org_request(9002), key=new_key()),
                       registry_pb2.OrganizationReply).organization
        cls.own_org, cls.other_org = own.id, other.id
        cls.keys = {role: cls.svc.add_principal("only-" + role.replace("_", "-"), role,
                                                organization=cls.own_org if role == "applicant" else None)
                    for role in ROLES}

    @classmethod
    def tearDownClass(cls):
        cls.svc.close()

    def call(self, keys, method, payload, key=None, timeout=5.0):
        return self.svc.call(method, payload, key=key, keys=keys, timeout=timeout)

    def assertNoAnswer(self, client_factory, message):
        with client_factory() as c:
            with self.assertRaises(TimeoutError, msg=message):
                c.call("system.Health", system_pb2.HealthRequest(), timeout=1.5)

    # --- the handshake --------------------------------------------------------

    def test_a_client_without_curve_gets_no_answer(self):
        self.assertNoAnswer(lambda: self.svc.client(keys=None), "plain TCP client answered")

    def test_an_unknown_key_gets_no_answer(self):
        stranger = Keys(self.svc.keydir, "stranger")
        self.assertNoAnswer(lambda: self.svc.client(keys=stranger), "unregistered key answered")

    def test_the_wrong_server_key_gets_no_answer(self):
        impostor = Keys(self.svc.keydir, "impostor-server")
        from harness import Client
        self.assertNoAnswer(lambda: Client(self.svc.endpoint, zmq.DEALER, self.svc.admin, impostor.public),
                            "client expecting another server key answered")

    def test_a_revoked_key_is_refused_at_its_next_request_and_connection(self):
        keys = self.svc.add_principal("soon-revoked", "reporting_reader")
        with self.svc.client(keys=keys) as c:
            self.assertEqual(c.call("system.Health", system_pb2.HealthRequest()).status, Status.OK)
            self.svc.revoke("soon-revoked")
            reply = wait_for(lambda: (lambda r: r if r.status == Status.UNAUTHENTICATED else None)(
                c.call("system.Health", system_pb2.HealthRequest())), seconds=5)
            self.assertIsNotNone(reply, "revoked key still served on its open connection")
        self.assertNoAnswer(lambda: self.svc.client(keys=keys), "revoked key could connect again")

    def test_routing_id_chosen_by_the_client_proves_nothing(self):
        # A client claiming the admin's name as its routing id is still itself.
        keys = self.keys["reporting_reader"]
        with self.svc.client(keys=keys) as c:
            c.sock.close()
            c.sock = zmq.Context.instance().socket(zmq.DEALER)
            keys.apply(c.sock, self.svc.server.public)
            c.sock.setsockopt(zmq.ROUTING_ID, b"admin")
            c.sock.setsockopt(zmq.LINGER, 0)
            c.sock.connect(self.svc.endpoint)
            reply = c.call("registry.RegisterOrganization", org_request(9100), key=new_key())
        self.assertEqual(reply.status, Status.PERMISSION_DENIED, reply.message)

    # --- roles ----------------------------------------------------------------

    def space_for(self, org_id):
        """A park operated by `org_id`, a unit in it and an allocation to `org_id`, made once by the admin."""
        if ("space", org_id) not in self.fixtures:
            def ok(method, request, reply_type):
                return decode(self.svc.call("registry." + method, request, key=new_key()), reply_type)
            park = ok("RegisterPark", registry_pb2.RegisterParkRequest(
                name_en="Role matrix park", operator_organization_id=org_id, area_m2="1000"),
                registry_pb2.ParkReply).park
            unit = ok("AddUnit", registry_pb2.AddUnitRequest(
                park_id=park.id, code="RM-1", area_m2="1000", use=registry_pb2.UNIT_USE_OFFICE),
                registry_pb2.UnitReply).unit
            allocation = ok("AddAllocation", registry_pb2.AddAllocationRequest(
                unit_id=unit.id, organization_id=org_id, area_m2="1", from_date="2027-01-01",
                until_date="2027-02-01"), registry_pb2.AllocationReply).allocation
            self.fixtures["space", org_id] = (park.id, unit.id, allocation.id)
        return self.fixtures["space", org_id]

    def space_payloads(self, n, org_id):
        """Payloads of the park, unit and allocation methods about `org_id`'s fixtures."""
        park, unit, allocation = self.space_for(org_id)
        return {
            "registry.RegisterPark": registry_pb2.RegisterParkRequest(
                name_en="Park %d" % n, operator_organization_id=org_id, area_m2="10"),
            "registry.GetPark": registry_pb2.GetParkRequest(id=park),
            "registry.UpdatePark": registry_pb2.UpdateParkRequest(id=park, name_en="Park %d" % n),
            "registry.SetParkStatus": registry_pb2.SetParkStatusRequest(
                id=park, status=registry_pb2.PARK_STATUS_OPERATING, operating_since="2024-01-01"),
            "registry.ListParks": registry_pb2.ListParksRequest(),
            "registry.ParkOccupancy": registry_pb2.ParkOccupancyRequest(park_id=park),
            "registry.AddUnit": registry_pb2.AddUnitRequest(
                park_id=park, code="U%d" % n, area_m2="1", use=registry_pb2.UNIT_USE_OFFICE),
            "registry.GetUnit": registry_pb2.GetUnitRequest(id=unit),
            "registry.UpdateUnit": registry_pb2.UpdateUnitRequest(id=unit, building="B%d" % n),
            "registry.SetUnitStatus": registry_pb2.SetUnitStatusRequest(
                id=unit, status=registry_pb2.UNIT_STATUS_UNAVAILABLE, reason="role matrix test"),
            "registry.ListUnits": registry_pb2.ListUnitsRequest(park_id=park),
            "registry.AddAllocation": registry_pb2.AddAllocationRequest(
                unit_id=unit, organization_id=org_id, area_m2="1", from_date="2028-01-01",
                until_date="2028-01-02"),
            "registry.GetAllocation": registry_pb2.GetAllocationRequest(id=allocation),
            "registry.EndAllocation": registry_pb2.EndAllocationRequest(id=allocation, until_date="2027-01-15"),
            "registry.ExtendAllocation": registry_pb2.ExtendAllocationRequest(id=allocation, until_date="2027-03-01"),
            "registry.ListAllocations": registry_pb2.ListAllocationsRequest(organization_id=org_id),
        }

    def payload_for(self, method, org_id):
        n = int(time.monotonic() * 1000) % 10_000_000 + 20000
        return {
            "system.Health": system_pb2.HealthRequest(),
            "system.ReadEvents": system_pb2.ReadEventsRequest(stream="registry"),
            "system.ReadAudit": system_pb2.ReadAuditRequest(),
            "registry.RegisterOrganization": org_request(n),
            "registry.GetOrganization": registry_pb2.GetOrganizationRequest(id=org_id),
            "registry.UpdateOrganization": registry_pb2.UpdateOrganizationRequest(id=org_id, name_en="Renamed %d" % n),
            "registry.SetOrganizationStatus": registry_pb2.SetOrganizationStatusRequest(
                id=org_id, status=registry_pb2.ORGANIZATION_STATUS_SUSPENDED, reason="role matrix test"),
            "registry.ListOrganizations": registry_pb2.ListOrganizationsRequest(),
            "registry.RegisterProject": registry_pb2.RegisterProjectRequest(
                title_en="Role matrix %d" % n, lead_organization_id=org_id,
                origin=registry_pb2.PROJECT_ORIGIN_OTHER, sector=registry_pb2.SECTOR_OTHER),
            "registry.GetProject": registry_pb2.GetProjectRequest(id=self.fixture("project", org_id)),
            "registry.UpdateProject": registry_pb2.UpdateProjectRequest(
                id=self.fixture("project", org_id), title_en="Renamed %d" % n),
            "registry.SetProjectStatus": registry_pb2.SetProjectStatusRequest(
                id=self.fixture("project", org_id), status=registry_pb2.PROJECT_STATUS_ACTIVE),
            "registry.ListProjects": registry_pb2.ListProjectsRequest(organization_id=org_id),
            "registry.RegisterResearcher": registry_pb2.RegisterResearcherRequest(
                name="Role Matrix %d" % n, region=registry_pb2.REGION_HONG_KONG, organization_id=org_id),
            "registry.GetResearcher": registry_pb2.GetResearcherRequest(id=self.fixture("researcher", org_id)),
            "registry.UpdateResearcher": registry_pb2.UpdateResearcherRequest(
                id=self.fixture("researcher", org_id), name="Renamed %d" % n),
            "registry.SetResearcherStatus": registry_pb2.SetResearcherStatusRequest(
                id=self.fixture("researcher", org_id), status=registry_pb2.RESEARCHER_STATUS_INACTIVE),
            "registry.ListResearchers": registry_pb2.ListResearchersRequest(organization_id=org_id),
            **self.facility_payloads(n, org_id),
            **self.space_payloads(n, org_id),
        }[method]

    fixtures = {}

    def fixture(self, kind, org_id):
        """A project led by, or a researcher affiliated with, `org_id`, made once by the admin."""
        if (kind, org_id) not in self.fixtures:
            if kind == "project":
                reply = self.svc.call("registry.RegisterProject", registry_pb2.RegisterProjectRequest(
                    title_en="Role matrix fixture", lead_organization_id=org_id,
                    origin=registry_pb2.PROJECT_ORIGIN_OTHER, sector=registry_pb2.SECTOR_OTHER), key=new_key())
                self.fixtures[kind, org_id] = decode(reply, registry_pb2.ProjectReply).project.id
            else:
                reply = self.svc.call("registry.RegisterResearcher", registry_pb2.RegisterResearcherRequest(
                    name="Role Matrix Fixture", region=registry_pb2.REGION_MACAO, organization_id=org_id),
                    key=new_key())
                self.fixtures[kind, org_id] = decode(reply, registry_pb2.ResearcherReply).researcher.id
        return self.fixtures[kind, org_id]

    def facility_payloads(self, n, org_id):
        """Payloads of the facility and access methods; access requests are those of `org_id`'s researcher."""
        from facility_fixtures import HOUR_US, us
        start = us("2029-01-01T00:00:00Z")
        facility, instrument = self.facility_fixture("facility"), self.facility_fixture("instrument")
        access = lambda: self.facility_fixture("access", org_id)
        action = lambda **kw: registry_pb2.AccessRequestActionRequest(id=access(), **kw)
        return {
            "registry.RegisterFacility": registry_pb2.RegisterFacilityRequest(
                name="Role matrix %d" % n, operator_organization_id=org_id),
            "registry.GetFacility": registry_pb2.GetFacilityRequest(id=facility),
            "registry.UpdateFacility": registry_pb2.UpdateFacilityRequest(id=facility, name="Renamed %d" % n),
            "registry.ListFacilities": registry_pb2.ListFacilitiesRequest(),
            "registry.AddInstrument": registry_pb2.AddInstrumentRequest(facility_id=facility, name="Role matrix %d" % n),
            "registry.GetInstrument": registry_pb2.GetInstrumentRequest(id=instrument),
            "registry.UpdateInstrument": registry_pb2.UpdateInstrumentRequest(id=instrument, description="Renamed %d" % n),
            "registry.SetInstrumentStatus": registry_pb2.SetInstrumentStatusRequest(
                id=self.facility_fixture("spare instrument"), status=registry_pb2.INSTRUMENT_STATUS_RETIRED,
                reason="role matrix test"),
            "registry.ListInstruments": registry_pb2.ListInstrumentsRequest(facility_id=facility),
            "registry.CreateAccessRequest": registry_pb2.CreateAccessRequestRequest(
                researcher_id=self.facility_fixture("access researcher", org_id), instrument_id=instrument, hours=1,
                purpose="Role matrix test"),
            "registry.GetAccessRequest": registry_pb2.GetAccessRequestRequest(id=access()),
            "registry.SubmitAccessRequest": action(),
            "registry.ApproveAccessRequest": action(),
            "registry.RejectAccessRequest": action(reason="role matrix test"),
            "registry.ScheduleAccessRequest": registry_pb2.ScheduleAccessRequestRequest(
                id=access(), from_us=start, until_us=start + HOUR_US),
            "registry.CompleteAccessRequest": action(),
            "registry.CancelAccessRequest": action(),
            "registry.ListAccessRequests": registry_pb2.ListAccessRequestsRequest(organization_id=org_id),
            "registry.ListBookings": registry_pb2.ListBookingsRequest(
                instrument_id=instrument, from_us=start, until_us=start + HOUR_US),
            "registry.FacilityHours": registry_pb2.FacilityHoursRequest(from_us=start, until_us=start + HOUR_US),
        }

    def facility_fixture(self, kind, org_id=None):
        """A facility, instruments, and per organization a researcher and a draft access request, made once."""
        import facility_fixtures as made
        if (kind, org_id) not in self.fixtures:
            if kind == "facility":
                value = made.facility(self.svc, self.own_org).id
            elif kind in ("instrument", "spare instrument"):
                value = made.instrument(self.svc, self.facility_fixture("facility"), name=kind).id
            elif kind == "access researcher":
                value = made.researcher(self.svc, org_id, "hong_kong")
            else:
                value = made.access_request(self.svc, self.facility_fixture("access researcher", org_id),
                                            self.facility_fixture("instrument"), hours=1).id
            self.fixtures[kind, org_id] = value
        return self.fixtures[kind, org_id]

    def test_every_method_with_every_role_matches_the_documented_table(self):
        table = role_table()
        self.assertGreaterEqual(len(table), 8, "docs/security.md role table not found")
        for method, row in table.items():
            self.assertEqual(sorted(row), sorted(ROLES), "table row for %s" % method)
            for role, allowed in row.items():
                for org_id in (self.own_org, self.other_org):
                    reply = self.call(self.keys[role], method, self.payload_for(method, org_id), key=new_key())
                    permitted = allowed == "yes" or (allowed == "own" and org_id == self.own_org)
                    what = "%s as %s on %s organization: %s %s" % (
                        method, role, "its own" if org_id == self.own_org else "another",
                        Status.Name(reply.status), reply.message)
                    if permitted:
                        self.assertNotIn(reply.status, (Status.PERMISSION_DENIED, Status.UNAUTHENTICATED), what)
                    else:
                        self.assertEqual(reply.status, Status.PERMISSION_DENIED, what)
                        if allowed == "-":
                            self.assertIn(method, reply.message)

    def test_an_applicant_acting_for_another_organization_is_denied(self):
        reply = self.call(self.keys["applicant"], "registry.GetOrganization",
                          registry_pb2.GetOrganizationRequest(id=self.other_org))
        self.assertEqual(reply.status, Status.PERMISSION_DENIED, reply.message)
        self.assertIn("own organization", reply.message)
        mine = decode(self.call(self.keys["applicant"], "registry.GetOrganization",
                                registry_pb2.GetOrganizationRequest(id=self.own_org)), registry_pb2.OrganizationReply)
        self.assertEqual(mine.organization.id, self.own_org)

    def test_a_subscriber_without_permission_receives_no_events(self):
        outsider = self.svc.subscribe(keys=self.keys["reporting_reader"])
        insider = self.svc.subscribe(keys=self.keys["event_subscriber"])
        time.sleep(0.5)
        decode(self.svc.call("registry.RegisterOrganization", org_request(9200), key=new_key()),
               registry_pb2.OrganizationReply)
        self.assertTrue(insider.poll(5000), "the event subscriber received nothing")
        self.assertEqual(insider.recv_multipart()[0], b"registry.organization.registered")
        self.assertFalse(outsider.poll(1500), "a principal without event_subscriber received an event")
        reply = self.call(self.keys["reporting_reader"], "system.ReadEvents",
                          system_pb2.ReadEventsRequest(stream="registry"))
        self.assertEqual(reply.status, Status.PERMISSION_DENIED)
        outsider.close()
        insider.close()

    def test_clients_without_a_registered_key_receive_no_events(self):
        plain = self.svc.subscribe(keys=None)
        stranger = self.svc.subscribe(keys=Keys(self.svc.keydir, "stranger-subscriber"))
        insider = self.svc.subscribe(keys=self.keys["event_subscriber"])
        try:
            time.sleep(0.5)
            decode(self.svc.call("registry.RegisterOrganization", org_request(9250), key=new_key()),
                   registry_pb2.OrganizationReply)
            self.assertTrue(insider.poll(5000), "the event subscriber received nothing")
            self.assertFalse(plain.poll(1000), "a client without CURVE received an event")
            self.assertFalse(stranger.poll(500), "an unregistered key received an event")
        finally:
            for sock in (plain, stranger, insider):
                sock.close()

    # --- audit ----------------------------------------------------------------

    def test_every_mutation_is_audited_with_principal_and_outcome(self):
        key = new_key()
        ok = self.svc.call("registry.RegisterOrganization", org_request(9300), key=key)
        self.assertEqual(ok.status, Status.OK)
        replay = self.svc.call("registry.RegisterOrganization", org_request(9300), key=key)
        self.assertTrue(replay.replayed)
        denied_key = new_key()
        denied = self.call(self.keys["reporting_reader"], "registry.RegisterOrganization", org_request(9301),
                           key=denied_key)
        self.assertEqual(denied.status, Status.PERMISSION_DENIED)
        invalid_key = new_key()
        invalid = self.svc.call("registry.RegisterOrganization", org_request(9302, registration_id="bad"),
                                key=invalid_key)
        self.assertEqual(invalid.status, Status.INVALID_ARGUMENT)
        rows = self.svc.db.query(
            "SELECT principal_name, method, status, idempotency_key, principal_key FROM ht_audit"
            " WHERE idempotency_key IN (%s, %s, %s) ORDER BY id", (key, denied_key, invalid_key))
        self.assertEqual([(r[0], r[2], r[3]) for r in rows], [
            ("admin", "OK", key), ("admin", "OK (replayed)", key),
            ("only-reporting-reader", "PERMISSION_DENIED", denied_key), ("admin", "INVALID_ARGUMENT", invalid_key)])
        self.assertEqual(rows[0][4], self.svc.admin.public.decode())
        audit = decode(self.svc.call("system.ReadAudit", system_pb2.ReadAuditRequest(principal_name="only-reporting-reader")),
                       system_pb2.ReadAuditReply)
        self.assertIn(denied_key, [r.idempotency_key for r in audit.records])
        self.assertEqual(self.call(self.keys["finance_officer"], "system.ReadAudit",
                                   system_pb2.ReadAuditRequest()).status, Status.PERMISSION_DENIED)

    def test_an_audited_change_and_its_record_commit_together(self):
        before = self.svc.db.query("SELECT count(*) FROM ht_audit WHERE status = 'OK'")[0][0]
        orgs = self.svc.db.query("SELECT count(*) FROM organization")[0][0]
        decode(self.svc.call("registry.RegisterOrganization", org_request(9400), key=new_key()),
               registry_pb2.OrganizationReply)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM ht_audit WHERE status = 'OK'")[0][0], before + 1)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM organization")[0][0], orgs + 1)

    # --- hostile strings ------------------------------------------------------

    def test_hostile_strings_are_refused_or_stored_literally(self):
        def raw_register(name_bytes):
            stand_in = "X" * len(name_bytes)
            payload = org_request(9500, name_en=stand_in).SerializeToString()
            return payload.replace(stand_in.encode(), name_bytes)
        for bad in (b"Hetao\x00Lab", b"Hetao \xff\xfe Lab", b"\xc0\xafslash"):
            reply = self.svc.call("registry.RegisterOrganization", raw_register(bad), key=new_key())
            self.assertEqual(reply.status, Status.INVALID_ARGUMENT, repr(bad))
            self.assertIn("name_en", [v.field for v in reply.violations], reply.message)
        literal = "Robert'); DROP TABLE organization; -- \\ $1 %_"
        org = decode(self.svc.call("registry.RegisterOrganization", org_request(9501, name_en=literal), key=new_key()),
                     registry_pb2.OrganizationReply).organization
        self.assertEqual(self.svc.db.query("SELECT name_en FROM organization WHERE id = %s", (org.id,))[0][0], literal)
        long = self.svc.call("registry.RegisterOrganization", org_request(9502, name_en="长" * 201), key=new_key())
        self.assertEqual(long.status, Status.INVALID_ARGUMENT)


class Limits(unittest.TestCase):
    def test_a_principal_over_its_rate_limit_gets_resource_exhausted_then_recovers(self):
        svc = Service("registry", workers=2, args=("--rate-limit", "5"))
        try:
            time.sleep(1.2)     # the health checks of start-up spent part of the budget
            statuses = [svc.call("system.Health", system_pb2.HealthRequest()).status for _ in range(15)]
            self.assertIn(Status.RESOURCE_EXHAUSTED, statuses)
            self.assertEqual(statuses[0], Status.OK)
            time.sleep(1.2)
            self.assertEqual(svc.call("system.Health", system_pb2.HealthRequest()).status, Status.OK)
        finally:
            svc.close()


class StartUp(unittest.TestCase):
    def run_registry(self, *args):
        return subprocess.run([os.path.join(BUILD, "bin", "hetao-registry"), "--db", "dbname=none"] + list(args),
                              capture_output=True, text=True, timeout=30)

    def test_the_service_refuses_to_start_without_keys(self):
        result = self.run_registry()
        self.assertEqual(result.returncode, 2)
        self.assertIn("--curve-cert", result.stderr)

    def test_the_service_refuses_a_malformed_principals_file(self):
        with tempfile.TemporaryDirectory() as d:
            server = Keys(d, "server")
            bad = os.path.join(d, "principals")
            with open(bad, "w") as f:
                f.write("not-a-key admin - park_admin active\n")
            result = self.run_registry("--curve-cert", server.public_file, "--principals", bad)
        self.assertEqual(result.returncode, 2)
        self.assertIn("line 1", result.stderr)


if __name__ == "__main__":
    unittest.main()
