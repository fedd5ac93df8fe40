"""reporting.Rebuild: the read models made anew from the streams in a schema
beside the live one, then switched in one transaction. Figures are the same
before and after; requests meanwhile get the old figures; events that arrive
during the rebuild count once; a second rebuild while one runs is refused.
"""
import os
import signal
import subprocess
import unittest

import psycopg2

import test_reporting
from harness import BUILD, Status, checkpoint, decode, last_sequence, new_key, wait_caught_up, wait_for
from hetao.v1 import reporting_pb2
from test_reporting import CustomsScenario, Scenario, parks_scenario
from test_security import ROLES, role_table

RUNNING = reporting_pb2.REBUILD_STATE_RUNNING
SWITCHED = reporting_pb2.REBUILD_STATE_SWITCHED


class RebuildTest(test_reporting.Recovery):
    """A fresh registry, funding, customs and reporting per test (Recovery's set-up)."""

    # Recovery's own test runs in test_reporting.py, not again here.
    test_reporting_killed_mid_stream_and_the_registry_restarted_count_nothing_twice = None

    def start(self, keys="admin"):
        return self.reporting.call("reporting.Rebuild", reporting_pb2.RebuildRequest(), keys=keys)

    def status(self):
        return decode(self.reporting.call("reporting.GetRebuild", reporting_pb2.GetRebuildRequest()),
                      reporting_pb2.RebuildReply)

    def finished(self):
        self.assertTrue(wait_for(lambda: self.status().state != RUNNING, seconds=60), self.status())
        return self.status()

    def reports(self):
        """Every report but the overview, without "as of": projects per month
        and per year, funding per programme, and space per park."""
        out = {}
        for interval in (reporting_pb2.REPORT_INTERVAL_MONTH, reporting_pb2.REPORT_INTERVAL_YEAR):
            reply = decode(self.reporting.call("reporting.ProjectsBySector", reporting_pb2.ProjectsBySectorRequest(
                interval=interval)), reporting_pb2.ProjectsBySectorReply)
            del reply.as_of[:]
            out["projects", interval] = reply
        reply = decode(self.reporting.call("reporting.FundingByProgramme",
                                           reporting_pb2.FundingByProgrammeRequest()),
                       reporting_pb2.FundingByProgrammeReply)
        del reply.as_of[:]
        out["funding"] = reply
        reply = decode(self.reporting.call("reporting.SpaceByPark", reporting_pb2.SpaceByParkRequest()),
                       reporting_pb2.SpaceByParkReply)
        del reply.as_of[:]
        out["space"] = reply
        self.assertTrue(any(p.allocated_m2_x100 for p in out["space"].parks))
        self.assertTrue(out["projects", reporting_pb2.REPORT_INTERVAL_YEAR].periods)
        self.assertTrue(out["funding"].programmes)
        return out

    def contents(self):
        """Every row of every table in schema report, by table (report_stream
        without applied_at: a rebuild applies the events at another time)."""
        db = self.reporting.db
        out = {}
        for (table,) in db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'report'"):
            if table == "report_stream":
                out[table] = db.query("SELECT stream, last_sequence, occurred_at_us FROM report.report_stream"
                                      " ORDER BY 1")
            else:   # a name from the catalog, quoted
                out[table] = db.query('SELECT r::text FROM report."%s" r ORDER BY 1' % table.replace('"', '""'))
        return out

    def schemas(self):
        return sorted(r[0] for r in self.reporting.db.query(
            "SELECT nspname FROM pg_namespace WHERE nspname ~ '^report'"))

    def scripted(self):
        """The scenarios on the registry and customs and a funded programme; waits
        until reporting applied every stream. Returns the overview's figures."""
        scenario = Scenario(self)
        scenario.run()
        CustomsScenario(self.stack, scenario.orgs).run()
        park_events, _ = parks_scenario(self, self.next_n())
        programme, award = self.stack.funding_stack.funded(50_000, budget=100_000)
        self.assertTrue(award.id)
        wait_caught_up(self.reporting, self.registry, "registry", events=len(Scenario(self).steps()) + park_events,
                          seconds=60)
        funding = self.stack.funding.db.query("SELECT count(*) FROM ht_outbox WHERE stream = 'funding'")[0][0]
        wait_caught_up(self.reporting, self.stack.funding, "funding", events=funding, seconds=60)
        # The customs figures as the scenario has them (both breaches recorded, every event applied).
        self.assertCustomsExpected()
        return self.overview()

    def hold_checkpoint(self, stream):
        """An outside session holding `stream`'s checkpoint row: live apply
        of that stream, and a rebuild's switch, wait until it rolls back."""
        conn = psycopg2.connect(self.reporting.db.dsn)
        cur = conn.cursor()
        cur.execute("SELECT last_seq FROM ht_checkpoint WHERE stream = %s FOR UPDATE", (stream,))
        self.addCleanup(conn.close)
        return conn, cur.fetchone()[0]

    def test_figures_are_the_same_after_a_rebuild_and_answered_meanwhile_from_the_old_read_models(self):
        before = self.scripted()
        reports = self.reports()
        organizations = self.reporting.db.query("SELECT count(*) FROM report.report_organization")[0][0]
        self.assertEqual(self.status().state, reporting_pb2.REBUILD_STATE_NONE)
        held, live = self.hold_checkpoint("registry")
        started = decode(self.start(), reporting_pb2.RebuildReply)
        self.assertEqual(started.state, RUNNING)
        self.assertEqual(started.requested_by, "admin")
        # Replayed in full, the rebuild waits to switch behind the held checkpoint.
        self.assertTrue(wait_for(lambda: self.status().phase == "switching", seconds=60), self.status())
        self.assertIn("report_next", self.schemas())
        # An event arriving now: live apply of it waits too.
        self.register_organization(self.next_n(), major_platform=True)
        # A second rebuild is refused while this one runs.
        again = self.start()
        self.assertEqual(again.status, Status.FAILED_PRECONDITION, again.message)
        self.assertIn("rebuild is running", again.message)
        # Requests meanwhile: the old read models answer, with the old figures.
        self.assertEqual(self.overview(), before)
        self.assertEqual(self.reports(), reports)
        held.rollback()
        done = self.finished()
        self.assertEqual(done.state, SWITCHED, done.error)
        self.assertEqual(done.phase, "done")
        self.assertGreaterEqual(done.finished_at_us, done.started_at_us)
        streams = {s.stream: s for s in done.streams}
        self.assertEqual(sorted(streams), ["customs", "funding", "registry"])
        self.assertEqual(streams["registry"].old_sequence, live)
        self.assertEqual(streams["registry"].new_sequence, live)     # replayed before the event came
        self.assertEqual(streams["registry"].events, live)
        self.assertEqual(streams["funding"].events, before["as_of"]["funding"])
        self.assertEqual(streams["customs"].events, before["as_of"]["customs"])
        # The new read models answer; the event that came during the rebuild
        # was applied after the switch, once.
        sequence = wait_caught_up(self.reporting, self.registry, "registry", events=live + 1, seconds=60)
        self.assertEqual(sequence, live + 1)
        after = self.overview()
        expected = dict(before, major_platforms=before["major_platforms"] + 1,
                        organizations_by_kind=dict(before["organizations_by_kind"]),
                        as_of=dict(before["as_of"], registry=live + 1))
        expected["organizations_by_kind"]["research_institute"] += 1
        self.assertEqual(after, expected)
        self.assertEqual(self.reports(), reports)
        self.assertEqual(self.schemas(), ["report"])
        self.assertEqual(self.reporting.db.query("SELECT count(*) FROM report.report_organization")[0][0],
                         organizations + 1)
        # And once more after a restart: nothing counted twice.
        self.reporting.restart()
        self.assertEqual(self.overview(), after)

    def test_hetaoctl_report_rebuild_waits_and_prints_the_outcome(self):
        before = self.scripted()
        reports = self.reports()
        tables = self.contents()
        self.assertIn("report_funding_day", tables)
        self.assertTrue(tables["report_project_day"])
        self.assertTrue(tables["report_park_space"])
        base = [os.path.join(BUILD, "bin", "hetaoctl"), "--cert", self.reporting.admin.public_file,
                "--reporting-endpoint", self.reporting.endpoint,
                "--reporting-server-key", self.reporting.server.public_file]
        out = subprocess.run(base + ["report", "rebuild"], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, r"rebuild switched after \d+\.\d{3} s")
        self.assertRegex(out.stdout, r"registry\s+%d\s+%d\s+%d" % ((before["as_of"]["registry"],) * 3))
        self.assertRegex(out.stdout, r"funding\s+%d\s+%d\s+%d" % ((before["as_of"]["funding"],) * 3))
        self.assertRegex(out.stdout, r"customs\s+%d\s+%d\s+%d" % ((before["as_of"]["customs"],) * 3))
        self.assertEqual(self.overview(), before)
        self.assertEqual(self.reports(), reports)
        # Every read model, row for row: the tables every migration makes.
        self.assertEqual(self.contents(), tables)
        out = subprocess.run(base + ["--json", "report", "rebuild-status"], capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn('"state":"REBUILD_STATE_SWITCHED"', out.stdout.replace(" ", ""))

    def test_only_park_admins_rebuild(self):
        table = role_table(services=("reporting",))
        for method in ("reporting.Rebuild", "reporting.GetRebuild"):
            row = table[method]
            self.assertEqual(sorted(row), sorted(ROLES))
            for role, allowed in row.items():
                if allowed == "yes":
                    continue
                keys = self.reporting.add_principal("no-" + role.replace("_", "-") + "-" + new_key()[:6], role)
                payload = (reporting_pb2.RebuildRequest() if method.endswith(".Rebuild")
                           else reporting_pb2.GetRebuildRequest())
                reply = self.reporting.call(method, payload, keys=keys)
                self.assertEqual(reply.status, Status.PERMISSION_DENIED, "%s as %s" % (method, role))
            self.assertEqual(row["park_admin"], "yes")
        self.assertEqual(self.status().state, reporting_pb2.REBUILD_STATE_NONE)

    def test_a_rebuild_stopped_by_a_shutdown_changes_nothing(self):
        before = self.scripted()
        held, _ = self.hold_checkpoint("registry")
        self.assertEqual(decode(self.start(), reporting_pb2.RebuildReply).state, RUNNING)
        self.assertTrue(wait_for(lambda: self.status().phase == "switching", seconds=60), self.status())
        self.reporting.proc.send_signal(signal.SIGTERM)

        def log():
            with open(self.reporting.log.name, errors="replace") as f:
                return f.read()

        # The switch waiting for the checkpoint is cancelled; its schema goes.
        self.assertTrue(wait_for(lambda: "rebuild: failed" in log(), seconds=30), log()[-2000:])
        held.rollback()
        self.assertEqual(self.reporting.stop(), 0)
        self.assertEqual(self.schemas(), ["report"])
        self.reporting.restart()
        self.assertEqual(self.status().state, reporting_pb2.REBUILD_STATE_NONE)
        self.assertEqual(self.overview(), before)

    def test_read_models_made_in_public_by_an_earlier_version_are_made_anew_in_their_schema(self):
        Scenario(self).run()
        self.assertExpected()
        # The layout before the schema: migrations 001-004 in public, recorded,
        # the checkpoint where the old read models were.
        self.reporting.stop()
        db = self.reporting.db
        db.query("DROP SCHEMA report CASCADE")
        db.query("DELETE FROM ht_migration WHERE component = 'reporting'")
        sql = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "services", "reporting", "sql")
        for version, name in enumerate(("001_read_models.sql", "002_facility_hours.sql", "003_space.sql",
                                        "004_funding.sql"), start=1):
            with open(os.path.join(sql, name)) as f:
                db.query(f.read())
            db.query("INSERT INTO ht_migration (component, version, name) VALUES ('reporting', %s, %s)",
                     (version, name))
        self.assertEqual(db.query("SELECT count(*) FROM public.report_project")[0][0], 0)
        self.reporting.restart()
        with open(self.reporting.log.name, errors="replace") as log:
            self.assertIn("were kept in public", log.read())
        self.assertEqual(self.schemas(), ["report"])
        self.assertExpected()       # replayed from the start of the stream into the schema


