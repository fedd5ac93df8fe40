/*  whitelist - research institutions whose goods clear on the fast track

    One active entry per organization (a partial unique index), with the
    goods categories it may fast-track and a validity period. Revoking an
    entry records the reason and bars a new listing for two years. A lookup
    answers for any date: an entry counts on a date inside its period,
    unless it was revoked on or before that date.
*/

#include "whitelist.h"
#include "organization.h"
#include "settings.h"
#include "wire.h"
#include "ht_text.h"

#include <string.h>

#define REASON_MAX_CHARS 500
#define CATEGORIES_MAX   5

#define ENTRY_COLUMNS \
    "id, organization_id, array_to_string(categories, ','), valid_from::text, valid_until::text, status," \
    " revoked_reason, " HT_SQL_US ("revoked_at") ", relist_barred_until::text, " HT_SQL_US ("created_at")

const ht_query_t whitelist_queries [] = {
    { "whitelist_insert",
      "INSERT INTO whitelist_entry (id, organization_id, categories, valid_from, valid_until, status, created_at)"
      " VALUES ($1::uuid, $2::uuid, string_to_array($3, ','), $4::date, $5::date, 'active', "
      HT_SQL_FROM_US (6) ")" },
    //  An active entry whose period ended gives way to a new listing.
    { "whitelist_expire",
      "UPDATE whitelist_entry SET status = 'expired'"
      " WHERE organization_id = $1::uuid AND status = 'active' AND valid_until <= " US_TO_DATE (2) },
    { "whitelist_bar",
      "SELECT relist_barred_until::text, revoked_reason FROM whitelist_entry"
      " WHERE organization_id = $1::uuid AND status = 'revoked' AND relist_barred_until > " US_TO_DATE (2)
      " ORDER BY relist_barred_until DESC LIMIT 1" },
    { "whitelist_active",
      "SELECT id, valid_until::text FROM whitelist_entry"
      " WHERE organization_id = $1::uuid AND status = 'active' AND valid_until > " US_TO_DATE (2) },
    { "whitelist_get_for_update",
      "SELECT " ENTRY_COLUMNS " FROM whitelist_entry WHERE id = $1::uuid FOR UPDATE" },
    { "whitelist_revoke",
      "UPDATE whitelist_entry SET status = 'revoked', revoked_reason = $2, revoked_at = " HT_SQL_FROM_US (3) ","
      " relist_barred_until = " US_TO_DATE (3) " + interval '2 years' WHERE id = $1::uuid"
      " RETURNING relist_barred_until::text" },
    //  Entries whose period covers the date, newest first, with the date of any revocation.
    { "whitelist_on",
      "SELECT " ENTRY_COLUMNS ", (revoked_at AT TIME ZONE 'Asia/Shanghai')::date <= d.day"
      " FROM whitelist_entry, (SELECT coalesce($2::date, " US_TO_DATE (3) ") AS day) d"
      " WHERE organization_id = $1::uuid AND valid_from <= d.day AND d.day < valid_until"
      " ORDER BY created_at DESC" },
    { "whitelist_latest",
      "SELECT " ENTRY_COLUMNS " FROM whitelist_entry WHERE organization_id = $1::uuid"
      " ORDER BY created_at DESC LIMIT 1" },
    { NULL, NULL }
};

const ht_constraint_t whitelist_constraints [] = {
    { "whitelist_entry_one_active", HT_ALREADY_EXISTS, "organization_id",
      "the organization is already white-listed: revoke the active entry first" },
    { "whitelist_entry_period", HT_INVALID_ARGUMENT, "valid_until", "must be after valid_from" },
    { NULL }
};

