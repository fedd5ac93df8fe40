#!/usr/bin/python3
"""dashboard_check - the dashboard as a plain `chromium --headless` shows it,
checked against the Shenzhen Park demo's figures, and its screenshot.

Loads the page twice with headless Chromium and a fresh profile, nothing
else: `--dump-dom` to read the rendered tiles, `--screenshot` for the
picture. The gateway serves the page with the figures of the moment, so
neither waits for a poll. Checks the demo's headline figures (10 major
platforms, 11 industrial parks in operation, 800,000 m² prepared, at least
370,000,000 yuan committed, 4 customs assistance cases open and 4 resolved);
exits 1 naming each tile that differs.

    deploy/demo/dashboard_check.py [--url URL] [--lang zh|en] [--screenshot FILE]

`deploy/dev screenshot` runs it against the dev stack after `deploy/dev up`;
tests/integration/test_dashboard.py against its own stack.
"""
import argparse
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile

# tile id -> (what the demo shows, whether it is a floor rather than exact)
DEMO = {
    "major_platforms": (10, False),
    "industrial_parks_operating": (11, False),
    "space_prepared": (800_000, False),
    "funds_committed": (370_000_000, True),
    "customs_open": (4, False),
    "customs_resolved": (4, False),
}


class Tiles(html.parser.HTMLParser):
    """The text of each tile's value (<div class="tile" id="t-NAME"> ... <div class="value">)."""

    def __init__(self):
        super().__init__()
        self.values, self.tile, self.reading = {}, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "tile" in classes and (attrs.get("id") or "").startswith("t-"):
            self.tile = attrs["id"][2:]
        elif "value" in classes and self.tile:
            self.reading = True
            self.values[self.tile] = ""
        elif self.reading and tag == "span":      # the unit: not part of the number
            self.reading = False

    def handle_endtag(self, tag):
        if tag == "div":
            self.reading = False

    def handle_data(self, data):
        if self.reading:
            self.values[self.tile] += data


def chromium(args, timeout=120):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise SystemExit("dashboard_check: chromium is not installed (deploy/dev installs it)")
    profile = tempfile.mkdtemp(prefix="hetao-chromium-")
    flags = ["--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")          # Chromium refuses to run as root with its sandbox
    try:
        return subprocess.run([browser] + flags + args, capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def number(text):
    digits = text.strip().replace(",", "")
    return int(digits) if digits.isdigit() else None


def check(values):
    """The differences from the demo's figures, one line each."""
    problems = []
    for tile, (expected, floor) in DEMO.items():
        shown = number(values.get(tile, ""))
        if shown is None:
            problems.append("%s: no figure shown (%r)" % (tile, values.get(tile)))
        elif (shown < expected) if floor else (shown != expected):
            problems.append("%s: shows %s, the demo has %s%s" % (tile, format(shown, ","), "at least " if floor else "",
                                                                 format(expected, ",")))
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:7480/")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--screenshot", help="write the page's screenshot (PNG) here")
    parser.add_argument("--window-size", default="1400,1480")
    args = parser.parse_args()
    url = args.url + ("&" if "?" in args.url else "?") + "lang=" + args.lang

    dom = chromium(["--window-size=" + args.window_size, "--dump-dom", url])
    if dom.returncode != 0 or "<html" not in dom.stdout:
        print("dashboard_check: chromium --dump-dom %s failed:\n%s" % (url, dom.stderr[-2000:]), file=sys.stderr)
        return 1
    tiles = Tiles()
    tiles.feed(dom.stdout)
    for tile in DEMO:
        print("%-28s %s" % (tile, tiles.values.get(tile, "(no tile)").strip()))
    problems = check(tiles.values)

    if args.screenshot:
        path = os.path.abspath(args.screenshot)
        shot = chromium(["--window-size=" + args.window_size, "--screenshot=" + path, url])
        if shot.returncode != 0 or not os.path.exists(path):
            problems.append("chromium --screenshot failed: " + shot.stderr[-2000:])
        else:
            print("screenshot:", path)
    for problem in problems:
        print("dashboard_check:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
