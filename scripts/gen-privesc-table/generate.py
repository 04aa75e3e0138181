"""Compacts the privilege-escalation paths of DataDog/pathfinding.cloud
into the table `leash-lint` embeds (crates/leash-lint/data/privesc-paths.json).

Reads only the machine-readable fields of each path: `id`, `name`,
`category`, and `permissions.required[].permission`; each required
permission's `resourceConstraints` sentence is reduced to the kind of
resource it says must be in `Resource` (`target`), so no prose is copied.
"""

import glob
import json
import os
import re
import sys

import yaml

SOURCE = "DataDog/pathfinding.cloud (Apache-2.0)"
SNAPSHOT = "2025-12-17"

# The resource kinds a constraint can name, checked in order: the first
# whose words occur in the sentence wins ("policy ... attached to a role"
# is about the policy).
TARGETS = [
    ("policy", r"\bpolicy arn\b|\bcustomer-managed policy"),
    ("role", r"\brole\b"),
    ("user", r"\buser\b"),
    ("group", r"\bgroup\b"),
    ("instance", r"\bec2 instance\b"),
    ("function", r"\blambda function\b"),
    ("stack", r"\bstack\b|\bstacks\b|\bstackset|\bchange sets\b"),
]


def target_of(constraint):
    if not isinstance(constraint, str):
        return None
    text = constraint.lower()
    for kind, pattern in TARGETS:
        if re.search(pattern, text):
            return kind
    return None


def main(corpus, output):
    paths = []
    for file in sorted(glob.glob(os.path.join(corpus, "*.yaml"))):
        with open(file, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        required = (data.get("permissions") or {}).get("required") or []
        paths.append(
            {
                "id": data["id"],
                "name": data["name"],
                "category": data["category"],
                "required": [
                    {
                        "action": item["permission"],
                        "target": target_of(item.get("resourceConstraints")),
                    }
                    for item in required
                ],
            }
        )
    table = {
        "source": SOURCE,
        "snapshot": SNAPSHOT,
        "generatedBy": "scripts/gen-privesc-table/run.sh",
        "paths": paths,
    }
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(table, handle, indent=1)
        handle.write("\n")
    print(f"{len(paths)} paths -> {output}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
