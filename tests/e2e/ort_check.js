// ort_check.js: runs an ONNX model in ONNX Runtime on a pt2onnx_reference case; compares outputs with LibTorch.
//
// Usage: node ort_check.js MODEL.onnx CASEDIR [--rtol R] [--atol A]
//        node ort_check.js MODEL.onnx --test-data DIR [--rtol R] [--atol A]
// CASEDIR/meta.json lists inputs and outputs (name, dtype, dims, file) as written by pt2onnx_reference.
// With --test-data, every DIR/test_data_set_N (input_K.pb, output_K.pb, as pt2onnx --test-data
// writes them) is read with the TensorProto decoder below, independent of pt2onnx's own reader.
// Inputs are fed to the model's inputs in order (names must match); outputs are compared in order.
// Floats pass when |got - want| <= atol + rtol * |want| element-wise; ints and bools must be equal;
// dtype and shape must match exactly. Exits 1 on any mismatch, 2 on usage or runtime errors.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int64: BigInt64Array,
  int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};
const FLOATS = new Set(['float32', 'float64', 'float16']);

function parseArgs(argv) {
  const opts = {rtol: 1e-3, atol: 1e-4, positional: [], testData: null};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rtol' || argv[i] === '--atol') {
      opts[argv[i].slice(2)] = Number(argv[++i]);
    } else if (argv[i] === '--test-data') {
      opts.testData = argv[++i];
      opts.positional.push(opts.testData);
    } else {
      opts.positional.push(argv[i]);
    }
  }
  if (opts.positional.length !== 2 || Number.isNaN(opts.rtol) || Number.isNaN(opts.atol)) {
    throw new Error('usage: node ort_check.js MODEL.onnx (CASEDIR | --test-data DIR) [--rtol R] [--atol A]');
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

// onnx.TensorProto fields pt2onnx writes: dims (1), data_type (2), name (8), raw_data (9).
const ONNX_TYPES = {1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64'};

function readVarint(buf, pos) {
  let value = 0n;
  for (let shift = 0n; ; shift += 7n) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [value, pos];
  }
}

// Returns {name, dtype, dims, data}; tensors must keep their values in raw_data.
function decodeTensorProto(buf, file) {
  const t = {name: '', dataType: 0, dims: [], raw: null};
  let pos = 0;
  while (pos < buf.length) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      let v;
      [v, pos] = readVarint(buf, pos);
      if (field === 1) t.dims.push(Number(BigInt.asIntN(64, v)));
      if (field === 2) t.dataType = Number(v);
    } else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      const body = buf.subarray(pos, pos + Number(len));
      pos += Number(len);
      if (field === 1) {  // packed dims
        for (let p = 0; p < body.length;) {
          let v;
          [v, p] = readVarint(body, p);
          t.dims.push(Number(BigInt.asIntN(64, v)));
        }
      } else if (field === 8) {
        t.name = body.toString('utf8');
      } else if (field === 9) {
        t.raw = body;
      } else if ([4, 5, 7, 10, 11].includes(field)) {
        throw new Error(`${file}: values in typed fields, not raw_data`);
      }
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else {
      throw new Error(`${file}: not a TensorProto (wire type ${wire})`);
    }
  }
  const dtype = ONNX_TYPES[t.dataType];
  if (!dtype) throw new Error(`${file}: element type ${t.dataType} not handled`);
  const TypedArray = ARRAYS[dtype];
  const count = t.dims.reduce((a, b) => a * b, 1);
  const raw = t.raw || Buffer.alloc(0);
  if (raw.length !== count * TypedArray.BYTES_PER_ELEMENT) {
    throw new Error(`${file}: ${raw.length} bytes of raw_data, want ${count} x ${dtype}`);
  }
  const data = new TypedArray(count);
  new Uint8Array(data.buffer).set(raw);
  return {name: t.name, dtype, dims: t.dims, data};
}

// Every DIR/test_data_set_N in order: {inputs: [...], outputs: [...]} of decoded tensors.
function readTestData(dir) {
  const sets = [];
  for (let n = 0; fs.existsSync(path.join(dir, `test_data_set_${n}`)); n++) {
    const set = {dir: path.join(dir, `test_data_set_${n}`), inputs: [], outputs: []};
    for (const kind of ['input', 'output']) {
      for (let k = 0; ; k++) {
        const file = path.join(set.dir, `${kind}_${k}.pb`);
        if (!fs.existsSync(file)) break;
        set[`${kind}s`].push(decodeTensorProto(fs.readFileSync(file), file));
      }
    }
    sets.push(set);
  }
  if (!sets.length) throw new Error(`${dir}: no test_data_set_0`);
  return sets;
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

async function checkTestData(modelPath, opts) {
  const session = await ort.InferenceSession.create(modelPath);
  let failures = 0;
  let total = 0;
  for (const set of readTestData(opts.testData)) {
    const label = path.basename(set.dir);
    const inNames = set.inputs.map((t) => t.name);
    const outNames = set.outputs.map((t) => t.name);
    if (String(inNames) !== String(session.inputNames) || String(outNames) !== String(session.outputNames)) {
      console.log(`MISMATCH: ${label} names inputs [${inNames}] and outputs [${outNames}], the model ` +
                  `[${session.inputNames}] and [${session.outputNames}]`);
      return 1;
    }
    const feeds = {};
    for (const t of set.inputs) feeds[t.name] = new ort.Tensor(t.dtype, t.data, t.dims);
    const results = await session.run(feeds);
    set.outputs.forEach((want, i) => {
      const r = compare(i, want, want.data, {name: want.name, tensor: results[want.name]}, opts.rtol, opts.atol);
      console.log(`${r.ok ? '' : 'MISMATCH: '}${label} ${r.line}`);
      total++;
      if (!r.ok) failures++;
    });
  }
  if (!failures) return 0;
  console.log(`${failures} of ${total} outputs differ from the test data (rtol ${opts.rtol}, atol ${opts.atol})`);
  return 1;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const [modelPath, caseDir] = opts.positional;
  if (opts.testData) return checkTestData(modelPath, opts);
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
