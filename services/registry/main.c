/*  hetao-registry - organizations, projects, parks and space, researchers,
    facilities and bookings of the Hetao Shenzhen Park
*/

#include "routes.h"

int
main (int argc, char **argv)
{
    return ht_service_main (&registry_service, argc, argv);
}