static Hetao__V1__WhitelistEntry *
s_entry_from_row (ht_call_t *call, const PGresult *result, int row)
{
    ht_arena_t *arena = ht_call_arena (call);
    Hetao__V1__WhitelistEntry *entry = ht_arena_alloc (arena, sizeof *entry);
    hetao__v1__whitelist_entry__init (entry);
    entry->id = ht_row_text (result, row, 0);
    entry->organization_id = ht_row_text (result, row, 1);
    char *categories = ht_arena_strdup (arena, PQgetvalue (result, row, 2));
    entry->categories = ht_arena_alloc (arena, sizeof (Hetao__V1__GoodsCategory) * (CATEGORIES_MAX + 1));
    for (char *save, *key = strtok_r (categories, ",", &save); key && entry->n_categories < CATEGORIES_MAX;
         key = strtok_r (NULL, ",", &save))
        entry->categories [entry->n_categories++] = ht_row_enum (&hetao__v1__goods_category__descriptor, key);
    entry->valid_from = ht_row_text (result, row, 3);
    entry->valid_until = ht_row_text (result, row, 4);
    entry->has_status = true;
    entry->status = ht_row_enum (&hetao__v1__whitelist_status__descriptor, PQgetvalue (result, row, 5));
    entry->revoked_reason = ht_row_text (result, row, 6);
    wire_opt_int (result, row, 7, &entry->has_revoked_at_us, &entry->revoked_at_us);
    entry->relist_barred_until = ht_row_text (result, row, 8);
    entry->has_created_at_us = true;
    entry->created_at_us = ht_row_int (result, row, 9);
    return entry;
}

static unsigned
s_mask (const Hetao__V1__WhitelistEntry *entry)
{
    unsigned mask = 0;
    for (size_t i = 0; i < entry->n_categories; i++)
        mask |= 1u << entry->categories [i];
    return mask;
}

static void
s_reply_and_emit (ht_call_t *call, const char *type, Hetao__V1__WhitelistEntry *entry)
{
    ht_row_emit (call, type, &hetao__v1__whitelist_event__descriptor, &entry->base, 0);
    ht_row_reply (call, &hetao__v1__whitelist_reply__descriptor, &entry->base);
}

void
whitelist_add (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__AddWhitelistRequest *request = (const void *) message;
    ht_call_check_uuid (call, "organization_id", request->organization_id);
    if (request->n_categories < 1 || request->n_categories > CATEGORIES_MAX)
        ht_call_violation (call, "categories", "give 1 to %d goods categories", CATEGORIES_MAX);
    unsigned mask = 0;
    char *text = ht_arena_alloc (ht_call_arena (call), CATEGORIES_MAX * 32 + 1);
    text [0] = 0;
    for (size_t i = 0; i < request->n_categories && i < CATEGORIES_MAX; i++) {
        if (!ht_call_check_enum (call, "categories", true, request->categories [i],
                                 &hetao__v1__goods_category__descriptor))
            break;
        if (mask & (1u << request->categories [i])) {
            ht_call_violation (call, "categories", "lists a category twice");
            break;
        }
        mask |= 1u << request->categories [i];
        if (i)
            strcat (text, ",");
        strcat (text, ht_row_key (call, &hetao__v1__goods_category__descriptor, request->categories [i]));
    }
    //  Both checked, so that the reply names every bad date.
    bool from_ok = wire_check_date (call, "valid_from", request->valid_from);
    bool until_ok = wire_check_date (call, "valid_until", request->valid_until);
    if (from_ok && until_ok && strcmp (request->valid_until, request->valid_from) <= 0)
        ht_call_violation (call, "valid_until", "must be after valid_from (%s)", request->valid_from);
    if (ht_call_failed (call) || !organization_check (call, "organization_id", request->organization_id)
    ||  !ht_call_lock (call, "whitelist", request->organization_id))
        return;
    const char *now = ht_call_int (call, customs_now_us (call));
    PGresult *bar = ht_call_query (call, "whitelist_bar", HT_ARGS (request->organization_id, now));
    if (!bar)
        return;
    if (PQntuples (bar) > 0) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "organization_id", "the organization's listing was "
                      "revoked (%s); it cannot be listed again before %s", PQgetvalue (bar, 0, 1),
                      PQgetvalue (bar, 0, 0));
        return;
    }
    PGresult *active = ht_call_query (call, "whitelist_active", HT_ARGS (request->organization_id, now));
    if (!active)
        return;
    if (PQntuples (active) > 0) {
        ht_call_fail (call, HT_ALREADY_EXISTS, "organization_id", "the organization is already "
                      "white-listed (entry %s, until %s): revoke it first", PQgetvalue (active, 0, 0),
                      PQgetvalue (active, 0, 1));
        return;
    }
    ht_call_write (call, "whitelist_expire", HT_ARGS (request->organization_id, now));
    char id [37];
    ht_uuid_v7 (id);
    ht_call_write (call, "whitelist_insert", HT_ARGS (id, request->organization_id, text,
                   request->valid_from, request->valid_until, now));
    Hetao__V1__WhitelistEntry entry = HETAO__V1__WHITELIST_ENTRY__INIT;
    entry.id = id;
    entry.organization_id = request->organization_id;
    entry.n_categories = request->n_categories;
    entry.categories = request->categories;
    entry.valid_from = request->valid_from;
    entry.valid_until = request->valid_until;
    entry.has_status = entry.has_created_at_us = true;
    entry.status = HETAO__V1__WHITELIST_STATUS__WHITELIST_STATUS_ACTIVE;
    entry.created_at_us = customs_now_us (call);
    s_reply_and_emit (call, "customs.whitelist.added", &entry);
}

