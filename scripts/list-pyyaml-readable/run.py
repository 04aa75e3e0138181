#!/usr/bin/env python3
"""Lists the templates of a folder that PyYAML reads, the way cfn-lint does.

Writes crates/leash-iac/tests/pyyaml-readable.txt: one file name a line
(sorted), the templates under FOLDER (default: ../shared/corpus/sam-templates
beside the repository) that PyYAML's pure-Python SafeLoader reads as one
document with CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`,
...) accepted, as cfn-lint's loader does (cfnlint/decode/cfn_yaml.py reads
with the pure-Python reader, scanner, parser and composer, a
SafeConstructor, and a multi-constructor for every `!` tag). A first line
records the PyYAML version used; the Rust test
crates/leash-iac/tests/pyyaml_corpus.rs reads every listed template.
Also writes, for each fixture crates/leash-iac/tests/fixtures/pyyaml/NAME.yaml,
NAME.json: what PyYAML reads from it (short-form tags as their long form),
which the same test compares with what leash reads.

Usage: scripts/list-pyyaml-readable/run.py [--check] [FOLDER]
  --check  writes nothing; fails when the committed list is not what this
           run produces.
Needs PyYAML (`python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyyaml`,
then run the script with /tmp/venv/bin/python).
"""
import json
import os
import sys

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner


class CfnLoader(Reader, Scanner, Parser, Composer, SafeConstructor, Resolver):
    def __init__(self, stream):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)


def short_form(loader, suffix, node):
    """`!Ref x` -> {"Ref": x}, `!Sub s` -> {"Fn::Sub": s}, as CloudFormation."""
    name = suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", short_form)


def readable(path):
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    try:
        documents = list(yaml.load_all(text, Loader=CfnLoader))
    except yaml.YAMLError:
        return False
    return len(documents) == 1 and isinstance(documents[0], dict)


def main():
    arguments = [a for a in sys.argv[1:] if a != "--check"]
    check = "--check" in sys.argv[1:]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    folder = arguments[0] if arguments else os.path.join(repo, "..", "shared", "corpus", "sam-templates")
    names = sorted(
        name
        for name in os.listdir(folder)
        if name.endswith((".yaml", ".yml", ".json", ".template"))
        and readable(os.path.join(folder, name))
    )
    fixtures = os.path.join(repo, "crates", "leash-iac", "tests", "fixtures", "pyyaml")
    outputs = {}
    for name in sorted(os.listdir(fixtures)):
        if name.endswith(".yaml"):
            with open(os.path.join(fixtures, name), encoding="utf-8") as stream:
                document = yaml.load(stream.read(), Loader=CfnLoader)
            json_name = os.path.join(fixtures, name[: -len(".yaml")] + ".json")
            outputs[json_name] = json.dumps(document, indent=2, sort_keys=True) + "\n"
    text = f"# PyYAML {yaml.__version__}\n" + "".join(f"{name}\n" for name in names)
    outputs[os.path.join(repo, "crates", "leash-iac", "tests", "pyyaml-readable.txt")] = text
    if check:
        for out, expected in outputs.items():
            with open(out, encoding="utf-8") as committed:
                if committed.read() != expected:
                    sys.exit(f"stale: {out}; run scripts/list-pyyaml-readable/run.py")
        print("the PyYAML-readable list and fixtures are current")
        return
    for out, expected in outputs.items():
        temporary = out + ".tmp"
        with open(temporary, "w", encoding="utf-8") as stream:
            stream.write(expected)
        os.replace(temporary, out)
    print(f"{len(names)} templates PyYAML reads, of {folder}")


if __name__ == "__main__":
    main()
