#include "harness/jobs/opened_model.h"

#include <thread>

#include <nlohmann/json.hpp>

#include "harness/plugins/plugin_registry.h"

namespace mnemo {

uint32_t DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

Result<OpenedModel> OpenModelSpec(const std::string& spec, const ModelOptions& options) {
  auto parsed = ParseModelSpec(spec);
  if (!parsed.ok()) return parsed.status();
  // The registry keeps loaded plugins for the whole process (they are never unloaded).
  static PluginRegistry* registry = new PluginRegistry();
  for (const auto& dir : options.backend_paths) registry->AddSearchDir(dir);
  auto plugin = registry->Load(parsed->backend);
  if (!plugin.ok()) return plugin.status();
  auto backend = Backend::Init(plugin.value());
  if (!backend.ok()) return backend.status();
  std::string extra_json = options.extra_json;
  if (options.deterministic) {
    nlohmann::json j = extra_json.empty() ? nlohmann::json::object()
                                          : nlohmann::json::parse(extra_json, nullptr, false);
    if (!j.is_object()) {
      return Status::InvalidArgument("backend options for '" + spec +
                                     "' are not a JSON object: " + extra_json);
    }
    j["deterministic"] = true;
    extra_json = j.dump();
  }
  auto model = (*backend)->OpenModel(parsed->path, options.n_ctx, extra_json);
  if (!model.ok()) return model.status();
  uint32_t threads = options.threads != 0 ? options.threads : DefaultThreads();
  auto instance = (*model)->CreateInstance(threads, options.n_ctx, options.n_seq);
  if (!instance.ok()) return instance.status();
  OpenedModel out;
  out.backend = std::move(backend).value();
  out.model = std::move(model).value();
  out.instance = std::move(instance).value();
  out.spec = spec;
  return out;
}

}  // namespace mnemo
