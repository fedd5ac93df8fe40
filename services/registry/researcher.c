/*  researcher - researchers: register, get, update, change status, list

    Translates between the wire (hetao.v1 Researcher messages) and the
    researcher table. Only what the workflows need is kept: name, region of
    residence, affiliation and ORCID iD; no identity-document numbers. Every
    change writes the whole row back and emits an event that carries the
    researcher as it is after the change.
*/

#include "researcher.h"
#include "researcher_rules.h"
#include "org.h"
#include "ht_row.h"
#include "ht_text.h"

#include <string.h>

#define NAME_MAX_CHARS    200
#define REASON_MAX_CHARS  500

//  Columns every query returns, in this order (see s_researcher_from_row).
#define RESEARCHER_COLUMNS \
    "id, name, region, organization_id, orcid, status, status_reason, version," \
    " " HT_SQL_US ("created_at") ", " HT_SQL_US ("updated_at")

const ht_query_t researcher_queries [] = {
    { "researcher_insert",
      "INSERT INTO researcher (id, name, region, organization_id, orcid, status, version,"
      " created_at, updated_at)"
      " VALUES ($1::uuid, $2, $3, $4::uuid, $5, 'active', 1,"
      " " HT_SQL_FROM_US (6) ", " HT_SQL_FROM_US (6) ")" },
    { "researcher_get",
      "SELECT " RESEARCHER_COLUMNS " FROM researcher WHERE id = $1::uuid" },
    { "researcher_get_for_update",
      "SELECT " RESEARCHER_COLUMNS " FROM researcher WHERE id = $1::uuid FOR UPDATE" },
    { "researcher_store",
      "UPDATE researcher SET name = $2, region = $3, organization_id = $4::uuid, orcid = $5,"
      " status = $6, status_reason = $7, version = $8::bigint, updated_at = " HT_SQL_FROM_US (9)
      " WHERE id = $1::uuid" },
    { "researcher_list",
      "SELECT " RESEARCHER_COLUMNS " FROM researcher"
      " WHERE ($1::text IS NULL OR region = $1)"
      "   AND ($2::uuid IS NULL OR organization_id = $2::uuid)"
      "   AND ($3::text IS NULL OR status = $3)"
      "   AND ($4::text IS NULL OR name ILIKE $4)"
      "   AND ($5::uuid IS NULL OR id > $5::uuid)"
      " ORDER BY id LIMIT $6::int" },
    { NULL, NULL }
};

const ht_constraint_t researcher_constraints [] = {
    { "researcher_orcid_key", HT_ALREADY_EXISTS, "orcid",
      "a researcher with this ORCID iD is already registered" },
    { "researcher_organization_id_fkey", HT_NOT_FOUND, "organization_id",
      "the affiliation is not a registered organization" },
    { NULL }
};

//  ---------------------------------------------------------------------------
//  Between wire, text and rows

static Hetao__V1__Researcher *
s_researcher_from_row (ht_call_t *call, const PGresult *result, int row)
{
    Hetao__V1__Researcher *researcher = ht_arena_alloc (ht_call_arena (call), sizeof *researcher);
    hetao__v1__researcher__init (researcher);
    researcher->id = PQgetvalue (result, row, 0);
    researcher->name = PQgetvalue (result, row, 1);
    researcher->has_region = researcher->has_status = true;
    researcher->region = ht_row_enum (&hetao__v1__region__descriptor, PQgetvalue (result, row, 2));
    researcher->organization_id = PQgetvalue (result, row, 3);
    researcher->orcid = ht_row_text (result, row, 4);
    researcher->status = ht_row_enum (&hetao__v1__researcher_status__descriptor, PQgetvalue (result, row, 5));
    researcher->status_reason = ht_row_text (result, row, 6);
    researcher->has_version = researcher->has_created_at_us = researcher->has_updated_at_us = true;
    researcher->version = ht_row_int (result, row, 7);
    researcher->created_at_us = ht_row_int (result, row, 8);
    researcher->updated_at_us = ht_row_int (result, row, 9);
    return researcher;
}

static void
s_reply_researcher (ht_call_t *call, Hetao__V1__Researcher *researcher)
{
    ht_row_reply (call, &hetao__v1__researcher_reply__descriptor, &researcher->base);
}

static void
s_emit (ht_call_t *call, const char *type, Hetao__V1__Researcher *researcher,
        Hetao__V1__ResearcherStatus previous)
{
    ht_row_emit (call, type, &hetao__v1__researcher_event__descriptor, &researcher->base, (int) previous);
}

