"""reporting.ProjectsBySector and reporting.FundingByProgramme: figures over
time windows against hand-computed expectations, each report's "as of", its
hetaoctl forms (table, --json, --csv), and bad windows and intervals refused
with the field named.
"""
import datetime
import json
import os
import subprocess
import unittest
from zoneinfo import ZoneInfo

import test_reporting
from harness import BUILD, Status, decode, new_key, read_events, wait_caught_up
from hetao.v1 import funding_pb2 as F, registry_pb2 as R, reporting_pb2
from test_reporting import Scenario

PARK = ZoneInfo("Asia/Shanghai")
MONTH, QUARTER, YEAR = (reporting_pb2.REPORT_INTERVAL_MONTH, reporting_pb2.REPORT_INTERVAL_QUARTER,
                        reporting_pb2.REPORT_INTERVAL_YEAR)


def park_day(us):
    return datetime.datetime.fromtimestamp(us / 1e6, PARK).date()


def day_us(day):
    """Midnight of `day` in the park, in microseconds."""
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=PARK).timestamp()) * 1_000_000


def period_of(day, interval):
    if interval == YEAR:
        return day.replace(month=1, day=1)
    if interval == QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def rows(reply):
    return [(p.period, p.sector, p.registered, p.registered_total, p.high_end, p.high_end_total)
            for p in decode(reply, reporting_pb2.ProjectsBySectorReply).periods]


