/*  ctl - what every hetaoctl command shares: services, calls, flags, output

    A noun group is one file (org.c, events.c, ...) that exports its rows of
    the command table, `extern const ctl_command_t <noun>_commands [];`;
    main.c lists the tables. A command reads its flags with ctl_parse from a
    declarative option table that writes straight into the request, calls a
    service with ctl_call, and prints the reply with ctl_print (one object)
    or ctl_print_list (a repeated field). Nothing here is specific to one
    message: output walks the protobuf descriptors (docs/cli.md).
*/
#ifndef CTL_H_INCLUDED
#define CTL_H_INCLUDED

#include "hetao/v1/envelope.pb-c.h"
#include "ht_client.h"

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTL_EXIT_USAGE 2        //  unknown flag, command or value (docs/cli.md)
#define CTL_HELP       (-1)     //  ctl_parse printed --help: the command ends with 0

//  ---------------------------------------------------------------------------
//  The command table

typedef struct {
    const char *noun;           //  "org"
    const char *verb;           //  "register"; NULL when the noun alone is the command
    int (*run) (int argc, char **argv);     //  argv: what follows the verb; returns the exit code
    const char *summary;        //  one line for hetaoctl --help
} ctl_command_t;

//  ---------------------------------------------------------------------------
//  Services and global options

typedef enum {
    CTL_REGISTRY,
    CTL_FUNDING,
    CTL_CUSTOMS,
    CTL_REPORTING,
    CTL_SERVICES                //  how many
} ctl_service_t;

//  The global options every command sees (set by ctl_globals_parse).
typedef struct {
    bool json;                  //  --json: one JSON object per result
    bool utc;                   //  --utc: times in UTC instead of Asia/Shanghai
    const char *output;         //  -o / --output: NULL or "wide"
    const char *columns;        //  --columns a,b,c: the columns of a table
    int timeout_ms;
    const char *idempotency_key;
    const char *cert;
    const char *principals;
} ctl_globals_t;

extern ctl_globals_t ctl;

//  Parses the global options, which come before the command (flags, then
//  HETAO_* variables, then defaults, the dev stack's keys included); *first
//  gets the index of the command in argv. Returns 0, or CTL_EXIT_USAGE
//  after printing the error.
int ctl_globals_parse (int argc, char **argv, int *first);

//  Prints the global options' usage table.
void ctl_globals_usage (void);

//  The service named `name` ("registry"); false when there is none.
bool ctl_service_find (const char *name, ctl_service_t *service);

//  Name of `service`, e.g. "registry".
const char *ctl_service_name (ctl_service_t service);

//  Endpoint of `service`'s event stream (--<svc>-events).
const char *ctl_service_events (ctl_service_t service);

//  Z85 public key of `service`, "" when it cannot be read.
const char *ctl_service_key (ctl_service_t service);

//  A client of `service` with this hetaoctl's keys, deadline and retries;
//  NULL (reported on stderr) when the keys cannot be read. Caller owns the result.
ht_client_t *ctl_client_new (ctl_service_t service);

//  Calls `method` on `service` with `request` (the --idempotency-key, or a
//  new key per invocation, for a mutating method). On success unpacks the
//  payload as `reply_type` into *reply (caller frees with
//  protobuf_c_message_free_unpacked) and returns 0; else reports the error
//  on stderr and returns its exit code (docs/cli.md), *reply untouched.
int ctl_call (ctl_service_t service, const char *method, const ProtobufCMessage *request,
              const ProtobufCMessageDescriptor *reply_type, ProtobufCMessage **reply);

//  Prints a failed reply on stderr and returns its exit code.
int ctl_report (const Hetao__V1__Reply *reply);

