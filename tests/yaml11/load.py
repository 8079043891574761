"""What PyYAML makes of YAML documents, for tests/cli/yaml11/: the same answers as load.rb
gives for Ruby's Psych (see there), with yaml.safe_load."""
import datetime
import json
import struct
import sys

import yaml


def float_text(v):
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return struct.pack(">d", v).hex()


def reading(v):
    if v is None:
        return ["null", None]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["float", float_text(v)]
    if isinstance(v, str):
        return ["str", v]
    return ["other", type(v).__name__]


def canon(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool:" + ("true" if v else "false")
    if isinstance(v, int):
        return "num:%d" % v
    if isinstance(v, float):
        if v == v and abs(v) < 2**53 and v == int(v):
            return "num:%d" % int(v)
        return "float:" + float_text(v)
    if isinstance(v, str):
        return "str:" + json.dumps(v)
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            return "naive:" + v.isoformat()
        return "time:" + v.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(v, datetime.date):
        return "date:" + v.isoformat()
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(sorted("%s=>%s" % (canon(k), canon(x)) for k, x in v.items())) + "}"
    return "other:" + type(v).__name__


def raw(text):
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == "k" and isinstance(v, yaml.ScalarNode):
            return v.value
    return None


out = []
for text in json.load(sys.stdin):
    try:
        doc = yaml.safe_load(text)
        k = reading(doc["k"]) if isinstance(doc, dict) and "k" in doc else None
        out.append({"canon": canon(doc), "reading": k, "raw": raw(text), "error": None})
    except Exception as e:  # noqa: BLE001 - any failure to load is an answer
        out.append({"canon": None, "reading": None, "raw": None, "error": ("%s: %s" % (type(e).__name__, e))[:200]})
print(json.dumps(out))
