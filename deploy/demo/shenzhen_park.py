#!/usr/bin/python3
"""shenzhen_park - the Shenzhen Park demo data set, loaded through the public
protocol only (hetaoctl calls), idempotently.

Every entity is looked up before it is created (by registration id, title or
name), and each creation carries a stable idempotency key, so loading twice,
or again after a half-finished load, changes nothing. One loader per service:
a service whose commands this hetaoctl lacks is skipped, and its part slots in
when the service exists.

    deploy/demo/shenzhen_park.py [--hetaoctl PATH]

Customs (when hetaoctl has its commands): assistance cases about registration
filing and account establishment for park organizations, some resolved and
some open; a white list of the research institutes; a few research-goods
declarations, registered so that each has its lane.

hetaoctl finds the services and keys as usual (the dev stack's, or the
HETAO_* variables).
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from uscc import uscc  # noqa: E402

# ---------------------------------------------------------------------------
# The data set

# The 10 major platforms, mostly research institutes.
PLATFORMS = [
    ("Shenzhen-Hong Kong Institute of Quantum Science", "research_institute", "quantum_technology"),
    ("Hetao Institute of Artificial Intelligence", "research_institute", "information_technology"),
    ("Hetao Institute of Biomedicine", "research_institute", "biopharmaceuticals"),
    ("Shenzhen Institute of Advanced Microelectronics", "research_institute", "information_technology"),
    ("Hetao Institute of Synthetic Biology", "research_institute", "biopharmaceuticals"),
    ("Greater Bay Area Institute of Quantum Computing", "research_institute", "quantum_technology"),
    ("Hetao Institute of Data Science", "research_institute", "information_technology"),
    ("Hetao Institute of Precision Medicine", "research_institute", "biopharmaceuticals"),
    ("Shenzhen-Hong Kong Joint Laboratory of Photonics", "platform_laboratory", "quantum_technology"),
    ("Hetao Open Innovation Laboratory of Drug Discovery", "platform_laboratory", "biopharmaceuticals"),
]

# Hong Kong universities that lead the 10 Hong Kong university research projects.
HK_UNIVERSITIES = [
    "University of Hong Kong", "Chinese University of Hong Kong",
    "Hong Kong University of Science and Technology", "City University of Hong Kong",
    "Hong Kong Polytechnic University",
]

SECTORS = ["information_technology", "quantum_technology", "biopharmaceuticals"]
TOPICS = {
    "information_technology": ["Edge inference chips", "Federated learning", "Cross-boundary data exchange",
                               "Low-power sensor networks", "Secure cloud platforms"],
    "quantum_technology": ["Superconducting qubits", "Quantum key distribution", "Trapped-ion clocks",
                           "Quantum sensing", "Photonic quantum chips"],
    "biopharmaceuticals": ["Antibody discovery", "mRNA vaccine platforms", "Cell therapy manufacturing",
                           "Traditional medicine screening", "Rare disease gene therapy"],
}
HIGH_END_PROJECTS = 150          # across the three sectors, 50 each

CSNS_OPERATOR = "China Spallation Neutron Source Science Centre"
CSNS = "China Spallation Neutron Source"
INSTRUMENTS = ["General Purpose Powder Diffractometer", "Small Angle Neutron Scattering Instrument",
               "Multi-Physics Instrument"]
# Researchers of Hong Kong and Macao: (name, region, affiliation: index into HK_UNIVERSITIES or
# "platform:<i>"), and the hours each books on an instrument.
RESEARCHERS = [
    ("Chan Tai Man", "hong_kong", 0, 48),
    ("Wong Siu Ming", "hong_kong", 1, 24),
    ("Lee Ka Yan", "hong_kong", 2, 36),
    ("Cheung Wing Sze", "hong_kong", 3, 12),
    ("Ho Iat Seng", "macao", "platform:0", 24),
    ("Leong Sio Pang", "macao", "platform:2", 16),
]

# 11 industrial parks in operation, 800,000 m² in all; a fifth of each is one
# unit allocated to a platform.
PARK_OPERATOR = "Shenzhen Hetao Park Development Company"
PARKS = [("Hetao Park %s" % name, area) for name, area in (
    ("Futian Bonded Zone I", 95000), ("Futian Bonded Zone II", 88000), ("Huanggang Port", 82000),
    ("Shenzhen River North", 78000), ("Futian Port", 75000), ("Quantum Valley", 72000),
    ("Bio Innovation Campus", 70000), ("Data Science Yard", 68000), ("Photonics Works", 62000),
    ("Microelectronics Hall", 58000), ("Start-up Harbour", 52000))]
ALLOCATED_SHARE = 5               # one unit of area / 5 per park

# The Guangdong-Hong Kong programme: 370,000,000.00 CNY, all of it awarded to the
# 10 Hong Kong university projects (37,000,000.00 each, in two tranches); the
# first tranche of the first PAID_AWARDS awards is paid in HKD across the boundary.
PROGRAMME_AGENCY = "Department of Science and Technology of Guangdong Province"
PROGRAMME = "Guangdong-Hong Kong Science and Technology Cooperation Programme"
PROGRAMME_BUDGET = "370000000.00"
AWARD = "37000000.00"
TRANCHE = "18500000.00"
PAID_AWARDS = 4
HKD_RATE = "1.0856"

# Customs assistance with registration filing and account establishment: (organization:
# "platform:<i>", "university:<i>" or "park-operator", category, what is needed, where the
# case stands). Resolved ones are resolved (or closed); the others stay open at that step.
CASES = [
    ("platform:0", "registration_filing", "Filing as a consignee of imported research equipment", "resolved"),
    ("platform:1", "account_establishment", "Customs account for the AI institute's bonded storage", "resolved"),
    ("platform:2", "registration_filing", "Filing update after the biomedicine institute moved", "closed"),
    ("platform:3", "account_establishment", "Account for duty-free import of microelectronics tools",
     "in_progress"),
    ("university:0", "registration_filing", "Filing for the Hetao branch of the university", "open"),
    ("university:1", "account_establishment", "Account for cross-boundary sample shipments", "resolved"),
    ("park-operator", "registration_filing", "Filing as operator of the bonded industrial parks", "triaged"),
    ("platform:4", "account_establishment", "Account for reagent imports of the synthetic biology lab",
     "waiting_on_requester"),
]
# The path of a case, and the action that takes it from each status to the next.
CASE_PATH = [("open", "triage"), ("triaged", "start"), ("in_progress", "resolve"), ("resolved", "close")]
# The white list: the research institutes among the platforms, for research goods.
WHITELISTED = [0, 1, 2, 3, 4, 5]
WHITELIST_CATEGORIES = "instruments,reagents,consumables,samples"
WHITELIST_PERIOD = ("2025-01-01", "2030-01-01")
# Research-goods declarations (organization, line): registered, so customs gives each its
# lane (green for a white-listed institute's goods, red for a biological risk, yellow otherwise).
DECLARATIONS = [
    ("platform:0", "hs=901210,desc=Cryogenic electron microscope parts (Shenzhen Park demo 1),qty=2,unit=pcs,"
                   "value=860000.00,currency=CNY,origin=HK,category=instruments"),
    ("platform:2", "hs=300215,desc=Monoclonal antibody samples (Shenzhen Park demo 2),qty=0.5,unit=kg,"
                   "value=42000.00,currency=CNY,origin=HK,category=reagents,bio=yes"),
    ("university:0", "hs=382200,desc=Diagnostic reagents (Shenzhen Park demo 3),qty=10,unit=kg,"
                     "value=120000.00,currency=CNY,origin=HK,category=reagents"),
    ("platform:1", "hs=847150,desc=GPU accelerator boards (Shenzhen Park demo 4),qty=8,unit=pcs,"
                   "value=640000.00,currency=CNY,origin=HK,category=consumables"),
]

# ---------------------------------------------------------------------------
# hetaoctl

class Ctl:
    def __init__(self, path):
        self.path = path
        self.calls = 0
        self.created = 0
        self.nouns = {line.split()[0] for line in self.run("--help", check=False).splitlines()
                      if line.startswith("  ") and line.split()}

    def run(self, *args, check=True):
        self.calls += 1
        out = subprocess.run([self.path] + list(args), capture_output=True, text=True, timeout=60)
        if check and out.returncode != 0:
            sys.exit("demo: hetaoctl %s failed (%d): %s" % (" ".join(args), out.returncode, out.stderr.strip()))
        return out.stdout

    def json(self, *args):
        """The JSON objects a command prints, one a line."""
        return [json.loads(line) for line in self.run("--json", *args).splitlines() if line.strip()]

    def create(self, key, *args):
        """A mutating call with the stable idempotency key `key`; the object it prints."""
        self.created += 1
        return self.json("--idempotency-key", "demo-shenzhen-" + key, *args)[0]


# ---------------------------------------------------------------------------
# Registry: organizations, projects, the facility, researchers and bookings

def organization(ctl, key, name, kind, region, reg_flag, reg_id, sectors, major=False):
    found = ctl.json("org", "list", "--registration-id", reg_id)
    if found:
        return found[0]["id"]
    args = ["org", "register", "--name", name, "--kind", kind, "--region", region, reg_flag, reg_id,
            "--sectors", ",".join(sectors)]
    if major:
        args.append("--major-platform")
    return ctl.create(key, *args)["id"]


def projects(ctl, lead, wanted):
    """Registers each (key, title, sector, origin) of `wanted` led by `lead` that it does not lead yet."""
    have = {p.get("title_en") for p in ctl.json("project", "list", "--lead", lead, "--all")}
    for key, title, sector, origin in wanted:
        if title not in have:
            ctl.create(key, "project", "register", "--title", title, "--lead", lead, "--sector", sector,
                       "--origin", origin, "--high-end", "--start", "2025-01-01", "--end", "2029-12-31")


def load_registry(ctl):
    """Organizations, projects, the facility and its bookings; returns the platforms' ids."""
    platforms = [organization(ctl, "platform-%d" % i, name, kind, "mainland", "--uscc", uscc(880000 + i),
                              [sector], major=True)
                 for i, (name, kind, sector) in enumerate(PLATFORMS)]
    universities = [organization(ctl, "hku-%d" % i, name, "university", "hong_kong", "--hk-br",
                                 "%08d" % (61000000 + i), SECTORS)
                    for i, name in enumerate(HK_UNIVERSITIES)]

    # 10 Hong Kong university research projects, two per university.
    for u, lead in enumerate(universities):
        projects(ctl, lead, [("hk-project-%d-%d" % (u, j),
                              "%s: %s" % (HK_UNIVERSITIES[u], TOPICS[SECTORS[(u + j) % 3]][j]),
                              SECTORS[(u + j) % 3], "hk_university") for j in range(2)])

    # 150 high-end projects across the three sectors, led by the platforms of each sector.
    by_sector = {s: [platforms[i] for i, p in enumerate(PLATFORMS) if p[2] == s] for s in SECTORS}
    wanted = {}
    for n in range(HIGH_END_PROJECTS):
        sector = SECTORS[n % 3]
        leads = by_sector[sector]
        lead = leads[(n // 3) % len(leads)]
        topic = TOPICS[sector][(n // 3) % 5]
        wanted.setdefault(lead, []).append(("project-%d" % n, "%s, phase %d" % (topic, n // 15 + 1)
                                            + " (%03d)" % n, sector, "park_platform"))
    for lead, rows in wanted.items():
        projects(ctl, lead, rows)

    if "facility" in ctl.nouns:
        load_facility(ctl, platforms, universities)
    if "park" in ctl.nouns:
        load_space(ctl, platforms)
    if "programme" in ctl.nouns:
        load_funding(ctl, universities)
    if "case" in ctl.nouns:
        load_customs(ctl, platforms, universities)


def load_facility(ctl, platforms, universities):
    operator = organization(ctl, "csns-operator", CSNS_OPERATOR, "research_institute", "mainland", "--uscc",
                            uscc(889000), ["new_materials"])
    found = [f for f in ctl.json("facility", "list", "--name-contains", CSNS) if f.get("name") == CSNS]
    facility = found[0]["id"] if found else ctl.create(
        "csns", "facility", "register", "--name", CSNS, "--operator", operator,
        "--description", "Dongguan; open to researchers of Hong Kong and Macao")["id"]
    have = {i.get("name"): i["id"] for i in ctl.json("instrument", "list", "--facility", facility, "--all")}
    instruments = [have.get(name) or ctl.create("csns-instrument-%d" % i, "instrument", "add", "--facility",
                                                facility, "--name", name)["id"]
                   for i, name in enumerate(INSTRUMENTS)]

    for i, (name, region, affiliation, hours) in enumerate(RESEARCHERS):
        org = (platforms[int(affiliation.split(":")[1])] if isinstance(affiliation, str)
               else universities[affiliation])
        found = [r for r in ctl.json("researcher", "list", "--org", org, "--all") if r.get("name") == name]
        person = found[0]["id"] if found else ctl.create(
            "researcher-%d" % i, "researcher", "register", "--name", name, "--region", region, "--org", org)["id"]
        instrument = instruments[i % len(instruments)]
        requests = ctl.json("access", "list", "--researcher", person, "--all")
        access = requests[0] if requests else ctl.create(
            "access-%d" % i, "access", "request", "--researcher", person, "--instrument", instrument,
            "--hours", str(hours), "--purpose", "Neutron scattering beam time")
        # Moved on to scheduled, from wherever an earlier load left it. Each instrument's
        # bookings follow one another on fixed dates, so a repeat books the same slot.
        start_day = 1 + (i // len(instruments)) * 5
        steps = [("draft", "submit", []), ("submitted", "approve", []),
                 ("approved", "schedule", ["--from", "2027-03-%02dT09:00:00" % start_day,
                                           "--until", booking_end(start_day, hours)])]
        for state, verb, extra in steps:
            if access.get("status", "").lower() == "access_request_status_" + state:
                access = ctl.create("access-%d-%s" % (i, verb), "access", verb, access["id"], *extra)


def load_space(ctl, platforms):
    operator = organization(ctl, "park-operator", PARK_OPERATOR, "enterprise", "mainland", "--uscc",
                            uscc(889500), ["other"])
    have = {p.get("name_en"): p["id"] for p in ctl.json("park", "list", "--operator", operator, "--all")}
    for i, (name, area) in enumerate(PARKS):
        park = have.get(name) or ctl.create("park-%d" % i, "park", "register", "--name", name,
                                            "--operator", operator, "--area-m2", str(area),
                                            "--operating-since", "2024-06-01")["id"]
        units = ctl.json("unit", "list", "--park", park)
        unit = units[0]["id"] if units else ctl.create(
            "unit-%d" % i, "unit", "add", "--park", park, "--code", "A1", "--building", "A",
            "--area-m2", str(area // ALLOCATED_SHARE), "--use", "research")["id"]
        if not ctl.json("allocation", "list", "--unit", unit):
            ctl.create("allocation-%d" % i, "allocation", "add", "--unit", unit, "--org",
                       platforms[i % len(platforms)], "--area-m2", str(area // ALLOCATED_SHARE),
                       "--from", "2025-01-01")


def load_funding(ctl, universities):
    agency = organization(ctl, "gd-dost", PROGRAMME_AGENCY, "government_agency", "mainland", "--uscc",
                          uscc(889700), ["other"])
    found = [p for p in ctl.json("programme", "list") if p.get("name") == PROGRAMME]
    programme = found[0]["id"] if found else ctl.create(
        "programme", "programme", "create", "--name", PROGRAMME, "--agency", agency, "--currency", "CNY",
        "--budget", PROGRAMME_BUDGET, "--from", "2025-01-01", "--until", "2030-12-31")["id"]
    calls = ctl.json("call", "list", "--programme", programme)
    call = calls[0]["id"] if calls else ctl.create(
        "call", "call", "open", "--programme", programme, "--name", "Hong Kong university research 2026",
        "--from", "2026-01-01T00:00:00Z", "--until", "2030-12-31T00:00:00Z")["id"]
    awards = {a.get("project_id"): a for a in ctl.json("award", "list", "--programme", programme)}
    n = 0
    for u, lead in enumerate(universities):
        for project in sorted(ctl.json("project", "list", "--lead", lead, "--origin", "hk_university", "--all"),
                              key=lambda p: p.get("title_en", "")):
            award = awards.get(project["id"]) or s_award(ctl, call, lead, project["id"], n)
            if n < PAID_AWARDS:
                s_pay_first_tranche(ctl, award["id"], n)
            n += 1


def s_award(ctl, call, org, project, n):
    """An award of AWARD for `project`, from wherever an earlier load left its application."""
    found = [a for a in ctl.json("application", "list", "--call", call, "--org", org)
             if a.get("project_id") == project]
    application = found[0] if found else ctl.create(
        "application-%d" % n, "application", "create", "--call", call, "--org", org, "--project", project,
        "--amount", AWARD, "--breakdown", "personnel=20000000.00,equipment=17000000.00")
    for state, args in (("draft", ["submit"]), ("submitted", ["review", "--score", "9", "--comment", "strong"]),
                        ("under_review", ["approve"])):
        if application.get("status", "").lower() == "application_status_" + state:
            ctl.create("application-%d-%s" % (n, args[0]), "application", args[0], application["id"], *args[1:])
            application = ctl.json("application", "get", application["id"])[0]
    return ctl.create("award-%d" % n, "award", "make", "--application", application["id"], "--amount", AWARD,
                      "--tranches", "2027-01-01=%s,2028-01-01=%s" % (TRANCHE, TRANCHE))


def s_pay_first_tranche(ctl, award, n):
    """The first tranche paid in HKD; a disbursement an earlier load left half-way is moved on."""
    found = ctl.json("disbursement", "list", "--award", award)
    disbursement = found[0] if found else ctl.create(
        "disbursement-%d" % n, "disbursement", "request", "--award", award, "--amount", TRANCHE,
        "--payee-currency", "HKD", "--rate", HKD_RATE)
    for state, verb in (("requested", "approve"), ("approved", "pay")):
        if disbursement.get("status", "").lower() == "disbursement_status_" + state:
            disbursement = ctl.create("disbursement-%d-%s" % (n, verb), "disbursement", verb, disbursement["id"])


# ---------------------------------------------------------------------------
# Customs: cases, the white list, declarations

def is_status(value, prefix, state):
    """An enum printed by hetaoctl ("CASE_STATUS_OPEN" or "open") is `state`."""
    value = (value or "").lower()
    return value in (state, prefix + state)


def load_customs(ctl, platforms, universities):
    operator = organization(ctl, "park-operator", PARK_OPERATOR, "enterprise", "mainland", "--uscc",
                            uscc(889500), ["other"])

    def org(which):
        kind, _, index = which.partition(":")
        return {"platform": platforms, "university": universities}[kind][int(index)] if index else operator

    for i, (who, category, description, wanted) in enumerate(CASES):
        found = [c for c in ctl.json("case", "list", "--org", org(who), "--page-size", "200")
                 if c.get("description") == description]
        case = found[0] if found else ctl.create("case-%d" % i, "case", "open", "--org", org(who), "--category",
                                                 category, "--description", description)
        # Moved on from wherever an earlier load left it, up to where it stands in the demo
        # (a case waiting on its requester goes there from in_progress).
        stop = {"closed": len(CASE_PATH), "waiting_on_requester": 2}.get(wanted)
        stop = stop if stop is not None else [state for state, _ in CASE_PATH].index(wanted)
        for state, verb in CASE_PATH[:stop]:
            if is_status(case.get("status"), "case_status_", state):
                note = ["--note", "Done: the filing is complete"] if verb == "resolve" else []
                case = ctl.create("case-%d-%s" % (i, verb), "case", verb, case["id"], *note)
        if wanted == "waiting_on_requester" and is_status(case.get("status"), "case_status_", "in_progress"):
            ctl.create("case-%d-wait" % i, "case", "wait", case["id"], "--note",
                       "Please send the lease contract of the premises")

    for i in WHITELISTED:
        check = ctl.json("whitelist", "check", "--org", platforms[i], "--category", "reagents")
        if not (check and check[0].get("whitelisted")):
            ctl.create("whitelist-%d" % i, "whitelist", "add", "--org", platforms[i], "--categories",
                       WHITELIST_CATEGORIES, "--from", WHITELIST_PERIOD[0], "--until", WHITELIST_PERIOD[1])

    # Declarations have no list: the demo's are found in the customs stream by their lines' text.
    have = {}
    last = max([s.get("last_sequence", 0) for s in ctl.json("health", "customs")[0].get("streams", [])] or [0])
    if last:
        for event in ctl.json("events", "tail", "--stream", "customs", "--max", str(last)):
            declaration = event.get("payload", {}).get("declaration") or {}
            for line in declaration.get("lines", []):
                have.setdefault(line.get("description"), declaration.get("id"))
    for i, (who, line) in enumerate(DECLARATIONS):
        description = line.split("desc=")[1].split(",")[0]
        found = have.get(description)
        declaration = (ctl.json("declaration", "get", found)[0] if found else
                       ctl.create("declaration-%d" % i, "declaration", "create", "--org", org(who), "--line", line))
        if is_status(declaration.get("status"), "declaration_status_", "stored"):
            ctl.create("declaration-%d-register" % i, "declaration", "register", declaration["id"])


def booking_end(start_day, hours):
    """The end of a booking of `hours` from 09:00 on day `start_day` of March 2027."""
    day, hour = start_day + (9 + hours) // 24, (9 + hours) % 24
    return "2027-03-%02dT%02d:00:00" % (day, hour)


# ---------------------------------------------------------------------------

LOADERS = [("registry", load_registry)]


def main():
    parser = argparse.ArgumentParser(description="Load the Shenzhen Park demo data set.")
    parser.add_argument("--hetaoctl", default="build/bin/hetaoctl")
    args = parser.parse_args()
    ctl = Ctl(args.hetaoctl)
    for service, load in LOADERS:
        load(ctl)
    print("demo: Shenzhen Park data set loaded (%d calls, %d changes)" % (ctl.calls, ctl.created))


if __name__ == "__main__":
    main()
