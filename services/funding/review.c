/*  review - reviews of applications: a score of 1 to 10 and a comment, free of conflicts of interest

    The reviewer is the calling principal, and its organization the one the
    principals file gives it: nothing the request says. A reviewer from the
    applicant's organization or from any organization of the project is
    refused. The first review moves a submitted application under review.
*/

#include "review.h"
#include "application.h"
#include "parties.h"
#include "wire.h"

#include <strings.h>

#define COMMENT_MAX_CHARS 4000
#define SCORE_MIN 1
#define SCORE_MAX 10

const ht_query_t review_queries [] = {
    { "review_insert",
      "INSERT INTO review (id, application_id, reviewer_key, reviewer_name, reviewer_organization_id,"
      " score, comment, created_at)"
      " VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid, $6::int, $7, " HT_SQL_FROM_US (8) ")" },
    { "review_list",
      "SELECT id, application_id, reviewer_name, reviewer_organization_id, score, comment, "
      HT_SQL_US ("created_at") " FROM review WHERE application_id = $1::uuid"
      " ORDER BY created_at, id" },
    { NULL, NULL }
};

const ht_constraint_t review_constraints [] = {
    { "review_once_per_reviewer", HT_ALREADY_EXISTS, "application_id",
      "this reviewer has already reviewed the application" },
    { NULL }
};

void
review_record (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ReviewApplicationRequest *request = (const void *) message;
    ht_call_check_uuid (call, "application_id", request->application_id);
    if (!request->has_score || request->score < SCORE_MIN || request->score > SCORE_MAX)
        ht_call_violation (call, "score", "must be %d to %d", SCORE_MIN, SCORE_MAX);
    ht_call_check_text (call, "comment", request->comment, 1, COMMENT_MAX_CHARS);
    if (ht_call_failed (call))
        return;
    const ht_principal_t *reviewer = ht_call_principal (call);
    const char *reviewer_org = *reviewer->organization_id? reviewer->organization_id: NULL;

    Hetao__V1__Application *application = application_load (call, "application_id",
                                                            request->application_id, true);
    if (!application)
        return;
    if (reviewer_org) {
        ht_regview_project_t project;
        if (!party_project (call, "application_id", application->project_id, &project))
            return;
        if (!strcasecmp (reviewer_org, application->organization_id)
        ||  party_project_has (&project, reviewer_org)) {
            ht_call_fail (call, HT_PERMISSION_DENIED, "application_id", "conflict of interest: "
                          "reviewer '%s' belongs to organization %s, which %s", reviewer->name,
                          reviewer_org, !strcasecmp (reviewer_org, application->organization_id)
                          ? "is the applicant": "takes part in the application's project");
            return;
        }
    }

    Hetao__V1__Review review = HETAO__V1__REVIEW__INIT;
    review.id = (char *) wire_uuid (call);
    review.application_id = application->id;
    review.reviewer = (char *) reviewer->name;
    review.reviewer_organization_id = (char *) reviewer_org;
    review.has_score = review.has_created_at_us = true;
    review.score = request->score;
    review.comment = request->comment;
    review.created_at_us = ht_call_now_us (call);
    application->review_count++;
    application->score_total += request->score;
    if (!application_move (call, "application_id", application, APPLICATION_REVIEW, NULL))
        return;
    ht_call_write (call, "review_insert", HT_ARGS (
        review.id, review.application_id, reviewer->key, reviewer->name, reviewer_org,
        ht_call_int (call, review.score), review.comment, ht_call_int (call, review.created_at_us)));
    Hetao__V1__ReviewEvent event = HETAO__V1__REVIEW_EVENT__INIT;
    event.review = &review;
    ht_call_emit (call, "funding.review.recorded", application->id, &event.base);
    Hetao__V1__ReviewReply reply = HETAO__V1__REVIEW_REPLY__INIT;
    reply.review = &review;
    reply.application = application;
    ht_call_reply (call, &reply.base);
}

void
review_list (ht_call_t *call, const ProtobufCMessage *message)
{
    const Hetao__V1__ListReviewsRequest *request = (const void *) message;
    if (!ht_call_check_uuid (call, "application_id", request->application_id))
        return;
    PGresult *result = ht_call_query (call, "review_list", HT_ARGS (request->application_id));
    if (!result)
        return;
    Hetao__V1__ListReviewsReply reply = HETAO__V1__LIST_REVIEWS_REPLY__INIT;
    int rows = PQntuples (result);
    ht_arena_t *arena = ht_call_arena (call);
    reply.reviews = ht_arena_alloc (arena, sizeof (void *) * (size_t) (rows + 1));
    for (int row = 0; row < rows; row++) {
        Hetao__V1__Review *review = ht_arena_alloc (arena, sizeof *review);
        hetao__v1__review__init (review);
        review->id = PQgetvalue (result, row, 0);
        review->application_id = PQgetvalue (result, row, 1);
        review->reviewer = PQgetvalue (result, row, 2);
        review->reviewer_organization_id = ht_row_text (result, row, 3);
        review->has_score = review->has_created_at_us = true;
        review->score = (uint32_t) ht_row_int (result, row, 4);
        review->comment = PQgetvalue (result, row, 5);
        review->created_at_us = ht_row_int (result, row, 6);
        reply.reviews [reply.n_reviews++] = review;
    }
    ht_call_reply (call, &reply.base);
}