//  Prints "hetaoctl: <message>" on stderr and returns CTL_EXIT_USAGE.
int ctl_usage_error (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

//  Memory that lives until the command ends (lists parsed from flags, ...).
void *ctl_alloc (size_t size);
void ctl_free_all (void);

//  ---------------------------------------------------------------------------
//  Flags

typedef enum {
    CTL_STRING,                 //  const char *: the value as given ("" included)
    CTL_INT32,                  //  int32_t, in [min, max] when min < max
    CTL_UINT32,                 //  uint32_t, same
    CTL_INT64,                  //  int64_t, same
    CTL_UINT64,                 //  uint64_t, same
    CTL_BOOL,                   //  protobuf_c_boolean from true|yes|false|no
    CTL_FLAG,                   //  protobuf_c_boolean, true when present (--flag=false also works)
    CTL_ENUM,                   //  int (a protobuf-c enum) from a lower-case key of `type`
    CTL_ENUM_LIST,              //  int * array and *count, from comma-separated keys ("" for none)
    CTL_STRING_LIST,            //  char ** array and *count, from comma-separated text
    CTL_SERVICE,                //  ctl_service_t, from a service name
    CTL_TIME                    //  int64_t microseconds since the epoch, from ISO 8601 (ctl_time_parse)
} ctl_kind_t;

#define CTL_REQUIRED   1        //  a usage error when absent
#define CTL_POSITIONAL 2        //  may also be given as the command's one bare argument

typedef struct {
    const char *flag;           //  "kind" for --kind
    ctl_kind_t kind;
    void *target;               //  where the value goes (a field of the request, mostly)
    protobuf_c_boolean *has;    //  set true when a value was given (or defaulted); may be NULL
    const ProtobufCEnumDescriptor *type;    //  CTL_ENUM, CTL_ENUM_LIST
    size_t *count;              //  CTL_ENUM_LIST, CTL_STRING_LIST: how many values
    const char *fallback;       //  the value when the flag is absent, or NULL
    long long min, max;         //  numbers: the allowed range when min < max
    unsigned flags;             //  CTL_REQUIRED, CTL_POSITIONAL
    const char *help;
} ctl_option_t;

//  Parses a command's flags (and the output flags --json, --utc, -o,
//  --columns, which may also follow the command) into the options' targets.
//  `usage` is the first line of --help. Returns 0; CTL_HELP when --help was
//  printed; CTL_EXIT_USAGE after printing an error that names the flag.
int ctl_parse (const ctl_option_t *options, int argc, char **argv, const char *usage);

//  Reads an ISO 8601 date ("2027-01-01", its midnight) or date and time
//  ("2027-03-01T08:00", seconds and a fraction of up to 6 digits optional)
//  with "Z", "+hh:mm" or "-hh:mm"; without an offset it is the park's time,
//  Asia/Shanghai (+08:00). Writes microseconds since the epoch into *us;
//  false when `text` is not such a time.
bool ctl_time_parse (const char *text, int64_t *us);

//  ---------------------------------------------------------------------------
//  Output

//  Prints one message: one JSON object (--json), else aligned "key: value"
//  lines, nested messages indented, enums as their keys, times in ISO 8601.
void ctl_print (const ProtobufCMessage *message);

//  Same at an indent, without the final blank line (for envelopes).
void ctl_print_text (FILE *out, const ProtobufCMessage *message, int indent);

//  Writes one field's value as a person reads it (enum keys, ISO times,
//  money with two decimals, repeated values comma-separated).
void ctl_format_field (FILE *out, const ProtobufCMessage *message, const ProtobufCFieldDescriptor *field);

//  A table of text cells, aligned when printed (display width, so Chinese
//  names line up too).
typedef struct _ctl_table_t ctl_table_t;

//  A table whose header is `columns` (comma-separated). Caller owns the result.
ctl_table_t *ctl_table_new (const char *columns);
//  Adds a row of as many cells as columns (NULL prints as "-").
void ctl_table_row (ctl_table_t *self, const char **cells);
//  Prints the table (nothing when it has no rows) and destroys it.
void ctl_table_print (ctl_table_t **self_p);

//  A list of messages of `row_type`: with --json each row prints at once as
//  one JSON object; else rows collect into a table of `columns` (default),
//  all scalar fields with -o wide, or --columns. NULL (reported) when
//  --columns names a field `row_type` lacks. Caller ends it with ctl_list_end.
typedef struct _ctl_list_t ctl_list_t;
ctl_list_t *ctl_list_new (const ProtobufCMessageDescriptor *row_type, const char *columns);
void ctl_list_add (ctl_list_t *self, const ProtobufCMessage *row);
//  Prints the collected table and destroys the list.
void ctl_list_end (ctl_list_t **self_p);

//  Prints every message of `reply`'s repeated field `field` as ctl_list
//  does with `columns`. Returns 0, or CTL_EXIT_USAGE (reported) for bad --columns.
int ctl_print_list (const ProtobufCMessage *reply, const char *field, const char *columns);

//  Calls `method` of `service` with `request` and prints the one entity its
//  reply carries (the reply's first field, a message: FacilityReply's
//  facility) with ctl_print. Returns 0 or the exit code of the failed call.
int ctl_call_print (ctl_service_t service, const char *method, const ProtobufCMessage *request,
                    const ProtobufCMessageDescriptor *reply_type);

//  Lists with a List method whose request has `page_token` and whose reply
//  (`reply_type`) has the repeated field `field` and `next_page_token`:
//  calls `method` from page `token` (NULL: the first), every page when
//  `all`, else one page and the next token on stderr; prints the rows as
//  ctl_list does with `columns`. Returns 0 or the first error's exit code.
int ctl_list_pages (ctl_service_t service, const char *method, ProtobufCMessage *request,
                    const ProtobufCMessageDescriptor *reply_type, const char *field, const char *columns,
                    const char *token, bool all);

#endif
