"""The registry's rules for researchers, proved against the real service.

Every refused mutation is also checked to have left the researcher table,
the outbox and the idempotency records exactly as they were.
"""
import threading
import time
import unittest
import uuid

from harness import EntityTest, Status, decode, new_key, registry_pb2

R = registry_pb2
ACTIVE, INACTIVE = R.RESEARCHER_STATUS_ACTIVE, R.RESEARCHER_STATUS_INACTIVE
REGIONS = [R.REGION_MAINLAND, R.REGION_HONG_KONG, R.REGION_MACAO, R.REGION_OVERSEAS]


def orcid(n):
    """The n-th valid ORCID iD, hyphenated, with its ISO 7064 MOD 11-2 check character."""
    digits = "%015d" % (2_000_000_000 + n)
    total = 0
    for d in digits:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    full = digits + ("X" if check == 10 else str(check))
    return "-".join(full[i:i + 4] for i in range(0, 16, 4))


class ResearcherTest(EntityTest):
    tables = ("researcher",)
    workers = 2
    _orgs = 0

    def new_org(self):
        ResearcherTest._orgs += 1
        return decode(self.register(60000 + ResearcherTest._orgs), R.OrganizationReply).organization.id

    def register_researcher(self, org_id, keys="admin", **fields):
        values = dict(name="Chan Tai Man", region=R.REGION_HONG_KONG, organization_id=org_id)
        values.update(fields)
        request = R.RegisterResearcherRequest(**{k: v for k, v in values.items() if v is not None})
        return self.svc.call("registry.RegisterResearcher", request, key=new_key(), keys=keys)

    def new_researcher(self, org_id, **fields):
        return decode(self.register_researcher(org_id, **fields), R.ResearcherReply).researcher

    def get(self, researcher_id, keys="admin"):
        return self.svc.call("registry.GetResearcher", R.GetResearcherRequest(id=researcher_id), keys=keys)

    def get_researcher(self, researcher_id):
        return decode(self.get(researcher_id), R.ResearcherReply).researcher

    def update(self, researcher_id, **fields):
        return self.svc.call("registry.UpdateResearcher", R.UpdateResearcherRequest(id=researcher_id, **fields),
                             key=new_key())

    def set_status(self, researcher_id, status, **fields):
        return self.svc.call("registry.SetResearcherStatus",
                             R.SetResearcherStatusRequest(id=researcher_id, status=status, **fields), key=new_key())

    def list_researchers(self, keys="admin", **fields):
        return self.svc.call("registry.ListResearchers", R.ListResearchersRequest(**fields), keys=keys)

    def listed(self, **fields):
        return [r.id for r in decode(self.list_researchers(**fields), R.ListResearchersReply).researchers]


