"""Writes sam-implicit-managed-policies.json: the managed policies SAM's
transform attaches to the role it generates, per feature, read by running
the transform (aws-sam-translator, offline) on one small probe template per
feature and region partition.

Usage: python implicit_policies.py OUT_FILE (with aws-sam-translator
installed). Called by run.sh.

Output: {"Function": {"Role": [...], "DurableConfig": [...],
"Tracing": {PARTITION: [...]}, "VpcConfig": [...], "Events": {TYPE: [...]}},
"StateMachine": {"Role": [...], "Tracing": {PARTITION: [...]}}}; names are
the ARN's part after `:policy/` (path included). `Role` is what every
generated role gets; `DurableConfig` replaces it when set; the others are
added by the feature (an event type that adds none, such as MQ, which gets
an inline policy on its own broker instead, maps to []).
"""
import json
import os
import sys

PARTITION_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
ARN = "arn:aws:{}:us-east-1:111122223333:{}"
SECRET = ARN.format("secretsmanager", "secret:probe")
# One minimal valid event per pull (polling) event type of SAM.
EVENTS = {
    "SQS": {"Queue": ARN.format("sqs", "probe")},
    "Kinesis": {"Stream": ARN.format("kinesis", "stream/probe"), "StartingPosition": "LATEST"},
    "DynamoDB": {
        "Stream": ARN.format("dynamodb", "table/probe/stream/2024"),
        "StartingPosition": "LATEST",
    },
    "MSK": {
        "Stream": ARN.format("kafka", "cluster/probe/1"),
        "StartingPosition": "LATEST",
        "Topics": ["t"],
    },
    "MQ": {
        "Broker": ARN.format("mq", "broker:probe:b-1"),
        "Queues": ["q"],
        "SourceAccessConfigurations": [{"Type": "BASIC_AUTH", "URI": SECRET}],
    },
    "SelfManagedKafka": {
        "KafkaBootstrapServers": ["b:9092"],
        "Topics": ["t"],
        "SourceAccessConfigurations": [{"Type": "BASIC_AUTH", "URI": SECRET}],
    },
    "DocumentDB": {
        "Cluster": ARN.format("rds", "cluster:probe"),
        "DatabaseName": "d",
        "SourceAccessConfigurations": [{"Type": "BASIC_AUTH", "URI": SECRET}],
        "StartingPosition": "LATEST",
    },
}


class NoManagedPolicies:
    """The transform looks up managed policy names in `Policies`; the
    probes name none."""

    def load(self):
        return {}


def role_policies(properties, kind="AWS::Serverless::Function", region="us-east-1"):
    os.environ["AWS_DEFAULT_REGION"] = region
    from samtranslator.translator.arn_generator import ArnGenerator
    from samtranslator.translator.transform import transform

    ArnGenerator.BOTO_SESSION_REGION_NAME = region
    if kind == "AWS::Serverless::Function":
        body = {"Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "s3://bucket/key"}
    else:
        body = {"DefinitionUri": "s3://bucket/key"}
    body.update(properties)
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {"Probe": {"Type": kind, "Properties": body}},
    }
    out = transform(template, {}, NoManagedPolicies())
    arns = out["Resources"]["ProbeRole"]["Properties"].get("ManagedPolicyArns", [])
    prefix = f"arn:{[p for p, r in PARTITION_REGIONS.items() if r == region][0]}:iam::aws:policy/"
    for arn in arns:
        if not arn.startswith(prefix):
            sys.exit(f"unexpected managed policy ARN {arn!r}")
    return [arn[len(prefix):] for arn in arns]


def added(base, names):
    missing = [n for n in base if n not in names]
    if missing:
        sys.exit(f"a feature removed {missing} from {base}")
    return [n for n in names if n not in base]


def main():
    out = sys.argv[1]
    base = role_policies({})
    durable = role_policies({"DurableConfig": {"ExecutionTimeout": 60}})
    function = {
        "Role": base,
        "DurableConfig": durable,
        "Tracing": {
            partition: added(
                role_policies({}, region=region),
                role_policies({"Tracing": "Active"}, region=region),
            )
            for partition, region in PARTITION_REGIONS.items()
        },
        "VpcConfig": added(
            base, role_policies({"VpcConfig": {"SubnetIds": ["s"], "SecurityGroupIds": ["g"]}})
        ),
        "Events": {
            event: added(base, role_policies({"Events": {"E": {"Type": event, "Properties": p}}}))
            for event, p in sorted(EVENTS.items())
        },
    }
    # `Tracing: PassThrough` attaches the same as `Active`; `Disabled` none.
    if added(base, role_policies({"Tracing": "PassThrough"})) != function["Tracing"]["aws"]:
        sys.exit("Tracing: PassThrough no longer attaches what Active does")
    if role_policies({"Tracing": "Disabled"}) != base:
        sys.exit("Tracing: Disabled attaches a policy")
    machine_base = role_policies({}, "AWS::Serverless::StateMachine")
    state_machine = {
        "Role": machine_base,
        "Tracing": {
            partition: added(
                role_policies({}, "AWS::Serverless::StateMachine", region),
                role_policies({"Tracing": {"Enabled": True}}, "AWS::Serverless::StateMachine", region),
            )
            for partition, region in PARTITION_REGIONS.items()
        },
    }
    data = {"Function": function, "StateMachine": state_machine}
    with open(out + ".tmp", "w") as stream:
        json.dump(data, stream, indent=1, sort_keys=True)
        stream.write("\n")
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
