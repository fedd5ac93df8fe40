"""The research white list and research-goods declarations: validity, revocation
and its two-year bar, HS codes and countries, the lifecycle, lanes (reproducible
with a fixed seed), re-routing, the fast track and monthly grouping."""
import unittest

from customs_stack import SEED, CustomsStack, CustomsTest, Status, customs_pb2, decode, new_key

C = customs_pb2
DAY = 86400


def line(**overrides):
    fields = dict(hs_code="382200", description="Diagnostic reagents", quantity="10", unit="kg",
                  value_minor=12000000, currency="CNY", origin_country="HK", category=C.GOODS_CATEGORY_REAGENTS)
    fields.update(overrides)
    return C.DeclarationLine(**fields)


def draw(seed, declaration_id):
    """The inspection draw of declaration_rules.c, computed independently: FNV-1a, then splitmix64."""
    mask = (1 << 64) - 1
    h = 0xCBF29CE484222325
    for byte in declaration_id.encode():
        h = ((h ^ byte) * 0x100000001B3) & mask
    x = (seed ^ h) & mask
    x = (x + 0x9E3779B97F4A7C15) & mask
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
    return (x ^ (x >> 31)) % 1000


class Whitelist(CustomsTest):
    def add(self, org, categories=(C.GOODS_CATEGORY_REAGENTS, C.GOODS_CATEGORY_INSTRUMENTS),
            valid_from="2026-01-01", valid_until="2028-01-01"):
        return self.call("AddWhitelist", C.AddWhitelistRequest(organization_id=org, categories=list(categories),
                                                               valid_from=valid_from, valid_until=valid_until))

    def check(self, org, category, date=None):
        return self.ok("CheckWhitelist", C.CheckWhitelistRequest(organization_id=org, category=category, date=date),
                       C.CheckWhitelistReply, mutating=False)

    def test_a_lookup_answers_for_the_category_and_the_date(self):
        org = self.stack.org()
        decode(self.add(org), C.WhitelistReply)
        self.assertTrue(self.check(org, C.GOODS_CATEGORY_REAGENTS, "2027-06-30").whitelisted)
        self.assertFalse(self.check(org, C.GOODS_CATEGORY_SAMPLES, "2027-06-30").whitelisted)
        self.assertFalse(self.check(org, C.GOODS_CATEGORY_REAGENTS, "2025-12-31").whitelisted)
        self.assertFalse(self.check(org, C.GOODS_CATEGORY_REAGENTS, "2028-01-01").whitelisted)
        self.assertStatus(self.add(org), Status.ALREADY_EXISTS, "organization_id")

    def test_bad_dates_and_categories_are_refused_naming_the_field(self):
        org = self.stack.org()
        self.assertStatus(self.add(org, valid_from="2026-02-30"), Status.INVALID_ARGUMENT, "valid_from")
        self.assertStatus(self.add(org, valid_until="2025-01-01"), Status.INVALID_ARGUMENT, "valid_until")
        self.assertStatus(self.add(org, categories=()), Status.INVALID_ARGUMENT, "categories")
        self.assertStatus(self.add(new_key()), Status.NOT_FOUND, "organization_id")
        self.assertEqual(self.customs.db.query("SELECT count(*) FROM whitelist_entry WHERE organization_id = %s",
                                               (org,)), [(0,)])

    def test_revocation_records_a_reason_and_bars_relisting_for_two_years(self):
        org = self.stack.org()
        entry = decode(self.add(org), C.WhitelistReply).entry
        self.assertStatus(self.call("RevokeWhitelist", C.RevokeWhitelistRequest(id=entry.id)),
                          Status.INVALID_ARGUMENT, "reason")
        revoked = self.ok("RevokeWhitelist", C.RevokeWhitelistRequest(id=entry.id, reason="false declarations"),
                          C.WhitelistReply).entry
        self.assertEqual((revoked.status, revoked.revoked_reason), (C.WHITELIST_STATUS_REVOKED, "false declarations"))
        two_years = self.customs.db.query(
            "SELECT ((now() AT TIME ZONE 'Asia/Shanghai')::date + interval '2 years')::date::text")[0][0]
        self.assertEqual(revoked.relist_barred_until, two_years)
        answer = self.check(org, C.GOODS_CATEGORY_REAGENTS)
        self.assertFalse(answer.whitelisted)
        self.assertIn("revoked", answer.reason)
        reply = self.add(org, valid_from="2026-06-01", valid_until="2029-01-01")
        self.assertStatus(reply, Status.FAILED_PRECONDITION, "organization_id")
        self.assertIn(revoked.relist_barred_until, reply.message)
        self.assertStatus(self.call("RevokeWhitelist", C.RevokeWhitelistRequest(id=entry.id, reason="again")),
                          Status.FAILED_PRECONDITION, "id")


