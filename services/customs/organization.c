/*  organization - what customs knows of the registry's organizations

    Asks the registry directly (registry.GetOrganization) with this
    service's own key, within a short deadline, before the handler touches
    the database. The shared local projection of the registry replaces this
    body when it is available; callers do not change.
*/

#include "organization.h"
#include "settings.h"
#include "ht_client.h"
#include "hetao/v1/registry.pb-c.h"

#define S_DEADLINE_MS 2000

bool
organization_check (ht_call_t *call, const char *field, const char *id)
{
    if (!ht_call_check_uuid (call, field, id))
        return false;
    char server_key [41] = "";
    if (!customs_registry_server_key ()
    ||  !ht_client_server_key (customs_registry_server_key (), server_key)) {
        ht_call_fail (call, HT_UNAVAILABLE, field, "the registry cannot be asked about organization %s: "
                      "this service has no --registry-server-key", id);
        return false;
    }
    ht_client_options_t options = {
        .deadline_ms = S_DEADLINE_MS, .attempts = 2,
        .cert = customs_registry_cert (), .server_key = server_key
    };
    ht_client_t *client = ht_client_new (customs_registry_endpoint (), &options);
    if (!client) {
        ht_call_fail (call, HT_UNAVAILABLE, field, "the registry cannot be asked about organization %s: "
                      "--registry-cert cannot be loaded", id);
        return false;
    }
    Hetao__V1__GetOrganizationRequest request = HETAO__V1__GET_ORGANIZATION_REQUEST__INIT;
    request.id = (char *) id;
    Hetao__V1__Reply *reply = ht_client_call (client, "registry.GetOrganization", NULL, &request.base);
    ht_client_destroy (&client);
    bool ok = false;
    if ((int) reply->status == HT_NOT_FOUND)
        ht_call_fail (call, HT_NOT_FOUND, field, "no organization of the registry has id %s", id);
    else
    if ((int) reply->status != HT_OK)
        ht_call_fail (call, HT_UNAVAILABLE, field, "the registry could not say whether organization %s "
                      "exists (%s): retry later", id, ht_status_name (reply->status));
    else {
        Hetao__V1__OrganizationReply *found = hetao__v1__organization_reply__unpack (
            NULL, reply->payload.len, reply->payload.data);
        if (!found || !found->organization)
            ht_call_fail (call, HT_UNAVAILABLE, field, "the registry's answer about %s was unreadable", id);
        else
        if (found->organization->status == HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_WITHDRAWN)
            ht_call_fail (call, HT_FAILED_PRECONDITION, field, "organization %s is withdrawn from the "
                          "registry", id);
        else
            ok = true;
        if (found)
            hetao__v1__organization_reply__free_unpacked (found, NULL);
    }
    hetao__v1__reply__free_unpacked (reply, NULL);
    return ok;
}
