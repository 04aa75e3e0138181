#!/usr/bin/env bash
# Regenerates crates/leash-iac/data/sam-policy-templates.json,
# crates/leash-iac/data/sam-connector-profiles.json (and the shared .version)
# from AWS SAM's own data inside the aws-sam-translator wheel on PyPI:
# samtranslator/policy_templates_data/policy_templates.json (policy
# templates) and samtranslator/model/connector_profiles/profiles.json (what
# each AWS::Serverless::Connector grants, per source and destination type),
# and crates/leash-iac/data/sam-implicit-managed-policies.json: the managed
# policies SAM's transform attaches to the roles it generates, per feature
# (event source type, Tracing, VpcConfig, DurableConfig), read by running
# the transform of that release offline on probe templates
# (implicit_policies.py beside this script).
#
# Usage: scripts/gen-sam-policy-templates/run.sh [--check] [VERSION]
#   VERSION  the aws-sam-translator release; default: the one pinned in
#            crates/leash-iac/data/sam-policy-templates.version. Pass a newer
#            one to move, then run `cargo test -p leash-iac` and commit both
#            data files and docs/iac.md's version line.
#   --check  writes nothing; fails when the committed data is not what the
#            pinned release generates (needs PyPI).
# Needs python3 with pip and venv (the transform runs in a temporary venv
# with aws-sam-translator and its dependencies from PyPI).
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
data_dir="$repo_root/crates/leash-iac/data"
check=false
version=""
for argument in "$@"; do
    case "$argument" in
        --check) check=true ;;
        *) version="$argument" ;;
    esac
done
if [ -z "$version" ]; then
    version="$(sed -n 's/^aws-sam-translator //p' "$data_dir/sam-policy-templates.version")"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" \
    "aws-sam-translator==$version"
wheel="$(ls "$work"/aws_sam_translator-*.whl)"

out_dir="$data_dir"
if $check; then
    out_dir="$work/out"
    mkdir -p "$out_dir"
fi

python3 - "$wheel" "$out_dir" "$version" <<'PY'
import json, sys, zipfile
wheel, out_dir, version = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(wheel) as archive:
    data = json.loads(archive.read("samtranslator/policy_templates_data/policy_templates.json"))
# Keep what expansion needs: parameter names and the statements.
compact = {
    "Version": data.get("Version"),
    "Templates": {
        name: {
            "Parameters": sorted(body.get("Parameters", {}).keys()),
            "Definition": body["Definition"],
        }
        for name, body in sorted(data["Templates"].items())
    },
}
with open(f"{out_dir}/sam-policy-templates.json", "w") as out:
    json.dump(compact, out, separators=(",", ":"), sort_keys=True)
    out.write("\n")
# Connector profiles: the permissions per source type, destination type and
# access category, and how each type's ARN, name and id are referenced.
with zipfile.ZipFile(wheel) as archive:
    profiles = json.loads(archive.read("samtranslator/model/connector_profiles/profiles.json"))
connectors = {
    "Version": profiles.get("Version"),
    "Permissions": profiles["Permissions"],
    "CfnResourceProperties": profiles["CfnResourceProperties"],
}
with open(f"{out_dir}/sam-connector-profiles.json", "w") as out:
    json.dump(connectors, out, separators=(",", ":"), sort_keys=True)
    out.write("\n")
with open(f"{out_dir}/sam-policy-templates.version", "w") as out:
    out.write(f"aws-sam-translator {version}\n")
pairs = sum(len(d) for d in connectors["Permissions"].values())
print(f"aws-sam-translator {version}: {len(compact['Templates'])} policy templates, {pairs} connector profiles")
PY

python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "aws-sam-translator==$version"
"$work/venv/bin/python" "$(dirname "$0")/implicit_policies.py" \
    "$out_dir/sam-implicit-managed-policies.json" 2> >(grep -v 'unpublished metrics' >&2)
echo "aws-sam-translator $version: implicit managed policies per feature"

if $check; then
    for file in sam-policy-templates.json sam-connector-profiles.json \
        sam-implicit-managed-policies.json sam-policy-templates.version; do
        if ! cmp -s "$out_dir/$file" "$data_dir/$file"; then
            echo "stale: crates/leash-iac/data/$file; run scripts/gen-sam-policy-templates/run.sh" >&2
            exit 1
        fi
    done
    echo "SAM policy template data is current"
fi
