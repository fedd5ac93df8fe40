/*  org - organizations: register, get, update, change status, list

    Translates between the wire (hetao.v1 messages) and the organization
    table. Every change writes the whole row back and emits an event that
    carries the organization as it is after the change.
*/

#include "org.h"
#include "org_rules.h"
#include "ht_enum.h"
#include "ht_row.h"
#include "ht_text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_CHARS    200
#define REASON_MAX_CHARS  500
#define SECTORS_MAX       10

//  Columns every query returns, in this order (see s_org_from_row).
#define ORG_COLUMNS \
    "id, kind, name_zh, name_en, region, registration_type, registration_id," \
    " array_to_string(sectors, ','), major_platform, status, status_reason, version" \
    ", " HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

const ht_query_t org_queries [] = {
    { "org_insert",
      "INSERT INTO organization (id, kind, name_zh, name_en, region, registration_type,"
      " registration_id, sectors, major_platform, status, version, created_at, updated_at)"
      " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, string_to_array($8, ','), $9::boolean,"
      " 'active', 1, " HT_SQL_FROM_US (10) ", " HT_SQL_FROM_US (10) ")" },
    { "org_get",
      "SELECT " ORG_COLUMNS " FROM organization WHERE id = $1::uuid" },
    { "org_get_for_update",
      "SELECT " ORG_COLUMNS " FROM organization WHERE id = $1::uuid FOR UPDATE" },
    { "org_store",
      "UPDATE organization SET kind = $2, name_zh = $3, name_en = $4,"
      " sectors = string_to_array($5, ','), major_platform = $6::boolean, status = $7,"
      " status_reason = $8, version = $9::bigint, updated_at = " HT_SQL_FROM_US (10)
      " WHERE id = $1::uuid" },
    { "org_list",
      "SELECT " ORG_COLUMNS " FROM organization"
      " WHERE ($1::text IS NULL OR kind = $1)"
      "   AND ($2::text IS NULL OR region = $2)"
      "   AND ($3::text IS NULL OR status = $3)"
      "   AND ($4::text IS NULL OR $4 = ANY (sectors))"
      "   AND ($5::boolean IS NULL OR major_platform = $5::boolean)"
      "   AND ($6::text IS NULL OR name_zh ILIKE $6 OR name_en ILIKE $6)"
      "   AND ($7::text IS NULL OR registration_id = $7"
      "        OR (registration_type = 'uscc' AND registration_id = upper($7)))"
      "   AND ($8::uuid IS NULL OR id > $8::uuid)"
      " ORDER BY id LIMIT $9::int" },
    //  FOR SHARE: a referenced organization cannot be withdrawn (its FOR UPDATE
    //  waits) until the referring change has committed. In id order, so that
    //  two changes referring to the same organizations lock them in one order.
    { "org_refer",
      "SELECT id::text, status FROM organization WHERE id = ANY ($1::uuid[]) ORDER BY id FOR SHARE" },
    { NULL, NULL }
};