//  ---------------------------------------------------------------------------
//  Checks

//  The canonical form of `orcid` in the call's arena; NULL after recording a
//  violation.
static const char *
s_check_orcid (ht_call_t *call, const char *orcid)
{
    char canonical [20], error [160];
    if (!ht_call_check_text (call, "orcid", orcid, 1, 19))
        return NULL;
    if (!researcher_orcid_check (orcid, canonical, error, sizeof error)) {
        ht_call_violation (call, "orcid", "%s", error);
        return NULL;
    }
    return ht_arena_strdup (ht_call_arena (call), canonical);
}

//  Loads the researcher `id`; NULL when the call failed or it does not
//  exist (then the call is NOT_FOUND naming id).
static Hetao__V1__Researcher *
s_load (ht_call_t *call, const char *id, const char *query)
{
    PGresult *result = ht_row_find (call, query, "researcher", id);
    return result? s_researcher_from_row (call, result, 0): NULL;
}

//  Loads the researcher `id` locked for a change; NULL when the call failed,
//  it does not exist, or it is not at `expected` (when given).
static Hetao__V1__Researcher *
s_lock (ht_call_t *call, const char *id, bool has_expected, int64_t expected)
{
    if (!ht_call_lock (call, "researcher", id))
        return NULL;
    Hetao__V1__Researcher *researcher = s_load (call, id, "researcher_get_for_update");
    if (researcher && !ht_row_check_version (call, "researcher", researcher->version, has_expected, expected))
        return NULL;
    return researcher;
}

//  ---------------------------------------------------------------------------
//  Methods

void
researcher_register (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__RegisterResearcherRequest *request = (const void *) message;
    ht_call_check_text (call, "name", request->name, 1, NAME_MAX_CHARS);
    ht_call_check_enum (call, "region", request->has_region, request->region, &hetao__v1__region__descriptor);
    ht_call_check_uuid (call, "organization_id", request->organization_id);
    const char *orcid = request->orcid? s_check_orcid (call, request->orcid): NULL;
    if (ht_call_failed (call))
        return;
    const char *organization_id = ht_row_uuid (call, request->organization_id);
    const char *field = "organization_id";
    if (!org_refer (call, 1, &organization_id, &field))
        return;

    char id [37];
    ht_uuid_v7 (id);
    int64_t now = ht_call_now_us (call);
    Hetao__V1__Researcher researcher = HETAO__V1__RESEARCHER__INIT;
    researcher.id = id;
    researcher.name = request->name;
    researcher.has_region = researcher.has_status = true;
    researcher.region = request->region;
    researcher.organization_id = (char *) organization_id;
    researcher.orcid = (char *) orcid;
    researcher.status = HETAO__V1__RESEARCHER_STATUS__RESEARCHER_STATUS_ACTIVE;
    researcher.has_version = researcher.has_created_at_us = researcher.has_updated_at_us = true;
    researcher.version = 1;
    researcher.created_at_us = researcher.updated_at_us = now;

    ht_call_write (call, "researcher_insert", HT_ARGS (
        id, researcher.name, ht_row_key (call, &hetao__v1__region__descriptor, researcher.region),
        researcher.organization_id, researcher.orcid, ht_call_int (call, now)));
    s_emit (call, "registry.researcher.registered", &researcher, 0);
    s_reply_researcher (call, &researcher);
}

void
researcher_get (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__GetResearcherRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "id", request->id))
        return;
    Hetao__V1__Researcher *researcher = s_load (call, request->id, "researcher_get");
    //  An applicant sees the researchers of its own organization.
    if (researcher && ht_call_acts_for (call, "id", researcher->organization_id))
        s_reply_researcher (call, researcher);
}

//  Writes `researcher` back with the next version and emits `event`.
static void
s_store (ht_call_t *call, Hetao__V1__Researcher *researcher, const char *event,
         Hetao__V1__ResearcherStatus previous)
{
    researcher->version++;
    researcher->updated_at_us = ht_call_now_us (call);
    ht_call_write (call, "researcher_store", HT_ARGS (
        researcher->id, researcher->name,
        ht_row_key (call, &hetao__v1__region__descriptor, researcher->region),
        researcher->organization_id, researcher->orcid,
        ht_row_key (call, &hetao__v1__researcher_status__descriptor, researcher->status),
        researcher->status_reason,
        ht_call_int (call, researcher->version),
        ht_call_int (call, researcher->updated_at_us)));
    s_emit (call, event, researcher, previous);
    s_reply_researcher (call, researcher);
}

