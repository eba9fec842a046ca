// ort_check.js: runs an ONNX model in ONNX Runtime on a pt2onnx_reference case; compares outputs with LibTorch.
//
// Usage: node ort_check.js MODEL.onnx CASEDIR [--rtol R] [--atol A]
// CASEDIR/meta.json lists inputs and outputs (name, dtype, dims, file) as written by pt2onnx_reference.
// Inputs are fed to the model's inputs in order (names must match); outputs are compared in order.
// Floats pass when |got - want| <= atol + rtol * |want| element-wise; ints and bools must be equal;
// dtype and shape must match exactly. Exits 1 on any mismatch, 2 on usage or runtime errors.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int64: BigInt64Array,
  int32: Int32Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};
const FLOATS = new Set(['float32', 'float64', 'float16']);

function parseArgs(argv) {
  const opts = {rtol: 1e-3, atol: 1e-4, positional: []};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rtol' || argv[i] === '--atol') {
      opts[argv[i].slice(2)] = Number(argv[++i]);
    } else {
      opts.positional.push(argv[i]);
    }
  }
  if (opts.positional.length !== 2 || Number.isNaN(opts.rtol) || Number.isNaN(opts.atol)) {
    throw new Error('usage: node ort_check.js MODEL.onnx CASEDIR [--rtol R] [--atol A]');
  }
  return opts;
}

function readTensor(dir, entry) {
  const TypedArray = ARRAYS[entry.dtype];
  if (!TypedArray) throw new Error(`${entry.name}: unsupported dtype ${entry.dtype}`);
  const bytes = fs.readFileSync(path.join(dir, entry.file));
  const count = entry.dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * TypedArray.BYTES_PER_ELEMENT) {
    throw new Error(`${entry.file}: ${bytes.length} bytes, want ${count} x ${entry.dtype}`);
  }
  const data = new TypedArray(count);
  new Uint8Array(data.buffer).set(bytes);  // copy: Buffer offsets need not be aligned
  return data;
}

// IEEE 754 binary16 bits -> number.
function halfToNumber(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function values(dtype, data) {
  if (dtype === 'float16' && data instanceof Uint16Array) return Array.from(data, halfToNumber);
  return data;
}

// Returns {ok, line} for one output.
function compare(index, want, wantData, got, rtol, atol) {
  const shape = (dims) => `[${dims.join(',')}]`;
  const label = `output ${index} '${got.name}' ${want.dtype} ${shape(want.dims)}`;
  if (got.tensor.type !== want.dtype || shape(got.tensor.dims) !== shape(want.dims)) {
    const onnx = `${got.tensor.type} ${shape(got.tensor.dims)}`;
    const torch = `${want.dtype} ${shape(want.dims)}`;
    return {ok: false, line: `output ${index} '${got.name}': ONNX Runtime gives ${onnx}, LibTorch ${torch}`};
  }
  const a = values(want.dtype, got.tensor.data);
  const b = values(want.dtype, wantData);
  const exact = !FLOATS.has(want.dtype);
  let maxErr = 0;
  let bad = 0;
  const examples = [];
  for (let i = 0; i < b.length; i++) {
    let pass;
    if (exact) {
      pass = a[i] === b[i];
    } else {
      const same = a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]));  // also equal infinities
      const err = same ? 0 : Math.abs(a[i] - b[i]);
      pass = same || err <= atol + rtol * Math.abs(b[i]);
      if (Number.isNaN(err) || err > maxErr) maxErr = err;  // keeps NaN once seen
    }
    if (!pass && bad++ < 5) examples.push(`[${i}] got ${a[i]} want ${b[i]}`);
  }
  const err = exact ? (bad ? 'values differ' : 'exact') : `max abs err ${maxErr.toExponential(3)}`;
  if (!bad) return {ok: true, line: `${label}: ${err}, ok`};
  return {ok: false, line: `${label}: ${err}, ${bad} of ${b.length} elements out of tolerance: ${examples.join(', ')}`};
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const [modelPath, caseDir] = opts.positional;
  const meta = JSON.parse(fs.readFileSync(path.join(caseDir, 'meta.json'), 'utf8'));
  const session = await ort.InferenceSession.create(modelPath);
  if (session.inputNames.length !== meta.inputs.length || session.outputNames.length !== meta.outputs.length) {
    console.log(`MISMATCH: the ONNX model has ${session.inputNames.length} inputs and ${session.outputNames.length} ` +
                `outputs, LibTorch ${meta.inputs.length} and ${meta.outputs.length}`);
    return 1;
  }
  // The converter is given the input names with --input, so a different name is a bug there.
  const renamed = meta.inputs.filter((entry, i) => entry.name !== session.inputNames[i]);
  if (renamed.length) {
    console.log(`MISMATCH: ONNX inputs are [${session.inputNames}], want [${meta.inputs.map((e) => e.name)}]`);
    return 1;
  }
  const feeds = {};
  meta.inputs.forEach((entry, i) => {
    feeds[session.inputNames[i]] = new ort.Tensor(entry.dtype, readTensor(caseDir, entry), entry.dims);
  });
  const results = await session.run(feeds);
  let failures = 0;
  meta.outputs.forEach((want, i) => {
    const name = session.outputNames[i];
    const r = compare(i, want, readTensor(caseDir, want), {name, tensor: results[name]}, opts.rtol, opts.atol);
    console.log((r.ok ? '' : 'MISMATCH: ') + r.line);
    if (!r.ok) failures++;
  });
  if (!failures) return 0;
  const tolerance = `rtol ${opts.rtol}, atol ${opts.atol}`;
  console.log(`${failures} of ${meta.outputs.length} outputs differ from LibTorch (${tolerance})`);
  return 1;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  console.error(`ort_check: ${e.message}`);
  process.exitCode = 2;
});