# ---------------------------------------------------------------------------
class Registration(ResearcherTest):

    def setUp(self):
        self.org = self.new_org()

    def test_registration_is_active_at_version_1_and_emits_registered_with_the_reply_state(self):
        researcher = self.new_researcher(self.org, orcid="0000-0001-5109-3700")
        uuid.UUID(researcher.id)
        self.assertEqual((researcher.name, researcher.region, researcher.organization_id, researcher.orcid),
                         ("Chan Tai Man", R.REGION_HONG_KONG, self.org, "0000-0001-5109-3700"))
        self.assertEqual((researcher.status, researcher.version), (ACTIVE, 1))
        self.assertLess(abs(researcher.created_at_us / 1e6 - time.time()), 300)
        self.assertSameMessage(self.get_researcher(researcher.id), researcher)
        self.assertEqual(self.svc.db.query("SELECT name, region, organization_id::text, orcid, status, version"
                                           " FROM researcher WHERE id = %s", (researcher.id,)),
                         [("Chan Tai Man", "hong_kong", self.org, "0000-0001-5109-3700", "active", 1)])
        event, payload = self.last_event(researcher.id, R.ResearcherEvent)
        self.assertEqual(event.type, "registry.researcher.registered")
        self.assertSameMessage(payload.researcher, researcher)

    def test_every_region_of_residence_is_accepted(self):
        for region in REGIONS:
            with self.subTest(region=R.Region.Name(region)):
                self.assertEqual(self.new_researcher(self.org, region=region).region, region)

    def test_orcid_is_optional(self):
        self.assertFalse(self.new_researcher(self.org).HasField("orcid"))

    def test_orcid_without_hyphens_or_with_lower_case_x_is_stored_canonical(self):
        self.assertEqual(self.new_researcher(self.org, orcid="0000000218250097").orcid, "0000-0002-1825-0097")
        self.assertEqual(self.new_researcher(self.org, orcid="0000-0002-1694-233x").orcid, "0000-0002-1694-233X")

    def test_a_bad_orcid_is_refused_naming_orcid(self):
        for bad in ["0000-0002-1825-0098", "0000-0002-1825-009", "", "0000 0002 1825 0097",
                    "https://orcid.org/0000-0002-1825-0097", "000X-0002-1825-0097"]:
            with self.subTest(orcid=bad):
                self.assertRefusedChangesNothing(lambda: self.register_researcher(self.org, orcid=bad),
                                                 Status.INVALID_ARGUMENT, "orcid")

    def test_the_wrong_check_character_is_named_in_the_message(self):
        reply = self.register_researcher(self.org, orcid="0000-0002-1825-0098")
        self.assertIn("'7'", reply.message)

    def test_an_orcid_identifies_one_researcher(self):
        self.new_researcher(self.org, orcid=orcid(1))
        self.assertRefusedChangesNothing(
            lambda: self.register_researcher(self.org, orcid=orcid(1).replace("-", ""), name="Someone Else"),
            Status.ALREADY_EXISTS, "orcid")

    def test_name_is_1_to_200_characters_of_text(self):
        self.assertEqual(self.new_researcher(self.org, name="陈" * 200).name, "陈" * 200)
        for bad in [None, "", "陈" * 201, "tab\there"]:
            with self.subTest(name=bad):
                self.assertRefusedChangesNothing(lambda: self.register_researcher(self.org, name=bad),
                                                 Status.INVALID_ARGUMENT, "name")

    def test_missing_region_is_refused_naming_region(self):
        self.assertRefusedChangesNothing(lambda: self.register_researcher(self.org, region=None),
                                         Status.INVALID_ARGUMENT, "region")

    def test_the_organization_must_be_registered_and_not_withdrawn(self):
        self.assertRefusedChangesNothing(lambda: self.register_researcher(None), Status.INVALID_ARGUMENT,
                                         "organization_id")
        self.assertRefusedChangesNothing(lambda: self.register_researcher(str(uuid.uuid4())), Status.NOT_FOUND,
                                         "organization_id")
        decode(self.svc.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=self.org, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="left"), key=new_key()), R.OrganizationReply)
        self.assertRefusedChangesNothing(lambda: self.register_researcher(self.org), Status.FAILED_PRECONDITION,
                                         "organization_id")

    def test_nothing_personal_beyond_the_workflow_is_accepted(self):
        # The wire has no field for identity numbers: a payload carrying one is refused whole.
        payload = R.RegisterResearcherRequest(name="Chan Tai Man", region=R.REGION_HONG_KONG,
                                              organization_id=self.org).SerializeToString()
        payload += b"\x52\x08A1234567"      # field 10, "A1234567": an HKID-like number
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.RegisterResearcher", payload, key=new_key()),
            Status.INVALID_ARGUMENT, "request.payload")
        columns = {r[0] for r in self.svc.db.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'researcher'")}
        self.assertEqual(columns, {"id", "name", "region", "organization_id", "orcid", "status", "status_reason",
                                   "version", "created_at", "updated_at"})

    def test_get_unknown_id_is_not_found_and_malformed_id_invalid(self):
        self.assertStatus(self.get(str(uuid.uuid4())), Status.NOT_FOUND, "id")
        self.assertStatus(self.get("nope"), Status.INVALID_ARGUMENT, "id")

    def test_16_clients_racing_to_register_one_orcid_register_it_once(self):
        barrier = threading.Barrier(16)
        replies, errors = [], []

        def client(i):
            try:
                with self.svc.client() as c:
                    barrier.wait(10)
                    request = R.RegisterResearcherRequest(name="Racer %d" % i, region=R.REGION_MACAO,
                                                          organization_id=self.org, orcid=orcid(99))
                    replies.append(c.call("registry.RegisterResearcher", request, key=new_key(), timeout=30))
            except Exception as error:
                errors.append(repr(error))
        threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual([r.status for r in replies].count(Status.OK), 1, [Status.Name(r.status) for r in replies])
        for r in replies:
            if r.status != Status.OK:
                self.assertStatus(r, Status.ALREADY_EXISTS, "orcid")
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM researcher WHERE orcid = %s", (orcid(99),)),
                         [(1,)])
        registered = [e for e in self.events() if e.type == "registry.researcher.registered"]
        self.assertEqual(len({e.aggregate_id for e in registered}), len(registered))


