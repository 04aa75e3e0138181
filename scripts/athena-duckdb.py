#!/usr/bin/env python3
"""Runs the SQL `leash usage --emit-sql athena` writes on DuckDB, over
CloudTrail log files in the delivered layout, and prints the result as the
JSON lines `leash usage --from-aggregate` reads.

    athena-duckdb.py QUERY.sql TRAIL_DIR > aggregate.jsonl

The table is the one the Athena user guide's CloudTrail page declares
(https://docs.aws.amazon.com/athena/latest/ug/cloudtrail-logs.html): the
columns the query reads, in the documented order and types
(`useridentity` and `resources` structs, strings elsewhere). The query is translated from Athena (Trino) SQL to
DuckDB's by sqlglot, unchanged otherwise. Needs `duckdb` and `sqlglot`
(installed by .ci/run into target/validators).
"""
import json
import os
import sys

import duckdb
import sqlglot

# The Athena table's columns, in its order, spelled as CloudTrail writes
# the keys (DuckDB's JSON reader matches keys with case; the query then
# names them in lower case, as on Athena: DuckDB's identifiers and struct
# fields, like the Hive JSON SerDe, ignore case).
COLUMNS = (
    "STRUCT("
    "eventVersion VARCHAR, "
    "userIdentity STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, "
    "invokedBy VARCHAR, accessKeyId VARCHAR, userName VARCHAR, "
    "sessionContext STRUCT(attributes STRUCT(mfaAuthenticated VARCHAR, creationDate VARCHAR), "
    "sessionIssuer STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR))), "
    "eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR, "
    "sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, errorMessage VARCHAR, "
    "requestID VARCHAR, eventID VARCHAR, "
    "resources STRUCT(ARN VARCHAR, accountId VARCHAR, type VARCHAR)[], "
    "eventType VARCHAR, recipientAccountId VARCHAR, eventCategory VARCHAR"
    ")[]"
)


def main():
    query_path, trail = sys.argv[1], sys.argv[2]
    with open(query_path) as handle:
        athena = handle.read()
    table = "cloudtrail_logs"
    con = duckdb.connect()
    # A view, not a table: the files are read as the query runs, in
    # bounded memory, whatever the size of the trail.
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET memory_limit = '3GB'")
    con.execute("SET threads = 2")
    pattern = os.path.join(trail, "**", "*.json*").replace("'", "''")
    con.execute(
        f"CREATE VIEW {table} AS SELECT unnest(Records, max_depth := 2) "
        f"FROM read_json('{pattern}', columns={{'Records': '{COLUMNS}'}}, "
        "maximum_object_size=33554432)"
    )
    translated = sqlglot.transpile(athena, read="athena", write="duckdb")
    # The query is one statement (a leading comment is kept by sqlglot).
    statement = [s for s in translated if s.strip()][-1]
    if os.environ.get("LEASH_SHOW_SQL"):
        print(statement, file=sys.stderr)
    cursor = con.execute(statement)
    names = [d[0] for d in cursor.description]
    out = sys.stdout
    while True:
        rows = cursor.fetchmany(10000)
        if not rows:
            break
        for row in rows:
            record = dict(zip(names, row))
            for key in ("count", "errors", "denied", "data_events"):
                record[key] = int(record[key])
            out.write(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
