"""Customs assistance cases: routing, the lifecycle table, reopening, notes,
requesters' own cases, deadline breaches found by the timer, figures."""
import time
import unittest

from customs_stack import CustomsStack, CustomsTest, Service, Status, customs_pb2, decode, new_key, wait_for

C = customs_pb2
HOUR = 3600


class Cases(CustomsTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org = cls.stack.org()

    def test_every_case_is_assigned_by_routing_when_it_is_opened(self):
        case = self.open_case(self.org)
        self.assertEqual((case.team, case.officer), ("enterprise_services", "registration.desk"))
        self.assertEqual(case.status, C.CASE_STATUS_OPEN)
        got = self.ok("GetCase", C.GetCaseRequest(id=case.id), C.CaseReply, mutating=False).assistance_case
        self.assertEqual(got.officer, "registration.desk")
        self.assertEqual(got.resolution_due_us - got.created_at_us, 120 * HOUR * 1_000_000)
        self.wait_event(case.id, "customs.case.opened")

    def test_routing_rules_and_officers_change_at_run_time_and_a_priority_rule_wins(self):
        self.ok("SetOfficer", C.SetOfficerRequest(officer=C.Officer(id="chen.jing", name="Chen Jing", team="tax_desk")),
                C.OfficerReply)
        self.ok("SetRoutingRule", C.SetRoutingRuleRequest(rule=C.RoutingRule(
            category=C.CASE_CATEGORY_DUTIES_AND_TAX, priority=C.CASE_PRIORITY_URGENT, officer="chen.jing")),
            C.RoutingRuleReply)
        urgent = self.open_case(self.org, C.CASE_CATEGORY_DUTIES_AND_TAX, C.CASE_PRIORITY_URGENT)
        normal = self.open_case(self.org, C.CASE_CATEGORY_DUTIES_AND_TAX, C.CASE_PRIORITY_NORMAL)
        self.assertEqual((urgent.officer, urgent.team), ("chen.jing", "tax_desk"))
        self.assertEqual(normal.officer, "duty.desk")
        # An inactive officer gets no new cases: the category's rule applies.
        self.ok("SetOfficer", C.SetOfficerRequest(officer=C.Officer(id="chen.jing", name="Chen Jing", team="tax_desk",
                                                                    active=False)), C.OfficerReply)
        self.assertEqual(self.open_case(self.org, C.CASE_CATEGORY_DUTIES_AND_TAX, C.CASE_PRIORITY_URGENT).officer,
                         "duty.desk")
        reply = self.call("SetRoutingRule", C.SetRoutingRuleRequest(rule=C.RoutingRule(
            category=C.CASE_CATEGORY_OTHER, officer="nobody.here")))
        self.assertStatus(reply, Status.NOT_FOUND, "rule.officer")
        listing = self.ok("ListRouting", C.ListRoutingRequest(), C.ListRoutingReply, mutating=False)
        self.assertIn("chen.jing", [o.id for o in listing.officers])

    def test_the_lifecycle_follows_the_table_and_a_refused_move_changes_nothing(self):
        case = self.open_case(self.org)
        # open -> in_progress skips triage: refused, naming the action.
        reply = self.act(case.id, C.CASE_ACTION_START)
        self.assertStatus(reply, Status.FAILED_PRECONDITION, "action")
        path = [(C.CASE_ACTION_TRIAGE, C.CASE_STATUS_TRIAGED, None),
                (C.CASE_ACTION_START, C.CASE_STATUS_IN_PROGRESS, None),
                (C.CASE_ACTION_WAIT, C.CASE_STATUS_WAITING_ON_REQUESTER, "Please send the invoice"),
                (C.CASE_ACTION_RESUME, C.CASE_STATUS_IN_PROGRESS, None),
                (C.CASE_ACTION_RESOLVE, C.CASE_STATUS_RESOLVED, "Account established"),
                (C.CASE_ACTION_CLOSE, C.CASE_STATUS_CLOSED, None)]
        for action, status, note in path:
            got = decode(self.act(case.id, action, note), C.CaseReply).assistance_case
            self.assertEqual(got.status, status)
        self.assertTrue(got.HasField("first_response_at_us") and got.HasField("resolved_at_us")
                        and got.HasField("closed_at_us"))
        for action in (C.CASE_ACTION_REOPEN, C.CASE_ACTION_TRIAGE, C.CASE_ACTION_RESOLVE):
            self.assertStatus(self.act(case.id, action, "again"), Status.FAILED_PRECONDITION, "action")
        after = self.ok("GetCase", C.GetCaseRequest(id=case.id), C.CaseReply, mutating=False).assistance_case
        self.assertEqual((after.status, after.version), (C.CASE_STATUS_CLOSED, got.version))
        self.assertEqual(self.customs.db.query("SELECT status FROM assistance_case WHERE id = %s", (case.id,)),
                         [("closed",)])

    def test_resolving_and_reopening_need_a_note(self):
        case = self.open_case(self.org)
        self.act(case.id, C.CASE_ACTION_TRIAGE)
        self.act(case.id, C.CASE_ACTION_START)
        self.assertStatus(self.act(case.id, C.CASE_ACTION_RESOLVE), Status.INVALID_ARGUMENT, "note")

    def test_an_unknown_or_withdrawn_organization_is_refused_naming_the_field(self):
        reply = self.call("OpenCase", C.OpenCaseRequest(organization_id=new_key(), category=1, priority=1,
                                                        description="x"))
        self.assertStatus(reply, Status.NOT_FOUND, "organization_id")
        gone = self.stack.org()
        self.stack.withdraw(gone)
        reply = self.call("OpenCase", C.OpenCaseRequest(organization_id=gone, category=1, priority=1, description="x"))
        self.assertStatus(reply, Status.FAILED_PRECONDITION, "organization_id")
        reply = self.call("OpenCase", C.OpenCaseRequest(organization_id=self.org, category=1, description="x"))
        self.assertStatus(reply, Status.INVALID_ARGUMENT, "priority")
        self.assertEqual(self.customs.db.query("SELECT count(*) FROM assistance_case WHERE organization_id = %s",
                                               (gone,)), [(0,)])

    def test_reassigning_needs_a_reason_and_an_active_officer(self):
        case = self.open_case(self.org)
        reply = self.call("ReassignCase", C.ReassignCaseRequest(id=case.id, officer="goods.desk"))
        self.assertStatus(reply, Status.INVALID_ARGUMENT, "reason")
        reply = self.call("ReassignCase", C.ReassignCaseRequest(id=case.id, officer="ghost", reason="x"))
        self.assertStatus(reply, Status.NOT_FOUND, "officer")
        moved = self.ok("ReassignCase", C.ReassignCaseRequest(id=case.id, officer="goods.desk",
                                                              reason="concerns imported reagents"),
                        C.CaseReply).assistance_case
        self.assertEqual((moved.officer, moved.team), ("goods.desk", "research_goods"))
        event = self.wait_event(case.id, "customs.case.reassigned")
        body = C.CaseEvent.FromString(event.payload)
        self.assertEqual((body.previous_officer, body.reason), ("registration.desk", "concerns imported reagents"))

    def test_requesters_see_and_act_on_their_own_cases_only(self):
        other_org = self.stack.org()
        mine = self.applicant(self.org)
        theirs = self.open_case(other_org)
        own = self.open_case(self.org, keys=mine)
        self.assertEqual(own.organization_id, self.org)
        reply = self.call("OpenCase", C.OpenCaseRequest(organization_id=other_org, category=1, priority=1,
                                                        description="x"), keys=mine)
        self.assertStatus(reply, Status.PERMISSION_DENIED, "organization_id")
        self.assertStatus(self.call("GetCase", C.GetCaseRequest(id=theirs.id), keys=mine, mutating=False),
                          Status.PERMISSION_DENIED)
        self.assertStatus(self.call("ListCases", C.ListCasesRequest(), keys=mine, mutating=False),
                          Status.PERMISSION_DENIED)
        listed = self.ok("ListCases", C.ListCasesRequest(organization_id=self.org), C.ListCasesReply, keys=mine,
                         mutating=False)
        self.assertEqual({c.organization_id for c in listed.cases}, {self.org})
        self.assertIn(own.id, [c.id for c in listed.cases])
        self.assertStatus(self.call("AddCaseNote", C.AddCaseNoteRequest(case_id=theirs.id, text="hi"), keys=mine),
                          Status.PERMISSION_DENIED)
        # A requester may not triage its own case.
        self.assertStatus(self.act(own.id, C.CASE_ACTION_TRIAGE, keys=mine), Status.PERMISSION_DENIED, "action")

    def test_the_timeline_holds_officer_and_requester_notes_in_order(self):
        mine = self.applicant(self.org)
        case = self.open_case(self.org, keys=mine)
        self.ok("AddCaseNote", C.AddCaseNoteRequest(case_id=case.id, text="Our invoice is attached"), C.CaseNoteReply,
                keys=mine)
        # A requester's note is not a first response; an officer's is.
        got = self.ok("GetCase", C.GetCaseRequest(id=case.id), C.CaseReply, mutating=False).assistance_case
        self.assertFalse(got.HasField("first_response_at_us"))
        self.ok("AddCaseNote", C.AddCaseNoteRequest(case_id=case.id, text="Received, checking"), C.CaseNoteReply)
        got = self.ok("GetCase", C.GetCaseRequest(id=case.id), C.CaseReply, mutating=False).assistance_case
        self.assertTrue(got.HasField("first_response_at_us"))
        notes = self.ok("ListCaseNotes", C.ListCaseNotesRequest(case_id=case.id), C.ListCaseNotesReply, keys=mine,
                        mutating=False).notes
        self.assertEqual([(n.text, n.by_officer) for n in notes],
                         [("Our invoice is attached", False), ("Received, checking", True)])


class Deadlines(unittest.TestCase):
    """The breach timer, with customs' clock moved by the test clock file."""

    def setUp(self):
        self.stack = CustomsStack(args=("--reopen-days", "14"))
        self.org = self.stack.org()

    def tearDown(self):
        self.stack.close()

    def open_case(self, priority):
        return decode(self.stack.call("OpenCase", C.OpenCaseRequest(
            organization_id=self.org, category=C.CASE_CATEGORY_OTHER, priority=priority, description="x")),
            C.CaseReply).assistance_case

    def breaches(self, case_id):
        return [C.CaseEvent.FromString(e.payload).breached for e in self.stack.events()
                if e.aggregate_id == case_id and e.type == "customs.case.deadline_breached"]

    def test_a_deadline_that_passes_unmet_is_recorded_as_an_event_when_it_passes(self):
        urgent = self.open_case(C.CASE_PRIORITY_URGENT)        # 4 h to first response, 24 h to resolution
        answered = self.open_case(C.CASE_PRIORITY_URGENT)
        decode(self.stack.call("ChangeCaseStatus", C.ChangeCaseStatusRequest(id=answered.id, action=C.CASE_ACTION_TRIAGE)),
               C.CaseReply)
        time.sleep(0.5)
        self.assertEqual(self.breaches(urgent.id), [], "a breach before its deadline")
        self.stack.set_clock(4 * HOUR + 60)
        self.assertTrue(wait_for(lambda: self.breaches(urgent.id), seconds=20), "no breach event after 4 h")
        self.assertEqual(self.breaches(urgent.id), [C.DEADLINE_KIND_FIRST_RESPONSE])
        self.assertEqual(self.breaches(answered.id), [], "a met deadline was breached")
        self.stack.set_clock(24 * HOUR + 60)
        self.assertTrue(wait_for(lambda: len(self.breaches(answered.id)) == 1, seconds=20))
        wait_for(lambda: len(self.breaches(urgent.id)) == 2, seconds=20)
        self.assertEqual(sorted(self.breaches(urgent.id)), [C.DEADLINE_KIND_FIRST_RESPONSE, C.DEADLINE_KIND_RESOLUTION])
        self.assertEqual(self.breaches(answered.id), [C.DEADLINE_KIND_RESOLUTION])
        got = decode(self.stack.call("GetCase", C.GetCaseRequest(id=urgent.id), mutating=False),
                     C.CaseReply).assistance_case
        self.assertTrue(got.first_response_breached and got.resolution_breached)
        # Recorded once each, by the system principal, audited like any change.
        time.sleep(0.5)
        self.assertEqual(len(self.breaches(urgent.id)), 2)
        rows = self.stack.customs.db.query("SELECT principal_name, status FROM ht_audit"
                                           " WHERE method = 'customs.BreachDeadlines'")
        self.assertTrue(rows and all(r == ("(system)", "OK") for r in rows), rows)
        stats = decode(self.stack.call("CaseStats", C.CaseStatsRequest(category=C.CASE_CATEGORY_OTHER),
                                       mutating=False), C.CaseStatsReply)
        self.assertEqual(stats.categories[0].breaches, 3)

    def test_breaches_due_while_the_service_was_down_are_recorded_after_a_restart(self):
        case = self.open_case(C.CASE_PRIORITY_HIGH)            # 8 h to first response
        self.stack.customs.stop()
        self.stack.set_clock(9 * HOUR)
        self.stack.restart()
        self.assertTrue(wait_for(lambda: self.breaches(case.id), seconds=20), "no breach after the restart")
        self.stack.restart()
        time.sleep(1.0)
        self.assertEqual(self.breaches(case.id), [C.DEADLINE_KIND_FIRST_RESPONSE], "recorded more than once")
        sequences = [e.sequence for e in self.stack.events()]
        self.assertEqual(sequences, list(range(1, len(sequences) + 1)))

    def test_two_replicas_record_each_breach_once(self):
        replica = Service("customs", db=self.stack.customs.db, workers=2, sources={"registry": self.stack.registry},
                          args=self.stack.customs.cmd[self.stack.customs.cmd.index("--test-clock-file"):])
        try:
            cases = [self.open_case(C.CASE_PRIORITY_URGENT).id for _ in range(6)]
            self.stack.set_clock(4 * HOUR + 60)
            self.assertTrue(wait_for(lambda: all(self.breaches(c) for c in cases), seconds=30),
                            "not every case's breach was recorded")
            time.sleep(1.0)
            for case_id in cases:
                self.assertEqual(self.breaches(case_id), [C.DEADLINE_KIND_FIRST_RESPONSE], case_id)
        finally:
            replica.close()

    def test_a_resolved_case_reopens_within_the_window_and_not_after(self):
        def resolved():
            case = self.open_case(C.CASE_PRIORITY_LOW)
            for action, note in ((C.CASE_ACTION_TRIAGE, None), (C.CASE_ACTION_START, None),
                                 (C.CASE_ACTION_RESOLVE, "done")):
                decode(self.stack.call("ChangeCaseStatus", C.ChangeCaseStatusRequest(id=case.id, action=action,
                                                                                      note=note)), C.CaseReply)
            return case
        early, late = resolved(), resolved()
        self.stack.set_clock(13 * 24 * HOUR)
        again = decode(self.stack.call("ChangeCaseStatus", C.ChangeCaseStatusRequest(
            id=early.id, action=C.CASE_ACTION_REOPEN, note="still blocked")), C.CaseReply).assistance_case
        self.assertEqual(again.status, C.CASE_STATUS_IN_PROGRESS)
        self.stack.set_clock(15 * 24 * HOUR)
        reply = self.stack.call("ChangeCaseStatus", C.ChangeCaseStatusRequest(
            id=late.id, action=C.CASE_ACTION_REOPEN, note="still blocked"))
        self.assertEqual(reply.status, Status.FAILED_PRECONDITION, reply.message)
        self.assertEqual([v.field for v in reply.violations], ["action"])
        self.assertIn("14 days", reply.message)


class Registry(unittest.TestCase):
    def test_an_organization_customs_cannot_check_is_unavailable_not_guessed(self):
        stack = CustomsStack()
        try:
            stack.registry.stop()
            reply = stack.call("OpenCase", C.OpenCaseRequest(organization_id=new_key(), category=1, priority=1,
                                                             description="x"))
            self.assertEqual(reply.status, Status.UNAVAILABLE, reply.message)
            self.assertEqual([v.field for v in reply.violations], ["organization_id"])
            self.assertEqual(stack.customs.db.query("SELECT count(*) FROM assistance_case"), [(0,)])
        finally:
            stack.close()


class Stats(unittest.TestCase):
    def test_figures_per_category_count_opened_open_resolved_and_median_times(self):
        stack = CustomsStack()
        try:
            org = stack.org()
            ids = []
            for _ in range(3):
                ids.append(decode(stack.call("OpenCase", C.OpenCaseRequest(
                    organization_id=org, category=C.CASE_CATEGORY_REGISTRATION_FILING, priority=C.CASE_PRIORITY_LOW,
                    description="x")), C.CaseReply).assistance_case.id)
            stack.set_clock(HOUR)
            for case_id in ids[:2]:
                stack.call("ChangeCaseStatus", C.ChangeCaseStatusRequest(id=case_id, action=C.CASE_ACTION_TRIAGE))
            stack.set_clock(3 * HOUR)
            stack.call("ChangeCaseStatus", C.ChangeCaseStatusRequest(id=ids[0], action=C.CASE_ACTION_START))
            decode(stack.call("ChangeCaseStatus", C.ChangeCaseStatusRequest(id=ids[0], action=C.CASE_ACTION_RESOLVE,
                                                                             note="done")), C.CaseReply)
            stats = decode(stack.call("CaseStats", C.CaseStatsRequest(), mutating=False), C.CaseStatsReply)
            (row,) = stats.categories
            self.assertEqual((row.category, row.opened, row.open, row.resolved, row.breaches),
                             (C.CASE_CATEGORY_REGISTRATION_FILING, 3, 2, 1, 0))
            self.assertAlmostEqual(row.median_first_response_s, HOUR, delta=60)
            self.assertAlmostEqual(row.median_resolution_s, 3 * HOUR, delta=60)
            reply = stack.call("CaseStats", C.CaseStatsRequest(**{"from": "2026-02-30"}), mutating=False)
            self.assertEqual(reply.status, Status.INVALID_ARGUMENT)
            self.assertEqual([v.field for v in reply.violations], ["from"])
        finally:
            stack.close()


if __name__ == "__main__":
    unittest.main()
