"""Writes the SDK operation table of leash-code from botocore's service models.

Usage: python extract.py OUTPUT  (botocore importable)

One line per operation, tab-separated:
  service  operation  method  resource-members
service: botocore's service name (what `boto3.client(NAME)` takes);
operation: the API operation name; method: the snake_case client method
boto3 generates for it (botocore.xform_name); resource-members: the
operation's top-level input members that name a resource, comma-separated.
Header lines start with `#`: the botocore version, and per service
`#service NAME SIGNING-NAME SERVICE-ID` (the SDK v3 package suffix is the
service id lowercased with spaces as dashes).
"""
import re
import sys

import botocore
import botocore.session
from botocore import xform_name

# The services the sam-apps corpus calls (and their neighbours).
SERVICES = """
ec2 dynamodb dynamodbstreams s3 sqs sns lambda stepfunctions events secretsmanager
ssm kinesis firehose kms apigatewaymanagementapi bedrock-runtime bedrock
bedrock-agent-runtime rekognition comprehend translate ses sesv2 cognito-idp
sts cloudwatch logs xray iot-data textract polly transcribe athena glue ecs
sagemaker-runtime appconfigdata scheduler pipes location personalize-runtime
resourcegroupstaggingapi qbusiness pinpoint mediaconvert route53 rds-data acm
""".split()

# Input members that name (or locate) a resource, in any case (Step
# Functions writes `stateMachineArn`).
RESOURCE_MEMBER = re.compile(
    r"^(TableName|Bucket|Key|QueueUrl|TopicArn|TargetArn|FunctionName|StateMachineArn|"
    r"ExecutionArn|SecretId|Name|Names|Path|StreamName|StreamARN|DeliveryStreamName|KeyId|"
    r"EventBusName|UserPoolId|ConnectionId|modelId|ModelId|logGroupName|LogGroupName|"
    r"ResourceArn|ApplicationIdentifier|EndpointName|WorkGroup|DatabaseName|cluster|"
    r"taskDefinition|topic|thingName|CollectionId|TerminologyNames|Entries|RequestItems|"
    r"TransactItems|Statement|Statements|TransactStatements|Identity|FromEmailAddress|"
    r"Source|ScheduleName|GroupName|agentId|agentAliasId|knowledgeBaseId|Namespace)$",
    re.IGNORECASE,
)


def main():
    out_path = sys.argv[1]
    session = botocore.session.get_session()
    lines = ["# botocore " + botocore.__version__]
    rows = []
    for name in SERVICES:
        model = session.get_service_model(name)
        meta = model.metadata
        signing = meta.get("signingName") or meta.get("endpointPrefix")
        lines.append("#service %s %s %s" % (name, signing, meta["serviceId"].replace(" ", "_")))
        for op_name in model.operation_names:
            op = model.operation_model(op_name)
            members = []
            if op.input_shape is not None:
                members = [m for m in op.input_shape.members if RESOURCE_MEMBER.match(m)]
            rows.append("%s\t%s\t%s\t%s" % (name, op_name, xform_name(op_name), ",".join(members)))
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines + rows) + "\n")


main()
