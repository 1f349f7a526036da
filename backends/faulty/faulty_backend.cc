// "faulty": the mock model (backends/mock/fake_model.h) with injected faults, for tests of
// the host's error handling, retries, exactly-once guard and kill/resume.
//
// Written against the raw C vtable, not the SDK's Adapter: some faults break the exactly-once
// rule on purpose, and the SDK's Sink would repair them before the host could see them. It uses
// the SDK's pieces that do not wrap the vtable (backend_entry, write_sized, make_error,
// describe_current_exception). Without knobs it behaves exactly as "mock" (same results, same
// fingerprint).
//
// Knobs are a flat JSON object of integers and booleans, read from backend_init's config,
// then the model's extra_json, then the environment variable MNEMO_FAULTY (so a `mnemo`
// command line can inject faults); a later source overrides an earlier one. Unknown keys are
// ignored; a known key with a value of the wrong kind fails backend_init or model_open with
// MN_ERR_INVALID_ARGUMENT naming the key.
//   fail_init (bool)                backend_init fails with MN_ERR_INTERNAL.
//   fail_open (bool)                model_open fails with MN_ERR_UNAVAILABLE, retryable.
//   error_every (int N)             every Nth request fails with error_code.
//   error_code (int, default 4)     status of those failures (MN_ERR_UNAVAILABLE).
//   retryable (bool, default true)  their retryable flag.
//   delay_ms (int M)                sleeps M ms before each request.
//   crash_after (int K)             std::abort() when a request would start after K requests
//                                   were completed: a process crash for kill/resume tests.
//   skip_completion_every (int N)   every Nth request is never completed, yet execute
//                                   returns MN_OK (violates the exactly-once rule).
//   double_complete (bool)          every request is completed twice (violates it too).
//   deterministic (bool, default true)  the "deterministic" value of the model's runtime_json,
//                                   {"engine":"faulty","deterministic":true}: two runs that
//                                   differ in it differ in how the backend computed.
//   bad_runtime (bool)              runtime_json is text that is not JSON.
//   chat_template (bool)            the description states a chat template, named templates
//                                   {"tool_use": ...} and eot_token 1 (ABI 1.3 fields).
//   describe_minor (int 0..3)       model_describe reports the mn_model_desc struct_size of
//                                   ABI 1.N, as a plugin built against it would; the fields
//                                   past it are still written, and the host must ignore them.
// Requests are numbered 1, 2, ... per model, across execute calls and instances, in the
// order execute receives them. A request that both skip_completion_every and error_every
// select is skipped. Completions are delivered synchronously, in request order.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../mock/fake_model.h"
#include "mnemo/backend_sdk.hpp"

namespace {

namespace fake = ::mnemo::fake;

mn_error* MakeError(mn_status code, bool retryable, const std::string& message) {
  return mnemo::make_error(code, retryable, "faulty: " + message);
}

void SetError(mn_error** error, mn_status code, bool retryable, const std::string& message) {
  if (error != nullptr) *error = MakeError(code, retryable, message);
}

// Maps the exception in flight to a status and error. Call only inside a catch block.
mn_status CurrentException(mn_error** error) {
  const mnemo::ExceptionInfo info = mnemo::describe_current_exception();
  SetError(error, info.code, info.retryable, info.message);
  return info.code;
}

struct Knobs {
  bool fail_init = false;
  bool fail_open = false;
  int64_t error_every = 0;
  int64_t error_code = MN_ERR_UNAVAILABLE;
  bool retryable = true;
  int64_t delay_ms = 0;
  int64_t crash_after = -1;
  int64_t skip_completion_every = 0;
  bool double_complete = false;
  bool deterministic = true;
  bool bad_runtime = false;
  bool chat_template = false;
  int64_t describe_minor = MN_ABI_VERSION_MINOR;
};

// The text of `"key": value` in a flat JSON object, up to ',', '}' or whitespace. Enough for
// numbers and booleans; not a JSON parser.
bool FindValue(std::string_view json, std::string_view key, std::string* value) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (size_t at = json.find(quoted); at != std::string_view::npos;
       at = json.find(quoted, at + 1)) {
    size_t i = json.find_first_not_of(" \t\r\n", at + quoted.size());
    if (i == std::string_view::npos || json[i] != ':') continue;  // a string value, not a key
    i = json.find_first_not_of(" \t\r\n", i + 1);
    if (i == std::string_view::npos) return false;
    size_t end = json.find_first_of(",} \t\r\n", i);
    *value = std::string(json.substr(i, end == std::string_view::npos ? end : end - i));
    return true;
  }
  return false;
}

