#!/usr/bin/env python3
"""Writes a synthetic CloudTrail trail in the delivered layout, for
benchmarking `leash usage`: FILES gzip files of RECORDS records each, in
the documented record format (assumed-role identities over 3 accounts and
60 roles; DynamoDB, S3, SQS, Lambda and KMS calls). Seeded: the same
arguments give the same files.

    python3 scripts/gen-trail.py OUT_DIR [FILES] [RECORDS]
"""
import gzip
import json
import os
import random
import sys

out = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 100
per_file = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
random.seed(7)
roles = [f"arn:aws:iam::1111222233{a:02d}:role/r{i}" for a in range(3) for i in range(20)]
ops = [
    ("dynamodb.amazonaws.com", "PutItem", "arn:aws:dynamodb:us-east-1:111122223300:table/T"),
    ("s3.amazonaws.com", "GetObject", "arn:aws:s3:::b/k"),
    ("sqs.amazonaws.com", "SendMessage", "arn:aws:sqs:us-east-1:111122223300:q"),
    ("lambda.amazonaws.com", "Invoke", "arn:aws:lambda:us-east-1:111122223300:function:f"),
    ("kms.amazonaws.com", "Decrypt", None),
]
day = os.path.join(out, "AWSLogs/111122223300/CloudTrail/us-east-1/2026/12/01")
os.makedirs(day, exist_ok=True)
for f in range(files):
    records = []
    for _ in range(per_file):
        role = random.choice(roles)
        source, name, resource = random.choice(ops)
        account = role.split(":")[4]
        record = {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": role.replace(":iam:", ":sts:").replace("role/", "assumed-role/") + "/s",
                "accountId": account,
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role}},
            },
            "eventTime": "2026-12-01T%02d:%02d:%02dZ"
            % (random.randrange(24), random.randrange(60), random.randrange(60)),
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "sourceIPAddress": "10.0.0.1",
            "userAgent": "aws-sdk",
            "requestParameters": {"k": "v"},
            "responseElements": None,
            "requestID": "x",
            "eventID": "y",
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": False,
            "recipientAccountId": account,
            "eventCategory": "Data",
        }
        if resource:
            record["resources"] = [{"ARN": resource}]
        records.append(record)
    with gzip.open(os.path.join(day, f"f{f}.json.gz"), "wt") as handle:
        json.dump({"Records": records}, handle)
print(f"{files * per_file} records in {files} files under {out}")
