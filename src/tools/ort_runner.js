// pt2onnx verify's ONNX Runtime runner for Node.js (onnxruntime-node). pt2onnx embeds this file and
// writes it to a temporary directory; it is not meant to be run by hand.
//
// Usage: node ort_runner.js --probe             prints the onnxruntime-node version
//        node ort_runner.js MODEL.onnx DIR      runs DIR/feeds.tsv, writes DIR/results.tsv
// feeds.tsv lines: `input<TAB>SET<TAB>NAME<TAB>DTYPE<TAB>D0,D1,...<TAB>FILE` (raw little-endian data).
// results.tsv lines: `output<TAB>SET<TAB>NAME<TAB>DTYPE<TAB>DIMS<TAB>FILE` for each output of each set.
// Exit codes: 0 ran, 3 onnxruntime-node cannot be loaded, 4 the model cannot be loaded or run.
'use strict';

const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.error(`onnxruntime-node cannot be loaded: ${e.message.split('\n')[0]}`);
  process.exit(3);
}

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array,
  int16: Int16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
};

function readFeed(dir, dtype, dims, file) {
  const TypedArray = ARRAYS[dtype];
  if (!TypedArray) throw new Error(`input element type ${dtype} is not supported by this runner`);
  const bytes = fs.readFileSync(path.join(dir, file));
  const data = new TypedArray(bytes.length / TypedArray.BYTES_PER_ELEMENT);
  new Uint8Array(data.buffer).set(bytes);
  return new ort.Tensor(dtype, data, dims);
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--probe') {
    let version = '?';
    try {
      version = require('onnxruntime-node/package.json').version;
    } catch (e) {
      // older packages do not export package.json
    }
    console.log(`onnxruntime-node ${version}`);
    return 0;
  }
  const [modelPath, dir] = args;
  const sets = new Map();
  for (const line of fs.readFileSync(path.join(dir, 'feeds.tsv'), 'utf8').split('\n')) {
    if (!line) continue;
    const [kind, set, name, dtype, dims, file] = line.split('\t');
    if (kind !== 'input') continue;
    if (!sets.has(set)) sets.set(set, {});
    sets.get(set)[name] = {dtype, dims: dims ? dims.split(',').map(Number) : [], file};
  }
  let session;
  try {
    session = await ort.InferenceSession.create(modelPath);
  } catch (e) {
    console.error(`ONNX Runtime cannot load the model: ${e.message.split('\n')[0]}`);
    return 4;
  }
  const lines = [];
  for (const [set, inputs] of sets) {
    const feeds = {};
    for (const [name, f] of Object.entries(inputs)) feeds[name] = readFeed(dir, f.dtype, f.dims, f.file);
    let results;
    try {
      results = await session.run(feeds);
    } catch (e) {
      console.error(`ONNX Runtime failed on test_data_set_${set}: ${e.message.split('\n')[0]}`);
      return 4;
    }
    session.outputNames.forEach((name, k) => {
      const t = results[name];
      const file = `got_${set}_${k}.bin`;
      if (typeof t.data[0] === 'string') throw new Error(`output ${name} holds strings`);
      fs.writeFileSync(path.join(dir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      lines.push(['output', set, name, t.type, t.dims.join(','), file].join('\t'));
    });
  }
  fs.writeFileSync(path.join(dir, 'results.tsv'), lines.join('\n') + '\n');
  return 0;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  console.error(`ONNX Runtime runner: ${e.message.split('\n')[0]}`);
  process.exitCode = 4;
});
