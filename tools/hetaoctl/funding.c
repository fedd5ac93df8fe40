/*  funding - hetaoctl funding ledger-check: the funding ledger's invariants

    Exits 0 when the ledger balances, and 1 when it reports any breach
    (each printed), so a cron job or a script can alarm on it.
*/

#include "money.h"

#define LEDGER_BREACH_EXIT 1

static int
s_ledger_check (int argc, char **argv)
{
    Hetao__V1__LedgerCheckRequest request = HETAO__V1__LEDGER_CHECK_REQUEST__INIT;
    const ctl_option_t options [] = {
        { "programme", CTL_STRING, &request.programme_id, .help = "check one programme (default: all)" },
        { NULL }
    };
    int code = ctl_parse (options, argc, argv, "Usage: hetaoctl funding ledger-check [--programme ID]");
    if (code)
        return code < 0? 0: code;
    ProtobufCMessage *result = NULL;
    code = ctl_call (CTL_FUNDING, "funding.LedgerCheck", &request.base, &hetao__v1__ledger_check_reply__descriptor,
                     &result);
    if (code)
        return code;
    Hetao__V1__LedgerCheckReply *reply = (Hetao__V1__LedgerCheckReply *) result;
    //  Totals over every programme checked: what the acceptance reads first.
    int64_t budget = 0, available = 0, committed = 0, paid = 0;
    for (size_t i = 0; i < reply->n_programmes; i++) {
        budget += reply->programmes [i]->budget->minor_units;
        available += reply->programmes [i]->available->minor_units;
        committed += reply->programmes [i]->committed->minor_units;
        paid += reply->programmes [i]->paid->minor_units;
    }
    char texts [4][HT_MONEY_TEXT_MAX];
    ht_money_format (budget, "CNY", texts [0], sizeof texts [0]);
    ht_money_format (available, "CNY", texts [1], sizeof texts [1]);
    ht_money_format (committed, "CNY", texts [2], sizeof texts [2]);
    ht_money_format (paid, "CNY", texts [3], sizeof texts [3]);
    if (ctl.json) {
        //  The reply as it is, with the totals first.
        printf ("{\"balanced\":%s,\"currency\":\"CNY\",\"budget\":\"%s\",\"available\":\"%s\","
                "\"committed\":\"%s\",\"paid\":\"%s\",\"check\":",
                reply->balanced? "true": "false", texts [0], texts [1], texts [2], texts [3]);
        ht_json_write (stdout, &reply->base);
        printf ("}\n");
    }
    else {
        printf ("balanced:  %s\nbudget:    %s CNY\navailable: %s CNY\ncommitted: %s CNY\npaid:      %s CNY\n"
                "entries:   %llu\n", reply->balanced? "yes": "no", texts [0], texts [1], texts [2], texts [3],
                (unsigned long long) reply->entries_checked);
        for (size_t i = 0; i < reply->n_breaches; i++)
            printf ("breach: %s %s: %s\n", reply->breaches [i]->rule, reply->breaches [i]->subject_id,
                    reply->breaches [i]->detail);
    }
    code = reply->balanced? 0: LEDGER_BREACH_EXIT;
    if (!reply->balanced)
        fprintf (stderr, "hetaoctl: the funding ledger has %zu breach(es)\n", reply->n_breaches);
    protobuf_c_message_free_unpacked (result, NULL);
    return code;
}

const ctl_command_t funding_commands [] = {
    { "funding", "ledger-check", s_ledger_check, "verify the funding ledger; exit 1 on any breach" },
    { NULL }
};
