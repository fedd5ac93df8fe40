"""facility_fixtures - organizations, researchers, facilities, instruments and
access requests made through the real service, for the tests of facilities
and access (test_facilities.py, test_security.py)."""
import datetime

from harness import decode, new_key, org_request, registry_pb2

R = registry_pb2
HOUR_US = 3600 * 1000000


def us(text):
    """Microseconds since the epoch of an ISO 8601 time such as 2027-03-01T08:00:00Z."""
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()) * 1000000


def organization(svc, n, **overrides):
    return decode(svc.call("registry.RegisterOrganization", org_request(n, **overrides), key=new_key()),
                  R.OrganizationReply).organization


def researcher(svc, organization_id, region="hong_kong", status="active", name="Chan Tai Man"):
    """The id of a new researcher affiliated with `organization_id`, living in `region` (a key)."""
    person = decode(svc.call("registry.RegisterResearcher", R.RegisterResearcherRequest(
        name=name, region=R.Region.Value("REGION_" + region.upper()), organization_id=organization_id),
        key=new_key()), R.ResearcherReply).researcher
    if status != "active":
        decode(svc.call("registry.SetResearcherStatus", R.SetResearcherStatusRequest(
            id=person.id, status=R.ResearcherStatus.Value("RESEARCHER_STATUS_" + status.upper()),
            reason="left the park"), key=new_key()), R.ResearcherReply)
    return person.id


def facility(svc, operator_id, name="China Spallation Neutron Source"):
    return decode(svc.call("registry.RegisterFacility",
                           R.RegisterFacilityRequest(name=name, operator_organization_id=operator_id),
                           key=new_key()), R.FacilityReply).facility


def instrument(svc, facility_id, name="General Purpose Powder Diffractometer"):
    return decode(svc.call("registry.AddInstrument", R.AddInstrumentRequest(facility_id=facility_id, name=name),
                           key=new_key()), R.InstrumentReply).instrument


def access_request(svc, researcher_id, instrument_id, hours=24, purpose="Battery cathode structure", keys="admin"):
    return decode(svc.call("registry.CreateAccessRequest",
                           R.CreateAccessRequestRequest(researcher_id=researcher_id, instrument_id=instrument_id,
                                                        hours=hours, purpose=purpose),
                           key=new_key(), keys=keys), R.AccessRequestReply).access_request


def act(svc, method, access_id, keys="admin", **fields):
    """Sends registry.<method> (Submit/Approve/Reject/Complete/CancelAccessRequest); returns the Reply."""
    return svc.call("registry." + method, R.AccessRequestActionRequest(id=access_id, **fields),
                    key=new_key(), keys=keys)


def approved(svc, researcher_id, instrument_id, hours=24):
    """A request submitted and approved for `hours`, ready to schedule."""
    access = access_request(svc, researcher_id, instrument_id, hours=hours)
    for method in ("SubmitAccessRequest", "ApproveAccessRequest"):
        decode(act(svc, method, access.id), R.AccessRequestReply)
    return access


def schedule(svc, access_id, from_us, until_us, key=None, keys="admin", timeout=5.0):
    return svc.call("registry.ScheduleAccessRequest",
                    R.ScheduleAccessRequestRequest(id=access_id, from_us=from_us, until_us=until_us),
                    key=key or new_key(), keys=keys, timeout=timeout)
