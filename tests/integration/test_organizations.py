"""The registry's rules for organizations, proved against the real service.

Every refused mutation is also checked to have left the organization table,
the outbox and the idempotency records exactly as they were.
"""
import time
import unittest
import uuid

from harness import (ServiceTest, Status, decode, new_key, org_request, read_events, registry_pb2,
                     uscc, USCC_CHARSET, USCC_WEIGHTS)

R = registry_pb2
ACTIVE = R.ORGANIZATION_STATUS_ACTIVE
SUSPENDED = R.ORGANIZATION_STATUS_SUSPENDED
WITHDRAWN = R.ORGANIZATION_STATUS_WITHDRAWN
KINDS = [R.ORGANIZATION_KIND_RESEARCH_INSTITUTE, R.ORGANIZATION_KIND_UNIVERSITY,
         R.ORGANIZATION_KIND_ENTERPRISE, R.ORGANIZATION_KIND_PLATFORM_LABORATORY,
         R.ORGANIZATION_KIND_GOVERNMENT_AGENCY, R.ORGANIZATION_KIND_OTHER]


class OrgTest(ServiceTest):
    """Helpers shared by the test classes of this file (one service per class)."""

    workers = 2

    # -- calls ---------------------------------------------------------------

    def register_org(self, n, **overrides):
        return decode(self.register(n, **overrides), R.OrganizationReply).organization

    def get(self, org_id):
        return self.svc.call("registry.GetOrganization", R.GetOrganizationRequest(id=org_id))

    def get_org(self, org_id):
        return decode(self.get(org_id), R.OrganizationReply).organization

    def update(self, org_id, clear_sectors=False, **fields):
        request = R.UpdateOrganizationRequest(id=org_id, **fields)
        if clear_sectors:
            request.sectors.SetInParent()
        return self.svc.call("registry.UpdateOrganization", request, key=new_key())

    def set_status(self, org_id, status, reason=None, **fields):
        request = R.SetOrganizationStatusRequest(id=org_id, status=status, **fields)
        if reason is not None:
            request.reason = reason
        return self.svc.call("registry.SetOrganizationStatus", request, key=new_key())

    def list_orgs(self, **fields):
        return self.svc.call("registry.ListOrganizations", R.ListOrganizationsRequest(**fields))

    # -- database ------------------------------------------------------------

    def snapshot(self):
        """Everything a refused mutation must leave alone."""
        db = self.svc.db
        return {
            "organization": db.query(
                "SELECT id::text, kind, name_zh, name_en, region, registration_type, registration_id,"
                " sectors, major_platform, status, status_reason, version, created_at, updated_at"
                " FROM organization ORDER BY id"),
            "ht_outbox rows": db.query("SELECT count(*) FROM ht_outbox")[0][0],
            "ht_idempotency rows": db.query("SELECT count(*) FROM ht_idempotency")[0][0],
        }

    def row(self, org_id):
        rows = self.svc.db.query(
            "SELECT kind, name_zh, name_en, region, registration_type, registration_id, sectors,"
            " major_platform, status, status_reason, version FROM organization WHERE id = %s",
            (org_id,))
        self.assertEqual(len(rows), 1, "expected one row for %s, found %d" % (org_id, len(rows)))
        return dict(zip(["kind", "name_zh", "name_en", "region", "registration_type", "registration_id",
                         "sectors", "major_platform", "status", "status_reason", "version"], rows[0]))

    def assertRefusedChangesNothing(self, send, status, field=None):
        """Sends a mutation with send(); it must fail with `status` naming `field` and change nothing."""
        before = self.snapshot()
        reply = send()
        self.assertStatus(reply, status, field)
        self.assertFalse(reply.HasField("payload") and reply.payload, "a refused reply carries no payload")
        self.assertEqual(self.snapshot(), before, "a refused %s changed stored data" % Status.Name(status))
        return reply

    def events(self):
        """Every registry event, once the relay has numbered every outbox row."""
        total = self.svc.db.query("SELECT count(*) FROM ht_outbox")[0][0]
        deadline = time.monotonic() + 10
        events = read_events(self.svc)
        while len(events) < total and time.monotonic() < deadline:
            time.sleep(0.05)
            events = read_events(self.svc)
        self.assertEqual(len(events), total, "expected %d numbered events, read %d" % (total, len(events)))
        self.assertEqual([e.sequence for e in events], list(range(1, total + 1)), "sequences have a gap")
        return events

    def last_event(self, org_id):
        events = [e for e in self.events() if e.aggregate_id == org_id]
        self.assertTrue(events, "no event about %s" % org_id)
        payload = R.OrganizationEvent()
        payload.ParseFromString(events[-1].payload)
        return events[-1], payload

    def assertSameOrg(self, got, expected):
        self.assertEqual(got.SerializeToString(deterministic=True),
                         expected.SerializeToString(deterministic=True),
                         "organizations differ:\n%s\nvs\n%s" % (got, expected))


