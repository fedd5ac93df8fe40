"""Smoke: a registered organization can be read back and its event replayed."""
import unittest

from harness import ServiceTest, decode, read_events, registry_pb2, wait_for


class Smoke(ServiceTest):
    def test_register_then_get_returns_the_same_names_and_one_event(self):
        org = decode(self.register(1), registry_pb2.OrganizationReply).organization
        got = decode(self.svc.call("registry.GetOrganization", registry_pb2.GetOrganizationRequest(id=org.id)),
                     registry_pb2.OrganizationReply).organization
        self.assertEqual(got.name_en, "Hetao Lab 1")
        self.assertEqual(got.name_zh, "河套实验室1")
        events = wait_for(lambda: read_events(self.svc))   # the relay numbers events just after commit
        self.assertEqual([e.sequence for e in events], [1])
        self.assertEqual(events[0].type, "registry.organization.registered")
        self.assertEqual(events[0].aggregate_id, org.id)


if __name__ == "__main__":
    unittest.main()
