/*  hetao-customs - "precise assistance" cases, the research white list and
    research-goods declarations of the Hetao Shenzhen Park
*/

#include "routes.h"

int
main (int argc, char **argv)
{
    return ht_service_main (&customs_service, argc, argv);
}