# ---------------------------------------------------------------------------
class Registration(OrgTest):

    def test_every_kind_can_be_registered_and_is_stored_with_its_key(self):
        keys = {R.ORGANIZATION_KIND_RESEARCH_INSTITUTE: "research_institute",
                R.ORGANIZATION_KIND_UNIVERSITY: "university",
                R.ORGANIZATION_KIND_ENTERPRISE: "enterprise",
                R.ORGANIZATION_KIND_PLATFORM_LABORATORY: "platform_laboratory",
                R.ORGANIZATION_KIND_GOVERNMENT_AGENCY: "government_agency",
                R.ORGANIZATION_KIND_OTHER: "other"}
        self.assertEqual(sorted(keys), sorted(KINDS))
        for i, kind in enumerate(KINDS):
            with self.subTest(kind=R.OrganizationKind.Name(kind)):
                org = self.register_org(100 + i, kind=kind)
                self.assertEqual(org.kind, kind)
                self.assertEqual(self.get_org(org.id).kind, kind)
                self.assertEqual(self.row(org.id)["kind"], keys[kind])

    def test_registration_is_active_at_version_1_and_emits_registered_with_the_reply_state(self):
        reply = self.register(200, major_platform=True,
                              sectors=[R.SECTOR_QUANTUM_TECHNOLOGY, R.SECTOR_ROBOTICS])
        org = decode(reply, R.OrganizationReply).organization
        uuid.UUID(org.id)
        self.assertEqual(org.status, ACTIVE)
        self.assertEqual(org.version, 1)
        self.assertTrue(org.major_platform)
        self.assertEqual(list(org.sectors), [R.SECTOR_QUANTUM_TECHNOLOGY, R.SECTOR_ROBOTICS])
        self.assertEqual(org.created_at_us, org.updated_at_us)
        self.assertLess(abs(org.created_at_us / 1e6 - time.time()), 300, "created_at_us is not now")
        self.assertFalse(reply.replayed)
        self.assertSameOrg(self.get_org(org.id), org)
        row = self.row(org.id)
        self.assertEqual((row["status"], row["version"], row["sectors"], row["major_platform"]),
                         ("active", 1, ["quantum_technology", "robotics"], True))
        event, payload = self.last_event(org.id)
        self.assertEqual(event.type, "registry.organization.registered")
        self.assertEqual(event.stream, "registry")
        self.assertSameOrg(payload.organization, org)
        self.assertFalse(payload.HasField("previous_status"))

    def test_hk_br_of_8_digits_with_region_hong_kong_is_accepted(self):
        org = self.register_org(300, region=R.REGION_HONG_KONG, registration_type=R.REGISTRATION_TYPE_HK_BR,
                                registration_id="12345678")
        self.assertEqual((org.region, org.registration_type, org.registration_id),
                         (R.REGION_HONG_KONG, R.REGISTRATION_TYPE_HK_BR, "12345678"))
        self.assertEqual(self.row(org.id)["registration_type"], "hk_br")

    def test_hk_br_that_is_not_8_digits_is_refused_naming_registration_id(self):
        for bad in ["1234567", "123456789", "1234567A", "1234 678", ""]:
            with self.subTest(registration_id=bad):
                self.assertRefusedChangesNothing(
                    lambda: self.register(301, region=R.REGION_HONG_KONG,
                                          registration_type=R.REGISTRATION_TYPE_HK_BR, registration_id=bad),
                    Status.INVALID_ARGUMENT, "registration_id")

    def test_hk_br_outside_hong_kong_is_refused_naming_region(self):
        self.assertRefusedChangesNothing(
            lambda: self.register(302, region=R.REGION_MAINLAND, registration_type=R.REGISTRATION_TYPE_HK_BR,
                                  registration_id="87654321"),
            Status.INVALID_ARGUMENT, "region")

    def test_other_identifiers_are_accepted_in_macao_and_overseas_and_stored_as_given(self):
        for n, region, reg_id in [(310, R.REGION_MACAO, "SO-12345/Mo"), (311, R.REGION_OVERSEAS, "HRB 98765.b")]:
            with self.subTest(region=R.Region.Name(region)):
                org = self.register_org(n, region=region, registration_type=R.REGISTRATION_TYPE_OTHER,
                                        registration_id=reg_id)
                self.assertEqual((org.region, org.registration_id), (region, reg_id))
                self.assertEqual(self.row(org.id)["registration_id"], reg_id)

    def test_other_identifier_with_forbidden_characters_is_refused_naming_registration_id(self):
        for bad in ["X", "-AB12", "AB_12", "AB#12", "A" * 65]:
            with self.subTest(registration_id=bad):
                self.assertRefusedChangesNothing(
                    lambda: self.register(312, region=R.REGION_OVERSEAS,
                                          registration_type=R.REGISTRATION_TYPE_OTHER, registration_id=bad),
                    Status.INVALID_ARGUMENT, "registration_id")

    def test_uscc_with_region_hong_kong_is_refused_naming_region(self):
        self.assertRefusedChangesNothing(lambda: self.register(320, region=R.REGION_HONG_KONG),
                                         Status.INVALID_ARGUMENT, "region")

    def test_uscc_with_a_wrong_check_character_is_refused_naming_registration_id(self):
        good = uscc(321)
        wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
        reply = self.assertRefusedChangesNothing(lambda: self.register(321, registration_id=wrong),
                                                 Status.INVALID_ARGUMENT, "registration_id")
        self.assertIn(good[-1], reply.message, "the message should say which check character is right")

    def test_uscc_whose_organization_code_has_a_wrong_check_character_is_refused(self):
        good = uscc(322)
        code_check = good[16]
        for wrong in "0123456789X":
            if wrong == code_check:
                continue
            body = good[:16] + wrong
            total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
            bad = body + USCC_CHARSET[(31 - total % 31) % 31]       # right GB 32100 check, wrong GB 11714 one
            with self.subTest(registration_id=bad):
                reply = self.assertRefusedChangesNothing(lambda: self.register(322, registration_id=bad),
                                                         Status.INVALID_ARGUMENT, "registration_id")
                self.assertIn("organization code", reply.message)
                self.assertIn("'%s'" % code_check, reply.message)

    def test_missing_kind_is_refused_naming_kind(self):
        self.assertRefusedChangesNothing(lambda: self.register(330, kind=None), Status.INVALID_ARGUMENT, "kind")

    def test_missing_region_is_refused_naming_region(self):
        self.assertRefusedChangesNothing(lambda: self.register(331, region=None), Status.INVALID_ARGUMENT, "region")

    def test_missing_both_names_is_refused_naming_a_name(self):
        reply = self.assertRefusedChangesNothing(lambda: self.register(332, name_en=None, name_zh=None),
                                                 Status.INVALID_ARGUMENT)
        fields = [v.field for v in reply.violations]
        self.assertTrue({"name_en", "name_zh"} & set(fields), "violations %s name neither name" % fields)

    def test_one_name_is_enough(self):
        only_zh = self.register_org(333, name_en=None)
        only_en = self.register_org(334, name_zh=None)
        self.assertEqual((only_zh.HasField("name_en"), only_zh.name_zh), (False, "河套实验室333"))
        self.assertEqual((only_en.HasField("name_zh"), only_en.name_en), (False, "Hetao Lab 334"))
        self.assertIsNone(self.row(only_zh.id)["name_en"])
        self.assertIsNone(self.row(only_en.id)["name_zh"])

    def test_empty_name_is_refused_naming_it(self):
        self.assertRefusedChangesNothing(lambda: self.register(335, name_zh=""), Status.INVALID_ARGUMENT, "name_zh")

    def test_names_are_limited_to_200_characters_not_bytes(self):
        org = self.register_org(336, name_zh="河" * 200)
        self.assertEqual(self.row(org.id)["name_zh"], "河" * 200)
        self.assertRefusedChangesNothing(lambda: self.register(337, name_en="A" * 201),
                                         Status.INVALID_ARGUMENT, "name_en")

    def test_missing_registration_type_is_refused_naming_it(self):
        self.assertRefusedChangesNothing(lambda: self.register(338, registration_type=None),
                                         Status.INVALID_ARGUMENT, "registration_type")

    def test_missing_registration_id_is_refused_naming_it(self):
        self.assertRefusedChangesNothing(lambda: self.register(339, registration_id=None),
                                         Status.INVALID_ARGUMENT, "registration_id")

    def test_one_request_reports_every_violation(self):
        empty = R.RegisterOrganizationRequest()
        reply = self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.RegisterOrganization", empty, key=new_key()),
            Status.INVALID_ARGUMENT, "kind")
        fields = set(v.field for v in reply.violations)
        for field in ["kind", "region", "registration_type", "registration_id"]:
            self.assertIn(field, fields)
        self.assertTrue({"name_en", "name_zh"} & fields, "violations %s name neither name" % fields)
        for violation in reply.violations:
            self.assertTrue(violation.description, "violation of %s has no description" % violation.field)

    def test_unknown_kind_number_is_refused_naming_kind(self):
        payload = org_request(340, kind=None).SerializeToString() + b"\x08\x63"     # kind = 99
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.RegisterOrganization", payload, key=new_key()),
            Status.INVALID_ARGUMENT, "kind")

    def test_unspecified_region_is_refused_naming_region(self):
        self.assertRefusedChangesNothing(lambda: self.register(341, region=R.REGION_UNSPECIFIED),
                                         Status.INVALID_ARGUMENT, "region")

    def test_a_sector_listed_twice_is_refused_naming_sectors(self):
        self.assertRefusedChangesNothing(
            lambda: self.register(342, sectors=[R.SECTOR_ROBOTICS, R.SECTOR_ROBOTICS]),
            Status.INVALID_ARGUMENT, "sectors")

    def test_lower_case_uscc_is_stored_upper_case(self):
        code = uscc(987654321)
        self.assertNotEqual(code, code.lower(), "pick a code with letters")
        org = self.register_org(350, registration_id=code.lower())
        self.assertEqual(org.registration_id, code)
        self.assertEqual(self.get_org(org.id).registration_id, code)
        self.assertEqual(self.row(org.id)["registration_id"], code)

    def test_lower_case_copy_of_a_registered_uscc_is_already_exists(self):
        code = uscc(987654322)
        self.register_org(351, registration_id=code)
        self.assertRefusedChangesNothing(lambda: self.register(352, registration_id=code.lower()),
                                         Status.ALREADY_EXISTS, "registration_id")

    def test_duplicate_registration_id_is_already_exists_and_stores_nothing(self):
        first = self.register_org(360)
        self.assertRefusedChangesNothing(
            lambda: self.register(361, registration_id=first.registration_id, name_en="Someone Else"),
            Status.ALREADY_EXISTS, "registration_id")
        rows = self.svc.db.query("SELECT id::text FROM organization WHERE registration_id = %s",
                                 (first.registration_id,))
        self.assertEqual(rows, [(first.id,)])

    def test_get_unknown_id_is_not_found_naming_id(self):
        reply = self.get(str(uuid.uuid4()))
        self.assertStatus(reply, Status.NOT_FOUND, "id")

    def test_get_malformed_or_missing_id_is_invalid_argument_naming_id(self):
        for bad in ["not-a-uuid", "", "0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4", "'; DROP TABLE organization; --"]:
            with self.subTest(id=bad):
                self.assertStatus(self.get(bad), Status.INVALID_ARGUMENT, "id")
        self.assertStatus(self.svc.call("registry.GetOrganization", R.GetOrganizationRequest()),
                          Status.INVALID_ARGUMENT, "id")