bool ReadBool(std::string_view json, const char* key, bool* out, std::string* error) {
  std::string v;
  if (!FindValue(json, key, &v)) return true;
  if (v != "true" && v != "false") {
    *error = std::string("knob '") + key + "' must be true or false, got '" + v + "'";
    return false;
  }
  *out = v == "true";
  return true;
}

bool ReadInt(std::string_view json, const char* key, int64_t min, int64_t* out,
             std::string* error) {
  std::string v;
  if (!FindValue(json, key, &v)) return true;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < min) {
    *error = std::string("knob '") + key + "' must be an integer >= " + std::to_string(min) +
             ", got '" + v + "'";
    return false;
  }
  *out = n;
  return true;
}

// Overrides `k` with the knobs present in `json` (NULL or empty: none).
bool ParseKnobs(const char* json, Knobs* k, std::string* error) {
  if (json == nullptr || *json == '\0') return true;
  std::string_view j(json);
  return ReadBool(j, "fail_init", &k->fail_init, error) &&
         ReadBool(j, "fail_open", &k->fail_open, error) &&
         ReadInt(j, "error_every", 0, &k->error_every, error) &&
         ReadInt(j, "error_code", 1, &k->error_code, error) &&
         ReadBool(j, "retryable", &k->retryable, error) &&
         ReadInt(j, "delay_ms", 0, &k->delay_ms, error) &&
         ReadInt(j, "crash_after", 0, &k->crash_after, error) &&
         ReadInt(j, "skip_completion_every", 0, &k->skip_completion_every, error) &&
         ReadBool(j, "double_complete", &k->double_complete, error) &&
         ReadBool(j, "deterministic", &k->deterministic, error) &&
         ReadBool(j, "bad_runtime", &k->bad_runtime, error) &&
         ReadBool(j, "chat_template", &k->chat_template, error) &&
         ReadInt(j, "describe_minor", 0, &k->describe_minor, error);
}

bool ParseEnvKnobs(Knobs* k, std::string* error) {
  if (!ParseKnobs(std::getenv("MNEMO_FAULTY"), k, error)) {
    *error = "in $MNEMO_FAULTY: " + *error;
    return false;
  }
  return true;
}

struct Backend {
  Knobs knobs;
};

struct Model {
  Knobs knobs;
  mnemo::OwnedModelDesc desc;
  std::atomic<int64_t> received{0};   // numbers requests
  std::atomic<int64_t> completed{0};  // for crash_after
};

struct Instance {
  Model* model;
  uint32_t n_ctx;
};

Backend* FromHandle(mn_backend* b) {
  return reinterpret_cast<Backend*>(b);
}
Model* FromHandle(mn_model* m) {
  return reinterpret_cast<Model*>(m);
}
Instance* FromHandle(mn_instance* i) {
  return reinterpret_cast<Instance*>(i);
}

mn_status BackendInit(const char* config_json, mn_backend** out, mn_error** error) {
  try {
    Knobs knobs;
    std::string problem;
    if (!ParseKnobs(config_json, &knobs, &problem) || !ParseEnvKnobs(&knobs, &problem)) {
      SetError(error, MN_ERR_INVALID_ARGUMENT, false, problem);
      return MN_ERR_INVALID_ARGUMENT;
    }
    if (knobs.fail_init) {
      SetError(error, MN_ERR_INTERNAL, false, "backend_init failed on purpose (knob fail_init)");
      return MN_ERR_INTERNAL;
    }
    *out = reinterpret_cast<mn_backend*>(new Backend{knobs});
    return MN_OK;
  } catch (...) {
    return CurrentException(error);
  }
}

