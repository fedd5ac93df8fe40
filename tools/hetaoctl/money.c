/*  money - what the funding nouns share: decimal amounts, amount lists and
    times as flags, and printing one reply's message

    Amounts cross the command line as decimal text only, parsed by
    ht_money: no floating point between the flag and the wire.
*/

#include "money.h"
#include "ht_money.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

Hetao__V1__Money *
money_flag (const char *flag, const char *text, const char *currency, bool allow_negative)
{
    int64_t minor;
    ht_money_status_t status = ht_money_parse (text, currency, allow_negative, &minor);
    if (status != HT_MONEY_OK) {
        ctl_usage_error ("--%s: '%s' is not an amount in %s: %s", flag, text? text: "",
                         currency, ht_money_status_text (status));
        return NULL;
    }
    Hetao__V1__Money *money = ctl_alloc (sizeof *money);
    hetao__v1__money__init (money);
    money->currency = (char *) currency;
    money->has_minor_units = true;
    money->minor_units = minor;
    return money;
}

bool
money_list_flag (const char *flag, const char *text, const char *currency,
                 char ***keys, Hetao__V1__Money ***amounts, size_t *count)
{
    size_t most = 1;
    for (const char *c = text; *c; c++)
        most += *c == ',';
    *keys = ctl_alloc (sizeof (char *) * most);
    *amounts = ctl_alloc (sizeof (void *) * most);
    *count = 0;
    char *copy = ctl_alloc (strlen (text) + 1);
    strcpy (copy, text);
    for (char *save, *part = strtok_r (copy, ",", &save); part; part = strtok_r (NULL, ",", &save)) {
        char *equals = strchr (part, '=');
        if (!equals) {
            ctl_usage_error ("--%s: '%s' is not KEY=AMOUNT", flag, part);
            return false;
        }
        *equals = 0;
        Hetao__V1__Money *amount = money_flag (flag, equals + 1, currency, false);
        if (!amount)
            return false;
        (*keys) [*count] = part;
        (*amounts) [(*count)++] = amount;
    }
    if (*count == 0) {
        ctl_usage_error ("--%s: give KEY=AMOUNT[,KEY=AMOUNT...]", flag);
        return false;
    }
    return true;
}

bool
money_time_flag (const char *flag, const char *text, int64_t *us)
{
    struct tm parts = { 0 };
    int offset_hours = 0, offset_minutes = 0, used = 0;
    char sign = 0;
    bool ok = false;
    if (strlen (text) == 10)
        ok = sscanf (text, "%4d-%2d-%2d%n", &parts.tm_year, &parts.tm_mon, &parts.tm_mday, &used) == 3;
    else
    if (sscanf (text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon, &parts.tm_mday,
                &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &used) == 6) {
        const char *zone = text + used;
        if (!strcmp (zone, "Z"))
            ok = true, used++;
        else
        if (sscanf (zone, "%c%2d:%2d", &sign, &offset_hours, &offset_minutes) == 3
        &&  (sign == '+' || sign == '-') && strlen (zone) == 6)
            ok = true, used += 6;
    }
    if (!ok || text [used] || parts.tm_mon < 1 || parts.tm_mon > 12 || parts.tm_mday < 1
    ||  parts.tm_mday > 31 || parts.tm_hour > 23 || parts.tm_min > 59 || parts.tm_sec > 60) {
        ctl_usage_error ("--%s: '%s' is not a time like 2026-01-01T00:00:00Z or a date 2026-01-01",
                         flag, text);
        return false;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    int64_t seconds = (int64_t) timegm (&parts);
    int64_t offset = (offset_hours * 3600 + offset_minutes * 60) * (sign == '-'? -1: 1);
    *us = (seconds - offset) * 1000000;
    return true;
}

int
money_call (const char *method, const ProtobufCMessage *request,
            const ProtobufCMessageDescriptor *reply_type, const char *field)
{
    ProtobufCMessage *reply = NULL;
    int code = ctl_call (CTL_FUNDING, method, request, reply_type, &reply);
    if (code)
        return code;
    const ProtobufCMessage *shown = reply;
    const ProtobufCFieldDescriptor *inner = field?
        protobuf_c_message_descriptor_get_field_by_name (reply_type, field): NULL;
    if (inner) {
        const ProtobufCMessage *value = *(const ProtobufCMessage *const *) ((const char *) reply + inner->offset);
        if (value)
            shown = value;
    }
    ctl_print (shown);
    protobuf_c_message_free_unpacked (reply, NULL);
    return 0;
}

int
money_list (const char *method, const ProtobufCMessage *request,
            const ProtobufCMessageDescriptor *reply_type, const char *field, const char *columns)
{
    ProtobufCMessage *reply = NULL;
    int code = ctl_call (CTL_FUNDING, method, request, reply_type, &reply);
    if (code)
        return code;
    code = ctl_print_list (reply, field, columns);
    protobuf_c_message_free_unpacked (reply, NULL);
    return code;
}
