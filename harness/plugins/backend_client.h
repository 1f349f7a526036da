// RAII C++ handles over a loaded plugin: Backend -> Model -> Instance.
//
// These wrap the C vtable, convert host Requests/Responses (harness/core/request.h) to and
// from the ABI structs, and enforce the exactly-once rule from the host side as well: a
// duplicate completion is ignored and logged, a request the plugin never completed gets a
// synthetic MN_ERR_INTERNAL response. Destruction order is the ABI's: instances before their
// model, models before their backend (owners keep shared_ptrs to their parents).
//
// Thread-safety: Model::Describe/Tokenize/Detokenize are thread-safe. Instance::Execute must
// not be called concurrently on one Instance.
#ifndef MNEMO_HARNESS_PLUGINS_BACKEND_CLIENT_H_
#define MNEMO_HARNESS_PLUGINS_BACKEND_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/request.h"
#include "harness/core/status.h"
#include "harness/plugins/plugin_registry.h"

namespace mnemo {

class Model;
class Instance;

// What the plugin's model_describe said (OwnedModelDesc: mn_model_desc's fields, owned), as the
// host keeps it:
//   caps                   the backend's caps, narrowed by the model's when it states any;
//   name                   the model path when the plugin gives none;
//   tokenizer_fingerprint  "<plugin>/<the plugin's tokenizer fingerprint>", or "" when the
//                          plugin states none: equal non-empty values tokenize every text alike;
//   runtime_json           how the model computes (ABI 1.2), as a compact JSON object with
//                          sorted keys, or "" when the plugin states nothing (older plugins,
//                          NULL, ""). Text that is not a JSON object is kept as
//                          {"unparsed": "<the text>"} and logged as a warning naming the
//                          plugin: the model still opens, and the run records what it said.
struct ModelInfo : OwnedModelDesc {
  // What cached responses are keyed by: the weights and how they are computed. Responses of
  // another compute mode, llama.cpp build or CPU kernel set are not reused (they can differ in
  // the last bits), so a run's recorded runtime is true of every response it holds.
  std::string CacheIdentity() const {
    return runtime_json.empty() ? fingerprint : fingerprint + "\x1f" + runtime_json;
  }
};

class Backend : public std::enable_shared_from_this<Backend> {
 public:
  // Calls backend_init; failure names the plugin and carries its message.
  static Result<std::shared_ptr<Backend>> Init(const LoadedPlugin* plugin,
                                               const std::string& config_json = "");
  ~Backend();  // backend_finalize
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  const LoadedPlugin& plugin() const { return *plugin_; }
  uint64_t caps() const { return plugin_->info.caps; }
  mn_limits limits() const;  // zeros when the plugin has no get_limits

  Result<std::shared_ptr<Model>> OpenModel(const std::string& path, uint32_t n_ctx = 0,
                                           const std::string& extra_json = "");

 private:
  Backend(const LoadedPlugin* plugin, mn_backend* handle) : plugin_(plugin), handle_(handle) {}
  friend class Model;
  friend class Instance;
  const LoadedPlugin* plugin_;
  mn_backend* handle_;
};

class Model : public std::enable_shared_from_this<Model> {
 public:
  ~Model();  // model_close
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const { return info_; }
  const std::shared_ptr<Backend>& backend() const { return backend_; }
  bool Has(uint64_t cap) const { return (info_.caps & cap) == cap; }

  // add_special: the model's BOS rule; parse_special: special-token text becomes tokens.
  Result<std::vector<int32_t>> Tokenize(std::string_view text, bool add_special,
                                        bool parse_special = false) const;
  // `render_special`: special tokens come back as their text ("<bos>"), not as nothing.
  Result<std::string> Detokenize(const std::vector<int32_t>& ids, bool remove_special = false,
                                 bool render_special = false) const;

  Result<std::unique_ptr<Instance>> CreateInstance(uint32_t n_threads, uint32_t n_ctx = 0,
                                                   uint32_t n_seq = 0, uint64_t seed = 0);

 private:
  friend class Backend;
  Model(std::shared_ptr<Backend> backend, mn_model* handle)
      : backend_(std::move(backend)), handle_(handle) {}
  friend class Instance;
  std::shared_ptr<Backend> backend_;
  mn_model* handle_;
  ModelInfo info_;
};

class Instance {
 public:
  ~Instance();  // instance_destroy
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Runs `requests` as one execute call. `on_done(i, response)` is called exactly once for
  // every index i (possibly from a plugin thread, serialised by this class) before Execute
  // returns. A non-OK Status means the plugin rejected the whole call and on_done was not
  // called at all.
  Status Execute(const std::vector<const Request*>& requests,
                 const std::function<void(size_t, Response&&)>& on_done);

  const std::shared_ptr<Model>& model() const { return model_; }

 private:
  friend class Model;
  Instance(std::shared_ptr<Model> model, mn_instance* handle)
      : model_(std::move(model)), handle_(handle) {}
  std::shared_ptr<Model> model_;
  mn_instance* handle_;
};

// "llamacpp:/path/model.gguf" -> {"llamacpp", "/path/model.gguf"}. A spec without a colon
// prefix naming a backend is an error naming the spec.
struct ModelSpec {
  std::string backend;
  std::string path;
};
Result<ModelSpec> ParseModelSpec(const std::string& spec);

}  // namespace mnemo

#endif  // MNEMO_HARNESS_PLUGINS_BACKEND_CLIENT_H_