const ht_constraint_t org_constraints [] = {
    { "organization_registration_id_key", HT_ALREADY_EXISTS, "registration_id",
      "an organization with this registration identifier is already registered" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire, text and rows

//  Sectors as the comma-separated keys the queries take.
static const char *
s_sectors_text (ht_call_t *call, const Hetao__V1__Sector *sectors, size_t count)
{
    char *text = ht_arena_alloc (ht_call_arena (call), count * 64 + 1);
    text [0] = 0;
    for (size_t i = 0; i < count; i++) {
        if (i)
            strcat (text, ",");
        char key [64];
        ht_enum_key (&hetao__v1__sector__descriptor, sectors [i], key, sizeof key);
        strcat (text, key);
    }
    return text;
}

static Hetao__V1__Organization *
s_org_from_row (ht_call_t *call, const PGresult *result, int row)
{
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__Organization *org = ht_arena_alloc (arena, sizeof *org);
    hetao__v1__organization__init (org);
    org->id = PQgetvalue (result, row, 0);
    org->has_kind = true;
    org->kind = ht_row_enum (&hetao__v1__organization_kind__descriptor, PQgetvalue (result, row, 1));
    org->name_zh = ht_row_text (result, row, 2);
    org->name_en = ht_row_text (result, row, 3);
    org->has_region = true;
    org->region = ht_row_enum (&hetao__v1__region__descriptor, PQgetvalue (result, row, 4));
    org->has_registration_type = true;
    org->registration_type = ht_row_enum (&hetao__v1__registration_type__descriptor, PQgetvalue (result, row, 5));
    org->registration_id = PQgetvalue (result, row, 6);
    char *sectors = ht_arena_strdup (arena, PQgetvalue (result, row, 7));
    org->sectors = ht_arena_alloc (arena, sizeof (Hetao__V1__Sector) * (strlen (sectors) / 2 + 1));
    for (char *save, *key = strtok_r (sectors, ",", &save); key; key = strtok_r (NULL, ",", &save))
        org->sectors [org->n_sectors++] = ht_row_enum (&hetao__v1__sector__descriptor, key);
    org->has_major_platform = true;
    org->major_platform = ht_row_bool (result, row, 8);
    org->has_status = true;
    org->status = ht_row_enum (&hetao__v1__organization_status__descriptor, PQgetvalue (result, row, 9));
    org->status_reason = ht_row_text (result, row, 10);
    org->has_version = org->has_created_at_us = org->has_updated_at_us = true;
    org->version = ht_row_int (result, row, 11);
    org->created_at_us = ht_row_int (result, row, 12);
    org->updated_at_us = ht_row_int (result, row, 13);
    return org;
}

static void
s_reply_org (ht_call_t *call, Hetao__V1__Organization *org)
{
    ht_row_reply (call, &hetao__v1__organization_reply__descriptor, &org->base);
}

static void
s_emit (ht_call_t *call, const char *type, Hetao__V1__Organization *org,
        Hetao__V1__OrganizationStatus previous)
{
    ht_row_emit (call, type, &hetao__v1__organization_event__descriptor, &org->base, (int) previous);
}

//  Loads the organization `id` (locked, in a mutating method); NULL when the
//  call failed or it does not exist (then the call is NOT_FOUND).
static Hetao__V1__Organization *
s_load (ht_call_t *call, const char *id, const char *query)
{
    PGresult *result = ht_call_query (call, query, HT_ARGS (id));
    if (!result)
        return NULL;
    if (PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, "id", "no organization has id %s", id);
        return NULL;
    }
    return s_org_from_row (call, result, 0);
}

//  ---------------------------------------------------------------------------
//  Checks

static void
s_check_sectors (ht_call_t *call, const char *field, const Hetao__V1__Sector *sectors, size_t count)
{
    if (count > SECTORS_MAX) {
        ht_call_violation (call, field, "at most %d sectors; %zu given", SECTORS_MAX, count);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        if (!ht_call_check_enum (call, field, true, sectors [i], &hetao__v1__sector__descriptor))
            return;
        for (size_t j = 0; j < i; j++)
            if (sectors [j] == sectors [i]) {
                ht_call_violation (call, field, "lists a sector twice");
                return;
            }
    }
}

//  An absent name is fine here; whether one remains is checked by the caller.
static void
s_check_name (ht_call_t *call, const char *field, const char *name)
{
    if (name)
        ht_call_check_text (call, field, name, 1, NAME_MAX_CHARS);
}

//  Loads the organization `id` locked for a change; NULL when the call
//  failed, it does not exist, or it is not at `expected` (when given).
static Hetao__V1__Organization *
s_lock (ht_call_t *call, const char *id, bool has_expected, int64_t expected)
{
    if (!ht_call_lock (call, "organization", id))
        return NULL;
    Hetao__V1__Organization *org = s_load (call, id, "org_get_for_update");
    if (org && has_expected && expected != org->version) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "expected_version",
                      "the organization is at version %lld, not %lld: read it again and retry",
                      (long long) org->version, (long long) expected);
        return NULL;
    }
    return org;
}

//  ---------------------------------------------------------------------------
//  Methods