void BackendFinalize(mn_backend* backend) {
  delete FromHandle(backend);
}

mn_status ModelOpen(mn_backend* backend, const mn_model_params* params, mn_model** out,
                    mn_error** error) {
  try {
    if (params == nullptr || !MN_HAS_FIELD(params, mn_model_params, n_ctx) ||
        params->path == nullptr) {
      SetError(error, MN_ERR_INVALID_ARGUMENT, false, "model_open needs mn_model_params.path");
      return MN_ERR_INVALID_ARGUMENT;
    }
    std::string path = params->path;
    Knobs knobs = FromHandle(backend)->knobs;
    const char* extra =
        MN_HAS_FIELD(params, mn_model_params, extra_json) ? params->extra_json : nullptr;
    std::string problem;
    if (!ParseKnobs(extra, &knobs, &problem) || !ParseEnvKnobs(&knobs, &problem)) {
      SetError(error, MN_ERR_INVALID_ARGUMENT, false, problem);
      return MN_ERR_INVALID_ARGUMENT;
    }
    if (path.rfind("missing", 0) == 0) {
      SetError(error, MN_ERR_NOT_FOUND, false, "no model at '" + path + "'");
      return MN_ERR_NOT_FOUND;
    }
    if (knobs.fail_open) {
      SetError(error, MN_ERR_UNAVAILABLE, true, "model_open failed on purpose (knob fail_open)");
      return MN_ERR_UNAVAILABLE;
    }
    auto* model = new Model;
    model->knobs = knobs;
    model->desc = fake::Describe("faulty", path, params->n_ctx);
    model->desc.runtime_json = knobs.bad_runtime ? std::string("{\"engine\": faulty")
                               : knobs.deterministic
                                   ? std::string(R"({"engine":"faulty","deterministic":true})")
                                   : std::string(R"({"engine":"faulty","deterministic":false})");
    if (knobs.chat_template) {
      model->desc.chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}";
      model->desc.chat_templates_json = R"({"tool_use":"{{ tools }}"})";
      model->desc.eot_token = 1;
    }
    *out = reinterpret_cast<mn_model*>(model);
    return MN_OK;
  } catch (...) {
    return CurrentException(error);
  }
}

void ModelClose(mn_model* model) {
  delete FromHandle(model);
}

mn_status ModelDescribe(mn_model* handle, mn_model_desc* out) {
  const Model* model = FromHandle(handle);
  mnemo::write_sized(model->desc.view(), out);
  // Knob describe_minor: the size an older plugin would report (fields past it stay written).
  if (model->knobs.describe_minor == 0) {
    out->struct_size =
        std::min<uint32_t>(out->struct_size, offsetof(mn_model_desc, tokenizer_fingerprint));
  } else if (model->knobs.describe_minor == 1) {
    out->struct_size = std::min<uint32_t>(out->struct_size, offsetof(mn_model_desc, runtime_json));
  } else if (model->knobs.describe_minor == 2) {
    out->struct_size = std::min<uint32_t>(out->struct_size, offsetof(mn_model_desc, chat_template));
  }
  return MN_OK;
}

mn_status InstanceCreate(mn_model* handle, const mn_instance_params* params, mn_instance** out,
                         mn_error** error) {
  try {
    Model* model = FromHandle(handle);
    uint32_t n_ctx = model->desc.n_ctx;
    if (params != nullptr && MN_HAS_FIELD(params, mn_instance_params, n_ctx) && params->n_ctx)
      n_ctx = params->n_ctx;
    *out = reinterpret_cast<mn_instance*>(new Instance{model, n_ctx});
    return MN_OK;
  } catch (...) {
    return CurrentException(error);
  }
}

void InstanceDestroy(mn_instance* instance) {
  delete FromHandle(instance);
}

void Deliver(const mn_sink* sink, uint64_t id, const fake::Outcome& o) {
  if (o.status == MN_OK) {
    mn_result view = o.view();
    sink->on_complete(sink->user_data, id, MN_OK, &view, nullptr);
  } else {
    sink->on_complete(sink->user_data, id, o.status, nullptr, MakeError(o.status, false, o.error));
  }
}