# ---------------------------------------------------------------------------
class Changes(ResearcherTest):

    def setUp(self):
        self.org = self.new_org()
        self.researcher = self.new_researcher(self.org, orcid=orcid(200 + ResearcherTest._orgs))

    def test_update_bumps_version_and_emits_updated_with_the_new_state(self):
        other = self.new_org()
        researcher = decode(self.update(self.researcher.id, name="陈大文", region=R.REGION_MAINLAND,
                                        organization_id=other), R.ResearcherReply).researcher
        self.assertEqual((researcher.name, researcher.region, researcher.organization_id, researcher.version),
                         ("陈大文", R.REGION_MAINLAND, other, 2))
        self.assertEqual(researcher.orcid, self.researcher.orcid, "an absent field is left as it is")
        self.assertSameMessage(self.get_researcher(researcher.id), researcher)
        event, payload = self.last_event(researcher.id, R.ResearcherEvent)
        self.assertEqual(event.type, "registry.researcher.updated")
        self.assertSameMessage(payload.researcher, researcher)

    def test_an_empty_orcid_clears_it_and_a_bad_one_is_refused(self):
        self.assertRefusedChangesNothing(lambda: self.update(self.researcher.id, orcid="1234"),
                                         Status.INVALID_ARGUMENT, "orcid")
        researcher = decode(self.update(self.researcher.id, orcid=""), R.ResearcherReply).researcher
        self.assertFalse(researcher.HasField("orcid"))
        self.assertEqual(self.svc.db.query("SELECT orcid FROM researcher WHERE id = %s", (researcher.id,)), [(None,)])

    def test_moving_to_a_withdrawn_or_unknown_organization_is_refused(self):
        gone = self.new_org()
        decode(self.svc.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=gone, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="left"), key=new_key()), R.OrganizationReply)
        self.assertRefusedChangesNothing(lambda: self.update(self.researcher.id, organization_id=gone),
                                         Status.FAILED_PRECONDITION, "organization_id")
        self.assertRefusedChangesNothing(lambda: self.update(self.researcher.id, organization_id=str(uuid.uuid4())),
                                         Status.NOT_FOUND, "organization_id")

    def test_an_update_that_changes_nothing_or_a_stale_version_is_refused(self):
        self.assertRefusedChangesNothing(lambda: self.update(self.researcher.id), Status.INVALID_ARGUMENT, "id")
        self.assertRefusedChangesNothing(lambda: self.update(self.researcher.id, name="X", expected_version=9),
                                         Status.FAILED_PRECONDITION, "expected_version")
        self.assertEqual(decode(self.update(self.researcher.id, name="X", expected_version=1),
                                R.ResearcherReply).researcher.version, 2)

    def test_active_and_inactive_alternate_and_events_carry_the_previous_status(self):
        inactive = decode(self.set_status(self.researcher.id, INACTIVE, reason="returned to Macao"),
                          R.ResearcherReply).researcher
        self.assertEqual((inactive.status, inactive.status_reason, inactive.version),
                         (INACTIVE, "returned to Macao", 2))
        event, payload = self.last_event(self.researcher.id, R.ResearcherEvent)
        self.assertEqual((event.type, payload.previous_status), ("registry.researcher.status_changed", ACTIVE))
        self.assertRefusedChangesNothing(lambda: self.set_status(self.researcher.id, INACTIVE),
                                         Status.FAILED_PRECONDITION, "status")
        active = decode(self.set_status(self.researcher.id, ACTIVE), R.ResearcherReply).researcher
        self.assertEqual((active.status, active.version), (ACTIVE, 3))
        self.assertFalse(active.HasField("status_reason"))
        self.assertEqual(self.last_event(self.researcher.id, R.ResearcherEvent)[1].previous_status, INACTIVE)

    def test_bad_status_requests_are_refused_naming_the_field(self):
        self.assertRefusedChangesNothing(lambda: self.set_status(self.researcher.id, R.RESEARCHER_STATUS_UNSPECIFIED),
                                         Status.INVALID_ARGUMENT, "status")
        self.assertRefusedChangesNothing(lambda: self.set_status(self.researcher.id, INACTIVE, reason="r" * 501),
                                         Status.INVALID_ARGUMENT, "reason")
        self.assertRefusedChangesNothing(lambda: self.set_status(str(uuid.uuid4()), INACTIVE),
                                         Status.NOT_FOUND, "id")