void
org_register (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__RegisterOrganizationRequest *request = (const void *) message;
    ht_call_check_enum (call, "kind", request->has_kind, request->kind,
                        &hetao__v1__organization_kind__descriptor);
    if (!request->name_zh && !request->name_en)
        ht_call_violation (call, "name_en", "an organization needs a Chinese or an English name");
    s_check_name (call, "name_zh", request->name_zh);
    s_check_name (call, "name_en", request->name_en);
    bool region_ok = ht_call_check_enum (call, "region", request->has_region, request->region,
                                         &hetao__v1__region__descriptor);
    bool type_ok = ht_call_check_enum (call, "registration_type", request->has_registration_type,
                                       request->registration_type,
                                       &hetao__v1__registration_type__descriptor);
    char canonical [80], error [200];
    if (!request->registration_id)
        ht_call_violation (call, "registration_id", "is required");
    else
    if (type_ok && !org_registration_check (request->registration_type, request->registration_id,
                                            canonical, error, sizeof error))
        ht_call_violation (call, "registration_id", "%s", error);
    Hetao__V1__Region issuer = org_registration_region (request->registration_type);
    if (type_ok && region_ok && issuer && issuer != request->region)
        ht_call_violation (call, "region", "a %s identifier is issued in %s; region must be %s",
                           ht_row_key (call, &hetao__v1__registration_type__descriptor, request->registration_type),
                           ht_row_key (call, &hetao__v1__region__descriptor, issuer),
                           ht_row_key (call, &hetao__v1__region__descriptor, issuer));
    s_check_sectors (call, "sectors", request->sectors, request->n_sectors);
    if (ht_call_failed (call))
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__Organization org = HETAO__V1__ORGANIZATION__INIT;
    org.id = id;
    org.has_kind = org.has_region = org.has_registration_type = true;
    org.kind = request->kind;
    org.name_zh = request->name_zh;
    org.name_en = request->name_en;
    org.region = request->region;
    org.registration_type = request->registration_type;
    org.registration_id = canonical;
    org.n_sectors = request->n_sectors;
    org.sectors = request->sectors;
    org.has_major_platform = true;
    org.major_platform = request->has_major_platform && request->major_platform;
    org.has_status = true;
    org.status = HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_ACTIVE;
    org.has_version = org.has_created_at_us = org.has_updated_at_us = true;
    org.version = 1;
    org.created_at_us = org.updated_at_us = now;

    ht_call_write (call, "org_insert", HT_ARGS (
        id,
        ht_row_key (call, &hetao__v1__organization_kind__descriptor, org.kind),
        org.name_zh, org.name_en,
        ht_row_key (call, &hetao__v1__region__descriptor, org.region),
        ht_row_key (call, &hetao__v1__registration_type__descriptor, org.registration_type),
        org.registration_id,
        s_sectors_text (call, org.sectors, org.n_sectors),
        org.major_platform? "true": "false",
        ht_call_int (call, now)));
    s_emit (call, "registry.organization.registered", &org, 0);
    s_reply_org (call, &org);
}

void
org_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetOrganizationRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id) || !ht_call_acts_for (call, "id", request->id))
        return;
    Hetao__V1__Organization *org = s_load (call, request->id, "org_get");
    if (org)
        s_reply_org (call, org);
}

//  Writes `org` back with the next version and emits `event`.
static void
s_store (ht_call_t *call, Hetao__V1__Organization *org, const char *event,
         Hetao__V1__OrganizationStatus previous)
{
    org->version++;
    org->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "org_store", HT_ARGS (
        org->id,
        ht_row_key (call, &hetao__v1__organization_kind__descriptor, org->kind),
        org->name_zh, org->name_en,
        s_sectors_text (call, org->sectors, org->n_sectors),
        org->major_platform? "true": "false",
        ht_row_key (call, &hetao__v1__organization_status__descriptor, org->status),
        org->status_reason,
        ht_call_int (call, org->version),
        ht_call_int (call, org->updated_at_us)));
    s_emit (call, event, org, previous);
    s_reply_org (call, org);
}

void
org_update (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__UpdateOrganizationRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (request->has_kind)
        ht_call_check_enum (call, "kind", true, request->kind, &hetao__v1__organization_kind__descriptor);
    //  An empty name clears it.
    if (request->name_zh && *request->name_zh)
        s_check_name (call, "name_zh", request->name_zh);
    if (request->name_en && *request->name_en)
        s_check_name (call, "name_en", request->name_en);
    if (request->sectors)
        s_check_sectors (call, "sectors.sectors", request->sectors->sectors, request->sectors->n_sectors);
    if (!request->has_kind && !request->name_zh && !request->name_en && !request->sectors
    &&  !request->has_major_platform)
        //  The request as a whole is at fault, not any one field of it.
        ht_call_fail (call, HT_INVALID_ARGUMENT, NULL, "the update changes nothing: set kind, "
                      "name_zh, name_en, sectors or major_platform");
    if (ht_call_failed (call))
        return;

    Hetao__V1__Organization *org = s_lock (call, request->id, request->has_expected_version,
                                           request->expected_version);
    if (!org)
        return;
    if (org->status == HETAO__V1__ORGANIZATION_STATUS__ORGANIZATION_STATUS_WITHDRAWN)
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the organization is withdrawn and can no "
                      "longer change");
    if (request->has_kind)
        org->kind = request->kind;
    if (request->name_zh)
        org->name_zh = *request->name_zh? request->name_zh: NULL;
    if (request->name_en)
        org->name_en = *request->name_en? request->name_en: NULL;
    if (!org->name_zh && !org->name_en)
        ht_call_violation (call, "name_en", "an organization needs a Chinese or an English name");
    if (request->sectors) {
        org->sectors = request->sectors->sectors;
        org->n_sectors = request->sectors->n_sectors;
    }
    if (request->has_major_platform)
        org->major_platform = request->major_platform;
    if (!ht_call_failed (call))
        s_store (call, org, "registry.organization.updated", 0);
}

