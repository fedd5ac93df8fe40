"""The registry's rules for projects, proved against the real service.

Every refused mutation is also checked to have left the project tables, the
outbox and the idempotency records exactly as they were.
"""
import threading
import time
import unittest
import uuid

import psycopg2

from harness import EntityTest, Status, decode, new_key, registry_pb2, wait_for

R = registry_pb2
PROPOSED, ACTIVE = R.PROJECT_STATUS_PROPOSED, R.PROJECT_STATUS_ACTIVE
COMPLETED, TERMINATED = R.PROJECT_STATUS_COMPLETED, R.PROJECT_STATUS_TERMINATED
LEAD, PARTNER, FUNDER = R.PARTICIPANT_ROLE_LEAD, R.PARTICIPANT_ROLE_PARTNER, R.PARTICIPANT_ROLE_FUNDER
QUANTUM, BIO = R.SECTOR_QUANTUM_TECHNOLOGY, R.SECTOR_BIOPHARMACEUTICALS
HKU, PLATFORM = R.PROJECT_ORIGIN_HK_UNIVERSITY, R.PROJECT_ORIGIN_PARK_PLATFORM


class ProjectTest(EntityTest):
    tables = ("project", "project_participant")
    """Helpers shared by the test classes of this file (one service per class)."""

    workers = 2
    _orgs = 0

    # -- calls ---------------------------------------------------------------

    def new_org(self, **overrides):
        """A freshly registered organization's id."""
        ProjectTest._orgs += 1
        n = 50000 + ProjectTest._orgs
        return decode(self.register(n, **overrides), R.OrganizationReply).organization.id

    def withdraw(self, org_id):
        decode(self.svc.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=org_id, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="left the park"), key=new_key()),
            R.OrganizationReply)

    def request(self, lead, partners=(), **fields):
        values = dict(title_en="Quantum sensing for hospitals", title_zh="医院量子传感",
                      lead_organization_id=lead, origin=HKU, sector=QUANTUM)
        values.update(fields)
        request = R.RegisterProjectRequest(**{k: v for k, v in values.items() if v is not None})
        for org_id, role in partners:
            request.partners.add(organization_id=org_id, role=role)
        return request

    def register_project(self, lead, partners=(), keys="admin", **fields):
        return self.svc.call("registry.RegisterProject", self.request(lead, partners, **fields), key=new_key(),
                             keys=keys)

    def new_project(self, lead, partners=(), **fields):
        return decode(self.register_project(lead, partners, **fields), R.ProjectReply).project

    def get(self, project_id, keys="admin"):
        return self.svc.call("registry.GetProject", R.GetProjectRequest(id=project_id), keys=keys)

    def get_project(self, project_id):
        return decode(self.get(project_id), R.ProjectReply).project

    def update(self, project_id, partners=None, keys="admin", **fields):
        request = R.UpdateProjectRequest(id=project_id, **fields)
        if partners is not None:
            request.partners.SetInParent()
            for org_id, role in partners:
                request.partners.participants.add(organization_id=org_id, role=role)
        return self.svc.call("registry.UpdateProject", request, key=new_key(), keys=keys)

    def set_status(self, project_id, status, reason=None, **fields):
        request = R.SetProjectStatusRequest(id=project_id, status=status, **fields)
        if reason is not None:
            request.reason = reason
        return self.svc.call("registry.SetProjectStatus", request, key=new_key())

    def list_projects(self, keys="admin", **fields):
        return self.svc.call("registry.ListProjects", R.ListProjectsRequest(**fields), keys=keys)

    def listed(self, **fields):
        return [p.id for p in decode(self.list_projects(**fields), R.ListProjectsReply).projects]

    def participants(self, project):
        return [(p.organization_id, p.role) for p in project.participants]


