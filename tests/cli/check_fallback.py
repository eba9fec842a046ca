"""Checks a model converted with --fallback: the named custom-domain nodes are there with their
attributes, each custom domain has an opset_import entry, and the ONNX checker accepts the model.

Usage: /usr/bin/python3 check_fallback.py MODEL.onnx DOMAIN::OP[:ATTR=VALUE,...] ... [--inputs N]
"""
import sys

import onnx
from onnx import helper


def main():
    args = sys.argv[2:]
    model = onnx.load(sys.argv[1])
    onnx.checker.check_model(model)
    imports = {o.domain: o.version for o in model.opset_import}
    for want in args:
        domain, rest = want.split("::", 1)
        op, _, attr_text = rest.partition(":")
        nodes = [n for n in model.graph.node if n.domain == domain and n.op_type == op]
        if len(nodes) != 1:
            sys.exit(f"FAIL: want one {domain}::{op} node, found {len(nodes)}: "
                     f"{[(n.domain, n.op_type) for n in model.graph.node]}")
        if domain not in imports:
            sys.exit(f"FAIL: no opset_import for domain {domain!r}: {imports}")
        attrs = {a.name: helper.get_attribute_value(a) for a in nodes[0].attribute}
        for pair in filter(None, attr_text.split(",")):
            name, value = pair.split("=")
            got = attrs.get(name)
            got = got.decode() if isinstance(got, bytes) else got
            if got is None or str(round(got, 6) if isinstance(got, float) else got) != value:
                sys.exit(f"FAIL: {domain}::{op} attribute {name} is {got!r}, want {value}")
        print(f"ok: {domain}::{op} with inputs {list(nodes[0].input)} and attributes {attrs}")


if __name__ == "__main__":
    main()