void
researcher_update (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__UpdateResearcherRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    if (request->name)
        ht_call_check_text (call, "name", request->name, 1, NAME_MAX_CHARS);
    if (request->has_region)
        ht_call_check_enum (call, "region", true, request->region, &hetao__v1__region__descriptor);
    if (request->organization_id)
        ht_call_check_uuid (call, "organization_id", request->organization_id);
    //  An empty orcid clears it.
    const char *orcid = request->orcid && *request->orcid? s_check_orcid (call, request->orcid): NULL;
    if (!request->name && !request->has_region && !request->organization_id && !request->orcid)
        ht_call_violation (call, "id", "the update changes nothing: set name, region, organization_id "
                           "or orcid");
    if (ht_call_failed (call))
        return;

    Hetao__V1__Researcher *researcher = s_lock (call, request->id, request->has_expected_version,
                                                request->expected_version);
    if (!researcher)
        return;
    if (request->organization_id && strcasecmp (request->organization_id, researcher->organization_id)) {
        const char *organization_id = ht_row_uuid (call, request->organization_id);
        const char *field = "organization_id";
        if (!org_refer (call, 1, &organization_id, &field))
            return;
        researcher->organization_id = (char *) organization_id;
    }
    if (request->name)
        researcher->name = request->name;
    if (request->has_region)
        researcher->region = request->region;
    if (request->orcid)
        researcher->orcid = (char *) orcid;
    s_store (call, researcher, "registry.researcher.updated", 0);
}

void
researcher_set_status (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__SetResearcherStatusRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_enum (call, "status", request->has_status, request->status,
                        &hetao__v1__researcher_status__descriptor);
    if (request->reason)
        ht_call_check_text (call, "reason", request->reason, 1, REASON_MAX_CHARS);
    if (ht_call_failed (call))
        return;

    Hetao__V1__Researcher *researcher = s_lock (call, request->id, request->has_expected_version,
                                                request->expected_version);
    if (!researcher)
        return;
    if (!ht_lifecycle_check (call, &hetao__v1__researcher_status__descriptor, "researcher",
                             researcher_transitions, researcher_transitions_count,
                             researcher->status, request->status))
        return;
    Hetao__V1__ResearcherStatus previous = researcher->status;
    researcher->status = request->status;
    researcher->status_reason = request->reason;
    s_store (call, researcher, "registry.researcher.status_changed", previous);
}

void
researcher_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListResearchersRequest *request = (const void *) message;
    if (request->has_region)
        ht_call_check_enum (call, "region", true, request->region, &hetao__v1__region__descriptor);
    if (request->organization_id)
        ht_call_check_uuid (call, "organization_id", request->organization_id);
    if (request->has_status)
        ht_call_check_enum (call, "status", true, request->status, &hetao__v1__researcher_status__descriptor);
    if (request->name_contains)
        ht_call_check_text (call, "name_contains", request->name_contains, 1, NAME_MAX_CHARS);
    uint32_t page_size = ht_row_page_size (call, request->has_page_size, request->page_size,
                                           request->page_token);
    //  An applicant lists the researchers of its own organization only.
    if (ht_call_failed (call) || !ht_call_acts_for (call, "organization_id", request->organization_id))
        return;

    PGresult *result = ht_call_query (call, "researcher_list", HT_ARGS (
        request->has_region? ht_row_key (call, &hetao__v1__region__descriptor, request->region): NULL,
        request->organization_id,
        request->has_status? ht_row_key (call, &hetao__v1__researcher_status__descriptor, request->status): NULL,
        request->name_contains? ht_row_contains (call, request->name_contains): NULL,
        request->page_token,
        ht_call_int (call, page_size + 1)));
    if (!result)
        return;
    bool more;
    int rows = ht_row_page_rows (result, page_size, &more);
    Hetao__V1__ListResearchersReply reply = HETAO__V1__LIST_RESEARCHERS_REPLY__INIT;
    reply.researchers = ht_arena_alloc (ht_call_arena (call), sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++)
        reply.researchers [reply.n_researchers++] = s_researcher_from_row (call, result, row);
    if (more)
        reply.next_page_token = reply.researchers [rows - 1]->id;
    ht_call_reply (call, &reply.base);
}