# ---------------------------------------------------------------------------
class Registration(ProjectTest):

    def setUp(self):
        self.lead = self.new_org()

    def test_registration_is_proposed_at_version_1_and_emits_registered_with_the_reply_state(self):
        partner, funder = self.new_org(), self.new_org()
        reply = self.register_project(self.lead, [(partner, PARTNER), (funder, FUNDER)], high_end=True,
                                      start_date="2027-01-01", end_date="2029-12-31")
        project = decode(reply, R.ProjectReply).project
        uuid.UUID(project.id)
        self.assertEqual((project.status, project.version, project.high_end), (PROPOSED, 1, True))
        self.assertEqual(project.lead_organization_id, self.lead)
        self.assertEqual(self.participants(project), [(self.lead, LEAD), (partner, PARTNER), (funder, FUNDER)])
        self.assertEqual((project.origin, project.sector), (HKU, QUANTUM))
        self.assertEqual((project.start_date, project.end_date), ("2027-01-01", "2029-12-31"))
        self.assertEqual(project.created_at_us, project.updated_at_us)
        self.assertLess(abs(project.created_at_us / 1e6 - time.time()), 300, "created_at_us is not now")
        self.assertSameMessage(self.get_project(project.id), project)
        row = self.svc.db.query("SELECT status, version, origin, sector, high_end, start_date::text, end_date::text"
                                " FROM project WHERE id = %s", (project.id,))
        self.assertEqual(row, [("proposed", 1, "hk_university", "quantum_technology", True,
                                "2027-01-01", "2029-12-31")])
        rows = self.svc.db.query("SELECT organization_id::text, role, position FROM project_participant"
                                 " WHERE project_id = %s ORDER BY position", (project.id,))
        self.assertEqual(rows, [(self.lead, "lead", 0), (partner, "partner", 1), (funder, "funder", 2)])
        event, payload = self.last_event(project.id, R.ProjectEvent)
        self.assertEqual((event.type, event.stream), ("registry.project.registered", "registry"))
        self.assertSameMessage(payload.project, project)
        self.assertFalse(payload.HasField("previous_status"))

    def test_high_end_is_false_unless_set(self):
        project = self.new_project(self.lead)
        self.assertTrue(project.HasField("high_end"))
        self.assertFalse(project.high_end)

    def test_one_title_is_enough_and_both_missing_is_refused_naming_title_en(self):
        self.assertEqual(self.new_project(self.lead, title_en=None).title_zh, "医院量子传感")
        self.assertEqual(self.new_project(self.lead, title_zh=None).title_en, "Quantum sensing for hospitals")
        self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, title_zh=None, title_en=None),
                                         Status.INVALID_ARGUMENT, "title_en")

    def test_titles_are_1_to_300_characters_of_text(self):
        self.assertEqual(len(self.new_project(self.lead, title_zh="量" * 300).title_zh), 300)
        for field, bad in [("title_zh", "量" * 301), ("title_en", ""), ("title_en", "line\nbreak")]:
            with self.subTest(field=field, length=len(bad)):
                self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, **{field: bad}),
                                                 Status.INVALID_ARGUMENT, field)

    def test_origin_and_sector_are_required(self):
        for field in ("origin", "sector"):
            with self.subTest(field=field):
                self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, **{field: None}),
                                                 Status.INVALID_ARGUMENT, field)
        self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, origin=R.PROJECT_ORIGIN_UNSPECIFIED),
                                         Status.INVALID_ARGUMENT, "origin")

    def test_missing_or_malformed_lead_is_refused_naming_lead_organization_id(self):
        for bad in (None, "", "not-a-uuid"):
            with self.subTest(lead=bad):
                self.assertRefusedChangesNothing(lambda: self.register_project(bad),
                                                 Status.INVALID_ARGUMENT, "lead_organization_id")

    def test_an_unknown_lead_is_not_found_naming_lead_organization_id(self):
        self.assertRefusedChangesNothing(lambda: self.register_project(str(uuid.uuid4())),
                                         Status.NOT_FOUND, "lead_organization_id")

    def test_a_withdrawn_lead_is_failed_precondition_naming_lead_organization_id(self):
        self.withdraw(self.lead)
        self.assertRefusedChangesNothing(lambda: self.register_project(self.lead),
                                         Status.FAILED_PRECONDITION, "lead_organization_id")

    def test_a_suspended_lead_may_still_register(self):
        decode(self.svc.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=self.lead, status=R.ORGANIZATION_STATUS_SUSPENDED, reason="audit"), key=new_key()),
            R.OrganizationReply)
        self.assertEqual(self.new_project(self.lead).status, PROPOSED)

    def test_unknown_or_withdrawn_partners_are_refused_naming_partners(self):
        gone, fine = self.new_org(), self.new_org()
        self.withdraw(gone)
        self.assertRefusedChangesNothing(
            lambda: self.register_project(self.lead, [(fine, PARTNER), (str(uuid.uuid4()), FUNDER)]),
            Status.NOT_FOUND, "partners.organization_id")
        self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, [(gone, PARTNER)]),
                                         Status.FAILED_PRECONDITION, "partners.organization_id")

    def test_partner_roles_are_partner_or_funder(self):
        partner = self.new_org()
        self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, [(partner, LEAD)]),
                                         Status.INVALID_ARGUMENT, "partners.role")
        self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, [(partner, 0)]),
                                         Status.INVALID_ARGUMENT, "partners.role")

    def test_an_organization_takes_part_once(self):
        partner = self.new_org()
        self.assertRefusedChangesNothing(
            lambda: self.register_project(self.lead, [(partner, PARTNER), (partner.upper(), FUNDER)]),
            Status.INVALID_ARGUMENT, "partners.organization_id")
        self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, [(self.lead, PARTNER)]),
                                         Status.INVALID_ARGUMENT, "partners.organization_id")

    def test_at_most_50_partners(self):
        partners = [(str(uuid.uuid4()), PARTNER) for _ in range(51)]
        self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, partners),
                                         Status.INVALID_ARGUMENT, "partners")

    def test_upper_case_ids_are_stored_and_returned_lower_case(self):
        partner = self.new_org()
        project = self.new_project(self.lead.upper(), [(partner.upper(), PARTNER)])
        self.assertEqual(self.participants(project), [(self.lead, LEAD), (partner, PARTNER)])
        self.assertSameMessage(self.get_project(project.id), project)

    def test_end_date_must_be_after_start_date(self):
        for start, end in [("2027-06-01", "2027-05-31"), ("2027-06-01", "2027-06-01")]:
            with self.subTest(start=start, end=end):
                self.assertRefusedChangesNothing(
                    lambda: self.register_project(self.lead, start_date=start, end_date=end),
                    Status.INVALID_ARGUMENT, "end_date")
        project = self.new_project(self.lead, start_date="2027-06-01", end_date="2027-06-02")
        self.assertEqual(project.end_date, "2027-06-02")

    def test_either_date_may_be_absent(self):
        self.assertEqual(self.new_project(self.lead, start_date="2027-01-01").end_date, "")
        self.assertFalse(self.new_project(self.lead, end_date="2027-01-01").HasField("start_date"))

    def test_malformed_or_impossible_dates_are_refused_naming_the_date(self):
        for field, bad in [("start_date", "2027-02-29"), ("start_date", "2027/01/01"),
                           ("end_date", "2027-13-01"), ("end_date", "2027-01-01T00:00:00Z")]:
            with self.subTest(field=field, value=bad):
                self.assertRefusedChangesNothing(lambda: self.register_project(self.lead, **{field: bad}),
                                                 Status.INVALID_ARGUMENT, field)

    def test_one_request_reports_every_violation(self):
        reply = self.register_project("nope", title_en="", origin=None, sector=None, start_date="2027-02-30")
        self.assertStatus(reply, Status.INVALID_ARGUMENT)
        self.assertTrue({"lead_organization_id", "title_en", "origin", "sector", "start_date"}
                        <= {v.field for v in reply.violations}, reply.violations)

    def test_get_unknown_id_is_not_found_and_malformed_id_invalid(self):
        self.assertStatus(self.get(str(uuid.uuid4())), Status.NOT_FOUND, "id")
        self.assertStatus(self.get("x"), Status.INVALID_ARGUMENT, "id")

    def test_a_retried_registration_returns_the_first_reply_and_registers_once(self):
        key = new_key()
        first = self.svc.call("registry.RegisterProject", self.request(self.lead), key=key)
        again = self.svc.call("registry.RegisterProject", self.request(self.lead), key=key)
        self.assertTrue(again.replayed)
        self.assertEqual(decode(again, R.ProjectReply).project.id, decode(first, R.ProjectReply).project.id)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM project WHERE lead_organization_id = %s",
                                           (self.lead,))[0][0], 1)


