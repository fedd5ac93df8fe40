"""hetao-dashboard against a real registry and reporting service: the page in a
real browser (headless Chromium driven over the DevTools protocol) shows the
figures of the Shenzhen Park demo and, within 5 s, a registration made with
hetaoctl; the JSON API answers the views; every answer has a strict CSP; from
a peer that is not this machine nothing answers without a token, a revoked
token is refused, and failed logins are rate-limited and logged.

A peer "from afar": the dashboard trusts 127.0.0.1 and ::1 only, so a client
that binds its socket to another loopback address (127.0.0.2 ...) before it
connects is, to the dashboard, a peer on another machine (Linux routes all of
127/8 to lo), without a network namespace or root.
"""
import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from harness import BUILD, Keys, decode, free_port, uscc, wait_for
from hetao.v1 import reporting_pb2  # noqa: E402 (harness puts the generated modules on the path)
from reporting_stack import ReportingStack

HETAOCTL = os.path.join(BUILD, "bin", "hetaoctl")
DASHBOARD = os.path.join(BUILD, "bin", "hetao-dashboard")
OUTPUT = os.path.join(BUILD, "test-output")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1600", "--hide-scrollbars"]
DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "demo", "shenzhen_park.py")
# The acceptance check `deploy/dev screenshot` runs: plain headless Chromium, the demo's figures.
CHECK = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "demo", "dashboard_check.py")
# The demo's figures (tests/integration/test_demo.py proves them against reporting itself).
PLATFORMS = 10
HK_PROJECTS = 10
PARKS = 11
SPACE_PREPARED = "800,000"
COMMITTED = "370,000,000"
CASES_OPEN = CASES_RESOLVED = 4


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("HETAO_")}


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("chromium is not installed: deploy/dev test installs it")


