#!/usr/bin/python3
# schema-check.py SCHEMA_DIR SCHEMA_FILE [DOC]: validates the JSON document DOC (or
# stdin) against SCHEMA_FILE with jsonschema (Debian's python3-jsonschema). Schemas
# that point at another one ("$ref": "https://portlore.dev/schema/report/1#...") find
# it among the SCHEMA_DIR/*.schema.json files by "$id".
import glob
import json
import sys

import jsonschema

def main():
    schema_dir, schema_file = sys.argv[1], sys.argv[2]
    doc = json.load(open(sys.argv[3]) if len(sys.argv) > 3 else sys.stdin)
    store = {}
    for path in glob.glob(schema_dir + "/*.schema.json"):
        s = json.load(open(path))
        store[s["$id"]] = s
    schema = json.load(open(schema_file))
    jsonschema.Draft202012Validator.check_schema(schema)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    errors = sorted(jsonschema.Draft202012Validator(schema, resolver=resolver).iter_errors(doc),
                    key=lambda e: list(e.path))
    for e in errors[:10]:
        print("%s: at %s: %s" % (schema_file, "/".join(str(p) for p in e.path), e.message))
    return 1 if errors else 0

sys.exit(main())