# ---------------------------------------------------------------------------
class Updates(OrgTest):

    def assertUpdated(self, before, reply, event_type="registry.organization.updated"):
        """The reply, the stored row and the latest event agree, one version up."""
        org = decode(reply, R.OrganizationReply).organization
        self.assertEqual(org.version, before.version + 1)
        self.assertEqual(org.created_at_us, before.created_at_us)
        self.assertGreaterEqual(org.updated_at_us, before.updated_at_us)
        self.assertSameOrg(self.get_org(org.id), org)
        event, payload = self.last_event(org.id)
        self.assertEqual(event.type, event_type)
        self.assertSameOrg(payload.organization, org)
        return org

    def test_update_of_names_bumps_version_by_one_and_emits_updated_with_the_new_state(self):
        before = self.register_org(1)
        org = self.assertUpdated(before, self.update(before.id, name_en="Hetao Quantum Lab",
                                                     name_zh="河套量子实验室"))
        self.assertEqual((org.name_en, org.name_zh), ("Hetao Quantum Lab", "河套量子实验室"))
        row = self.row(org.id)
        self.assertEqual((row["name_en"], row["name_zh"], row["version"]),
                         ("Hetao Quantum Lab", "河套量子实验室", 2))

    def test_update_of_kind_changes_only_the_kind(self):
        before = self.register_org(2)
        org = self.assertUpdated(before, self.update(before.id, kind=R.ORGANIZATION_KIND_UNIVERSITY))
        self.assertEqual(org.kind, R.ORGANIZATION_KIND_UNIVERSITY)
        self.assertEqual((org.name_en, org.name_zh, list(org.sectors), org.major_platform),
                         (before.name_en, before.name_zh, list(before.sectors), before.major_platform))
        self.assertEqual(self.row(org.id)["kind"], "university")

    def test_update_of_sectors_replaces_the_list(self):
        before = self.register_org(3)
        reply = self.update(before.id, sectors=R.SectorList(sectors=[R.SECTOR_ROBOTICS, R.SECTOR_BIOPHARMACEUTICALS]))
        org = self.assertUpdated(before, reply)
        self.assertEqual(list(org.sectors), [R.SECTOR_ROBOTICS, R.SECTOR_BIOPHARMACEUTICALS])
        self.assertEqual(self.row(org.id)["sectors"], ["robotics", "biopharmaceuticals"])

    def test_update_with_an_empty_sector_list_clears_the_sectors(self):
        before = self.register_org(4)
        self.assertEqual(len(before.sectors), 1)
        org = self.assertUpdated(before, self.update(before.id, clear_sectors=True))
        self.assertEqual(list(org.sectors), [])
        self.assertEqual(self.row(org.id)["sectors"], [])

    def test_update_without_sectors_keeps_them(self):
        before = self.register_org(5, sectors=[R.SECTOR_MICROELECTRONICS, R.SECTOR_NEW_MATERIALS])
        org = self.assertUpdated(before, self.update(before.id, name_en="Renamed 5"))
        self.assertEqual(list(org.sectors), [R.SECTOR_MICROELECTRONICS, R.SECTOR_NEW_MATERIALS])

    def test_update_with_a_sector_listed_twice_is_refused(self):
        org = self.register_org(6)
        self.assertRefusedChangesNothing(
            lambda: self.update(org.id, sectors=R.SectorList(sectors=[R.SECTOR_OTHER, R.SECTOR_OTHER])),
            Status.INVALID_ARGUMENT, "sectors.sectors")

    def test_update_of_major_platform_sets_and_unsets_it(self):
        before = self.register_org(7)
        self.assertFalse(before.major_platform)
        on = self.assertUpdated(before, self.update(before.id, major_platform=True))
        self.assertTrue(on.major_platform)
        self.assertTrue(self.row(on.id)["major_platform"])
        off = self.assertUpdated(on, self.update(on.id, major_platform=False))
        self.assertFalse(off.major_platform)
        self.assertEqual(off.version, 3)
        self.assertFalse(self.row(on.id)["major_platform"])

    def test_update_leaves_region_and_registration_as_registered(self):
        before = self.register_org(8)
        org = self.assertUpdated(before, self.update(before.id, name_zh="新名字"))
        self.assertEqual((org.region, org.registration_type, org.registration_id, org.name_en),
                         (before.region, before.registration_type, before.registration_id, before.name_en))

    def test_an_empty_name_clears_that_name_when_the_other_remains(self):
        before = self.register_org(9)
        org = self.assertUpdated(before, self.update(before.id, name_zh=""))
        self.assertFalse(org.HasField("name_zh"))
        self.assertEqual(org.name_en, before.name_en)
        self.assertIsNone(self.row(org.id)["name_zh"])

    def test_clearing_both_names_is_refused_and_changes_nothing(self):
        org = self.register_org(10)
        reply = self.assertRefusedChangesNothing(lambda: self.update(org.id, name_zh="", name_en=""),
                                                 Status.INVALID_ARGUMENT)
        fields = [v.field for v in reply.violations]
        self.assertTrue({"name_en", "name_zh"} & set(fields), "violations %s name neither name" % fields)

    def test_clearing_the_only_remaining_name_is_refused(self):
        org = self.register_org(11, name_zh=None)
        self.assertRefusedChangesNothing(lambda: self.update(org.id, name_en=""), Status.INVALID_ARGUMENT)

    def test_update_that_changes_nothing_is_refused_on_the_request_as_a_whole(self):
        org = self.register_org(12)
        for send in (lambda: self.update(org.id), lambda: self.update(org.id, expected_version=1)):
            reply = self.assertRefusedChangesNothing(send, Status.INVALID_ARGUMENT)
            self.assertEqual([v.field for v in reply.violations], [], "no one field is at fault")
            self.assertIn("changes nothing", reply.message)

    def test_expected_version_mismatch_is_failed_precondition_and_the_row_is_unchanged(self):
        org = self.register_org(13)
        for stale in [0, 2, 99]:
            with self.subTest(expected_version=stale):
                self.assertRefusedChangesNothing(
                    lambda: self.update(org.id, expected_version=stale, name_en="Never"),
                    Status.FAILED_PRECONDITION, "expected_version")
        self.assertEqual(self.row(org.id)["name_en"], org.name_en)
        self.assertEqual(self.row(org.id)["version"], 1)

    def test_matching_expected_version_is_applied(self):
        before = self.register_org(14)
        org = self.assertUpdated(before, self.update(before.id, expected_version=1, name_en="Checked"))
        self.assertEqual(org.name_en, "Checked")
        self.assertRefusedChangesNothing(lambda: self.update(org.id, expected_version=1, name_en="Stale"),
                                         Status.FAILED_PRECONDITION, "expected_version")

    def test_update_of_unknown_id_is_not_found_and_malformed_id_invalid(self):
        self.assertRefusedChangesNothing(lambda: self.update(str(uuid.uuid4()), name_en="Ghost"),
                                         Status.NOT_FOUND, "id")
        self.assertRefusedChangesNothing(lambda: self.update("nope", name_en="Ghost"),
                                         Status.INVALID_ARGUMENT, "id")

    def test_withdrawn_organization_cannot_be_updated(self):
        org = self.register_org(15)
        decode(self.set_status(org.id, WITHDRAWN, reason="left the park"), R.OrganizationReply)
        self.assertRefusedChangesNothing(lambda: self.update(org.id, name_en="Back Again"),
                                         Status.FAILED_PRECONDITION)
        self.assertRefusedChangesNothing(lambda: self.update(org.id, major_platform=True),
                                         Status.FAILED_PRECONDITION)

    def test_suspended_organization_can_still_be_updated(self):
        org = self.register_org(16)
        suspended = decode(self.set_status(org.id, SUSPENDED, reason="audit"), R.OrganizationReply).organization
        updated = self.assertUpdated(suspended, self.update(org.id, name_en="Under Audit"))
        self.assertEqual((updated.status, updated.version), (SUSPENDED, 3))


