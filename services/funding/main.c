/*  hetao-funding - programmes, calls, applications, reviews, awards and
    disbursements of research funding, on a double-entry ledger
*/

#include "routes.h"

int
main (int argc, char **argv)
{
    return ht_service_main (&funding_service, argc, argv);
}
