"""reporting_stack - every stream reporting follows, and reporting following them.

A registry; funding and customs following it (FundingStack, CustomsStack);
hetao-reporting following all three with its own key admitted at each, as
deploy/dev runs them. Customs draws no random inspection here
(--inspection-per-mille 0), so a declaration's lane follows from the white
list and the lane rules alone and the figures can be computed by hand.
"""
from customs_stack import CustomsStack
from funding_stack import FundingStack
from harness import ALL_ROLES, Service, wait_applied_all


class ReportingStack:
    def __init__(self, reporting_args=(), workers=2):
        self.funding_stack = FundingStack(workers=2)
        self.registry, self.funding = self.funding_stack.registry, self.funding_stack.funding
        self.customs_stack = self.reporting = None
        try:
            self.customs_stack = CustomsStack(workers=2, registry=self.registry,
                                              args=("--inspection-per-mille", "0"))
            self.customs = self.customs_stack.customs
            self.reporting = Service("reporting", workers=workers, args=reporting_args, sources=self.sources())
        except BaseException:
            self.close()
            raise

    def sources(self):
        return {"registry": self.registry, "funding": self.funding, "customs": self.customs}

    def admit_operator(self, keys):
        """Admits `keys` (the registry's admin) at funding and customs too: one operator, as deploy/dev has."""
        self.funding.admit(keys, "operator", ALL_ROLES + ",reviewer")
        self.customs.admit(keys, "operator", ALL_ROLES)

    def env(self, base):
        """`base` with the HETAO_* settings hetaoctl needs for every service of the stack."""
        env = dict(base, HETAO_CERT=self.registry.admin.public_file)
        for name, service in list(self.sources().items()) + [("reporting", self.reporting)]:
            env.update({"HETAO_%s_ENDPOINT" % name.upper(): service.endpoint,
                        "HETAO_%s_EVENTS" % name.upper(): service.events_endpoint,
                        "HETAO_%s_SERVER_KEY" % name.upper(): service.server.public_file})
        return env

    def caught_up(self, seconds=60):
        """Waits until reporting has applied every event each source has committed
        so far; returns {stream: last sequence}."""
        return {name: wait_applied_all(self.reporting, service, name, seconds=seconds)
                for name, service in self.sources().items()}

    def close(self):
        if self.reporting is not None:
            self.reporting.close()
        if self.customs_stack is not None:
            self.customs_stack.close()
        self.funding_stack.close()
