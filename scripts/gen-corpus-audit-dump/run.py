#!/usr/bin/env python3
"""One account authorization dump built from the shared corpus, for judging
`leash audit` on real policies by hand (docs/audit.md, "Judged on real
inputs").

    scripts/gen-corpus-audit-dump/run.py CORPUS LEASH OUT.json [APPS]

- the roles `leash design` gives the first APPS (default 25) applications
  of CORPUS/sam-apps (inline policies and trust as designed);
- a role per sampled AWS managed policy (AdministratorAccess,
  PowerUserAccess, IAMFullAccess, ReadOnlyAccess, and every 40th of
  CORPUS/aws-managed-policies, by name), attached by ARN;
- a customer managed copy of every 100th managed policy (its document in
  `Policies`, so that it is linted with positions), each attached to a role;
- a group attaching a sampled policy and two users in it.

Deterministic; needs nothing but Python 3 and the leash binary."""

import json
import zlib
import os
import subprocess
import sys
import tempfile

ACCOUNT = "123456789012"
NOW = "2026-06-30T00:00:00Z"


def role(name, trust, inline=(), attached=(), last_used=NOW):
    return {
        "Path": "/",
        "RoleName": name,
        "RoleId": "AROA" + format(zlib.crc32(name.encode()), "017d"),
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "CreateDate": "2025-01-15T10:00:00Z",
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
        "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached
        ],
        "Tags": [],
        "RoleLastUsed": {"LastUsedDate": last_used, "Region": "us-east-1"},
    }


def lambda_trust():
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def main():
    corpus, leash, out = sys.argv[1:4]
    roles, policies, groups, users = [], [], [], []
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    apps = sorted(os.listdir(os.path.join(corpus, "sam-apps")))[:count]
    for app in apps:
        folder = os.path.join(corpus, "sam-apps", app)
        template = next(
            (os.path.join(folder, f) for f in ("template.yaml", "template.yml", "template.json")
             if os.path.isfile(os.path.join(folder, f))),
            None,
        )
        if template is None:
            continue
        with tempfile.TemporaryDirectory() as designed:
            subprocess.run(
                [leash, "design", template, "--out", designed, "--format", "json",
                 "--account", ACCOUNT, "--region", "us-east-1"],
                capture_output=True, check=False,
            )
            for file in sorted(os.listdir(designed)):
                if not file.endswith("-role.json"):
                    continue
                with open(os.path.join(designed, file)) as f:
                    designed_role = json.load(f)
                roles.append(role(
                    f"{app}-{designed_role['RoleName']}"[:64],
                    designed_role["AssumeRolePolicyDocument"],
                    [(p["PolicyName"], p["PolicyDocument"]) for p in designed_role.get("Policies", [])],
                ))
    names = sorted(f[:-5] for f in os.listdir(os.path.join(corpus, "aws-managed-policies")))
    # The broad job-function policies, and a sample of all the others.
    sample = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "ReadOnlyAccess"]
    for name in sample + names[::40]:
        roles.append(role(f"managed-{name}"[:64], lambda_trust(), attached=[f"arn:aws:iam::aws:policy/{name}"]))
    for name in names[::100]:
        with open(os.path.join(corpus, "aws-managed-policies", name + ".json")) as f:
            document = json.load(f)
        arn = f"arn:aws:iam::{ACCOUNT}:policy/copy-{name}"
        policies.append({
            "PolicyName": f"copy-{name}", "PolicyId": "ANPA" + format(zlib.crc32(name.encode()), "017d"),
            "Arn": arn, "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            "CreateDate": "2025-01-01T00:00:00Z", "UpdateDate": "2025-01-01T00:00:00Z",
            "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True,
                                   "CreateDate": "2025-01-01T00:00:00Z"}],
        })
        roles.append(role(f"copy-{name}"[:64], lambda_trust(), attached=[arn]))
    groups.append({
        "Path": "/", "GroupName": "operators", "GroupId": "AGPA00000000000000001",
        "Arn": f"arn:aws:iam::{ACCOUNT}:group/operators", "CreateDate": "2025-01-01T00:00:00Z",
        "GroupPolicyList": [], "AttachedManagedPolicies": [
            {"PolicyName": names[7], "PolicyArn": f"arn:aws:iam::aws:policy/{names[7]}"}],
    })
    for n in ("ana", "bo"):
        users.append({
            "Path": "/", "UserName": n, "UserId": "AIDA0000000000000000" + n,
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/{n}", "CreateDate": "2025-01-01T00:00:00Z",
            "UserPolicyList": [], "GroupList": ["operators"], "AttachedManagedPolicies": [], "Tags": [],
        })
    dump = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
            "Policies": policies, "IsTruncated": False}
    with open(out, "w") as f:
        json.dump(dump, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
