// Frontend: load a TorchScript archive, prepare its graph, learn every value's dtype and shape.
#pragma once

#include <torch/csrc/jit/api/module.h>

#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/value_meta.h"
#include "pt2onnx/pt2onnx.h"

namespace pt2onnx {

// Checks that a model path is a readable file that may be TorchScript. Throws Error(kModelInput)
// for a missing, empty, unreadable or truncated file and Error(kModelFormat) for a file of another
// kind (ONNX, a torch.save pickle, a TorchScript mobile file, a zip without code), naming it and
// what to do instead (src/frontend/model_file.cpp).
void checkModelFile(const std::string& path);

// The CRC-32 check of an archive's weights, which goes on on a second thread while the model loads
// and converts: a damaged weight cannot crash LibTorch, only change the results. wait() throws
// Error(kModelInput) naming a damaged entry; destroying the check stops it.
class WeightCheck {
 public:
  WeightCheck();
  WeightCheck(WeightCheck&&) noexcept;
  WeightCheck& operator=(WeightCheck&&) noexcept;
  ~WeightCheck();
  void wait();

 private:
  friend WeightCheck startModelFileCheck(const std::string& path);
  struct State;
  std::unique_ptr<State> state_;
};

// checkModelFile() with the weights' checksums left to the returned check: wait for it before
// anything made from the model is written.
WeightCheck startModelFileCheck(const std::string& path);

// The library that provides an operator LibTorch itself does not have ("torchvision" for
// torchvision::nms; the namespace itself for a custom library), or nullopt for LibTorch's own
// namespaces (aten::, prim::, ...).
std::optional<std::string> operatorLibrary(const std::string& op);

// Loads shared libraries that register TorchScript operators (--load-library), in order, as
// torch.ops.load_library does (src/frontend/libraries.cpp). Throws Error(kLibrary).
void loadLibraries(const std::vector<std::string>& paths);

// Where a stored weight record's bytes are in a TorchScript archive (src/frontend/model_file.cpp).
struct ArchiveSpan {
  uint64_t offset;
  uint64_t size;
};
// The stored (uncompressed) records under "<folder>/data/", in file order; empty for a file that is
// not a zip archive.
std::vector<ArchiveSpan> weightRecordSpans(const std::string& path);

// torch::jit::load of an archive on the CPU with its weights left in a private mapping of the file
// instead of copied into fresh memory (src/frontend/mapped_load.cpp); as torch::jit::load where the
// file cannot be mapped. Throws what torch::jit::load throws.
torch::jit::Module loadMapped(const std::string& path);

// Checks the archive (checkModelFile), loads it and checks it has `method`. Throws Error(kModelInput).
torch::jit::Module loadModule(const std::string& path, const std::string& method = "forward");
// loadModule() of an archive startModelFileCheck() has passed.
torch::jit::Module loadCheckedModule(const std::string& path, const std::string& method = "forward");

// Example input specs the archive carries (bundled inputs, or an extra file "pt2onnx_inputs"
// holding --input specs); empty when it has none.
std::vector<InputSpec> storedInputSpecs(torch::jit::Module& module, const std::string& path);

// Device constants other than the CPU (`torch.device("cuda:0")` in a model traced on a GPU) and
// `.cuda()` calls read as the CPU in every function of the module (src/frontend/devices.cpp); a
// warning names the devices. Returns how many.
size_t moveDevicesToCpu(torch::jit::Module& module);

// Calls `visit` with the graph of every function and method the module's code defines (its
// compilation unit), before freezing copies them: for rewrites of the code as loaded.
void forEachCodeGraph(torch::jit::Module& module, const std::function<void(torch::jit::Graph&)>& visit);

// A Python number in traced code (`ids * 1e-6`) is a 0-d tensor constant in the archive, which
// loads without the wrapped-number mark the tracer gave it: run as is, int64 * 1e-6 would be a
// float64 tensor where PyTorch (eager, and the loaded module run with its default optimizations)
// gives float32. This marks the 0-d float64 and int64 tensor constants of every function of the
// module again, so that runs promote them as numbers (src/frontend/wrapped_numbers.cpp).
void markWrappedNumbers(torch::jit::Module& module);

// A module whose weights are float16 or bfloat16 (which LibTorch's CPU kernels mostly cannot run)
// is widened to float32: weights, and dtype arguments and .half() calls in its code
// (src/frontend/half_models.cpp); a warning says so. Returns whether it was.
bool widenHalfModel(torch::jit::Module& module);

// The method's graph of the frozen module (eval mode, parameters as constants) after LibTorch's
// clean-up passes (inline, tuple lowering, mutation removal, constant propagation, dead code
// elimination). Replaces `module` with the frozen one.
std::shared_ptr<torch::jit::Graph> prepareGraph(torch::jit::Module& module, const std::string& method = "forward");

// Replaces attribute reads that freezing left (prim::GetAttr chains from self) with constants
// from the module, unless the graph writes attributes. Returns how many.
size_t resolveAttributes(std::shared_ptr<torch::jit::Graph>& graph,
                         const c10::intrusive_ptr<c10::ivalue::Object>& self);

// The clean-up passes prepareGraph runs, for graphs that do not come from a module (op tests).
void cleanupGraph(std::shared_ptr<torch::jit::Graph>& graph);

// Makes in-place writes through views functional (src/frontend/view_writes.cpp): the write is
// computed on the view and scattered back into its base. Returns how many writes it rewrote.
size_t functionalizeViewWrites(std::shared_ptr<torch::jit::Graph>& graph);

// Graph inputs and constants (frozen buffers) that the model writes in place, through views or
// not, are copied first, so mutation removal can make the writes functional: an ONNX model cannot
// change its inputs; outputs that return a written input carry the new values. Returns how many.
size_t cloneWrittenInputs(std::shared_ptr<torch::jit::Graph>& graph);

// In-place binary operators whose functional form could change the dtype (a float16 tensor
// multiplied in place by a float32 one) become a copy into self. Returns how many.
size_t keepInPlaceDtypes(std::shared_ptr<torch::jit::Graph>& graph);

// Module attributes the method writes (prim::SetAttr) and reads back become data flow
// (src/frontend/attribute_writes.cpp). Returns how many writes it removed.
size_t forwardAttributeWrites(std::shared_ptr<torch::jit::Graph>& graph);

// Objects of TorchScript classes made in the graph (prim::CreateObject) that never leave it: attribute
// reads take the values written, and the objects go (src/frontend/objects.cpp). Returns how many.
size_t replaceObjectAttributes(std::shared_ptr<torch::jit::Graph>& graph);

// nn.TransformerEncoder's nested-tensor fast path written on the padded batch with key padding
// masks (src/frontend/nested_padding.cpp). Returns how many nested tensors it replaced.
size_t padNestedTensors(std::shared_ptr<torch::jit::Graph>& graph);

// torch 2.x's run-time test whether a transformer's mask is the causal one, which only picks the
// attention kernel, becomes False (src/frontend/causal_hint.cpp). Returns how many tests.
size_t dropCausalMaskTests(std::shared_ptr<torch::jit::Graph>& graph);

// Dicts filled by assignment with constant keys in one block (src/frontend/dict_writes.cpp) become
// prim::DictConstruct nodes with the entries assigned so far. Returns how many dicts.
size_t lowerDictWrites(std::shared_ptr<torch::jit::Graph>& graph);

// Lists written in straight-line code (append, insert, pop, extend, `+=`, item assignment, clear,
// reverse, with constant indices) become prim::ListConstruct nodes with the items they hold at
// each read (src/frontend/list_writes.cpp). Returns how many lists.
size_t lowerListWrites(torch::jit::Graph& graph);

// Replaces `read`, xs[i] with a constant i of the list `made` (a prim::ListConstruct), by that item
// and destroys it; returns the item's position, or nullopt (nothing changed) for an index out of
// range, which raises in the model (src/frontend/list_writes.cpp).
std::optional<size_t> replaceItemRead(torch::jit::Node* made, torch::jit::Node* read);

// The aten::copy nodes mutation removal leaves, as type_as and expand_as. Returns how many.
size_t lowerCopies(std::shared_ptr<torch::jit::Graph>& graph);

// In-place writes inside branches and loop bodies to tensors from outside them are carried
// through the If or Loop as an extra output (src/frontend/block_writes.cpp). Returns how many.
size_t carryBlockWrites(std::shared_ptr<torch::jit::Graph>& graph);

// Appends in loops to lists made before them, where the trip count is known only at run time,
// become loop-carried lists (`outs = outs + [t]`), ONNX sequences in the converted model.
// Returns how many lists.
size_t carryListAppends(std::shared_ptr<torch::jit::Graph>& graph);

// Lists returned by an if whose branches both build one of the same length become one If output
// per item, the list built after the if (src/frontend/branch_lists.cpp). Returns how many lists.
size_t splitBranchLists(std::shared_ptr<torch::jit::Graph>& graph);

// Takes the branches that raise exceptions (input checks in scripted code) out of the graph, as
// if every check passed. Returns how many raise statements there were.
size_t removeExceptionPaths(std::shared_ptr<torch::jit::Graph>& graph);

// Unrolls loops with a fixed trip count that append to (or otherwise mutate) a list, then lets
// mutation removal build the list directly (scripted F.interpolate's output size). Returns
// whether the graph changed, in which case it must be recorded again.
bool unrollListLoops(std::shared_ptr<torch::jit::Graph>& graph);

// Tensor inputs of forward() (without self), after tuple lowering.
std::vector<torch::jit::Value*> forwardInputs(torch::jit::Graph& graph);

// What running the model with example inputs told us about one value.
struct Observation {
  bool seen = false;
  c10::IValue value;  // tensors: kept only for values the recorder was asked to keep
  c10::ScalarType dtype = c10::ScalarType::Undefined;
  std::vector<int64_t> sizes;
  bool dense = true;                  // contiguous at storage offset 0 in a storage of exactly its size
  std::optional<Quantization> quant;  // a quantized tensor's scale(s) and zero point(s)
};

// The scale(s) and zero point(s) of a quantized tensor (src/frontend/recorder.cpp); storage
// kUndefined for forms ONNX has no 8-bit type for (qint32, float zero points).
Quantization quantizationOf(const at::Tensor& t);

// Rebuilds the inlined call stacks of a frozen graph over functions that stay alive: freezing
// leaves them pointing at freed functions, which a failed run's traceback reads
// (src/frontend/call_stacks.cpp).
void repairCallStacks(torch::jit::Graph& graph);

// Meta kernels for operators LibTorch has none for in C++ (convolution, the encoder fast path's
// attention, a list of operators whose sizes follow from their arguments' sizes), so shapes-only
// runs reach through common models (src/frontend/meta_kernels.cpp).
void registerMetaKernels();

// A meta tensor with `t`'s sizes, strides and dtype.
at::Tensor metaLike(const at::Tensor& t);

// Runs forward() with record hooks after every value, in every block.
class Recorder {
 public:
  Recorder(std::shared_ptr<torch::jit::Graph> graph, const std::unordered_set<const torch::jit::Value*>& keep);
  ~Recorder();
  // Runs the model once; throws c10::Error from LibTorch when the model rejects the inputs.
  // `outputs`, when given, receives what the method returned.
  std::vector<Observation> run(const c10::IValue& self, const std::vector<c10::IValue>& inputs,
                               std::vector<c10::IValue>* outputs = nullptr);
  // Runs the model once on meta tensors (the weights and inputs with their sizes and dtypes but no
  // data): every size a run sees, at no cost in arithmetic. nullopt, with the reason in `why`,
  // when the model needs real values (a size or branch read from data, an operator without a meta
  // kernel, a tensor made on the CPU beside the meta ones). Its kept tensor values are meta tensors.
  std::optional<std::vector<Observation>> runShapesOnly(const c10::IValue& self, const std::vector<c10::IValue>& inputs,
                                                        std::string* why = nullptr);
  // Runs only what the kept tensor values are made from (on real values), taking the numbers
  // `shapes` (runShapesOnly()'s observations) saw as given: with runShapesOnly(), the example run
  // without computing what the model returns.
  std::vector<Observation> runKept(const c10::IValue& self, const std::vector<c10::IValue>& inputs,
                                   const std::vector<Observation>& shapes);
  const std::vector<torch::jit::Value*>& values() const { return values_; }
  // Takes the hooks out of the graph again.
  void detach();

