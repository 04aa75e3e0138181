#!/usr/bin/env python3
"""Checks CloudFormation/SAM templates the way AWS users do, offline.

For each template given: a SAM template (one with the
`AWS::Serverless-2016-10-31` transform) is transformed with
aws-sam-translator, for a fixed region and account, with a managed policy
map that turns any name into its `arn:aws:iam::aws:policy/NAME` ARN (no
call to IAM, no network); then cfn-lint runs on the result (or on the
template itself when it has no SAM transform).

Prints one JSON object per template, one per line, in the order given:

    {"template": PATH, "transform_error": null | TEXT,
     "findings": [{"code": "E3004", "message": TEXT, "path": [...]}, ...]}

`--transformed DIR` also writes each transformed template to
DIR/<index>.json, to read by hand.

Used by the leash-design tests (crates/leash-design/tests/validators.rs);
`.ci/run` installs the pinned packages into a virtual environment and
points LEASH_VALIDATOR_PYTHON at its interpreter.
"""

import argparse
import copy
import json
import logging
import multiprocessing
import os
import sys

import boto3
import cfnlint.api
from cfnlint.decode import decode_str
from cfnlint.decode.utils import convert_dict
from samtranslator.parser import parser
from samtranslator.translator.translator import Translator

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
FAKE_S3_URI = "s3://leash-validator-bucket/artifact.zip"
# An image function's `ImageUri` is filled in by `sam build`.
FAKE_IMAGE_URI = "111122223333.dkr.ecr.us-east-1.amazonaws.com/leash-validator:latest"

logging.getLogger("samtranslator").setLevel(logging.CRITICAL)
logging.getLogger("cfnlint").setLevel(logging.CRITICAL)


class AnyManagedPolicy(dict):
    """Managed policy name -> ARN, for every name, without asking IAM."""

    def __contains__(self, name):
        return isinstance(name, str)

    def __missing__(self, name):
        return f"arn:aws:iam::aws:policy/{name}"

    def get(self, name, default=None):
        return self[name] if isinstance(name, str) else default


def has_sam_transform(template):
    transform = template.get("Transform")
    if isinstance(transform, str):
        return transform == SAM_TRANSFORM
    if isinstance(transform, list):
        return SAM_TRANSFORM in transform
    return False


# Properties the translator wants as S3 locations (a local path is only
# uploaded by `sam package`/`sam deploy`): replaced by a fixed S3 URI,
# which changes nothing the validators look at.
ARTIFACT_PROPERTIES = {
    "AWS::Serverless::Function": ["CodeUri"],
    "AWS::Serverless::LayerVersion": ["ContentUri"],
    "AWS::Serverless::Api": ["DefinitionUri"],
    "AWS::Serverless::HttpApi": ["DefinitionUri"],
    "AWS::Serverless::StateMachine": ["DefinitionUri"],
    "AWS::Serverless::GraphQLApi": ["SchemaUri"],
}


def with_s3_artifacts(template):
    template = copy.deepcopy(template)
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return template
    for resource in resources.values():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        properties = resource.get("Properties")
        if not isinstance(properties, dict):
            continue
        for key in ARTIFACT_PROPERTIES.get(kind, []):
            value = properties.get(key)
            if isinstance(value, str) and not value.startswith("s3://"):
                properties[key] = FAKE_S3_URI
        if kind == "AWS::Serverless::Function":
            package = properties.get("PackageType")
            if package == "Image" and "ImageUri" not in properties:
                properties["ImageUri"] = FAKE_IMAGE_URI
            if (
                "CodeUri" not in properties
                and "InlineCode" not in properties
                and "ImageUri" not in properties
                and package != "Image"
            ):
                properties["CodeUri"] = FAKE_S3_URI
        if kind == "AWS::Serverless::Application":
            location = properties.get("Location")
            if isinstance(location, str):
                properties["Location"] = {
                    "ApplicationId": "arn:aws:serverlessrepo:us-east-1:111122223333:applications/leash-validator",
                    "SemanticVersion": "1.0.0",
                }
    globals_function = template.get("Globals", {})
    if isinstance(globals_function, dict):
        function = globals_function.get("Function")
        if isinstance(function, dict):
            value = function.get("CodeUri")
            if isinstance(value, str) and not value.startswith("s3://"):
                function["CodeUri"] = FAKE_S3_URI
    return template


def transform(template, region, account):
    """The SAM-transformed template, or the template itself without SAM."""
    if not has_sam_transform(template):
        return template
    # Some translator paths make their own boto3 session: same region, and
    # no credentials looked up on the network (a serverless application
    # from the Serverless Application Repository then fails to transform
    # instead of being fetched).
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    session = boto3.session.Session(region_name=region)
    translator = Translator(AnyManagedPolicy(), parser.Parser(), boto_session=session)
    parameters = {"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws"}
    return translator.translate(
        sam_template=with_s3_artifacts(template),
        parameter_values=parameters,
        get_managed_policy_map=lambda: AnyManagedPolicy(),
    )


def check(path, region, account, transformed_out):
    result = {"template": path, "transform_error": None, "findings": []}
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        result["transform_error"] = f"unreadable: {error}"
        return result
    decoded, errors = decode_str(text)
    if errors or decoded is None:
        result["transform_error"] = "does not parse: " + "; ".join(
            str(e.message) for e in errors or []
        )
        return result
    template = convert_dict(decoded)
    try:
        output = transform(template, region, account)
    except Exception as error:  # the translator's errors have no common base
        result["transform_error"] = f"{type(error).__name__}: {error}"
        return result
    if transformed_out is not None:
        with open(transformed_out, "w", encoding="utf-8") as handle:
            json.dump(output, handle, indent=1, sort_keys=True, default=str)
    try:
        matches = cfnlint.api.lint(json.dumps(output, default=str), regions=[region])
    except Exception as error:  # a cfn-lint crash is a finding, not a pass
        result["findings"] = [
            {"code": "LINT-CRASH", "message": f"{type(error).__name__}: {error}", "path": []}
        ]
        return result
    result["findings"] = sorted(
        (
            {
                "code": match.rule.id,
                "message": match.message,
                "path": [str(p) for p in (getattr(match, "path", None) or [])],
            }
            for match in matches
        ),
        key=lambda f: (f["code"], f["message"]),
    )
    return result


def main():
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("templates", nargs="+")
    arguments.add_argument("--region", default="us-east-1")
    arguments.add_argument("--account", default="111122223333")
    arguments.add_argument("--transformed", help="folder for the transformed templates")
    arguments.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="templates checked at once"
    )
    options = arguments.parse_args()
    if options.transformed:
        os.makedirs(options.transformed, exist_ok=True)
    jobs = [
        (
            path,
            options.region,
            options.account,
            os.path.join(options.transformed, f"{index}.json") if options.transformed else None,
        )
        for index, path in enumerate(options.templates)
    ]
    workers = max(1, min(options.jobs, len(jobs)))
    if workers == 1:
        results = (check(*job) for job in jobs)
        for result in results:
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()
        return
    with multiprocessing.Pool(workers) as pool:
        for result in pool.imap(check_job, jobs, chunksize=4):
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()


def check_job(job):
    return check(*job)


if __name__ == "__main__":
    main()