# ---------------------------------------------------------------------------
class Update(ProjectTest):

    def setUp(self):
        self.lead, self.partner = self.new_org(), self.new_org()
        self.project = self.new_project(self.lead, [(self.partner, PARTNER)], start_date="2027-01-01",
                                        end_date="2028-01-01")

    def test_update_bumps_version_by_one_and_emits_updated_with_the_new_state(self):
        project = decode(self.update(self.project.id, title_en="Quantum sensing, phase 2", high_end=True,
                                     sector=BIO, origin=PLATFORM), R.ProjectReply).project
        self.assertEqual((project.version, project.title_en, project.high_end, project.sector, project.origin),
                         (2, "Quantum sensing, phase 2", True, BIO, PLATFORM))
        self.assertEqual(project.title_zh, self.project.title_zh, "an absent field is left as it is")
        self.assertGreaterEqual(project.updated_at_us, self.project.updated_at_us)
        self.assertEqual(project.created_at_us, self.project.created_at_us)
        self.assertSameMessage(self.get_project(project.id), project)
        event, payload = self.last_event(project.id, R.ProjectEvent)
        self.assertEqual(event.type, "registry.project.updated")
        self.assertSameMessage(payload.project, project)

    def test_partners_are_replaced_as_a_whole_and_the_lead_stays_first(self):
        funder = self.new_org()
        project = decode(self.update(self.project.id, partners=[(funder, FUNDER), (self.partner, FUNDER)]),
                         R.ProjectReply).project
        self.assertEqual(self.participants(project), [(self.lead, LEAD), (funder, FUNDER), (self.partner, FUNDER)])
        self.assertSameMessage(self.get_project(project.id), project)

    def test_an_empty_partner_list_leaves_the_lead_alone(self):
        project = decode(self.update(self.project.id, partners=[]), R.ProjectReply).project
        self.assertEqual(self.participants(project), [(self.lead, LEAD)])

    def test_a_withdrawn_or_unknown_new_partner_is_refused(self):
        gone = self.new_org()
        self.withdraw(gone)
        self.assertRefusedChangesNothing(lambda: self.update(self.project.id, partners=[(gone, PARTNER)]),
                                         Status.FAILED_PRECONDITION, "partners.participants.organization_id")
        self.assertRefusedChangesNothing(
            lambda: self.update(self.project.id, partners=[(str(uuid.uuid4()), PARTNER)]),
            Status.NOT_FOUND, "partners.participants.organization_id")

    def test_the_lead_cannot_become_a_partner(self):
        self.assertRefusedChangesNothing(lambda: self.update(self.project.id, partners=[(self.lead, FUNDER)]),
                                         Status.INVALID_ARGUMENT, "partners.participants.organization_id")

    def test_an_empty_title_or_date_clears_it(self):
        project = decode(self.update(self.project.id, title_zh="", end_date=""), R.ProjectReply).project
        self.assertFalse(project.HasField("title_zh"))
        self.assertFalse(project.HasField("end_date"))
        self.assertEqual(self.svc.db.query("SELECT title_zh, end_date FROM project WHERE id = %s",
                                           (project.id,)), [(None, None)])

    def test_clearing_both_titles_is_refused(self):
        self.assertRefusedChangesNothing(lambda: self.update(self.project.id, title_zh="", title_en=""),
                                         Status.INVALID_ARGUMENT, "title_en")

    def test_an_end_date_before_the_stored_start_is_refused_naming_end_date(self):
        self.assertRefusedChangesNothing(lambda: self.update(self.project.id, end_date="2026-12-31"),
                                         Status.INVALID_ARGUMENT, "end_date")
        self.assertRefusedChangesNothing(lambda: self.update(self.project.id, start_date="2028-01-01"),
                                         Status.INVALID_ARGUMENT, "end_date")

    def test_an_update_that_changes_nothing_is_refused(self):
        self.assertRefusedChangesNothing(lambda: self.update(self.project.id), Status.INVALID_ARGUMENT, "id")

    def test_expected_version_mismatch_is_failed_precondition_and_a_match_is_applied(self):
        self.assertRefusedChangesNothing(lambda: self.update(self.project.id, expected_version=7, high_end=True),
                                         Status.FAILED_PRECONDITION, "expected_version")
        project = decode(self.update(self.project.id, expected_version=1, high_end=True), R.ProjectReply).project
        self.assertEqual(project.version, 2)

    def test_unknown_id_is_not_found(self):
        self.assertRefusedChangesNothing(lambda: self.update(str(uuid.uuid4()), high_end=True),
                                         Status.NOT_FOUND, "id")

    def test_a_completed_or_terminated_project_no_longer_changes(self):
        decode(self.set_status(self.project.id, TERMINATED, reason="funding withdrawn"), R.ProjectReply)
        self.assertRefusedChangesNothing(lambda: self.update(self.project.id, high_end=True),
                                         Status.FAILED_PRECONDITION, "id")

    def test_16_racing_updates_at_one_expected_version_exactly_one_wins(self):
        version = self.get_project(self.project.id).version
        replies, errors = [], []
        barrier = threading.Barrier(16)

        def client(i):
            try:
                with self.svc.client() as c:
                    barrier.wait(10)
                    request = R.UpdateProjectRequest(id=self.project.id, expected_version=version,
                                                     title_en="Racer %d" % i)
                    replies.append((i, c.call("registry.UpdateProject", request, key=new_key(), timeout=30)))
            except Exception as error:
                errors.append(repr(error))
        threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        winners = [(i, r) for i, r in replies if r.status == Status.OK]
        self.assertEqual(len(winners), 1, [Status.Name(r.status) for _, r in replies])
        for _, r in replies:
            if r.status != Status.OK:
                self.assertStatus(r, Status.FAILED_PRECONDITION, "expected_version")
        project = self.get_project(self.project.id)
        self.assertEqual((project.version, project.title_en), (version + 1, "Racer %d" % winners[0][0]))
        updated = [e for e in self.events() if e.aggregate_id == self.project.id
                   and e.type == "registry.project.updated"]
        self.assertEqual(len(updated), 1)