# ---------------------------------------------------------------------------
class Listing(ResearcherTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        self = cls("setUp")     # an instance for the helpers; it runs nothing
        cls.a, cls.b = self.new_org(), self.new_org()
        cls.chan = self.new_researcher(cls.a, name="Chan Tai Man").id
        cls.wong = self.new_researcher(cls.a, name="Wong Siu Ming", region=R.REGION_MACAO).id
        cls.li = self.new_researcher(cls.b, name="李小龙 100%", region=R.REGION_MAINLAND).id
        decode(self.set_status(cls.wong, INACTIVE), R.ResearcherReply)
        cls.all = sorted([cls.chan, cls.wong, cls.li])
        cls.applicant = cls.svc.add_principal("macao-office", "applicant", organization=cls.b)

    def test_each_filter(self):
        cases = [
            (dict(), self.all),
            (dict(region=R.REGION_HONG_KONG), [self.chan]),
            (dict(organization_id=self.a), [self.chan, self.wong]),
            (dict(status=INACTIVE), [self.wong]),
            (dict(status=ACTIVE, organization_id=self.a), [self.chan]),
            (dict(name_contains="TAI"), [self.chan]),
            (dict(name_contains="小龙"), [self.li]),
            (dict(name_contains="0%"), [self.li]),
            (dict(name_contains="_"), []),
        ]
        for fields, expected in cases:
            with self.subTest(**{k: str(v) for k, v in fields.items()}):
                self.assertEqual(self.listed(**fields), sorted(expected))

    def test_page_size_1_visits_every_researcher_once_in_id_order(self):
        seen, token = [], None
        while True:
            fields = dict(page_size=1)
            if token:
                fields["page_token"] = token
            page = decode(self.list_researchers(**fields), R.ListResearchersReply)
            seen += [r.id for r in page.researchers]
            if not page.HasField("next_page_token"):
                break
            token = page.next_page_token
        self.assertEqual(seen, self.all)

    def test_bad_filters_are_refused_naming_them(self):
        for fields, field in [(dict(page_size=0), "page_size"), (dict(page_token="x"), "page_token"),
                              (dict(region=R.REGION_UNSPECIFIED), "region"), (dict(organization_id="x"),
                                                                             "organization_id"),
                              (dict(name_contains=""), "name_contains")]:
            with self.subTest(field=field):
                self.assertStatus(self.list_researchers(**fields), Status.INVALID_ARGUMENT, field)

    def test_an_applicant_sees_the_researchers_of_its_own_organization_only(self):
        self.assertEqual(decode(self.get(self.li, keys=self.applicant), R.ResearcherReply).researcher.id, self.li)
        self.assertStatus(self.get(self.chan, keys=self.applicant), Status.PERMISSION_DENIED, "id")
        mine = decode(self.list_researchers(keys=self.applicant, organization_id=self.b), R.ListResearchersReply)
        self.assertEqual([r.id for r in mine.researchers], [self.li])
        self.assertStatus(self.list_researchers(keys=self.applicant), Status.PERMISSION_DENIED, "organization_id")
        reply = self.svc.call("registry.RegisterResearcher", R.RegisterResearcherRequest(
            name="Ho", region=R.REGION_MACAO, organization_id=self.b), key=new_key(), keys=self.applicant)
        self.assertStatus(reply, Status.PERMISSION_DENIED)


if __name__ == "__main__":
    unittest.main()