mn_status Execute(mn_instance* handle, const mn_request* const* requests, uint32_t n,
                  const mn_sink* sink, mn_error** error) {
  // Validate before accepting: a rejected call completes nothing.
  for (uint32_t i = 0; i < n; ++i) {
    if (requests[i] == nullptr || !MN_HAS_FIELD(requests[i], mn_request, stop_at_eos)) {
      SetError(error, MN_ERR_INVALID_ARGUMENT, false,
               "request " + std::to_string(i) + " is NULL or smaller than ABI v1's mn_request");
      return MN_ERR_INVALID_ARGUMENT;
    }
  }
  Instance* instance = FromHandle(handle);
  Model* model = instance->model;
  const Knobs& k = model->knobs;
  for (uint32_t i = 0; i < n; ++i) {
    const mn_request& r = *requests[i];
    if (k.crash_after >= 0 && model->completed.load() >= k.crash_after) std::abort();
    const int64_t seq = ++model->received;
    if (k.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(k.delay_ms));
    if (k.skip_completion_every > 0 && seq % k.skip_completion_every == 0) continue;
    const int repeats = k.double_complete ? 2 : 1;
    if (k.error_every > 0 && seq % k.error_every == 0) {
      const std::string message =
          "request " + std::to_string(seq) +
          " failed on purpose (knob error_every=" + std::to_string(k.error_every) + ")";
      const auto code = static_cast<mn_status>(k.error_code);
      for (int rep = 0; rep < repeats; ++rep)
        sink->on_complete(sink->user_data, r.request_id, code, nullptr,
                          MakeError(code, k.retryable, message));
    } else {
      fake::Outcome o;
      try {
        o = fake::Run(r, instance->n_ctx);
      } catch (...) {
        o.status = MN_ERR_RESOURCE_EXHAUSTED;
        o.error = "out of memory";
      }
      for (int rep = 0; rep < repeats; ++rep) Deliver(sink, r.request_id, o);
    }
    ++model->completed;
  }
  return MN_OK;
}

mn_status Tokenize(mn_model* /*model*/, const char* text, size_t len, uint32_t flags, int32_t* ids,
                   size_t capacity, size_t* n_needed, mn_error** error) {
  try {
    std::vector<int32_t> out = fake::Tokenize(std::string_view(text, len), flags);
    *n_needed = out.size();
    if (!out.empty() && out.size() <= capacity)
      std::memcpy(ids, out.data(), out.size() * sizeof(int32_t));
    return MN_OK;
  } catch (...) {
    return CurrentException(error);
  }
}

mn_status Detokenize(mn_model* /*model*/, const int32_t* ids, size_t n, uint32_t flags, char* text,
                     size_t capacity, size_t* n_needed, mn_error** error) {
  try {
    std::string out, problem;
    if (!fake::Detokenize(ids, n, flags, &out, &problem)) {
      SetError(error, MN_ERR_INVALID_ARGUMENT, false, problem);
      return MN_ERR_INVALID_ARGUMENT;
    }
    *n_needed = out.size();
    if (!out.empty() && out.size() <= capacity) std::memcpy(text, out.data(), out.size());
    return MN_OK;
  } catch (...) {
    return CurrentException(error);
  }
}

const mn_backend_vtable kVtable = {
    sizeof(mn_backend_vtable),
    &BackendInit,
    &BackendFinalize,
    &ModelOpen,
    &ModelClose,
    &ModelDescribe,
    &InstanceCreate,
    &InstanceDestroy,
    &Execute,
    &Tokenize,
    &Detokenize,
    nullptr,  // get_limits
};

}  // namespace

extern "C" MN_EXPORT mn_status mn_backend_entry(const mn_host_info* host, mn_backend_info* out,
                                                mn_error** error) {
  return mnemo::backend_entry(
      host, out, error, "faulty", "1.0.0",
      "the mock model with injected errors, delays, crashes and broken completions", fake::kCaps,
      &kVtable);
}