class Browser:
    """Headless Chromium with a fresh profile, driven over the DevTools protocol."""

    def __init__(self):
        import websocket
        self.profile = tempfile.mkdtemp(prefix="hetao-chromium-")
        self.proc = subprocess.Popen([chromium()] + CHROMIUM_FLAGS + [
            "--user-data-dir=" + self.profile, "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        active = os.path.join(self.profile, "DevToolsActivePort")
        def ready():
            if not os.path.exists(active):
                return False
            with open(active) as f:
                return len(f.read().split()) >= 2
        if not wait_for(ready, seconds=60):
            self.close()
            raise RuntimeError("chromium did not open its DevTools port within 60 s")
        with open(active) as f:
            port = int(f.read().split()[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/json/list")
        page = [t for t in json.loads(connection.getresponse().read()) if t["type"] == "page"][0]
        connection.close()
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message["result"]

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def text(self, selector):
        return self.evaluate("(document.querySelector(%s) || {}).textContent || ''" % json.dumps(selector))

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class DashboardTest(unittest.TestCase):
    """A registry, a reporting service that follows it and a dashboard, per class."""

    @classmethod
    def setUpClass(cls):
        cls.stack = ReportingStack()
        cls.registry, cls.funding, cls.reporting = cls.stack.registry, cls.stack.funding, cls.stack.reporting
        # One operator key for every service, as deploy/dev makes it.
        cls.stack.admit_operator(cls.registry.admin)
        cls.keys = Keys(cls.reporting.keydir, "dashboard")
        cls.reporting.admit(cls.keys, "dashboard", "reporting_reader")
        cls.tokens = os.path.join(cls.reporting.keydir, "dashboard_tokens")
        cls.port = free_port()
        cls.log = tempfile.NamedTemporaryFile(prefix="hetao-dashboard-", suffix=".log", delete=False)
        cls.proc = subprocess.Popen([
            DASHBOARD, "--listen", "127.0.0.1:%d" % cls.port,
            "--reporting-endpoint", cls.reporting.endpoint,
            "--reporting-server-key", cls.reporting.server.public_file,
            "--curve-cert", cls.keys.public_file, "--tokens", cls.tokens,
            "--login-failures", "3", "--login-window", "600"],
            stdout=cls.log, stderr=cls.log, env=clean_env())
        if not wait_for(lambda: cls.get("/healthz")[0] == 200, seconds=30, interval=0.2):
            raise RuntimeError("dashboard not healthy:\n" + cls.log_text())
        cls.seed()
        # Before any test changes the figures: the page as a plain
        # `chromium --headless --dump-dom / --screenshot` shows it.
        os.makedirs(OUTPUT, exist_ok=True)
        cls.plain = cls.check_plain(os.path.join(OUTPUT, "dashboard-plain.png"))

    @classmethod
    def check_plain(cls, screenshot):
        return subprocess.run(["/usr/bin/python3", CHECK, "--url", "http://127.0.0.1:%d/" % cls.port,
                               "--screenshot", screenshot], capture_output=True, text=True, timeout=300)

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            cls.proc.wait(20)
        cls.log.close()
        os.unlink(cls.log.name)
        cls.stack.close()                   # reporting with it

    @classmethod
    def log_text(cls):
        with open(cls.log.name, errors="replace") as f:
            return f.read()

    @classmethod
    def seed(cls):
        """The Shenzhen Park demo (deploy/demo/shenzhen_park.py), loaded through hetaoctl."""
        out = subprocess.run(["/usr/bin/python3", DEMO, "--hetaoctl", HETAOCTL], env=cls.stack.env(clean_env()),
                             capture_output=True, text=True, timeout=500)
        if out.returncode != 0:
            raise RuntimeError("the demo did not load:\n" + out.stdout + out.stderr)
        cls.stack.caught_up(seconds=120)

    @classmethod
    def get(cls, path, source="127.0.0.1", headers=None, method="GET", body=None):
        """(status, headers, body) of one request from `source`."""
        connection = http.client.HTTPConnection("127.0.0.1", cls.port, timeout=10, source_address=(source, 0))
        try:
            connection.request(method, path, body=body, headers=headers or {})
            reply = connection.getresponse()
            return reply.status, dict((k.lower(), v) for k, v in reply.getheaders()), reply.read()
        except OSError:
            return None, {}, b""
        finally:
            connection.close()

    def report(self, method, request, reply):
        """A report asked of reporting through the protocol, as the admin."""
        return decode(self.reporting.call("reporting." + method, request), reply)

    def customs_figures(self):
        """(overview, CustomsByCategory, SpaceByPark) as reporting answers them now."""
        return (self.report("Overview", reporting_pb2.OverviewRequest(), reporting_pb2.OverviewReply),
                self.report("CustomsByCategory", reporting_pb2.CustomsByCategoryRequest(),
                            reporting_pb2.CustomsByCategoryReply),
                self.report("SpaceByPark", reporting_pb2.SpaceByParkRequest(), reporting_pb2.SpaceByParkReply))

    def ctl(self, *args):
        command = [HETAOCTL, "--cert", self.registry.admin.public_file,
                   "--registry-endpoint", self.registry.endpoint,
                   "--registry-server-key", self.registry.server.public_file] + list(args)
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, env=clean_env())
        self.assertEqual(result.returncode, 0, "hetaoctl %s: %s%s" % (args, result.stdout, result.stderr))
        return result.stdout

    def token(self, *args):
        return self.ctl("--json", "dashboard", "token", *args, "--tokens", self.tokens)

    # --- the page in a browser ------------------------------------------------

    def test_a_plain_chromium_screenshot_shows_the_tiles_with_the_demo_figures(self):
        self.assertEqual(self.plain.returncode, 0, self.plain.stdout + self.plain.stderr)
        shown = dict(line.split(None, 1) for line in self.plain.stdout.splitlines() if not line.startswith("screenshot"))
        self.assertEqual(shown, {"major_platforms": str(PLATFORMS), "industrial_parks_operating": str(PARKS),
                                 "space_prepared": SPACE_PREPARED, "funds_committed": COMMITTED,
                                 "customs_open": str(CASES_OPEN), "customs_resolved": str(CASES_RESOLVED)})
        self.assertGreater(os.path.getsize(os.path.join(OUTPUT, "dashboard-plain.png")), 10000)

    def test_the_page_in_chromium_shows_the_figures_and_a_registration_through_hetaoctl_within_5_s(self):
        browser = Browser()
        try:
            browser.send("Page.enable")
            browser.send("Page.navigate", url="http://127.0.0.1:%d/" % self.port)
            shown = lambda: browser.text("#t-major_platforms .value").startswith(str(PLATFORMS))
            self.assertTrue(wait_for(shown, seconds=30, interval=0.2),
                            "the tile shows %r" % browser.text("#t-major_platforms .value"))
            self.assertTrue(browser.text("#t-hk_university_projects .value").startswith(str(HK_PROJECTS)))
            self.assertTrue(browser.text("#t-industrial_parks_operating .value").startswith(str(PARKS)))
            self.assertTrue(browser.text("#t-space_prepared .value").startswith(SPACE_PREPARED))
            self.assertTrue(browser.text("#t-funds_committed .value").startswith(COMMITTED),
                            browser.text("#t-funds_committed .value"))
            self.assertIn("量子科技 54", browser.text("#t-projects_high_end .detail"))
            self.assertIn("数据截至", browser.text("#as-of"))
            self.assertEqual(browser.text("#t-major_platforms .label"), "重大科研平台")
            # The charts are drawn from reporting's reports: a bar per sector
            # now and per sector and month (the demo's one month), committed,
            # paid and across the boundary for the demo's one programme.
            count = lambda selector: browser.evaluate("document.querySelectorAll(%s).length" % json.dumps(selector))
            self.assertEqual(count("#chart-sector-now rect"), 3)
            self.assertEqual(count("#chart-sector-time rect"), 3)
            self.assertIn("量子科技", browser.text("#legend-sector-time"))
            self.assertEqual(count("#chart-funding rect"), 3)
            self.assertIn("370,000,000", browser.text("#chart-funding"))
            # Customs: the tiles and charts show what reporting answers through
            # the protocol for the demo's cases (made with hetaoctl).
            o, by_category, by_park = self.customs_figures()
            self.assertEqual((o.customs_cases_open, o.customs_cases_resolved), (CASES_OPEN, CASES_RESOLVED))
            for tile, value in (("customs_open", o.customs_cases_open), ("customs_resolved", o.customs_cases_resolved),
                                ("customs_breaches", o.customs_deadline_breaches)):
                self.assertEqual(browser.text("#t-%s .value" % tile), "{:,}".format(value), tile)
            self.assertIn("通关协助案件（处理中）", browser.text("#t-customs_open .label"))
            self.assertIn("注册备案 2", browser.text("#t-customs_open .detail"))
            # The page: seconds below a minute, minutes below an hour, else hours to a tenth.
            median = o.customs_median_resolution_s
            tenths = int(median / 360 + 0.5)
            shown = ("%d秒" % median if median < 60 else "{:,}".format(int(median / 60 + 0.5)) + "分钟"
                     if median < 3600 else
                     "{:,}".format(tenths // 10) + ("" if tenths % 10 == 0 else ".%d" % (tenths % 10)) + "小时")
            self.assertEqual(browser.text("#t-customs_median .value"), shown)
            self.assertEqual(count("#chart-customs rect"), 3 * len(by_category.categories))
            self.assertEqual(len(by_category.categories), 2)
            self.assertIn("处理中", browser.text("#legend-customs"))
            self.assertEqual(count("#chart-customs-time rect"),
                             len([c for c in by_category.categories if c.HasField("median_resolution_s")]))
            # Space occupancy per park: two bars (allocated, free) per park with space, one row each.
            parks = [p for p in by_park.parks if p.prepared_m2_x100 or p.allocated_m2_x100]
            self.assertEqual(len(parks), PARKS)
            self.assertEqual(count("#chart-space rect"), 2 * len(parks))
            for park in parks:
                self.assertIn((park.name_zh or park.name_en)[:25], browser.text("#chart-space"))
            self.assertIn("已分配", browser.text("#legend-space"))

            self.ctl("org", "register", "--name", "Hetao Platform by hetaoctl", "--kind", "research_institute",
                     "--region", "mainland", "--uscc", uscc(987654), "--major-platform")
            registered = time.monotonic()
            appeared = wait_for(lambda: browser.text("#t-major_platforms .value").startswith(str(PLATFORMS + 1)),
                                seconds=30, interval=0.1)
            elapsed = time.monotonic() - registered
            self.assertTrue(appeared, "the registration never appeared: %r" % browser.text("#t-major_platforms .value"))
            self.assertLessEqual(elapsed, 5.0, "the registration appeared after %.1f s" % elapsed)
            # The acceptance check tells a page that is not the demo's.
            check = self.check_plain(os.path.join(OUTPUT, "dashboard-plain-after.png"))
            self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
            self.assertIn("major_platforms: shows %d, the demo has %d" % (PLATFORMS + 1, PLATFORMS), check.stderr)

            os.makedirs(OUTPUT, exist_ok=True)
            browser.screenshot(os.path.join(OUTPUT, "dashboard-zh.png"))
            browser.evaluate("document.getElementById('language').click()")
            self.assertTrue(wait_for(lambda: browser.text("#t-major_platforms .label") == "Major research platforms"))
            self.assertIn("As of", browser.text("#as-of"))
            self.assertIn("Quantum technology 54", browser.text("#t-projects_high_end .detail"))
            caption = "document.getElementById('chart-customs').parentNode.querySelector('figcaption').textContent"
            self.assertEqual(browser.evaluate(caption), "Customs assistance cases by category")
            for park in parks:
                self.assertIn((park.name_en or park.name_zh)[:25], browser.text("#chart-space"))
            path = os.path.join(OUTPUT, "dashboard.png")
            browser.screenshot(path)
            self.assertGreater(os.path.getsize(path), 10000)
            print("screenshot:", path)
        finally:
            browser.close()

    # --- the JSON API ---------------------------------------------------------

    def test_the_api_views_answer_the_figures_of_reporting(self):
        status, headers, body = self.get("/api/overview")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "application/json")
        overview = json.loads(body)
        self.assertGreaterEqual(overview["major_platforms"], PLATFORMS)
        self.assertEqual(overview["hk_university_projects"], HK_PROJECTS)
        self.assertEqual(sorted(s["stream"] for s in overview["as_of"]), ["customs", "funding", "registry"])
        registry = [s for s in overview["as_of"] if s["stream"] == "registry"][0]
        self.assertGreaterEqual(registry["last_sequence"], PLATFORMS + HK_PROJECTS)
        self.assertEqual(overview["funds_committed_cny_fen"], 370_000_000_00)
        self.assertEqual(overview["industrial_parks_operating"], PARKS)
        self.assertEqual(overview["space_prepared_m2_x100"], 800000 * 100)
        sectors = json.loads(self.get("/api/projects-by-sector")[2])
        self.assertEqual(sum(f["count"] for f in sectors["projects_by_sector"]), overview["projects_total"])
        # Over time (reporting.ProjectsBySector, by month): the running totals
        # of the last period with each sector add up to the projects now.
        latest = {}
        for period in sorted(sectors["periods"], key=lambda p: p["period"]):
            latest[period["sector"]] = period["registered_total"]
        self.assertEqual(sum(latest.values()), overview["projects_total"])
        funding = json.loads(self.get("/api/funding")[2])
        self.assertEqual([(p["currency"], p["committed_minor"]) for p in funding["programmes"]],
                         [("CNY", 370_000_000_00)])
        # Customs and space per park, equal to what reporting answers through the protocol.
        o, by_category, by_park = self.customs_figures()
        customs = json.loads(self.get("/api/customs")[2])
        for key in ("customs_cases_open", "customs_cases_resolved", "customs_deadline_breaches",
                    "customs_median_resolution_s", "whitelisted_organizations"):
            self.assertEqual(customs[key], getattr(o, key), key)
        self.assertEqual({f["key"]: f["count"] for f in customs["customs_cases_open_by_category"]},
                         {f.key: f.count for f in o.customs_cases_open_by_category})
        self.assertEqual({f["key"]: f["count"] for f in customs["declarations_by_lane"]},
                         {f.key: f.count for f in o.declarations_by_lane})
        self.assertEqual([(c["category"], c["open"], c["resolved"], c["breaches"], c.get("median_resolution_s"))
                          for c in customs["categories"]],
                         [(c.category, c.open, c.resolved, c.breaches,
                           c.median_resolution_s if c.HasField("median_resolution_s") else None)
                          for c in by_category.categories])
        space = json.loads(self.get("/api/space")[2])
        self.assertEqual([(p["park_id"], p["prepared_m2_x100"], p["allocated_m2_x100"]) for p in space["parks"]],
                         [(p.park_id, p.prepared_m2_x100, p.allocated_m2_x100) for p in by_park.parks])
        self.assertEqual(sum(p["prepared_m2_x100"] for p in space["parks"]), 800000 * 100)
        self.assertEqual(sum(p["allocated_m2_x100"] for p in space["parks"]), space["space_allocated_m2_x100"])
        for view, keys in [("funding", ["funds_committed_cny_fen", "funds_paid_cny_fen"]),
                           ("customs", ["customs_cases_open", "customs_cases_resolved"]),
                           ("space", ["industrial_parks_operating", "space_free_m2_x100"])]:
            status, _, body = self.get("/api/" + view)
            self.assertEqual(status, 200, view)
            answer = json.loads(body)
            for key in keys + ["as_of", "fetched_at_us"]:
                self.assertIn(key, answer, view)
            self.assertNotIn("major_platforms", answer, view)
        self.assertEqual(self.get("/api/bogus")[0], 404)
        self.assertEqual(self.get("/../CMakeLists.txt")[0], 404)

    def test_every_answer_has_a_strict_content_security_policy_and_the_page_no_inline_script(self):
        for path in ["/", "/app.js", "/style.css", "/login", "/api/overview", "/healthz", "/nothing"]:
            status, headers, _ = self.get(path)
            csp = headers.get("content-security-policy", "")
            self.assertIn("default-src 'none'", csp, path)
            self.assertIn("script-src 'self'", csp, path)
            self.assertIn("frame-ancestors 'none'", csp, path)
            self.assertNotIn("unsafe", csp, path)
            self.assertNotIn("http", csp, path)
        page = self.get("/")[2].decode()
        self.assertNotIn("<script>", page)
        self.assertNotIn("style=", page)
        self.assertNotIn("://", page.replace("http://www.w3.org", ""))

    # --- from afar ------------------------------------------------------------

    def test_from_afar_no_page_or_api_answer_without_a_token(self):
        for path in ["/", "/index.html", "/app.js", "/api/overview", "/api/projects-by-sector", "/api/funding",
                     "/api/customs", "/api/space", "/api/bogus", "/logout/../api/overview"]:
            status, _, body = self.get(path, source="127.0.0.2")
            self.assertEqual(status, 401, path)
            self.assertNotIn(b"major_platforms", body, path)
            self.assertNotIn(b"app.js", body, path)
        status, _, body = self.get("/", source="127.0.0.2")
        self.assertIn(b'action="/login"', body)
        # The same from this machine's own address answers.
        self.assertEqual(self.get("/api/overview")[0], 200)

    def test_a_token_from_hetaoctl_lets_a_peer_from_afar_in_and_once_revoked_is_refused(self):
        issued = json.loads(self.token("add", "district-office"))
        secret = issued["token"]
        with open(self.tokens) as f:
            kept = f.read()
        self.assertNotIn(secret, kept, "the tokens file keeps the secret itself")
        self.assertIn("district-office", kept)
        bearer = {"Authorization": "Bearer " + secret}
        status, _, body = self.get("/api/overview", source="127.0.0.3", headers=bearer)
        self.assertEqual(status, 200, body)
        self.assertGreaterEqual(json.loads(body)["major_platforms"], PLATFORMS)
        # Logging in with the form sets a cookie that then opens the page.
        status, headers, _ = self.get("/login", source="127.0.0.3", method="POST",
                                      body=urllib.parse.urlencode({"token": secret}),
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 303)
        cookie = headers["set-cookie"].split(";")[0]
        self.assertIn("HttpOnly", headers["set-cookie"])
        status, _, body = self.get("/", source="127.0.0.3", headers={"Cookie": cookie})
        self.assertEqual(status, 200)
        self.assertIn(b"/app.js", body)
        listed = [json.loads(line) for line in self.token("list").splitlines()]
        self.assertIn({"name": "district-office", "status": "active", "issued_at": issued["issued_at"]}, listed)

        self.token("revoke", "district-office")
        self.assertEqual(self.get("/api/overview", source="127.0.0.3", headers=bearer)[0], 401)
        self.assertEqual(self.get("/", source="127.0.0.3", headers={"Cookie": cookie})[0], 401)

    def test_failed_logins_from_afar_are_rate_limited_and_logged(self):
        good = json.loads(self.token("add", "limit-check"))["token"]
        for attempt in range(3):
            status, _, _ = self.get("/api/overview", source="127.0.0.4",
                                    headers={"Authorization": "Bearer htd_wrong%d" % attempt})
            self.assertEqual(status, 401, attempt)
        # Beyond the limit even the right token is refused until the window ends.
        status, _, _ = self.get("/api/overview", source="127.0.0.4", headers={"Authorization": "Bearer " + good})
        self.assertEqual(status, 429)
        status, _, _ = self.get("/login", source="127.0.0.4", method="POST", body="token=" + good,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 429)
        # Another peer is not held back by it.
        self.assertEqual(self.get("/api/overview", source="127.0.0.5",
                                  headers={"Authorization": "Bearer " + good})[0], 200)
        lines = [json.loads(line) for line in self.log_text().splitlines() if line.startswith("{")]
        refused = [line for line in lines if line.get("method") == "dashboard.login"
                   and "127.0.0.4" in line.get("msg", "")]
        self.assertEqual([line["status"] for line in refused],
                         ["UNAUTHENTICATED"] * 3 + ["RESOURCE_EXHAUSTED"] * 2, refused)
        self.assertNotIn(good, self.log_text())

    def test_without_trust_in_loopback_this_machine_needs_a_token_too(self):
        """Behind a proxy or sidecar on the same host every browser comes from 127.0.0.1."""
        port = free_port()
        proc = subprocess.Popen([
            DASHBOARD, "--listen", "127.0.0.1:%d" % port, "--trust-loopback=false",
            "--reporting-endpoint", self.reporting.endpoint,
            "--reporting-server-key", self.reporting.server.public_file,
            "--curve-cert", self.keys.public_file, "--tokens", self.tokens],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=clean_env())
        try:
            def get(path, headers=None):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                try:
                    connection.request("GET", path, headers=headers or {})
                    reply = connection.getresponse()
                    return reply.status, reply.read()
                except OSError:
                    return None, b""
                finally:
                    connection.close()
            self.assertTrue(wait_for(lambda: get("/healthz")[0] == 200, seconds=30, interval=0.2))
            for path in ["/", "/app.js", "/api/overview"]:
                status, body = get(path)
                self.assertEqual(status, 401, path)
                self.assertNotIn(b"major_platforms", body, path)
            secret = json.loads(self.token("add", "same-host-proxy"))["token"]
            status, body = get("/api/overview", {"Authorization": "Bearer " + secret})
            self.assertEqual(status, 200, body)
            self.assertGreaterEqual(json.loads(body)["major_platforms"], PLATFORMS)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)


if __name__ == "__main__":
    unittest.main()
