//! The aggregation as SQL, for trails too big for one machine:
//! `leash usage --emit-sql athena` writes a query for Amazon Athena
//! (Trino) over the CloudTrail table AWS documents
//! (<https://docs.aws.amazon.com/athena/latest/ug/cloudtrail-logs.html>:
//! `useridentity` a struct with `sessioncontext.sessionissuer.arn`,
//! `resources` an array of structs with `arn`, `eventtime`,
//! `eventsource`, `eventname`, `errorcode`, `eventcategory` strings),
//! whose result, saved as CSV or JSON lines, `--from-aggregate` reads.
//!
//! The query applies the rules of `record` in SQL: the principal from
//! `userIdentity`, the IAM prefix from `eventSource`, the event names
//! that are another action (S3, Lambda), one row per resource ARN. What
//! it cannot do is ask the catalog: an event name is taken as the
//! action's name as written (the local reader writes the catalog's
//! spelling, which differs only in letter case), and a Lambda event
//! name's API version is dropped whether or not the catalog knows the
//! rest.

/// The Athena (Trino) query over `table`.
pub fn athena(table: &str) -> String {
    let prefix = "CASE regexp_replace(eventsource, '\\.amazonaws\\.com$', '') \
WHEN 'monitoring' THEN 'cloudwatch' WHEN 'email' THEN 'ses' \
ELSE regexp_replace(eventsource, '\\.amazonaws\\.com$', '') END";
    format!(
        r#"-- leash usage --emit-sql athena: one row per principal, IAM action and
-- resource, the columns of `leash usage`'s JSON lines. Save the result as
-- CSV (or JSON lines) and read it with `leash usage --from-aggregate FILE`.
WITH calls AS (
  SELECT
    CASE
      WHEN useridentity.type = 'AssumedRole' THEN useridentity.sessioncontext.sessionissuer.arn
      WHEN useridentity.type IN ('IAMUser', 'Root', 'FederatedUser', 'IdentityCenterUser', 'Role') THEN useridentity.arn
    END AS principal,
    {prefix} AS prefix,
    eventname,
    eventtime,
    errorcode,
    eventcategory,
    -- One row per resource ARN; the bucket an S3 data event names beside
    -- its object is not a resource of the call.
    transform(
      filter(resources, x -> x.arn IS NOT NULL
        AND NOT (x.type = 'AWS::S3::Bucket' AND contains(transform(resources, y -> y.type), 'AWS::S3::Object'))),
      x -> x.arn) AS arns
  FROM {table}
  WHERE eventsource IS NOT NULL AND eventname IS NOT NULL
),
actions AS (
  SELECT
    principal,
    CASE
      WHEN prefix = 's3' AND eventname = 'HeadObject' THEN ARRAY['s3:GetObject']
      WHEN prefix = 's3' AND eventname = 'ListBuckets' THEN ARRAY['s3:ListAllMyBuckets']
      WHEN prefix = 's3' AND eventname IN ('ListObjects', 'ListObjectsV2', 'HeadBucket') THEN ARRAY['s3:ListBucket']
      WHEN prefix = 's3' AND eventname = 'ListObjectVersions' THEN ARRAY['s3:ListBucketVersions']
      WHEN prefix = 's3' AND eventname IN ('CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload') THEN ARRAY['s3:PutObject']
      WHEN prefix = 's3' AND eventname IN ('UploadPartCopy', 'CopyObject') THEN ARRAY['s3:PutObject', 's3:GetObject']
      WHEN prefix = 's3' AND eventname = 'DeleteObjects' THEN ARRAY['s3:DeleteObject']
      WHEN prefix = 'lambda' AND eventname = 'Invoke' THEN ARRAY['lambda:InvokeFunction']
      WHEN prefix = 'lambda' THEN ARRAY['lambda:' || regexp_replace(eventname, '[0-9]{{8}}.*$', '')]
      ELSE ARRAY[prefix || ':' || eventname]
    END AS names,
    eventtime,
    errorcode,
    eventcategory,
    CASE WHEN cardinality(arns) > 0 THEN arns ELSE ARRAY[CAST(NULL AS VARCHAR)] END AS arns
  FROM calls
  WHERE principal IS NOT NULL
)
SELECT
  principal,
  action,
  r.resource AS resource,
  count(*) AS count,
  min(eventtime) AS first_seen,
  max(eventtime) AS last_seen,
  sum(CASE WHEN errorcode IS NOT NULL THEN 1 ELSE 0 END) AS errors,
  sum(CASE WHEN errorcode LIKE '%AccessDenied%' OR errorcode LIKE '%UnauthorizedOperation%' OR errorcode = 'Unauthorized' THEN 1 ELSE 0 END) AS denied,
  sum(CASE WHEN eventcategory = 'Data' THEN 1 ELSE 0 END) AS data_events
FROM actions
CROSS JOIN UNNEST(names) AS a (action)
CROSS JOIN UNNEST(arns) AS r (resource)
GROUP BY principal, action, r.resource
ORDER BY principal, action, resource
"#
    )
}