# ---------------------------------------------------------------------------
class StatusChanges(OrgTest):

    ALLOWED = {(ACTIVE, SUSPENDED), (ACTIVE, WITHDRAWN), (SUSPENDED, ACTIVE), (SUSPENDED, WITHDRAWN)}
    KEYS = {ACTIVE: "active", SUSPENDED: "suspended", WITHDRAWN: "withdrawn"}

    def org_in(self, n, status):
        org = self.register_org(n)
        if status != ACTIVE:
            org = decode(self.set_status(org.id, status, reason="made %s for the test" % self.KEYS[status]),
                         R.OrganizationReply).organization
        self.assertEqual(org.status, status)
        return org

    def test_every_transition_follows_the_table(self):
        n = 1000
        for start in [ACTIVE, SUSPENDED, WITHDRAWN]:
            for target in [ACTIVE, SUSPENDED, WITHDRAWN]:
                name = "%s->%s" % (self.KEYS[start], self.KEYS[target])
                with self.subTest(transition=name):
                    n += 1
                    org = self.org_in(n, start)
                    send = lambda: self.set_status(org.id, target, reason="because " + name)  # noqa: E731
                    if (start, target) not in self.ALLOWED:
                        self.assertRefusedChangesNothing(send, Status.FAILED_PRECONDITION, "status")
                        self.assertEqual(self.row(org.id)["status"], self.KEYS[start])
                        continue
                    changed = decode(send(), R.OrganizationReply).organization
                    self.assertEqual((changed.status, changed.version), (target, org.version + 1))
                    row = self.row(org.id)
                    self.assertEqual((row["status"], row["version"]), (self.KEYS[target], org.version + 1))
                    event, payload = self.last_event(org.id)
                    self.assertEqual(event.type, "registry.organization.status_changed")
                    self.assertEqual(payload.previous_status, start)
                    self.assertSameOrg(payload.organization, changed)

    def test_suspend_and_withdraw_need_a_reason(self):
        org = self.register_org(2000)
        for target in [SUSPENDED, WITHDRAWN]:
            for reason in [None, "", "x" * 501]:
                with self.subTest(status=self.KEYS[target], reason=None if reason is None else len(reason)):
                    self.assertRefusedChangesNothing(lambda: self.set_status(org.id, target, reason=reason),
                                                     Status.INVALID_ARGUMENT, "reason")

    def test_reason_is_stored_with_the_status(self):
        org = self.register_org(2001)
        suspended = decode(self.set_status(org.id, SUSPENDED, reason="安全审查 pending"),
                           R.OrganizationReply).organization
        self.assertEqual(suspended.status_reason, "安全审查 pending")
        self.assertEqual(self.row(org.id)["status_reason"], "安全审查 pending")
        self.assertEqual(self.get_org(org.id).status_reason, "安全审查 pending")

    def test_reactivation_needs_no_reason(self):
        org = self.org_in(2002, SUSPENDED)
        active = decode(self.set_status(org.id, ACTIVE), R.OrganizationReply).organization
        self.assertEqual((active.status, active.version), (ACTIVE, 3))

    def test_status_change_event_carries_the_previous_status(self):
        org = self.register_org(2003)
        decode(self.set_status(org.id, SUSPENDED, reason="audit"), R.OrganizationReply)
        event, payload = self.last_event(org.id)
        self.assertEqual((event.type, payload.previous_status, payload.organization.status),
                         ("registry.organization.status_changed", ACTIVE, SUSPENDED))
        decode(self.set_status(org.id, WITHDRAWN, reason="left"), R.OrganizationReply)
        event, payload = self.last_event(org.id)
        self.assertEqual((payload.previous_status, payload.organization.status, payload.organization.version),
                         (SUSPENDED, WITHDRAWN, 3))

    def test_status_change_with_a_stale_expected_version_is_failed_precondition(self):
        org = self.register_org(2004)
        self.assertRefusedChangesNothing(lambda: self.set_status(org.id, SUSPENDED, reason="r", expected_version=7),
                                         Status.FAILED_PRECONDITION, "expected_version")
        changed = decode(self.set_status(org.id, SUSPENDED, reason="r", expected_version=1),
                         R.OrganizationReply).organization
        self.assertEqual(changed.version, 2)

    def test_status_change_of_unknown_id_is_not_found(self):
        self.assertRefusedChangesNothing(lambda: self.set_status(str(uuid.uuid4()), SUSPENDED, reason="r"),
                                         Status.NOT_FOUND, "id")

    def test_missing_or_unspecified_status_is_refused_naming_status(self):
        org = self.register_org(2005)
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(id=org.id),
                                  key=new_key()),
            Status.INVALID_ARGUMENT, "status")
        self.assertRefusedChangesNothing(lambda: self.set_status(org.id, R.ORGANIZATION_STATUS_UNSPECIFIED),
                                         Status.INVALID_ARGUMENT, "status")