class Declarations(CustomsTest):
    args = ("--inspection-per-mille", "0")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.listed = cls.stack.org()
        decode(cls.stack.call("AddWhitelist", C.AddWhitelistRequest(
            organization_id=cls.listed, categories=[C.GOODS_CATEGORY_REAGENTS, C.GOODS_CATEGORY_INSTRUMENTS],
            valid_from="2026-01-01", valid_until="2030-01-01")), C.WhitelistReply)
        cls.unlisted = cls.stack.org()

    def create(self, org, *lines, fast_track=None, keys="admin"):
        return self.call("CreateDeclaration", C.CreateDeclarationRequest(
            organization_id=org, lines=list(lines), fast_track=fast_track), keys=keys)

    def declare(self, org, *lines):
        return decode(self.create(org, *lines), C.DeclarationReply).declaration

    def move(self, declaration_id, action, reason=None, keys="admin"):
        return self.call("ChangeDeclarationStatus", C.ChangeDeclarationStatusRequest(
            id=declaration_id, action=action, reason=reason), keys=keys)

    def register(self, org, *lines):
        d = self.declare(org, *(lines or (line(),)))
        return decode(self.move(d.id, C.DECLARATION_ACTION_REGISTER), C.DeclarationReply).declaration

    def test_invalid_hs_codes_countries_and_quantities_are_refused_naming_the_line_field(self):
        for bad in ("99", "9999999", "770000", "000000", "98123456", "38220A", "38220012345"):
            reply = self.create(self.listed, line(), line(hs_code=bad))
            self.assertStatus(reply, Status.INVALID_ARGUMENT, "lines[1].hs_code")
        for good in ("382200", "0101210000", "9701210"):
            decode(self.create(self.listed, line(hs_code=good)), C.DeclarationReply)
        self.assertStatus(self.create(self.listed, line(origin_country="XX")), Status.INVALID_ARGUMENT,
                          "lines[0].origin_country")
        self.assertStatus(self.create(self.listed, line(origin_country="hk")), Status.INVALID_ARGUMENT,
                          "lines[0].origin_country")
        self.assertStatus(self.create(self.listed, line(quantity="0")), Status.INVALID_ARGUMENT, "lines[0].quantity")
        self.assertStatus(self.create(self.listed, line(currency="XYZ")), Status.INVALID_ARGUMENT, "lines[0].currency")
        self.assertStatus(self.create(self.listed), Status.INVALID_ARGUMENT, "lines")
        self.assertStatus(self.create(new_key(), line()), Status.NOT_FOUND, "organization_id")
        self.assertEqual(self.customs.db.query("SELECT count(*) FROM declaration_line WHERE hs_code = '770000'"), [(0,)])

    def test_a_declaration_holds_up_to_100_lines_stored_as_given(self):
        lines = [line(hs_code="9027%02d" % (i % 100), description="Line %d \"quoted\", 试剂" % i, quantity="2.5",
                      value_minor=i, biological_risk=(i == 7)) for i in range(100)]
        d = decode(self.create(self.listed, *lines), C.DeclarationReply).declaration
        got = self.ok("GetDeclaration", C.GetDeclarationRequest(id=d.id), C.DeclarationReply,
                      mutating=False).declaration
        self.assertEqual(len(got.lines), 100)
        self.assertEqual(got.lines[42].description, 'Line 42 "quoted", 试剂')
        self.assertEqual((got.lines[42].value_minor, got.lines[42].quantity, got.lines[42].category),
                         (42, "2.5", C.GOODS_CATEGORY_REAGENTS))
        self.assertEqual([l.biological_risk for l in got.lines].count(True), 1)
        self.assertTrue(got.lines[7].biological_risk)
        self.assertStatus(self.create(self.listed, *(lines + [line()])), Status.INVALID_ARGUMENT, "lines")

    def test_a_listed_organization_declaring_its_listed_categories_without_risk_goes_green(self):
        d = self.register(self.listed, line(), line(hs_code="902780", category=C.GOODS_CATEGORY_INSTRUMENTS))
        self.assertEqual((d.status, d.lane), (C.DECLARATION_STATUS_REGISTERED, C.LANE_GREEN))

    def test_anything_else_goes_yellow_or_red_by_the_rules(self):
        self.assertEqual(self.register(self.unlisted).lane, C.LANE_YELLOW)
        other_category = self.register(self.listed, line(category=C.GOODS_CATEGORY_SAMPLES))
        self.assertEqual(other_category.lane, C.LANE_YELLOW)
        self.assertIn("lines[0]", other_category.lane_reason)
        risky = self.register(self.listed, line(), line(biological_risk=True))
        self.assertEqual(risky.lane, C.LANE_RED)
        # Rules change at run time: consumables now always need a documents check.
        self.ok("SetLaneRule", C.SetLaneRuleRequest(rule=C.LaneRule(
            category=C.GOODS_CATEGORY_CONSUMABLES, biological_risk=False, lane=C.LANE_YELLOW)), C.LaneRuleReply)
        org = self.stack.org()
        decode(self.call("AddWhitelist", C.AddWhitelistRequest(
            organization_id=org, categories=[C.GOODS_CATEGORY_CONSUMABLES], valid_from="2026-01-01",
            valid_until="2030-01-01")), C.WhitelistReply)
        self.assertEqual(self.register(org, line(category=C.GOODS_CATEGORY_CONSUMABLES)).lane, C.LANE_YELLOW)

    def test_the_lifecycle_follows_the_table(self):
        d = self.declare(self.listed, line())
        self.assertStatus(self.move(d.id, C.DECLARATION_ACTION_RELEASE), Status.FAILED_PRECONDITION, "action")
        self.move(d.id, C.DECLARATION_ACTION_REGISTER)
        self.assertStatus(self.move(d.id, C.DECLARATION_ACTION_REGISTER), Status.FAILED_PRECONDITION, "action")
        self.assertStatus(self.move(d.id, C.DECLARATION_ACTION_HOLD), Status.INVALID_ARGUMENT, "reason")
        held = decode(self.move(d.id, C.DECLARATION_ACTION_HOLD, "papers missing"), C.DeclarationReply).declaration
        self.assertEqual(held.status, C.DECLARATION_STATUS_HELD)
        refused = decode(self.move(d.id, C.DECLARATION_ACTION_REFUSE, "no permit"), C.DeclarationReply).declaration
        self.assertEqual(refused.status, C.DECLARATION_STATUS_REFUSED)
        self.assertStatus(self.move(d.id, C.DECLARATION_ACTION_RELEASE), Status.FAILED_PRECONDITION, "action")
        ok = self.register(self.listed)
        self.move(ok.id, C.DECLARATION_ACTION_ASSESS)
        released = decode(self.move(ok.id, C.DECLARATION_ACTION_RELEASE), C.DeclarationReply).declaration
        self.assertEqual(released.status, C.DECLARATION_STATUS_RELEASED)
        self.assertEqual(self.customs.db.query("SELECT status FROM declaration WHERE id = %s", (d.id,)), [("refused",)])

    def test_an_officer_reroutes_with_a_reason(self):
        d = self.register(self.listed)
        self.assertStatus(self.call("RerouteDeclaration", C.RerouteDeclarationRequest(id=d.id, lane=C.LANE_RED)),
                          Status.INVALID_ARGUMENT, "reason")
        moved = self.ok("RerouteDeclaration", C.RerouteDeclarationRequest(id=d.id, lane=C.LANE_RED,
                                                                          reason="intelligence on the shipper"),
                        C.DeclarationReply).declaration
        self.assertEqual((moved.lane, moved.officer), (C.LANE_RED, "admin"))
        event = C.DeclarationEvent.FromString(self.wait_event(d.id, "customs.declaration.rerouted").payload)
        self.assertEqual((event.previous_lane, event.reason), (C.LANE_GREEN, "intelligence on the shipper"))

    def test_a_declarant_registers_its_own_declaration_and_nothing_else(self):
        mine = self.applicant(self.unlisted)
        d = decode(self.create(self.unlisted, line(), keys=mine), C.DeclarationReply).declaration
        self.assertStatus(self.create(self.listed, line(), keys=mine), Status.PERMISSION_DENIED, "organization_id")
        self.assertStatus(self.move(d.id, C.DECLARATION_ACTION_RELEASE, keys=mine), Status.PERMISSION_DENIED, "action")
        registered = decode(self.move(d.id, C.DECLARATION_ACTION_REGISTER, keys=mine), C.DeclarationReply).declaration
        self.assertEqual(registered.status, C.DECLARATION_STATUS_REGISTERED)
        other = self.declare(self.listed, line())
        self.assertStatus(self.call("GetDeclaration", C.GetDeclarationRequest(id=other.id), keys=mine, mutating=False),
                          Status.PERMISSION_DENIED)

    def test_a_revoked_or_expired_listing_cannot_claim_the_fast_track(self):
        decode(self.create(self.listed, line(), fast_track=True), C.DeclarationReply)
        self.assertStatus(self.create(self.listed, line(category=C.GOODS_CATEGORY_SAMPLES), fast_track=True),
                          Status.FAILED_PRECONDITION, "fast_track")
        org = self.stack.org()
        entry = decode(self.call("AddWhitelist", C.AddWhitelistRequest(
            organization_id=org, categories=[C.GOODS_CATEGORY_REAGENTS], valid_from="2026-01-01",
            valid_until="2030-01-01")), C.WhitelistReply).entry
        decode(self.call("RevokeWhitelist", C.RevokeWhitelistRequest(id=entry.id, reason="audit findings")),
               C.WhitelistReply)
        reply = self.create(org, line(), fast_track=True)
        self.assertStatus(reply, Status.FAILED_PRECONDITION, "fast_track")
        self.assertIn("revoked", reply.message)
        expired = self.stack.org()
        decode(self.call("AddWhitelist", C.AddWhitelistRequest(
            organization_id=expired, categories=[C.GOODS_CATEGORY_REAGENTS], valid_from="2020-01-01",
            valid_until="2021-01-01")), C.WhitelistReply)
        self.assertStatus(self.create(expired, line(), fast_track=True), Status.FAILED_PRECONDITION, "fast_track")
        # And its declarations are not green.
        self.assertEqual(self.register(expired).lane, C.LANE_YELLOW)

    def test_a_listed_organization_groups_a_months_declarations_once(self):
        org = self.stack.org()
        decode(self.call("AddWhitelist", C.AddWhitelistRequest(
            organization_id=org, categories=[C.GOODS_CATEGORY_REAGENTS], valid_from="2026-01-01",
            valid_until="2030-01-01")), C.WhitelistReply)
        ids = {self.register(org).id for _ in range(3)}
        self.declare(org, line())                  # stored, not registered: not grouped
        month = self.customs.db.query("SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')")[0][0]
        grouped = self.ok("GroupDeclarations", C.GroupDeclarationsRequest(organization_id=org, month=month),
                          C.CentralisedDeclarationReply).centralised
        self.assertEqual(set(grouped.declaration_ids), ids)
        again = self.call("GroupDeclarations", C.GroupDeclarationsRequest(organization_id=org, month=month))
        self.assertStatus(again, Status.ALREADY_EXISTS, "month")
        self.assertStatus(self.call("GroupDeclarations", C.GroupDeclarationsRequest(organization_id=self.unlisted,
                                                                                    month=month)),
                          Status.FAILED_PRECONDITION, "organization_id")
        self.assertStatus(self.call("GroupDeclarations", C.GroupDeclarationsRequest(organization_id=org,
                                                                                    month="2026-13")),
                          Status.INVALID_ARGUMENT, "month")


class Lanes(unittest.TestCase):
    def test_random_inspection_with_a_fixed_seed_is_reproducible(self):
        stack = CustomsStack(args=("--inspection-per-mille", "500"))
        try:
            org = stack.org()
            lanes = {}
            for _ in range(20):
                d = decode(stack.call("CreateDeclaration", C.CreateDeclarationRequest(
                    organization_id=org, lines=[line()])), C.DeclarationReply).declaration
                lanes[d.id] = decode(stack.call("ChangeDeclarationStatus", C.ChangeDeclarationStatusRequest(
                    id=d.id, action=C.DECLARATION_ACTION_REGISTER)), C.DeclarationReply).declaration.lane
            expected = {i: C.LANE_RED if draw(SEED, i) < 500 else C.LANE_YELLOW for i in lanes}
            self.assertEqual(lanes, expected)
            self.assertEqual(set(lanes.values()), {C.LANE_RED, C.LANE_YELLOW}, "20 draws at 50% all alike")
        finally:
            stack.close()


if __name__ == "__main__":
    unittest.main()
