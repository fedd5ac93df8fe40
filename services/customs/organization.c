/*  organization - what customs knows of the registry's organizations

    Through the shared registry projection (ht_regview): the local copy fed
    by the registry's stream, and a direct ask of the registry on a miss.
*/

#include "organization.h"
#include "ht_regview.h"

bool
organization_check (ht_call_t *call, const char *field, const char *id)
{
    ht_regview_org_t org;
    return ht_regview_organization_usable (call, field, id, &org);
}
