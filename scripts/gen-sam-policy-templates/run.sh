#!/usr/bin/env bash
# Regenerates crates/leash-iac/data/sam-policy-templates.json from AWS SAM's
# own policy template data (samtranslator/policy_templates_data/policy_templates.json
# inside the aws-sam-translator package on PyPI).
#
# Usage: scripts/gen-sam-policy-templates/run.sh [VERSION]
# Without VERSION the newest release is taken. Needs python3 with pip.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
data_dir="$repo_root/crates/leash-iac/data"
version="${1:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

spec="aws-sam-translator"
if [ -n "$version" ]; then
    spec="aws-sam-translator==$version"
fi
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" "$spec"
wheel="$(ls "$work"/aws_sam_translator-*.whl)"

mkdir -p "$data_dir"
python3 - "$wheel" "$data_dir" <<'PY'
import json, re, sys, zipfile
wheel, data_dir = sys.argv[1], sys.argv[2]
version = re.search(r"aws_sam_translator-([^-]+)-", wheel).group(1)
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
with open(f"{data_dir}/sam-policy-templates.json", "w") as out:
    json.dump(compact, out, separators=(",", ":"), sort_keys=True)
    out.write("\n")
with open(f"{data_dir}/sam-policy-templates.version", "w") as out:
    out.write(f"aws-sam-translator {version}\n")
print(f"aws-sam-translator {version}: {len(compact['Templates'])} policy templates")
PY
