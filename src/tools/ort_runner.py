# pt2onnx verify's ONNX Runtime runner for Python (the onnxruntime package). pt2onnx embeds this file
# and writes it to a temporary directory; it is not meant to be run by hand.
#
# Usage: python3 ort_runner.py --probe             prints the onnxruntime version
#        python3 ort_runner.py MODEL.onnx DIR      runs DIR/feeds.tsv, writes DIR/results.tsv
# The file formats and exit codes are those of ort_runner.js.
import os
import sys

try:
    import numpy as np
    import onnxruntime as ort
except Exception as e:  # ImportError, or a broken installation
    print("onnxruntime cannot be imported: %s" % str(e).splitlines()[0], file=sys.stderr)
    sys.exit(3)

NUMPY = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int64": np.int64,
         "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8, "bool": np.bool_}
NAMES = {np.dtype(v).str: k for k, v in NUMPY.items()}


def main(argv):
    if argv[:1] == ["--probe"]:
        print("onnxruntime %s" % ort.__version__)
        return 0
    model, folder = argv
    sets = {}
    with open(os.path.join(folder, "feeds.tsv"), encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if not line:
                continue
            kind, set_id, name, dtype, dims, file = line.split("\t")
            if kind != "input":
                continue
            shape = [int(d) for d in dims.split(",")] if dims else []
            data = np.fromfile(os.path.join(folder, file), dtype=NUMPY[dtype]).reshape(shape)
            sets.setdefault(set_id, {})[name] = data
    try:
        session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    except Exception as e:
        print("ONNX Runtime cannot load the model: %s" % str(e).splitlines()[0], file=sys.stderr)
        return 4
    names = [o.name for o in session.get_outputs()]
    lines = []
    for set_id, feeds in sets.items():
        try:
            results = session.run(None, feeds)
        except Exception as e:
            print("ONNX Runtime failed on test_data_set_%s: %s" % (set_id, str(e).splitlines()[0]), file=sys.stderr)
            return 4
        for k, (name, value) in enumerate(zip(names, results)):
            value = np.ascontiguousarray(value)
            dtype = NAMES.get(value.dtype.str)
            if dtype is None:
                print("output %s has element type %s, which the runner does not handle" % (name, value.dtype),
                      file=sys.stderr)
                return 4
            file = "got_%s_%d.bin" % (set_id, k)
            value.tofile(os.path.join(folder, file))
            lines.append("\t".join(["output", set_id, name, dtype, ",".join(str(d) for d in value.shape), file]))
    with open(os.path.join(folder, "results.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return 0


sys.exit(main(sys.argv[1:]))
