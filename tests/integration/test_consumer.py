"""The durable consumer (common/ht_consumer.c) and the registry projection
(common/ht_regview.c), against the real registry.

hetao-regview-probe is a minimal service whose only job is the projection:
it follows the registry stream, records one row in probe_applied for every
event it applies (so a double application shows), and answers lookups
through ht_regview (probe.GetOrganization, probe.UseOrganization,
probe.GetProject).
"""
import os
import signal
import subprocess
import threading
import unittest
import uuid

from harness import (BUILD, FollowingServiceTest, Service, Status, checkpoint, decode, free_port, last_sequence,
                     new_key, org_request, registry_pb2, wait_caught_up, wait_for)

QUIET = ("--registry-poll-ms", "600000")     # no read-back for quiet: only live events and gaps


def register(registry, n, **overrides):
    return decode(registry.call("registry.RegisterOrganization", org_request(n, **overrides), key=new_key()),
                  registry_pb2.OrganizationReply).organization


def registry_organizations(registry):
    """{id: (kind, region, status, major_platform, name_zh, name_en, version)} from the registry itself."""
    found, token = {}, None
    while True:
        request = registry_pb2.ListOrganizationsRequest(page_size=500)
        if token:
            request.page_token = token
        page = decode(registry.call("registry.ListOrganizations", request), registry_pb2.ListOrganizationsReply)
        for org in page.organizations:
            found[org.id] = (
                registry_pb2.OrganizationKind.Name(org.kind)[len("ORGANIZATION_KIND_"):].lower(),
                registry_pb2.Region.Name(org.region)[len("REGION_"):].lower(),
                registry_pb2.OrganizationStatus.Name(org.status)[len("ORGANIZATION_STATUS_"):].lower(),
                org.major_platform, org.name_zh or None, org.name_en or None, org.version)
        if not page.next_page_token:
            return found
        token = page.next_page_token


def projected_organizations(probe):
    return {str(row[0]): tuple(row[1:]) for row in probe.db.query(
        "SELECT id, kind, region, status, major_platform, name_zh, name_en, version FROM regview_organization")}


class ConsumerTest(unittest.TestCase):
    """A registry and a probe that follows it, fresh for each test."""

    probe_args = ()

    def setUp(self):
        self.registry = Service("registry", workers=2)
        self.probe = Service("regview-probe", workers=2, sources={"registry": self.registry},
                             args=self.probe_args)

    def tearDown(self):
        self.probe.close()
        self.registry.close()

    def assertStatus(self, reply, status, field=None):
        self.assertEqual(Status.Name(reply.status), Status.Name(status),
                         "expected %s, got %s: %s" % (Status.Name(status), Status.Name(reply.status), reply.message))
        if field is not None:
            self.assertIn(field, [v.field for v in reply.violations], reply.message)

    def assertAppliedOnce(self, last):
        """Every event 1..last applied exactly once, and nothing else."""
        counts = dict(self.probe.db.query("SELECT seq, count(*) FROM probe_applied GROUP BY seq"))
        twice = {seq: n for seq, n in counts.items() if n != 1}
        self.assertEqual(twice, {}, "events applied more than once (sequence: times)")
        self.assertEqual(sorted(counts), list(range(1, last + 1)), "events applied, expected 1..%d" % last)
        self.assertEqual(checkpoint(self.probe), last)

    def assertProjectionEqualsRegistry(self):
        self.assertEqual(projected_organizations(self.probe), registry_organizations(self.registry))

    def probe_get(self, org_id, method="probe.GetOrganization"):
        return self.probe.call(method, registry_pb2.GetOrganizationRequest(id=org_id))