class RebuildAhead(RebuildTest):
    """Live apply of the registry stays behind (every live event dropped, no
    read-back for ten minutes): the rebuild reads further than it."""

    reporting_args = ("--test-drop-live", "1", "--registry-poll-ms", "600000")
    test_figures_are_the_same_after_a_rebuild_and_answered_meanwhile_from_the_old_read_models = None
    test_hetaoctl_report_rebuild_waits_and_prints_the_outcome = None
    test_only_park_admins_rebuild = None
    test_read_models_made_in_public_by_an_earlier_version_are_made_anew_in_their_schema = None
    test_a_rebuild_stopped_by_a_shutdown_changes_nothing = None

    def test_events_the_rebuild_read_before_live_apply_did_are_counted_once(self):
        Scenario(self).run()
        events = len(Scenario(self).steps())
        self.assertTrue(wait_for(lambda: last_sequence(self.registry) >= events, seconds=30))
        self.assertEqual(self.overview()["as_of"]["registry"], 0)      # live apply saw nothing
        self.assertEqual(decode(self.start(), reporting_pb2.RebuildReply).state, RUNNING)
        done = self.finished()
        self.assertEqual(done.state, SWITCHED, done.error)
        registry = [s for s in done.streams if s.stream == "registry"][0]
        self.assertEqual((registry.old_sequence, registry.new_sequence, registry.events), (0, events, events))
        # The live checkpoint moved up with the switch: live apply goes on from there.
        self.assertEqual(checkpoint(self.reporting), events)
        self.assertExpected()
        # Restarted, live apply reads back from the checkpoint: nothing twice.
        self.reporting.restart()
        self.assertExpected()


if __name__ == "__main__":
    unittest.main()