# ---------------------------------------------------------------------------
class Lifecycle(ProjectTest):

    def setUp(self):
        self.lead = self.new_org()
        self.project = self.new_project(self.lead)

    def test_proposed_active_completed_with_events_carrying_the_previous_status(self):
        active = decode(self.set_status(self.project.id, ACTIVE), R.ProjectReply).project
        self.assertEqual((active.status, active.version), (ACTIVE, 2))
        event, payload = self.last_event(self.project.id, R.ProjectEvent)
        self.assertEqual(event.type, "registry.project.status_changed")
        self.assertEqual(payload.previous_status, PROPOSED)
        self.assertSameMessage(payload.project, active)
        done = decode(self.set_status(self.project.id, COMPLETED), R.ProjectReply).project
        self.assertEqual((done.status, done.version), (COMPLETED, 3))
        self.assertEqual(self.last_event(self.project.id, R.ProjectEvent)[1].previous_status, ACTIVE)
        self.assertEqual(self.svc.db.query("SELECT status FROM project WHERE id = %s", (done.id,)), [("completed",)])

    def test_every_transition_follows_the_table(self):
        allowed = {(PROPOSED, ACTIVE), (PROPOSED, TERMINATED), (ACTIVE, COMPLETED), (ACTIVE, TERMINATED)}
        paths = {PROPOSED: [], ACTIVE: [ACTIVE], COMPLETED: [ACTIVE, COMPLETED], TERMINATED: [TERMINATED]}
        for start, path in paths.items():
            for target in (PROPOSED, ACTIVE, COMPLETED, TERMINATED):
                with self.subTest(start=R.ProjectStatus.Name(start), target=R.ProjectStatus.Name(target)):
                    project = self.new_project(self.lead)
                    for step in path:
                        decode(self.set_status(project.id, step, reason="moving along"), R.ProjectReply)
                    send = lambda: self.set_status(project.id, target, reason="table walk")  # noqa: E731
                    if (start, target) in allowed:
                        self.assertEqual(decode(send(), R.ProjectReply).project.status, target)
                    else:
                        self.assertRefusedChangesNothing(send, Status.FAILED_PRECONDITION, "status")

    def test_termination_needs_a_reason_and_stores_it(self):
        self.assertRefusedChangesNothing(lambda: self.set_status(self.project.id, TERMINATED),
                                         Status.INVALID_ARGUMENT, "reason")
        self.assertRefusedChangesNothing(lambda: self.set_status(self.project.id, TERMINATED, reason=""),
                                         Status.INVALID_ARGUMENT, "reason")
        self.assertRefusedChangesNothing(lambda: self.set_status(self.project.id, TERMINATED, reason="x" * 501),
                                         Status.INVALID_ARGUMENT, "reason")
        project = decode(self.set_status(self.project.id, TERMINATED, reason="partner left"), R.ProjectReply).project
        self.assertEqual((project.status, project.status_reason), (TERMINATED, "partner left"))
        self.assertEqual(self.svc.db.query("SELECT status_reason FROM project WHERE id = %s", (project.id,)),
                         [("partner left",)])

    def test_missing_status_or_stale_version_is_refused(self):
        self.assertRefusedChangesNothing(lambda: self.set_status(self.project.id, None),
                                         Status.INVALID_ARGUMENT, "status")
        self.assertRefusedChangesNothing(lambda: self.set_status(self.project.id, ACTIVE, expected_version=5),
                                         Status.FAILED_PRECONDITION, "expected_version")
        self.assertRefusedChangesNothing(lambda: self.set_status(str(uuid.uuid4()), ACTIVE),
                                         Status.NOT_FOUND, "id")