 private:
  // run() of `graph`: the recorded graph, or a copy of it whose hooks keep their ids.
  std::vector<Observation> runGraph(const std::shared_ptr<torch::jit::Graph>& graph, const c10::IValue& self,
                                    const std::vector<c10::IValue>& inputs,
                                    std::vector<c10::IValue>* outputs = nullptr);

  std::shared_ptr<torch::jit::Graph> graph_;
  std::vector<torch::jit::Value*> values_;
  std::vector<torch::jit::Node*> hooks_;
  std::unordered_set<const torch::jit::Value*> keep_;
};

// An input axis the user declared dynamic.
struct DynamicInputAxis {
  std::string label;
  size_t input;
  int64_t axis;
};

// What the example runs learned. The maps point into the runs' observations.
using ObservationMap = std::unordered_map<size_t, const Observation*>;

struct ExampleRuns {
  std::vector<Observation> example_run;
  std::vector<std::vector<Observation>> resized_runs;
  std::vector<std::vector<std::vector<int64_t>>> resized_dims;  // per resized run: dims of every input
  // Per run (the example run first, then the resized ones): the input values (copied before the
  // run) and what the method returned; --test-data writes them.
  std::vector<std::vector<c10::IValue>> inputs, outputs;
  // By Value::unique(), which stays valid while folding destroys values and makes new ones (a
  // destroyed value's address may be reused; its id never is).
  ObservationMap example;
  std::vector<ObservationMap> resized;
  ValueMetaMap meta;
};

struct ExampleInput;

// Makes every dim of a tensor whose shape depends on input values (a size read with .item(), a
// mask index, nonzero) dynamic in `meta` (src/frontend/data_sizes.cpp). Returns how many.
size_t markValueDependentSizes(const torch::jit::Graph& graph, ValueMetaMap& meta);

// Runs the graph on the example inputs, then with the dynamic axes resized (src/frontend/shapes.cpp),
// on meta tensors when `on_meta` and the model allows (their inputs and outputs are then not kept:
// test data needs real runs). Throws Error(kModelRun) when the model rejects the examples.
ExampleRuns runExamples(const std::shared_ptr<torch::jit::Graph>& graph, const c10::IValue& self,
                        const std::vector<ExampleInput>& inputs, const std::vector<DynamicInputAxis>& input_axes,
                        bool on_meta);

// Branches the example run did not take have no recorded dtypes: a resized run's, LibTorch's type
// propagation from the input types, and the operators' rules fill in what they can (recorded
// values still take precedence; src/frontend/unrecorded_types.cpp).
void inferUnrecordedTypes(const std::shared_ptr<torch::jit::Graph>& graph, const std::vector<ExampleInput>& inputs,
                          const ExampleRuns& runs);

// The folding stage: environment queries, values that depend only on fixed sizes, and raise
// paths (src/frontend/static_fold.cpp).
void foldGraph(const std::shared_ptr<torch::jit::Graph>& graph, const ExampleRuns& runs);

// Whether dimension `dim` of tensor `value` (negative counts from the end) is the same for every
// input size; kAllDims asks about every dimension.
constexpr int64_t kAllDims = std::numeric_limits<int64_t>::min();
using DimStatic = std::function<bool(const torch::jit::Value* value, int64_t dim)>;

// Values of the top-level block that depend on no input data and on no dynamic size.
std::unordered_set<const torch::jit::Value*> staticValues(const torch::jit::Graph& graph, const DimStatic& dim_static);

// Replaces queries about the run environment (grad mode, autocast, device, a recorded dtype) with
// constants in every block, then propagates constants. Returns how many were folded.
size_t foldEnvironmentQueries(const std::shared_ptr<torch::jit::Graph>& graph, const ObservationMap& run);

// Replaces static values with constants holding what the example run computed, then runs
// constant propagation and dead code elimination. Returns how many values were folded.
size_t foldStaticValues(const std::shared_ptr<torch::jit::Graph>& graph,
                        const std::unordered_set<const torch::jit::Value*>& static_values, const ObservationMap& run1,
                        const std::vector<ObservationMap>& resized);

}  // namespace pt2onnx