class Following(ConsumerTest):
    def test_every_event_is_applied_exactly_once_and_the_projection_equals_the_registry(self):
        ids = [register(self.registry, n).id for n in range(12)]
        self.registry.call("registry.UpdateOrganization", registry_pb2.UpdateOrganizationRequest(
            id=ids[0], name_en="Renamed Lab", major_platform=True), key=new_key())
        self.registry.call("registry.SetOrganizationStatus", registry_pb2.SetOrganizationStatusRequest(
            id=ids[1], status=registry_pb2.ORGANIZATION_STATUS_SUSPENDED, reason="audit"), key=new_key())
        last = wait_caught_up(self.probe, self.registry, events=14)
        self.assertEqual(last, 14)
        self.assertAppliedOnce(14)
        self.assertProjectionEqualsRegistry()
        projected = projected_organizations(self.probe)
        self.assertEqual(projected[ids[0]][3:], (True, "河套实验室0", "Renamed Lab", 2))
        self.assertEqual(projected[ids[1]][2], "suspended")

    def test_lookup_answers_from_the_projection_and_a_withdrawn_organization_is_refused_by_the_helper(self):
        org = register(self.registry, 1)
        self.registry.call("registry.SetOrganizationStatus", registry_pb2.SetOrganizationStatusRequest(
            id=org.id, status=registry_pb2.ORGANIZATION_STATUS_WITHDRAWN, reason="closed"), key=new_key())
        wait_caught_up(self.probe, self.registry, events=2)
        found = decode(self.probe_get(org.id), registry_pb2.OrganizationReply).organization
        self.assertEqual((found.id, found.status, found.version),
                         (org.id, registry_pb2.ORGANIZATION_STATUS_WITHDRAWN, 2))
        self.assertStatus(self.probe_get(org.id, "probe.UseOrganization"), Status.FAILED_PRECONDITION, "id")

    def test_an_unknown_id_is_not_found_naming_the_field_and_a_malformed_one_invalid(self):
        register(self.registry, 1)
        wait_caught_up(self.probe, self.registry, events=1)
        reply = self.probe_get(str(uuid.uuid4()))
        self.assertStatus(reply, Status.NOT_FOUND, "id")
        self.assertStatus(self.probe_get("not-a-uuid"), Status.INVALID_ARGUMENT, "id")

    def test_consumer_database_connection_cut_mid_stream_reconnects_without_applying_twice(self):
        cuts = 0
        for n in range(30):
            register(self.registry, n)
            if n % 10 == 5:
                cuts += self.probe.db.query(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'hetao-regview-probe-consumer'")[0][0]
        self.assertGreater(cuts, 0, "no consumer connection was cut")
        wait_caught_up(self.probe, self.registry, events=30)
        self.assertAppliedOnce(30)
        self.assertProjectionEqualsRegistry()

    def test_consumer_killed_mid_stream_catches_up_on_restart_without_applying_twice(self):
        stop = threading.Event()
        registered = []

        def writer():
            n = 100
            while not stop.is_set() and n < 300:
                registered.append(register(self.registry, n).id)
                n += 1

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            self.assertTrue(wait_for(lambda: checkpoint(self.probe) >= 10, seconds=30),
                            "the probe applied nothing while the registry was being written")
            # Mid-stream, without a chance to finish anything.
            self.probe.stop(signal.SIGKILL)
            at_kill = len(registered)
            self.probe.restart()
        finally:
            thread.join(300)
            stop.set()
        self.assertLess(at_kill, 200, "the writer had finished before the kill")
        self.assertEqual(len(registered), 200)
        wait_caught_up(self.probe, self.registry, events=200)
        self.assertAppliedOnce(200)
        self.assertProjectionEqualsRegistry()


class FollowingQuietly(ConsumerTest):
    """No read-back for quiet: a gap is found only from the next live event."""

    probe_args = QUIET + ("--test-drop-live", "3")

    def test_a_gap_forced_by_dropping_live_events_is_healed_by_read_back(self):
        for n in range(9):
            register(self.registry, n)
        # Every third live event is dropped; a dropped last one shows only when
        # the next arrives, so keep writing (one event each) until the probe
        # has applied everything.
        total = 9

        def caught_up():
            nonlocal total
            if checkpoint(self.probe) >= total:
                return True
            register(self.registry, 20 + total)
            total += 1
            return False

        self.assertTrue(wait_for(caught_up, seconds=60, interval=0.3), self.probe.log_text())
        self.assertEqual(wait_caught_up(self.probe, self.registry, events=total), total)
        log = self.probe.log_text()
        self.assertIn("dropping live event", log)
        self.assertIn("reading back", log)
        self.assertAppliedOnce(total)
        self.assertProjectionEqualsRegistry()


class AcrossRestarts(ConsumerTest):
    """No read-back for quiet either: after the registry restarts, the probe
    catches up only if its subscription comes back by itself."""

    probe_args = QUIET

    def test_two_replicas_on_one_database_apply_each_event_once(self):
        replica = Service("regview-probe", workers=2, db=self.probe.db, sources={"registry": self.registry})
        try:
            for n in range(40):
                register(self.registry, n)
            wait_caught_up(self.probe, self.registry, events=40)
            self.assertAppliedOnce(40)
            self.assertProjectionEqualsRegistry()
        finally:
            replica.close()

    def test_registry_restarted_the_consumer_reconnects_and_continues(self):
        for n in range(5):
            register(self.registry, n)
        wait_caught_up(self.probe, self.registry, events=5)
        self.registry.restart()
        # Events committed while the probe's subscription is re-established may
        # be missed live; the next one shows the jump. Keep writing (one event
        # each) until the probe has applied everything.
        total = 5

        def caught_up():
            nonlocal total
            register(self.registry, 10 + total)
            total += 1
            return wait_for(lambda: checkpoint(self.probe) >= total, seconds=1)

        self.assertTrue(wait_for(caught_up, seconds=60, interval=0.1), self.probe.log_text())
        last = wait_caught_up(self.probe, self.registry, events=total)
        self.assertEqual(last, total)
        self.assertAppliedOnce(last)
        self.assertProjectionEqualsRegistry()


class Projects(ConsumerTest):
    """Project events as the registry writes them (ProjectEvent in its outbox,
    numbered and published by its relay)."""

    def emit_project(self, project, event_type="registry.project.registered"):
        payload = registry_pb2.ProjectEvent(project=project).SerializeToString()
        self.registry.db.query(
            "INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
            " VALUES ('registry', %s, %s, %s, %s)", (event_type, project.id, new_key(), payload))

    def test_project_events_keep_the_latest_version_with_its_participants(self):
        lead, partner = register(self.registry, 1), register(self.registry, 2)
        project_id = str(uuid.uuid4())
        first = registry_pb2.Project(
            id=project_id, title_en="Quantum sensing", lead_organization_id=lead.id,
            participants=[registry_pb2.ProjectParticipant(organization_id=lead.id,
                                                          role=registry_pb2.PARTICIPANT_ROLE_LEAD),
                          registry_pb2.ProjectParticipant(organization_id=partner.id,
                                                          role=registry_pb2.PARTICIPANT_ROLE_PARTNER)],
            origin=registry_pb2.PROJECT_ORIGIN_HK_UNIVERSITY, sector=registry_pb2.SECTOR_QUANTUM_TECHNOLOGY,
            high_end=True, status=registry_pb2.PROJECT_STATUS_PROPOSED, version=1)
        second = registry_pb2.Project()
        second.CopyFrom(first)
        second.status = registry_pb2.PROJECT_STATUS_ACTIVE
        second.version = 2
        del second.participants[1:]
        self.emit_project(first)
        self.emit_project(second, "registry.project.status_changed")
        self.emit_project(first)                    # an older version again: must change nothing
        wait_caught_up(self.probe, self.registry, events=5)
        self.assertAppliedOnce(5)

        found = decode(self.probe.call("probe.GetProject", registry_pb2.GetProjectRequest(id=project_id)),
                       registry_pb2.ProjectReply).project
        self.assertEqual((found.version, found.status, found.lead_organization_id, found.title_en),
                         (2, registry_pb2.PROJECT_STATUS_ACTIVE, lead.id, "Quantum sensing"))
        self.assertEqual((found.sector, found.origin, found.high_end),
                         (registry_pb2.SECTOR_QUANTUM_TECHNOLOGY, registry_pb2.PROJECT_ORIGIN_HK_UNIVERSITY, True))
        self.assertEqual([(p.organization_id, p.role) for p in found.participants],
                         [(lead.id, registry_pb2.PARTICIPANT_ROLE_LEAD)])
        self.assertEqual(self.probe.db.query(
            "SELECT organization_id::text, role FROM regview_participant WHERE project_id = %s", (project_id,)),
            [(lead.id, "lead")])

    def test_participants_are_kept_once_each_lead_first_and_unreadable_ones_left_out(self):
        lead, partner = register(self.registry, 1), register(self.registry, 2)
        project = registry_pb2.Project(
            id=str(uuid.uuid4()), lead_organization_id=lead.id, status=registry_pb2.PROJECT_STATUS_PROPOSED,
            version=1, participants=[
                registry_pb2.ProjectParticipant(organization_id=partner.id, role=registry_pb2.PARTICIPANT_ROLE_PARTNER),
                registry_pb2.ProjectParticipant(organization_id=lead.id, role=registry_pb2.PARTICIPANT_ROLE_LEAD),
                registry_pb2.ProjectParticipant(organization_id="not-a-uuid", role=registry_pb2.PARTICIPANT_ROLE_FUNDER),
                registry_pb2.ProjectParticipant(organization_id=partner.id, role=registry_pb2.PARTICIPANT_ROLE_FUNDER)])
        self.emit_project(project)
        wait_caught_up(self.probe, self.registry, events=3)
        self.assertAppliedOnce(3)
        self.assertEqual(self.probe.db.query(
            "SELECT organization_id::text, role FROM regview_participant WHERE project_id = %s ORDER BY position",
            (project.id,)), [(lead.id, "lead"), (partner.id, "partner")])

    def test_a_project_event_without_a_project_is_skipped_and_the_stream_goes_on(self):
        self.emit_project(registry_pb2.Project(id="not-a-uuid", version=1))
        org = register(self.registry, 3)
        wait_caught_up(self.probe, self.registry, events=2)
        self.assertAppliedOnce(2)
        self.assertEqual(list(projected_organizations(self.probe)), [org.id])
        self.assertIn("carries no complete project", self.probe.log_text())


def register_project(registry, lead, partners=(), **fields):
    request = registry_pb2.RegisterProjectRequest(
        title_en=fields.pop("title_en", "Joint quantum lab"), lead_organization_id=lead,
        partners=[registry_pb2.ProjectParticipant(organization_id=p, role=registry_pb2.PARTICIPANT_ROLE_PARTNER)
                  for p in partners],
        origin=registry_pb2.PROJECT_ORIGIN_HK_UNIVERSITY, sector=registry_pb2.SECTOR_QUANTUM_TECHNOLOGY,
        high_end=True, **fields)
    return decode(registry.call("registry.RegisterProject", request, key=new_key()),
                  registry_pb2.ProjectReply).project


def project_view(project):
    """What the projection keeps of a project."""
    return (project.id, project.lead_organization_id, project.sector, project.origin, project.status,
            project.high_end, project.title_zh, project.title_en, project.version,
            [(p.organization_id, p.role) for p in project.participants])


class RegistryProjects(ConsumerTest):
    """Projects through the registry's own project methods."""

    def test_projects_registered_updated_and_moved_on_are_projected_as_the_registry_has_them(self):
        lead, first, second = (register(self.registry, n).id for n in range(3))
        project = register_project(self.registry, lead, [first])
        decode(self.registry.call("registry.UpdateProject", registry_pb2.UpdateProjectRequest(
            id=project.id, title_zh="联合量子实验室",
            partners=registry_pb2.ParticipantList(participants=[registry_pb2.ProjectParticipant(
                organization_id=second, role=registry_pb2.PARTICIPANT_ROLE_FUNDER)])), key=new_key()),
            registry_pb2.ProjectReply)
        decode(self.registry.call("registry.SetProjectStatus", registry_pb2.SetProjectStatusRequest(
            id=project.id, status=registry_pb2.PROJECT_STATUS_ACTIVE), key=new_key()), registry_pb2.ProjectReply)
        wait_caught_up(self.probe, self.registry, events=6)
        self.assertAppliedOnce(6)
        truth = decode(self.registry.call("registry.GetProject", registry_pb2.GetProjectRequest(id=project.id)),
                       registry_pb2.ProjectReply).project
        self.assertEqual(truth.version, 3)
        self.assertEqual(self.probe.db.query(
            "SELECT version, status FROM regview_project WHERE id = %s", (project.id,)), [(3, "active")])
        found = decode(self.probe.call("probe.GetProject", registry_pb2.GetProjectRequest(id=project.id)),
                       registry_pb2.ProjectReply).project
        self.assertEqual(project_view(found), project_view(truth))
        self.assertEqual([p.organization_id for p in found.participants], [lead, second])

    def test_an_unknown_project_is_not_found_naming_the_field(self):
        register(self.registry, 1)
        wait_caught_up(self.probe, self.registry, events=1)
        reply = self.probe.call("probe.GetProject", registry_pb2.GetProjectRequest(id=str(uuid.uuid4())))
        self.assertStatus(reply, Status.NOT_FOUND, "id")


class Harness(FollowingServiceTest):
    """The harness's case for following services (funding and customs use it)."""

    service = "regview-probe"

    def test_the_following_service_is_a_principal_of_the_registry_and_follows_it(self):
        org = self.register_organization(7)
        self.assertGreaterEqual(self.caught_up(events=1), 1)
        self.assertIn([self.svc.server.public.decode(), "regview-probe", "-",
                       "reporting_reader,event_subscriber", "active"], self.registry.principals)
        found = decode(self.svc.call("probe.GetOrganization", registry_pb2.GetOrganizationRequest(id=org.id)),
                       registry_pb2.OrganizationReply).organization
        self.assertEqual(found.name_en, org.name_en)


class ServiceOptions(unittest.TestCase):
    """A service's own settings (ht_service_t.options) sit beside the common ones."""

    def test_a_service_setting_is_shown_by_help_and_used(self):
        shown = subprocess.run([os.path.join(BUILD, "bin", "hetao-regview-probe"), "--help"],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(shown.returncode, 0)
        for flag in ("--probe-field", "HETAO_PROBE_FIELD", "--registry-server-key", "--test-drop-live", "--workers"):
            self.assertIn(flag, shown.stdout)
        registry = Service("registry", workers=2)
        try:
            probe = Service("regview-probe", workers=2, sources={"registry": registry},
                            args=("--probe-field", "organization_id"))
            try:
                reply = probe.call("probe.GetOrganization", registry_pb2.GetOrganizationRequest(id=str(uuid.uuid4())))
                self.assertEqual(Status.Name(reply.status), "NOT_FOUND", reply.message)
                self.assertEqual([v.field for v in reply.violations], ["organization_id"])
            finally:
                probe.close()
        finally:
            registry.close()


class Asking(unittest.TestCase):
    """A probe that never hears live events (its event endpoint leads nowhere)
    and never reads back after its start: anything registered later is a miss."""

    @classmethod
    def setUpClass(cls):
        cls.registry = Service("registry", workers=2)
        cls.known = register(cls.registry, 1)
        nowhere = "tcp://127.0.0.1:%d" % free_port()
        cls.probe = Service("regview-probe", workers=2, sources={"registry": cls.registry},
                            args=QUIET + ("--registry-events", nowhere, "--registry-deadline-ms", "1500"))
        wait_caught_up(cls.probe, cls.registry, events=1)

    @classmethod
    def tearDownClass(cls):
        cls.probe.close()
        cls.registry.close()

    def get(self, org_id):
        return self.probe.call("probe.GetOrganization", registry_pb2.GetOrganizationRequest(id=org_id),
                               timeout=10)

    def test_a_miss_is_asked_of_the_registry_directly(self):
        later = register(self.registry, 2)
        self.assertEqual(self.probe.db.query("SELECT 1 FROM regview_organization WHERE id = %s", (later.id,)), [],
                         "the organization should not be in the projection yet")
        found = decode(self.get(later.id), registry_pb2.OrganizationReply).organization
        self.assertEqual((found.id, found.name_en, found.version), (later.id, later.name_en, 1))

    def test_a_project_miss_is_asked_of_the_registry_directly(self):
        lead = register(self.registry, 3)
        project = register_project(self.registry, lead.id)
        found = decode(self.probe.call("probe.GetProject", registry_pb2.GetProjectRequest(id=project.id),
                                       timeout=10), registry_pb2.ProjectReply).project
        self.assertEqual(self.probe.db.query("SELECT 1 FROM regview_project WHERE id = %s", (project.id,)), [])
        self.assertEqual(project_view(found), project_view(project))

    def test_registry_down_a_miss_is_unavailable_and_the_projection_still_answers(self):
        try:
            self.registry.stop()
            reply = self.get(str(uuid.uuid4()))
            self.assertEqual(Status.Name(reply.status), "UNAVAILABLE", reply.message)
            self.assertIn("id", [v.field for v in reply.violations])
            found = decode(self.get(self.known.id), registry_pb2.OrganizationReply).organization
            self.assertEqual(found.id, self.known.id)
        finally:
            self.registry.restart()


if __name__ == "__main__":
    unittest.main()