# ---------------------------------------------------------------------------
class Listing(ProjectTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        self = cls("setUp")     # an instance for the helpers; it runs nothing
        cls.a, cls.b, cls.c = self.new_org(), self.new_org(), self.new_org()
        cls.p1 = self.new_project(cls.a, [(cls.b, PARTNER)], title_en="Quantum sensing for hospitals",
                                  high_end=True).id
        cls.p2 = self.new_project(cls.a, title_en="Cell therapy 100%_pure", title_zh="细胞治疗", sector=BIO,
                                  origin=PLATFORM).id
        cls.p3 = self.new_project(cls.b, [(cls.c, FUNDER)], title_en="Quantum networks", title_zh=None).id
        decode(self.set_status(cls.p3, ACTIVE), R.ProjectReply)
        cls.all = sorted([cls.p1, cls.p2, cls.p3])

    def test_no_filter_lists_every_project_in_id_order_with_full_state(self):
        projects = decode(self.list_projects(), R.ListProjectsReply).projects
        self.assertEqual([p.id for p in projects], self.all)
        for p in projects:
            self.assertSameMessage(p, self.get_project(p.id))

    def test_each_filter(self):
        cases = [
            (dict(sector=QUANTUM), [self.p1, self.p3]),
            (dict(origin=PLATFORM), [self.p2]),
            (dict(origin=HKU, sector=QUANTUM), [self.p1, self.p3]),
            (dict(status=ACTIVE), [self.p3]),
            (dict(status=PROPOSED), [self.p1, self.p2]),
            (dict(lead_organization_id=self.a), [self.p1, self.p2]),
            (dict(organization_id=self.b), [self.p1, self.p3]),
            (dict(organization_id=self.c), [self.p3]),
            (dict(high_end=True), [self.p1]),
            (dict(high_end=False), [self.p2, self.p3]),
            (dict(title_contains="QUANTUM"), [self.p1, self.p3]),
            (dict(title_contains="细胞"), [self.p2]),
            (dict(title_contains="100%_"), [self.p2]),
            (dict(title_contains="0%x"), []),
            (dict(sector=QUANTUM, organization_id=self.b, status=PROPOSED), [self.p1]),
        ]
        for fields, expected in cases:
            with self.subTest(**{k: str(v) for k, v in fields.items()}):
                self.assertEqual(self.listed(**fields), sorted(expected))

    def test_page_size_1_visits_every_project_once_in_id_order(self):
        seen, token = [], None
        while True:
            fields = dict(page_size=1)
            if token:
                fields["page_token"] = token
            page = decode(self.list_projects(**fields), R.ListProjectsReply)
            seen += [p.id for p in page.projects]
            if not page.HasField("next_page_token"):
                break
            token = page.next_page_token
        self.assertEqual(seen, self.all)

    def test_bad_paging_and_filters_are_refused_naming_them(self):
        for fields, field in [(dict(page_size=0), "page_size"), (dict(page_size=501), "page_size"),
                              (dict(page_token="bogus"), "page_token"), (dict(sector=R.SECTOR_UNSPECIFIED), "sector"),
                              (dict(organization_id="x"), "organization_id"),
                              (dict(lead_organization_id="x"), "lead_organization_id"),
                              (dict(title_contains=""), "title_contains")]:
            with self.subTest(field=field):
                self.assertStatus(self.list_projects(**fields), Status.INVALID_ARGUMENT, field)


# ---------------------------------------------------------------------------
class Applicant(ProjectTest):
    """An applicant acts on the projects of its own organization only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        self = cls("setUp")     # an instance for the helpers; it runs nothing
        cls.own, cls.other = self.new_org(), self.new_org()
        cls.keys = cls.svc.add_principal("hku-office", "applicant", organization=cls.own)
        cls.led_by_other = self.new_project(cls.other).id
        cls.joined = self.new_project(cls.other, [(cls.own, PARTNER)]).id

    def test_an_applicant_registers_and_updates_projects_its_organization_leads(self):
        project = decode(self.register_project(self.own, [(self.other, PARTNER)], keys=self.keys),
                         R.ProjectReply).project
        self.assertEqual(project.lead_organization_id, self.own)
        updated = decode(self.update(project.id, keys=self.keys, high_end=True), R.ProjectReply).project
        self.assertTrue(updated.high_end)

    def test_an_applicant_cannot_register_or_update_for_another_lead(self):
        self.assertRefusedChangesNothing(lambda: self.register_project(self.other, keys=self.keys),
                                         Status.PERMISSION_DENIED, "lead_organization_id")
        self.assertRefusedChangesNothing(lambda: self.update(self.joined, keys=self.keys, high_end=True),
                                         Status.PERMISSION_DENIED, "id")

    def test_an_applicant_reads_projects_its_organization_takes_part_in_only(self):
        self.assertEqual(decode(self.get(self.joined, keys=self.keys), R.ProjectReply).project.id, self.joined)
        self.assertStatus(self.get(self.led_by_other, keys=self.keys), Status.PERMISSION_DENIED, "id")

    def test_an_applicant_lists_with_its_own_organization_only(self):
        mine = decode(self.list_projects(keys=self.keys, organization_id=self.own), R.ListProjectsReply)
        self.assertIn(self.joined, [p.id for p in mine.projects])
        self.assertNotIn(self.led_by_other, [p.id for p in mine.projects])
        self.assertStatus(self.list_projects(keys=self.keys), Status.PERMISSION_DENIED, "lead_organization_id")
        self.assertStatus(self.list_projects(keys=self.keys, organization_id=self.other),
                          Status.PERMISSION_DENIED, "organization_id")

    def test_an_applicant_cannot_change_a_status(self):
        project = self.new_project(self.own)
        reply = self.svc.call("registry.SetProjectStatus", R.SetProjectStatusRequest(
            id=project.id, status=ACTIVE), key=new_key(), keys=self.keys)
        self.assertStatus(reply, Status.PERMISSION_DENIED)


# ---------------------------------------------------------------------------
class References(ProjectTest):
    """Referenced organizations are read so that a withdrawal cannot slip in."""

    workers = 4

    def test_a_registration_waits_for_a_withdrawal_in_flight_and_then_refuses(self):
        lead = self.new_org()
        # A withdrawal in flight: its transaction holds the organization row.
        conn = psycopg2.connect(self.svc.db.dsn)
        self.addCleanup(conn.close)
        cur = conn.cursor()
        cur.execute("SELECT status FROM organization WHERE id = %s FOR UPDATE", (lead,))
        replies = []
        sender = threading.Thread(target=lambda: replies.append(self.register_project(lead)))
        sender.start()
        waiting = wait_for(lambda: self.svc.db.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE '%%FOR SHARE%%'")[0][0] == 1, seconds=20)
        self.assertTrue(waiting, "the registration did not wait for the organization row")
        cur.execute("UPDATE organization SET status = 'withdrawn', status_reason = 'gone', version = version + 1"
                    " WHERE id = %s", (lead,))
        conn.commit()
        sender.join(30)
        self.assertEqual(len(replies), 1)
        self.assertStatus(replies[0], Status.FAILED_PRECONDITION, "lead_organization_id")
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM project WHERE lead_organization_id = %s",
                                           (lead,))[0][0], 0)

    def test_16_clients_registering_while_a_partner_is_withdrawn_commit_only_what_they_acknowledge(self):
        lead, partner = self.new_org(), self.new_org()
        before = {r[0] for r in self.svc.db.query("SELECT id::text FROM project")}
        barrier = threading.Barrier(17)
        outcomes, errors = [], []

        def registrar(i):
            try:
                with self.svc.client() as c:
                    barrier.wait(10)
                    for j in range(4):
                        request = self.request(lead, [(partner, PARTNER)], title_en="Race %d-%d" % (i, j))
                        outcomes.append(c.call("registry.RegisterProject", request, key=new_key(), timeout=30))
            except Exception as error:
                errors.append(repr(error))

        def withdrawer():
            try:
                barrier.wait(10)
                self.withdraw(partner)
            except Exception as error:
                errors.append(repr(error))
        threads = [threading.Thread(target=registrar, args=(i,)) for i in range(16)]
        threads.append(threading.Thread(target=withdrawer))
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(len(outcomes), 64)
        acknowledged = set()
        for reply in outcomes:
            if reply.status == Status.OK:
                acknowledged.add(decode(reply, R.ProjectReply).project.id)
            else:
                self.assertStatus(reply, Status.FAILED_PRECONDITION, "partners.organization_id")
        rows = {r[0] for r in self.svc.db.query("SELECT id::text FROM project")} - before
        self.assertEqual(rows, acknowledged, "the project table is not what was acknowledged")
        # After the withdrawal, nobody can join the partner to a project.
        self.assertStatus(self.register_project(lead, [(partner, PARTNER)]), Status.FAILED_PRECONDITION,
                          "partners.organization_id")
        events = self.events()
        registered = {e.aggregate_id for e in events if e.type == "registry.project.registered"}
        self.assertTrue(acknowledged <= registered, "an acknowledged project has no event")
        self.assertEqual(len([e for e in events if e.aggregate_id in acknowledged]), len(acknowledged))


if __name__ == "__main__":
    unittest.main()
