// verify's in-process runner: ONNX Runtime's C++ API, compiled in when CMake finds the onnxruntime
// package (PT2ONNX_HAVE_ORT); without it the functions say so and verify uses Node.js or Python.
#include "tools/ort_inprocess.h"

#include <ATen/ATen.h>

#include <cstring>

#include "core/diagnostics.h"
#include "onnx/dtype.h"
#include "pt2onnx/pt2onnx.h"

#ifdef PT2ONNX_HAVE_ORT
#include <onnxruntime_cxx_api.h>
#endif

namespace pt2onnx {

#ifdef PT2ONNX_HAVE_ORT

std::string inProcessOrtVersion() { return Ort::GetVersionString(); }

std::vector<std::vector<NamedTensor>> runInProcess(const std::string& model, const std::vector<TestDataSet>& sets) {
  std::vector<std::vector<NamedTensor>> results;
  try {
    Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "pt2onnx");
    Ort::SessionOptions options;
    Ort::Session session(env, model.c_str(), options);
    Ort::AllocatorWithDefaultOptions allocator;
    std::vector<std::string> output_names;
    for (size_t k = 0; k < session.GetOutputCount(); ++k)
      output_names.push_back(session.GetOutputNameAllocated(k, allocator).get());
    std::vector<const char*> output_ptrs;
    for (const auto& n : output_names) output_ptrs.push_back(n.c_str());
    auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    for (const auto& set : sets) {
      std::vector<at::Tensor> held;  // the fed tensors' memory, alive through Run
      std::vector<Ort::Value> feeds;
      std::vector<const char*> input_names;
      std::vector<std::vector<int64_t>> shapes;
      for (const auto& in : set.inputs) {
        held.push_back(in.tensor.contiguous());
        shapes.push_back(in.tensor.sizes().vec());
        const auto type = static_cast<ONNXTensorElementDataType>(toOnnx(fromTorch(in.tensor.scalar_type())));
        feeds.push_back(Ort::Value::CreateTensor(memory, held.back().data_ptr(), held.back().nbytes(),
                                                 shapes.back().data(), shapes.back().size(), type));
        input_names.push_back(in.name.c_str());
      }
      auto outputs = session.Run(Ort::RunOptions{nullptr}, input_names.data(), feeds.data(), feeds.size(),
                                 output_ptrs.data(), output_ptrs.size());
      std::vector<NamedTensor> got;
      for (size_t k = 0; k < outputs.size(); ++k) {
        auto info = outputs[k].GetTensorTypeAndShapeInfo();
        const DType dtype = fromOnnx(static_cast<int32_t>(info.GetElementType()));
        if (dtype == DType::kUndefined)
          throw Error(ExitCode::kVerifyMismatch, "verify: output '" + output_names[k] + "' has an element type " +
                                                     std::to_string(info.GetElementType()) + " verify cannot compare");
        at::Tensor t = at::empty(info.GetShape(), at::TensorOptions().dtype(toTorch(dtype)));
        if (t.nbytes()) std::memcpy(t.data_ptr(), outputs[k].GetTensorData<uint8_t>(), t.nbytes());
        got.push_back({output_names[k], t});
      }
      results.push_back(std::move(got));
    }
  } catch (const Ort::Exception& e) {
    throw Error(ExitCode::kVerifyMismatch, "verify: ONNX Runtime: " + firstLine(e.what()));
  }
  return results;
}

#else

std::string inProcessOrtVersion() { return ""; }

std::vector<std::vector<NamedTensor>> runInProcess(const std::string&, const std::vector<TestDataSet>&) {
  throw InternalError("runInProcess: this build does not link ONNX Runtime");
}

#endif

}  // namespace pt2onnx
