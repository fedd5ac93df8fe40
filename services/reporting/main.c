/*  hetao-reporting - live park figures from every service's event stream  */

#include "routes.h"

int
main (int argc, char **argv)
{
    return ht_service_main (&reporting_service, argc, argv);
}