class PeriodsTest(test_reporting.Recovery):
    """A fresh registry, funding and reporting per test."""

    test_reporting_killed_mid_stream_and_the_registry_restarted_count_nothing_twice = None

    def projects(self, **window):
        return self.reporting.call("reporting.ProjectsBySector", reporting_pb2.ProjectsBySectorRequest(**window))

    def funding(self, **window):
        return self.reporting.call("reporting.FundingByProgramme", reporting_pb2.FundingByProgrammeRequest(**window))

    def assertRefused(self, reply, field):
        self.assertEqual(Status.Name(reply.status), "INVALID_ARGUMENT", reply.message)
        self.assertIn(field, [v.field for v in reply.violations], reply.message)
        self.assertIn(field, reply.message)

    def hetaoctl(self, *args):
        base = [os.path.join(BUILD, "bin", "hetaoctl"), "--cert", self.reporting.admin.public_file,
                "--reporting-endpoint", self.reporting.endpoint,
                "--reporting-server-key", self.reporting.server.public_file]
        return subprocess.run(base + list(args), capture_output=True, text=True, timeout=30)

    def registered_projects(self):
        """(park day, sector key, high-end now) of every project, from the registry's events."""
        projects = {}
        for event in read_events(self.registry, "registry"):
            if event.type.startswith("registry.project."):
                p = R.ProjectEvent.FromString(event.payload).project
                projects[p.id] = (park_day(p.created_at_us), R.Sector.Name(p.sector)[len("SECTOR_"):].lower(),
                                  p.high_end)
        return list(projects.values())

    def test_projects_by_sector_count_each_registration_once_in_its_period_with_running_totals(self):
        Scenario(self).run()
        events = len(Scenario(self).steps())
        sequence = wait_caught_up(self.reporting, self.registry, "registry", events=events, seconds=60)
        projects = self.registered_projects()
        # By hand: 9 projects, 3 per sector (the terminated one still counts as
        # registered); high-end now: p1 p3 (IT), p5 (quantum), p7 (bio, updated).
        by_sector = {}
        for _, sector, high_end in projects:
            registered, high = by_sector.get(sector, (0, 0))
            by_sector[sector] = (registered + 1, high + high_end)
        self.assertEqual(by_sector, {"information_technology": (3, 2), "quantum_technology": (3, 1),
                                     "biopharmaceuticals": (3, 1)})
        for interval in (MONTH, QUARTER, YEAR):
            expected = {}
            for day, sector, high_end in projects:
                key = (period_of(day, interval).isoformat(), sector)
                registered, high = expected.get(key, (0, 0))
                expected[key] = (registered + 1, high + high_end)
            totals, want = {}, []
            for (period, sector) in sorted(expected):
                registered, high = expected[(period, sector)]
                total, high_total = totals.get(sector, (0, 0))
                totals[sector] = (total + registered, high_total + high)
                want.append((period, sector, registered, total + registered, high, high_total + high))
            self.assertEqual(rows(self.projects(interval=interval)), want, interval)
        reply = decode(self.projects(), reporting_pb2.ProjectsBySectorReply)
        self.assertEqual(reply.interval, MONTH)
        self.assertEqual({s.stream: s.last_sequence for s in reply.as_of}, {"registry": sequence, "funding": 0})
        # Windows: the days of the registrations, then the day after them
        # (nothing inside; the totals are in no period), then up to the first
        # (nothing yet).
        first = min(day for day, _, _ in projects)
        last = max(day for day, _, _ in projects)
        after = last + datetime.timedelta(days=1)
        self.assertEqual(rows(self.projects(from_us=day_us(first), until_us=day_us(after))), rows(self.projects()))
        self.assertEqual(rows(self.projects(from_us=day_us(after))), [])
        self.assertEqual(rows(self.projects(until_us=day_us(first))), [])

    def test_periods_windows_and_running_totals_over_several_months(self):
        # Registrations on days the protocol cannot backdate to, written into
        # the read model the apply functions keep (the report reads only it).
        self.reporting.db.query(
            "INSERT INTO report.report_project_day (day, sector, registered, high_end) VALUES"
            " ('2025-12-31', 'information_technology', 5, 0), ('2026-01-15', 'information_technology', 2, 1),"
            " ('2026-02-03', 'information_technology', 1, 0), ('2026-04-10', 'quantum_technology', 4, 2),"
            " ('2026-05-01', 'quantum_technology', 7, 7)")
        window = dict(from_us=day_us(datetime.date(2026, 1, 1)), until_us=day_us(datetime.date(2026, 5, 1)))
        it, qt = "information_technology", "quantum_technology"
        self.assertEqual(rows(self.projects(interval=MONTH, **window)), [
            ("2026-01-01", it, 2, 7, 1, 1), ("2026-02-01", it, 1, 8, 0, 1), ("2026-04-01", qt, 4, 4, 2, 2)])
        self.assertEqual(rows(self.projects(interval=QUARTER, **window)), [
            ("2026-01-01", it, 3, 8, 1, 1), ("2026-04-01", qt, 4, 4, 2, 2)])
        self.assertEqual(rows(self.projects(interval=YEAR)), [
            ("2025-01-01", it, 5, 5, 0, 0), ("2026-01-01", it, 3, 8, 1, 1), ("2026-01-01", qt, 11, 11, 9, 9)])
        # A window from mid-January: the 15th is in, and the 31st of December is before it.
        mid = dict(from_us=day_us(datetime.date(2026, 1, 15)), until_us=day_us(datetime.date(2026, 1, 16)))
        self.assertEqual(rows(self.projects(**mid)), [("2026-01-01", it, 2, 7, 1, 1)])
        out = self.hetaoctl("--json", "report", "projects", "--from", "2026-01-01", "--until", "2026-05-01",
                            "--interval", "quarter")
        self.assertEqual(out.returncode, 0, out.stderr)
        got = json.loads(out.stdout)
        self.assertEqual(got["interval"], "quarter")
        self.assertEqual(got["from_us"], window["from_us"])
        self.assertEqual(got["periods"][0], {"period": "2026-01-01", "sector": it, "registered": 3,
                                             "registered_total": 8, "high_end": 1, "high_end_total": 1})
        self.assertEqual(sorted(got["as_of"]), ["funding", "registry"])
        self.assertEqual(sorted(got["applied_at"]), ["funding", "registry"])
        self.assertEqual(sorted(got["lag_ms"]), ["funding", "registry"])
        csv = self.hetaoctl("report", "projects", "--interval", "year", "--csv")
        self.assertEqual(csv.returncode, 0, csv.stderr)
        self.assertEqual(csv.stdout.splitlines(), [
            "period,sector,registered,registered_total,high_end,high_end_total",
            "2025-01-01,%s,5,5,0,0" % it, "2026-01-01,%s,3,8,1,1" % it, "2026-01-01,%s,11,11,9,9" % qt])
        table = self.hetaoctl("report", "projects", "--interval", "year")
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertRegex(table.stdout, r"2026-01-01\s+quantum_technology\s+11\s+11\s+9\s+9")
        self.assertIn("as of registry #", table.stdout)

    def test_funding_by_programme_sums_what_was_committed_and_paid_up_to_and_within_the_window(self):
        stack = self.stack
        programme, award = stack.funded(50_000, budget=100_000)            # 1000.00 budget, 500.00 awarded
        other, _ = stack.funded(30_000, budget=40_000)
        paid = decode(stack.disburse(award.id, 20_000, payee_currency="HKD", rate="1.0856"),
                      F.DisbursementReply).disbursement
        local = decode(stack.disburse(award.id, 5_000), F.DisbursementReply).disbursement
        days = [park_day(award.created_at_us)]
        for disbursement in (paid, local):
            decode(stack.act("ApproveDisbursement", disbursement.id), F.DisbursementReply)
            done = decode(stack.act("PayDisbursement", disbursement.id), F.DisbursementReply).disbursement
            days.append(park_day(done.updated_at_us))
        decode(stack.disburse(award.id, 1_000), F.DisbursementReply)       # requested, not paid
        events = stack.funding.db.query("SELECT count(*) FROM ht_outbox WHERE stream = 'funding'")[0][0]
        sequence = wait_caught_up(self.reporting, stack.funding, "funding", events=events, seconds=60)

        def programmes(**window):
            reply = decode(self.funding(**window), reporting_pb2.FundingByProgrammeReply)
            return {p.programme_id: (p.name, p.currency, p.budget_minor, p.committed_minor, p.paid_minor,
                                     p.paid_cross_boundary_minor, p.window_committed_minor, p.window_paid_minor,
                                     p.window_paid_cross_boundary_minor) for p in reply.programmes}

        totals = (100_000, 50_000, 25_000, 20_000)
        everything = programmes()
        self.assertEqual(everything[programme.id], (programme.name, "CNY") + totals + totals[1:])
        self.assertEqual(everything[other.id], (other.name, "CNY", 40_000, 30_000, 0, 0, 30_000, 0, 0))
        first, last = min(days), max(days) + datetime.timedelta(days=1)
        self.assertEqual(programmes(from_us=day_us(first), until_us=day_us(last)), everything)
        # After the window's days: everything up to its end, nothing within.
        self.assertEqual(programmes(from_us=day_us(last))[programme.id],
                         (programme.name, "CNY") + totals + (0, 0, 0))
        # Before the first day: the budget only.
        self.assertEqual(programmes(until_us=day_us(first))[programme.id],
                         (programme.name, "CNY", 100_000, 0, 0, 0, 0, 0, 0))
        reply = decode(self.funding(), reporting_pb2.FundingByProgrammeReply)
        self.assertEqual({s.stream: s.last_sequence for s in reply.as_of}["funding"], sequence)
        # The overview's CNY figures are the programmes' sums.
        overview = self.overview()
        self.assertEqual(overview["funds_committed_cny_fen"], 80_000)
        self.assertEqual(overview["funds_paid_cross_boundary_cny_fen"], 20_000)
        out = self.hetaoctl("--json", "report", "funding")
        self.assertEqual(out.returncode, 0, out.stderr)
        printed = json.loads(out.stdout)
        self.assertEqual(printed["as_of"]["funding"], sequence)
        self.assertRegex(printed["applied_at"]["funding"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertGreaterEqual(printed["lag_ms"]["funding"], 0)
        got = {p["programme_id"]: p for p in printed["programmes"]}
        self.assertEqual(got[programme.id], {
            "programme_id": programme.id, "name": programme.name, "currency": "CNY", "budget": "1000.00",
            "committed": "500.00", "paid": "250.00", "paid_cross_boundary": "200.00", "window_committed": "500.00",
            "window_paid": "250.00", "window_paid_cross_boundary": "200.00"})
        csv = self.hetaoctl("report", "funding", "--csv")
        self.assertEqual(csv.returncode, 0, csv.stderr)
        self.assertEqual(csv.stdout.splitlines()[0], "programme_id,name,currency,budget,committed,paid,"
                         "paid_cross_boundary,window_committed,window_paid,window_paid_cross_boundary")
        self.assertIn("%s,%s,CNY,1000.00,500.00,250.00,200.00,500.00,250.00,200.00" % (programme.id, programme.name),
                      csv.stdout.splitlines())

    def test_bad_windows_and_intervals_are_refused_naming_the_field(self):
        day = day_us(datetime.date(2027, 3, 1))
        for call in (self.projects, self.funding):
            self.assertRefused(call(from_us=day, until_us=day - 1), "until_us")
            self.assertRefused(call(from_us=day, until_us=day), "until_us")
            self.assertRefused(call(from_us=-1), "from_us")
            self.assertRefused(call(until_us=-5), "until_us")
        raw = b"\x18\x07"          # field 3 (interval) = 7: not a ReportInterval
        self.assertRefused(self.reporting.call("reporting.ProjectsBySector", raw), "interval")
        out = self.hetaoctl("report", "projects", "--interval", "weekly")
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("--interval", out.stderr)
        out = self.hetaoctl("report", "funding", "--from", "2027-03-01", "--until", "2027-02-01")
        self.assertEqual(out.returncode, 3, out.stderr)
        self.assertIn("until_us", out.stderr)
        # Readers only: an applicant is refused.
        keys = self.reporting.add_principal("applicant-" + new_key()[:6], "applicant")
        reply = self.reporting.call("reporting.FundingByProgramme", reporting_pb2.FundingByProgrammeRequest(),
                                    keys=keys)
        self.assertEqual(reply.status, Status.PERMISSION_DENIED)


if __name__ == "__main__":
    unittest.main()