void
org_set_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetOrganizationStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_enum (call, "status", request->has_status, request->status,
                        &hetao__v1__organization_status__descriptor);
    if (org_status_needs_reason (request->status))
        ht_call_check_text (call, "reason", request->reason, 1, REASON_MAX_CHARS);
    else
    if (request->reason)
        ht_call_check_text (call, "reason", request->reason, 0, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;

    Hetao__V1__Organization *org = s_lock (call, request->id, request->has_expected_version,
                                           request->expected_version);
    if (!org)
        return;
    if (!ht_lifecycle_check (call, &hetao__v1__organization_status__descriptor, "organization",
                             org_transitions, org_transitions_count, org->status, request->status))
        return;
    Hetao__V1__OrganizationStatus previous = org->status;
    org->status = request->status;
    org->status_reason = request->reason && *request->reason? request->reason: NULL;
    s_store (call, org, "registry.organization.status_changed", previous);
}

void
org_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListOrganizationsRequest *request = (const void *) message;
    if (request->has_kind)
        ht_call_check_enum (call, "kind", true, request->kind, &hetao__v1__organization_kind__descriptor);
    if (request->has_region)
        ht_call_check_enum (call, "region", true, request->region, &hetao__v1__region__descriptor);
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status, &hetao__v1__organization_status__descriptor);
    if (request->has_sector)
        ht_call_check_enum (call, "sector", true, request->sector, &hetao__v1__sector__descriptor);
    if (request->name_contains)
        ht_call_check_text (call, "name_contains", request->name_contains, 1, NAME_MAX_CHARS);
    if (request->registration_id)
        ht_call_check_text (call, "registration_id", request->registration_id, 1, 64);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    if (ht_call_failed (call))
        return;

    PGresult *result = ht_call_query (call, "org_list", HT_ARGS (
        request->has_kind? ht_row_key (call, &hetao__v1__organization_kind__descriptor, request->kind): NULL,
        request->has_region? ht_row_key (call, &hetao__v1__region__descriptor, request->region): NULL,
        request->has_status? ht_row_key (call, &hetao__v1__organization_status__descriptor, request->status): NULL,
        request->has_sector? ht_row_key (call, &hetao__v1__sector__descriptor, request->sector): NULL,
        request->has_major_platform? (request->major_platform? "true": "false"): NULL,
        request->name_contains? ht_row_contains (call, request->name_contains): NULL,
        request->registration_id,
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    Hetao__V1__ListOrganizationsReply reply = HETAO__V1__LIST_ORGANIZATIONS_REPLY__INIT;
    reply.organizations = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.organizations [reply.n_organizations++] = s_org_from_row (call, result, row);
    if (more)
        reply.next_page_token = reply.organizations [rows - 1]->id;
    ht_call_reply (call, &reply.base);
}

//  ---------------------------------------------------------------------------
//  References from other entities

bool
org_refer (ht_call_t *call, size_t count, const char *const *ids, const char *const *fields)
{
    ht_arena_t *arena = ht_call_arena (call);
    char *array = ht_arena_alloc (arena, count * 37 + 3);
    strcpy (array, "{");
    for (size_t i = 0; i < count; i++) {
        if (i)
            strcat (array, ",");
        strcat (array, ids [i]);
    }
    strcat (array, "}");
    PGresult *result = ht_call_query (call, "org_refer", HT_ARGS (array));
    if (!result)
        return false;
    for (size_t i = 0; i < count; i++) {
        int row = 0;
        while (row < PQntuples (result) && strcasecmp (PQgetvalue (result, row, 0), ids [i]))
            row++;
        if (row == PQntuples (result)) {
            ht_call_fail (call, HT_NOT_FOUND, fields [i], "no organization has id %s", ids [i]);
            return false;
        }
        if (!strcmp (PQgetvalue (result, row, 1), "withdrawn")) {
            ht_call_fail (call, HT_FAILED_PRECONDITION, fields [i],
                          "organization %s is withdrawn", ids [i]);
            return false;
        }
    }
    return true;
}
