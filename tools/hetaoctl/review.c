/*  review - hetaoctl review create|list: reviews of funding applications  */

#include "money.h"

int application_review (const char *usage, int argc, char **argv);

static int
s_create (int argc, char **argv)
{
    return application_review ("Usage: hetaoctl review create --application ID --score N --comment TEXT",
                               argc, argv);
}

static int
s_list (int argc, char **argv)
{
    Hetao__V1__ListReviewsRequest request = HETAO__V1__LIST_REVIEWS_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "application", CTL_STRING, &request.application_id, .flags = CTL_REQUIRED | CTL_POSITIONAL,
          .help = "the application's id" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl review list --application ID");
    if (code)
        return code < 0? 0: code;
    return money_list ("funding.ListReviews", &request.base, &hetao__v1__list_reviews_reply__descriptor,
                       "reviews", "id,reviewer,reviewer_organization_id,score,comment");
}

const ctl_command_t review_commands [] = {
    { "review", "create", s_create, "review an application (as application review)" },
    { "review", "list",   s_list,   "list an application's reviews" },
    { NULL }
};
