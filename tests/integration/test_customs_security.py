"""Every customs method with every role, checked against the table in docs/security.md."""
import unittest

from customs_stack import CustomsStack, Status, customs_pb2, decode, new_key
from test_security import ROLES, check_row, role_table

C = customs_pb2


class CustomsRoles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = CustomsStack(workers=2)
        cls.own_org, cls.other_org = cls.stack.org(), cls.stack.org()
        customs = cls.stack.customs
        cls.keys = {role: customs.add_principal("only-" + role.replace("_", "-"), role,
                                                organization=cls.own_org if role == "applicant" else None)
                    for role in ROLES}
        cls.case, cls.declaration = {}, {}
        for org in (cls.own_org, cls.other_org):
            cls.case[org] = decode(cls.stack.call("OpenCase", C.OpenCaseRequest(
                organization_id=org, category=C.CASE_CATEGORY_OTHER, priority=C.CASE_PRIORITY_LOW,
                description="matrix")), C.CaseReply).assistance_case.id
            cls.declaration[org] = decode(cls.stack.call("CreateDeclaration", C.CreateDeclarationRequest(
                organization_id=org, lines=[C.DeclarationLine(
                    hs_code="382200", description="reagents", quantity="1", unit="kg", value_minor=100,
                    currency="CNY", origin_country="HK", category=C.GOODS_CATEGORY_REAGENTS)])),
                C.DeclarationReply).declaration.id

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def payload_for(self, method, org):
        case, declaration = self.case[org], self.declaration[org]
        return {
            "OpenCase": C.OpenCaseRequest(organization_id=org, category=C.CASE_CATEGORY_OTHER,
                                          priority=C.CASE_PRIORITY_LOW, description="matrix"),
            "GetCase": C.GetCaseRequest(id=case),
            "ListCases": C.ListCasesRequest(organization_id=org),
            "ChangeCaseStatus": C.ChangeCaseStatusRequest(id=case, action=C.CASE_ACTION_CLOSE),
            "ReassignCase": C.ReassignCaseRequest(id=case, officer="goods.desk", reason="matrix"),
            "AddCaseNote": C.AddCaseNoteRequest(case_id=case, text="matrix"),
            "ListCaseNotes": C.ListCaseNotesRequest(case_id=case),
            "CaseStats": C.CaseStatsRequest(),
            "SetOfficer": C.SetOfficerRequest(officer=C.Officer(id="matrix.officer", name="M", team="matrix")),
            "SetRoutingRule": C.SetRoutingRuleRequest(rule=C.RoutingRule(category=C.CASE_CATEGORY_OTHER,
                                                                         officer="duty.desk")),
            "ListRouting": C.ListRoutingRequest(),
            "AddWhitelist": C.AddWhitelistRequest(organization_id=org, categories=[C.GOODS_CATEGORY_REAGENTS],
                                                  valid_from="2026-01-01", valid_until="2027-01-01"),
            "RevokeWhitelist": C.RevokeWhitelistRequest(id=new_key(), reason="matrix"),
            "CheckWhitelist": C.CheckWhitelistRequest(organization_id=org, category=C.GOODS_CATEGORY_REAGENTS),
            "CreateDeclaration": C.CreateDeclarationRequest(organization_id=org, lines=[C.DeclarationLine(
                hs_code="382200", description="reagents", quantity="1", unit="kg", value_minor=100,
                currency="CNY", origin_country="HK", category=C.GOODS_CATEGORY_REAGENTS)]),
            "GetDeclaration": C.GetDeclarationRequest(id=declaration),
            "ChangeDeclarationStatus": C.ChangeDeclarationStatusRequest(id=declaration,
                                                                        action=C.DECLARATION_ACTION_REGISTER),
            "RerouteDeclaration": C.RerouteDeclarationRequest(id=declaration, lane=C.LANE_RED, reason="matrix"),
            "SetLaneRule": C.SetLaneRuleRequest(rule=C.LaneRule(category=C.GOODS_CATEGORY_SAMPLES,
                                                                biological_risk=False, lane=C.LANE_YELLOW)),
            "GroupDeclarations": C.GroupDeclarationsRequest(organization_id=org, month="2026-11"),
        }[method.split(".", 1)[1]]

    def test_every_customs_method_with_every_role_matches_the_documented_table(self):
        table = role_table(services=("customs",))
        self.assertEqual(len(table), 20, "docs/security.md lists %d customs methods" % len(table))
        for method, row in table.items():
            check_row(self, method, row, lambda role, org: self.stack.call(
                method.split(".", 1)[1], self.payload_for(method, org), keys=self.keys[role]),
                self.own_org, self.other_org)

    def test_an_unknown_customs_method_is_unimplemented(self):
        reply = self.stack.call("NoSuchMethod", C.GetCaseRequest(id=new_key()))
        self.assertEqual(reply.status, Status.UNIMPLEMENTED)


if __name__ == "__main__":
    unittest.main()