# ---------------------------------------------------------------------------
class Listing(OrgTest):
    """A fixed set of organizations, listed with every filter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        specs = [
            # n, kind, region/type/id, sectors, major, name_zh, name_en
            (1, R.ORGANIZATION_KIND_RESEARCH_INSTITUTE, None, [R.SECTOR_QUANTUM_TECHNOLOGY], True,
             "河套量子研究院", "Hetao Quantum Institute"),
            (2, R.ORGANIZATION_KIND_UNIVERSITY, None, [R.SECTOR_ARTIFICIAL_INTELLIGENCE, R.SECTOR_ROBOTICS], False,
             "深港大学", "Shenzhen-Hong Kong University"),
            (3, R.ORGANIZATION_KIND_ENTERPRISE, (R.REGION_HONG_KONG, R.REGISTRATION_TYPE_HK_BR, "31415926"),
             [R.SECTOR_FINANCIAL_TECHNOLOGY], False, None, "HK FinTech 100% Ltd"),
            (4, R.ORGANIZATION_KIND_ENTERPRISE, (R.REGION_MACAO, R.REGISTRATION_TYPE_OTHER, "MO-777"),
             [R.SECTOR_MEDICAL_DEVICES], False, "澳门医疗器械", None),
            (5, R.ORGANIZATION_KIND_PLATFORM_LABORATORY, (R.REGION_OVERSEAS, R.REGISTRATION_TYPE_OTHER, "DE HRB 1"),
             [R.SECTOR_ROBOTICS], True, None, "robo_lab GmbH"),
            (6, R.ORGANIZATION_KIND_GOVERNMENT_AGENCY, None, [], False, "河套合作区管理局", "Hetao Authority"),
            (7, R.ORGANIZATION_KIND_OTHER, None, [R.SECTOR_OTHER], False, "其他机构", "robolab plain"),
        ]
        cls.orgs = {}
        for n, kind, registration, sectors, major, name_zh, name_en in specs:
            overrides = dict(kind=kind, sectors=sectors, major_platform=major, name_zh=name_zh, name_en=name_en)
            if registration:
                overrides.update(region=registration[0], registration_type=registration[1],
                                 registration_id=registration[2])
            reply = cls.svc.call("registry.RegisterOrganization", org_request(n, **overrides), key=new_key())
            cls.orgs[n] = decode(reply, R.OrganizationReply).organization
        for n, status in [(6, SUSPENDED), (7, WITHDRAWN)]:
            request = R.SetOrganizationStatusRequest(id=cls.orgs[n].id, status=status, reason="fixture")
            cls.orgs[n] = decode(cls.svc.call("registry.SetOrganizationStatus", request, key=new_key()),
                                 R.OrganizationReply).organization

    def ids(self, *numbers):
        return sorted(self.orgs[n].id for n in numbers)

    def listed(self, **filters):
        reply = decode(self.list_orgs(**filters), R.ListOrganizationsReply)
        self.assertFalse(reply.HasField("next_page_token"), "one page expected")
        return [o.id for o in reply.organizations]

    def assertListed(self, filters, *numbers):
        self.assertEqual(self.listed(**filters), self.ids(*numbers), "filters %s" % filters)

    def test_no_filter_lists_every_organization_in_id_order_with_full_state(self):
        reply = decode(self.list_orgs(), R.ListOrganizationsReply)
        self.assertEqual([o.id for o in reply.organizations], self.ids(*self.orgs))
        for org in reply.organizations:
            expected = next(o for o in self.orgs.values() if o.id == org.id)
            self.assertSameOrg(org, expected)

    def test_filter_by_kind(self):
        self.assertListed(dict(kind=R.ORGANIZATION_KIND_ENTERPRISE), 3, 4)
        self.assertListed(dict(kind=R.ORGANIZATION_KIND_UNIVERSITY), 2)

    def test_filter_by_region(self):
        self.assertListed(dict(region=R.REGION_MAINLAND), 1, 2, 6, 7)
        self.assertListed(dict(region=R.REGION_HONG_KONG), 3)
        self.assertListed(dict(region=R.REGION_MACAO), 4)
        self.assertListed(dict(region=R.REGION_OVERSEAS), 5)

    def test_filter_by_status(self):
        self.assertListed(dict(status=ACTIVE), 1, 2, 3, 4, 5)
        self.assertListed(dict(status=SUSPENDED), 6)
        self.assertListed(dict(status=WITHDRAWN), 7)

    def test_filter_by_sector(self):
        self.assertListed(dict(sector=R.SECTOR_ROBOTICS), 2, 5)
        self.assertListed(dict(sector=R.SECTOR_QUANTUM_TECHNOLOGY), 1)
        self.assertListed(dict(sector=R.SECTOR_BIOPHARMACEUTICALS))

    def test_filter_by_major_platform(self):
        self.assertListed(dict(major_platform=True), 1, 5)
        self.assertListed(dict(major_platform=False), 2, 3, 4, 6, 7)

    def test_name_contains_matches_chinese_names(self):
        self.assertListed(dict(name_contains="河套"), 1, 6)
        self.assertListed(dict(name_contains="大学"), 2)
        self.assertListed(dict(name_contains="澳门医疗器械"), 4)

    def test_name_contains_matches_english_names_in_any_case(self):
        self.assertListed(dict(name_contains="hetao"), 1, 6)
        self.assertListed(dict(name_contains="QUANTUM institute"), 1)
        self.assertListed(dict(name_contains="hONG kONG"), 2)

    def test_name_contains_treats_percent_and_underscore_literally(self):
        self.assertListed(dict(name_contains="%"), 3)
        self.assertListed(dict(name_contains="100%"), 3)
        self.assertListed(dict(name_contains="_"), 5)
        self.assertListed(dict(name_contains="robo_lab"), 5)    # not "robolab plain"
        self.assertListed(dict(name_contains="robo%lab"))
        self.assertListed(dict(name_contains="\\"))

    def test_name_contains_does_not_match_across_the_two_names(self):
        # "河套量子研究院" + "Hetao Quantum Institute": "研究院 Hetao" is a substring of neither name.
        self.assertListed(dict(name_contains="研究院 Hetao"))
        self.assertListed(dict(name_contains="院 H"))
        # "澳门医疗器械" has no English name and no space in it.
        self.assertListed(dict(name_contains=" "), 1, 2, 3, 5, 6, 7)

    def test_filter_by_registration_id(self):
        self.assertListed(dict(registration_id=self.orgs[2].registration_id), 2)
        self.assertListed(dict(registration_id="31415926"), 3)
        self.assertListed(dict(registration_id="MO-777"), 4)
        self.assertListed(dict(registration_id="99999999"))

    def test_filter_by_registration_id_accepts_a_uscc_in_lower_case_as_registration_does(self):
        self.assertListed(dict(registration_id=self.orgs[2].registration_id.lower()), 2)
        self.assertListed(dict(registration_id="mo-777"))       # other identifiers keep their case

    def test_filters_combine_with_and(self):
        self.assertListed(dict(kind=R.ORGANIZATION_KIND_ENTERPRISE, region=R.REGION_MACAO), 4)
        self.assertListed(dict(sector=R.SECTOR_ROBOTICS, major_platform=True), 5)
        self.assertListed(dict(name_contains="hetao", status=SUSPENDED), 6)
        self.assertListed(dict(name_contains="hetao", region=R.REGION_HONG_KONG))

    def test_page_size_2_visits_every_organization_once_in_id_order(self):
        seen, pages, token = [], [], None
        while True:
            request = dict(page_size=2)
            if token is not None:
                request["page_token"] = token
            page = decode(self.list_orgs(**request), R.ListOrganizationsReply)
            pages.append(len(page.organizations))
            seen.extend(o.id for o in page.organizations)
            if not page.HasField("next_page_token"):
                break
            token = page.next_page_token
            self.assertLess(len(pages), 10, "pagination does not end")
        self.assertEqual(pages, [2, 2, 2, 1])
        self.assertEqual(seen, self.ids(*self.orgs), "each organization exactly once, in id order")

    def test_last_page_that_is_exactly_full_has_no_next_page_token(self):
        page = decode(self.list_orgs(page_size=len(self.orgs)), R.ListOrganizationsReply)
        self.assertEqual(len(page.organizations), len(self.orgs))
        self.assertFalse(page.HasField("next_page_token"))
        first = decode(self.list_orgs(page_size=len(self.orgs) - 1), R.ListOrganizationsReply)
        self.assertTrue(first.HasField("next_page_token"))
        rest = decode(self.list_orgs(page_size=len(self.orgs) - 1, page_token=first.next_page_token),
                      R.ListOrganizationsReply)
        self.assertEqual(len(rest.organizations), 1)
        self.assertFalse(rest.HasField("next_page_token"))

    def test_pagination_keeps_the_filters(self):
        first = decode(self.list_orgs(status=ACTIVE, page_size=3), R.ListOrganizationsReply)
        self.assertTrue(first.HasField("next_page_token"))
        rest = decode(self.list_orgs(status=ACTIVE, page_size=3, page_token=first.next_page_token),
                      R.ListOrganizationsReply)
        self.assertFalse(rest.HasField("next_page_token"))
        self.assertEqual([o.id for o in first.organizations] + [o.id for o in rest.organizations],
                         self.ids(1, 2, 3, 4, 5))

    def test_bad_page_token_is_refused_naming_page_token(self):
        for bad in ["garbage", "", "1" * 100]:
            with self.subTest(page_token=bad):
                self.assertStatus(self.list_orgs(page_token=bad), Status.INVALID_ARGUMENT, "page_token")

    def test_page_size_must_be_1_to_500(self):
        for bad in [0, 501, 100000]:
            with self.subTest(page_size=bad):
                self.assertStatus(self.list_orgs(page_size=bad), Status.INVALID_ARGUMENT, "page_size")
        for good in [1, 500]:
            with self.subTest(page_size=good):
                page = decode(self.list_orgs(page_size=good), R.ListOrganizationsReply)
                self.assertEqual(len(page.organizations), min(good, len(self.orgs)))

    def test_invalid_filter_values_are_refused_naming_the_filter(self):
        self.assertStatus(self.list_orgs(kind=R.ORGANIZATION_KIND_UNSPECIFIED), Status.INVALID_ARGUMENT, "kind")
        self.assertStatus(self.list_orgs(region=R.REGION_UNSPECIFIED), Status.INVALID_ARGUMENT, "region")
        self.assertStatus(self.list_orgs(status=R.ORGANIZATION_STATUS_UNSPECIFIED), Status.INVALID_ARGUMENT,
                          "status")
        self.assertStatus(self.list_orgs(sector=R.SECTOR_UNSPECIFIED), Status.INVALID_ARGUMENT, "sector")
        self.assertStatus(self.list_orgs(name_contains=""), Status.INVALID_ARGUMENT, "name_contains")
        self.assertStatus(self.list_orgs(name_contains="x" * 201), Status.INVALID_ARGUMENT, "name_contains")


class DefaultPageSize(OrgTest):

    def test_default_page_size_is_50(self):
        for n in range(51):
            self.register_org(5000 + n)
        page = decode(self.list_orgs(), R.ListOrganizationsReply)
        self.assertEqual(len(page.organizations), 50)
        self.assertTrue(page.HasField("next_page_token"))
        rest = decode(self.list_orgs(page_token=page.next_page_token), R.ListOrganizationsReply)
        self.assertEqual(len(rest.organizations), 1)
        self.assertFalse(rest.HasField("next_page_token"))


if __name__ == "__main__":
    unittest.main()
