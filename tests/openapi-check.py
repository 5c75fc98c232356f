#!/usr/bin/python3
# openapi-check.py OPENAPI_YAML SCHEMA_NAME [DOC]: validates the JSON document DOC (or
# stdin) against components/schemas/SCHEMA_NAME of the OpenAPI document, so that the
# API's own bodies (errors, vote state) are checked as the JSON schemas in docs/ are.
# OpenAPI 3.0's "nullable: true" becomes a null-admitting type; local $refs resolve
# inside the document.
import json
import sys

import jsonschema
import yaml


def nullable(s):
    if isinstance(s, dict):
        s = {k: nullable(v) for k, v in s.items()}
        if s.pop("nullable", False):
            if "enum" in s:
                s["enum"] = list(s["enum"]) + [None]
            if "type" in s:
                s["type"] = [s["type"], "null"] if isinstance(s["type"], str) else s["type"] + ["null"]
        return s
    if isinstance(s, list):
        return [nullable(v) for v in s]
    return s


def main():
    api = nullable(yaml.safe_load(open(sys.argv[1])))
    doc = json.load(open(sys.argv[3]) if len(sys.argv) > 3 else sys.stdin)
    schema = dict(api["components"]["schemas"][sys.argv[2]])
    schema["components"] = api["components"]
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as e:
        print("openapi-check: %s: %s at %s" % (sys.argv[2], e.message, list(e.absolute_path)),
              file=sys.stderr)
        return 1
    return 0


sys.exit(main())
