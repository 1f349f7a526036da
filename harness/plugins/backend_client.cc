#include "harness/plugins/backend_client.h"

#include <mutex>

#include <nlohmann/json.hpp>

#include "harness/core/log.h"

namespace mnemo {
namespace {

StatusCode ToStatusCode(mn_status s) {
  switch (s) {
    case MN_OK:
      return StatusCode::kOk;
    case MN_ERR_INVALID_ARGUMENT:
      return StatusCode::kInvalidArgument;
    case MN_ERR_UNSUPPORTED:
      return StatusCode::kUnsupported;
    case MN_ERR_NOT_FOUND:
      return StatusCode::kNotFound;
    case MN_ERR_UNAVAILABLE:
    case MN_ERR_RESOURCE_EXHAUSTED:
    case MN_ERR_DEADLINE_EXCEEDED:
      return StatusCode::kUnavailable;
    case MN_ERR_CANCELLED:
      return StatusCode::kCancelled;
    case MN_ERR_ABI_MISMATCH:
      return StatusCode::kAbiMismatch;
    default:
      return StatusCode::kInternal;
  }
}

Status FromPlugin(mn_status code, mn_error* error, const std::string& prefix) {
  return Status(ToStatusCode(code), prefix + ConsumeError(error, code));
}

// mn_model_desc.runtime_json as ModelInfo keeps it (see there). `plugin` and `path` name the
// model in the warning about text that is not a JSON object.
std::string NormalizeRuntimeJson(const std::string& text, const std::string& plugin,
                                 const std::string& path) {
  if (text.empty()) return "";
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    Log(LogLevel::kWarn, plugin + ": model '" + path +
                             "' stated a runtime_json that is not a JSON object; recorded as "
                             "{\"unparsed\": ...}");
    j = nlohmann::json{{"unparsed", text}};
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<std::shared_ptr<Backend>> Backend::Init(const LoadedPlugin* plugin,
                                               const std::string& config_json) {
  mn_backend* handle = nullptr;
  mn_error* error = nullptr;
  mn_status st = plugin->vtable->backend_init(config_json.empty() ? nullptr : config_json.c_str(),
                                              &handle, &error);
  if (st != MN_OK || handle == nullptr) {
    return FromPlugin(st == MN_OK ? MN_ERR_INTERNAL : st, error,
                      "backend '" + plugin->manifest.name + "' (" + plugin->manifest.library_path +
                          ") failed to initialise: ");
  }
  return std::shared_ptr<Backend>(new Backend(plugin, handle));
}

Backend::~Backend() {
  plugin_->vtable->backend_finalize(handle_);
}

mn_limits Backend::limits() const {
  mn_limits l{};
  l.struct_size = sizeof l;
  const mn_backend_vtable* vt = plugin_->vtable;
  if (MN_HAS_FIELD(vt, mn_backend_vtable, get_limits) && vt->get_limits != nullptr) {
    if (vt->get_limits(handle_, &l) != MN_OK) l = mn_limits{};
  }
  return l;
}

Result<std::shared_ptr<Model>> Backend::OpenModel(const std::string& path, uint32_t n_ctx,
                                                  const std::string& extra_json) {
  mn_model_params params{};
  params.struct_size = sizeof params;
  params.path = path.c_str();
  params.n_ctx = n_ctx;
  params.extra_json = extra_json.empty() ? nullptr : extra_json.c_str();
  mn_model* handle = nullptr;
  mn_error* error = nullptr;
  mn_status st = plugin_->vtable->model_open(handle_, &params, &handle, &error);
  if (st != MN_OK || handle == nullptr) {
    return FromPlugin(st == MN_OK ? MN_ERR_INTERNAL : st, error,
                      plugin_->manifest.name + ": cannot open model '" + path + "': ");
  }
  std::shared_ptr<Model> model(new Model(shared_from_this(), handle));
  mn_model_desc desc{};
  desc.struct_size = sizeof desc;
  desc.bos_token = -1;
  desc.eos_token = -1;
  desc.eot_token = -1;
  st = plugin_->vtable->model_describe(handle, &desc);
  if (st != MN_OK) {
    return Status::Internal(plugin_->manifest.name + ": model_describe failed for '" + path + "'");
  }
  ModelInfo& info = model->info_;
  info.assign(desc);  // the fields desc.struct_size covers
  info.caps = info.caps != 0 ? (info.caps & plugin_->info.caps) : plugin_->info.caps;
  if (info.name.empty()) info.name = path;
  // Qualified by the plugin: the ABI promises equal tokenizers only within one backend.
  if (!info.tokenizer_fingerprint.empty())
    info.tokenizer_fingerprint = plugin_->manifest.name + "/" + info.tokenizer_fingerprint;
  info.runtime_json = NormalizeRuntimeJson(info.runtime_json, plugin_->manifest.name, path);
  if (info.fingerprint.empty()) {
    return Status::Internal(plugin_->manifest.name + ": model '" + path +
                            "' reported no fingerprint; results could not be attributed");
  }
  return model;
}

Model::~Model() {
  backend_->plugin_->vtable->model_close(handle_);
}

Result<std::vector<int32_t>> Model::Tokenize(std::string_view text, bool add_special,
                                             bool parse_special) const {
  const mn_backend_vtable* vt = backend_->plugin_->vtable;
  if (!Has(MN_CAP_TOKENIZE) || vt->tokenize == nullptr) {
    return Status::Unsupported("backend '" + backend_->plugin_->manifest.name +
                               "' cannot tokenize");
  }
  uint32_t flags = (add_special ? static_cast<uint32_t>(MN_TOKENIZE_ADD_SPECIAL) : 0u) |
                   (parse_special ? static_cast<uint32_t>(MN_TOKENIZE_PARSE_SPECIAL) : 0u);
  std::vector<int32_t> ids(text.size() + 8);
  for (int attempt = 0; attempt < 2; ++attempt) {
    size_t needed = 0;
    mn_error* error = nullptr;
    mn_status st = vt->tokenize(handle_, text.data(), text.size(), flags, ids.data(), ids.size(),
                                &needed, &error);
    if (st != MN_OK) return FromPlugin(st, error, "tokenize failed: ");
    if (needed <= ids.size()) {
      ids.resize(needed);
      return ids;
    }
    ids.resize(needed);
  }
  return Status::Internal("tokenize: plugin kept asking for a larger buffer");
}

Result<std::string> Model::Detokenize(const std::vector<int32_t>& ids, bool remove_special,
                                      bool render_special) const {
  const mn_backend_vtable* vt = backend_->plugin_->vtable;
  if (!Has(MN_CAP_TOKENIZE) || vt->detokenize == nullptr) {
    return Status::Unsupported("backend '" + backend_->plugin_->manifest.name +
                               "' cannot detokenize");
  }
  uint32_t flags = (remove_special ? static_cast<uint32_t>(MN_DETOKENIZE_REMOVE_SPECIAL) : 0u) |
                   (render_special ? static_cast<uint32_t>(MN_DETOKENIZE_RENDER_SPECIAL) : 0u);
  std::string text(ids.size() * 8 + 16, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    size_t needed = 0;
    mn_error* error = nullptr;
    mn_status st = vt->detokenize(handle_, ids.data(), ids.size(), flags, text.data(), text.size(),
                                  &needed, &error);
    if (st != MN_OK) return FromPlugin(st, error, "detokenize failed: ");
    if (needed <= text.size()) {
      text.resize(needed);
      return text;
    }
    text.resize(needed);
  }
  return Status::Internal("detokenize: plugin kept asking for a larger buffer");
}

Result<std::unique_ptr<Instance>> Model::CreateInstance(uint32_t n_threads, uint32_t n_ctx,
                                                        uint32_t n_seq, uint64_t seed) {
  const mn_instance_params params{sizeof(mn_instance_params), n_threads, n_ctx, n_seq, seed};
  mn_instance* handle = nullptr;
  mn_error* error = nullptr;
  mn_status st = backend_->plugin_->vtable->instance_create(handle_, &params, &handle, &error);
  if (st != MN_OK || handle == nullptr) {
    return FromPlugin(st == MN_OK ? MN_ERR_INTERNAL : st, error,
                      backend_->plugin_->manifest.name + ": cannot create instance: ");
  }
  return std::unique_ptr<Instance>(new Instance(shared_from_this(), handle));
}

Instance::~Instance() {
  model_->backend_->plugin_->vtable->instance_destroy(handle_);
}

namespace {

// Per-call state shared with the plugin's completion callback.
struct CallState {
  const std::vector<const Request*>* requests;
  const std::function<void(size_t, Response&&)>* on_done;
  std::vector<char> completed;
  std::mutex mu;
  std::string plugin_name;
};

void OnComplete(void* user_data, uint64_t request_id, mn_status status, const mn_result* result,
                mn_error* error) {
  auto* state = static_cast<CallState*>(user_data);
  Response r;
  r.status = status;
  if (status == MN_OK && result != nullptr) {
    r.assign(*result);
    if (error != nullptr) ConsumeError(error, status);  // a stray error on success is still ours
  } else {
    if (status == MN_OK) r.status = MN_ERR_INTERNAL;  // OK without a result is a plugin bug
    r.retryable = ErrorRetryable(error);
    r.error = ConsumeError(error, status);
    if (error == nullptr && result == nullptr && status == MN_OK)
      r.error = "plugin reported success without a result";
  }
  std::lock_guard<std::mutex> lock(state->mu);
  if (request_id >= state->completed.size()) {
    Log(LogLevel::kError, state->plugin_name + ": completion for unknown request id " +
                              std::to_string(request_id) + " ignored");
    return;
  }
  if (state->completed[request_id]) {
    Log(LogLevel::kError, state->plugin_name + ": request " + std::to_string(request_id) +
                              " completed twice; second completion ignored");
    return;
  }
  state->completed[request_id] = 1;
  (*state->on_done)(static_cast<size_t>(request_id), std::move(r));
}

}  // namespace

Status Instance::Execute(const std::vector<const Request*>& requests,
                         const std::function<void(size_t, Response&&)>& on_done) {
  if (requests.empty()) return Status::Ok();
  const LoadedPlugin& plugin = model_->backend_->plugin();
  // The ABI structs borrow the host's vectors; they live until Execute returns.
  std::vector<mn_request> cr(requests.size());
  std::vector<std::vector<const char*>> stops(requests.size());
  std::vector<const mn_request*> ptrs(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& q = *requests[i];
    mn_request& c = cr[i];
    c.struct_size = sizeof c;
    c.kind = q.kind;
    c.request_id = i;
    c.context = q.context.data();
    c.n_context = static_cast<uint32_t>(q.context.size());
    c.continuation = q.continuation.data();
    c.n_continuation = static_cast<uint32_t>(q.continuation.size());
    c.prefix_token = q.prefix_token;
    c.window = q.window;
    c.prompt_text = q.prompt_text.empty() ? nullptr : q.prompt_text.c_str();
    c.prompt_text_len = q.prompt_text.size();
    c.max_tokens = q.gen.max_tokens;
    c.greedy = q.gen.greedy;
    c.temperature = q.gen.temperature;
    c.top_p = q.gen.top_p;
    c.top_k = q.gen.top_k;
    c.seed = q.gen.seed;
    for (const auto& s : q.gen.stop) stops[i].push_back(s.c_str());
    c.stop = stops[i].empty() ? nullptr : stops[i].data();
    c.n_stop = static_cast<uint32_t>(stops[i].size());
    c.stop_at_eos = q.gen.stop_at_eos;
    c.messages_json = q.messages_json.empty() ? nullptr : q.messages_json.c_str();
    c.messages_json_len = q.messages_json.size();
    ptrs[i] = &c;
  }
  CallState state;
  state.requests = &requests;
  state.on_done = &on_done;
  state.completed.assign(requests.size(), 0);
  state.plugin_name = plugin.manifest.name;
  mn_sink sink{sizeof(mn_sink), &state, &OnComplete};
  mn_error* error = nullptr;
  mn_status st = plugin.vtable->execute(handle_, ptrs.data(), static_cast<uint32_t>(ptrs.size()),
                                        &sink, &error);
  std::lock_guard<std::mutex> lock(state.mu);
  if (st != MN_OK) {
    bool any = false;
    for (char c : state.completed) any = any || c;
    if (!any) return FromPlugin(st, error, plugin.manifest.name + ": execute rejected the batch: ");
    // A plugin that completed some requests and then failed broke the ABI's rule; keep what
    // it delivered and fail the rest below rather than lose or duplicate anything.
    Log(LogLevel::kError, plugin.manifest.name + ": execute failed after completing requests: " +
                              ConsumeError(error, st));
  }
  // Host-side exactly-once guard: complete what the plugin forgot.
  for (size_t i = 0; i < requests.size(); ++i) {
    if (state.completed[i]) continue;
    state.completed[i] = 1;
    Log(LogLevel::kError, plugin.manifest.name + ": request " + std::to_string(i) +
                              " was never completed; recording an internal error");
    Response r;
    r.status = MN_ERR_INTERNAL;
    r.error = "backend '" + plugin.manifest.name + "' returned without completing this request";
    on_done(i, std::move(r));
  }
  return Status::Ok();
}

Result<ModelSpec> ParseModelSpec(const std::string& spec) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= spec.size()) {
    return Status::InvalidArgument("model spec '" + spec +
                                   "' must be BACKEND:PATH, e.g. llamacpp:model.gguf");
  }
  return ModelSpec{spec.substr(0, colon), spec.substr(colon + 1)};
}

}  // namespace mnemo