void
whitelist_revoke (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__RevokeWhitelistRequest *request = (const void *) message;
    ht_call_check_uuid (call, "id", request->id);
    ht_call_check_text (call, "reason", request->reason, 1, REASON_MAX_CHARS);
    if (ht_call_failed (call) || !ht_call_lock (call, "whitelist_entry", request->id))
        return;
    PGresult *result = ht_call_query (call, "whitelist_get_for_update", HT_ARGS (request->id));
    if (!result)
        return;
    if (PQntuples (result) == 0) {
        ht_call_fail (call, HT_NOT_FOUND, "id", "no white-list entry has id %s", request->id);
        return;
    }
    Hetao__V1__WhitelistEntry *entry = s_entry_from_row (call, result, 0);
    if (entry->status != HETAO__V1__WHITELIST_STATUS__WHITELIST_STATUS_ACTIVE) {
        ht_call_fail (call, HT_FAILED_PRECONDITION, "id", "the entry is %s, not active",
                      ht_row_key (call, &hetao__v1__whitelist_status__descriptor, entry->status));
        return;
    }
    int64_t now = customs_now_us (call);
    PGresult *revoked = ht_call_query (call, "whitelist_revoke", HT_ARGS (
        request->id, request->reason, ht_call_int (call, now)));
    if (!revoked)
        return;
    entry->status = HETAO__V1__WHITELIST_STATUS__WHITELIST_STATUS_REVOKED;
    entry->revoked_reason = request->reason;
    entry->has_revoked_at_us = true;
    entry->revoked_at_us = now;
    entry->relist_barred_until = PQgetvalue (revoked, 0, 0);
    s_reply_and_emit (call, "customs.whitelist.revoked", entry);
}

bool
whitelist_listed (ht_call_t *call, const char *organization_id, const char *date,
                  int category, unsigned *categories, const char **why)
{
    *categories = 0;
    PGresult *result = ht_call_query (call, "whitelist_on", HT_ARGS (
        organization_id, date, ht_call_int (call, customs_now_us (call))));
    if (!result)
        return false;
    const char *reason = "the organization is not white-listed on that date";
    for (int row = 0; row < PQntuples (result); row++) {
        Hetao__V1__WhitelistEntry *entry = s_entry_from_row (call, result, row);
        if (ht_row_bool (result, row, 10)) {
            reason = ht_arena_printf (ht_call_arena (call), "the white-list entry %s was revoked: %s",
                                      entry->id, entry->revoked_reason? entry->revoked_reason: "");
            continue;
        }
        *categories = s_mask (entry);
        reason = category && !(*categories & (1u << category))
               ? "the organization is white-listed, but not for this category": NULL;
        break;
    }
    if (why)
        *why = reason;
    return true;
}

void
whitelist_check (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__CheckWhitelistRequest *request = (const void *) message;
    if (ht_call_check_uuid (call, "organization_id", request->organization_id))
        ht_call_acts_for (call, "organization_id", request->organization_id);
    ht_call_check_enum (call, "category", request->has_category, request->category,
                        &hetao__v1__goods_category__descriptor);
    if (request->date)
        wire_check_date (call, "date", request->date);
    if (ht_call_failed (call))
        return;
    unsigned categories;
    const char *why = NULL;
    if (!whitelist_listed (call, request->organization_id, request->date, request->category, &categories, &why))
        return;
    Hetao__V1__CheckWhitelistReply reply = HETAO__V1__CHECK_WHITELIST_REPLY__INIT;
    reply.has_whitelisted = true;
    reply.whitelisted = why == NULL;
    reply.reason = (char *) why;
    PGresult *latest = ht_call_query (call, "whitelist_latest", HT_ARGS (request->organization_id));
    if (!latest)
        return;
    if (PQntuples (latest) > 0)
        reply.entry = s_entry_from_row (call, latest, 0);
    ht_call_reply (call, &reply.base);
}
