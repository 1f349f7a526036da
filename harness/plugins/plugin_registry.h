// Finding, loading and negotiating backend plugins.
//
// Plugins are found through manifests `<name>.backend.json` in the search directories:
//   {"file_format_version": 1, "name": "llamacpp", "library_path": "libmnemo_llamacpp.so",
//    "abi_major": 1, "abi_minor": 0, "entry_point": "mn_backend_entry"   (optional),
//    "test_only": false                                                    (optional)}
// A plugin built for mnemo's own tests (mock, faulty) says "test_only": true; `mnemo backends`
// lists it only with --all, and the names suggested for an unknown backend leave it out.
// `library_path` is relative to the manifest's folder. The default search path is the folder
// `backends/` beside the running executable, then each entry of $MNEMO_BACKEND_PATH (colon
// separated), then any folders added with AddSearchDir.
//
// Loading is dlopen(RTLD_NOW | RTLD_LOCAL); libraries are never dlclosed (thread-local
// destructors in unloaded code crash at thread exit). Every failure has its own message that
// names the file: no manifest, bad manifest (with the field), no library file, dlopen error,
// missing entry symbol, ABI major mismatch, plugin refusal, NULL required slot, a plugin whose
// reported name differs from its manifest's, and
// backend_init failure (that one surfaces from Backend::Init in backend_client.h).
//
// Thread-safety: a registry is used from one thread (start-up); loaded plugins stay valid for
// the process lifetime.
#ifndef MNEMO_HARNESS_PLUGINS_PLUGIN_REGISTRY_H_
#define MNEMO_HARNESS_PLUGINS_PLUGIN_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "harness/core/status.h"
#include "mnemo/backend.h"

namespace mnemo {

struct PluginManifest {
  std::string manifest_path;  // absolute
  std::string name;
  std::string library_path;  // resolved, absolute
  std::string entry_point = MN_ENTRY_SYMBOL;
  int abi_major = 0;
  int abi_minor = 0;
  bool test_only = false;  // a plugin for mnemo's tests (hidden unless asked for)
};

// Parses one manifest file. Errors name the file and the field.
Result<PluginManifest> ParseManifest(const std::string& path);

// A negotiated plugin; lives for the rest of the process.
struct LoadedPlugin {
  PluginManifest manifest;
  mn_backend_info info{};  // copied from the plugin; strings point into the library
  const mn_backend_vtable* vtable = nullptr;
};

// The host services every plugin receives (errors, logging, clock).
const mn_host_info* HostInfo();
// Takes ownership of a plugin-returned error and converts it to a message; NULL-safe.
std::string ConsumeError(mn_error* error, mn_status code);
bool ErrorRetryable(const mn_error* error);

class PluginRegistry {
 public:
  PluginRegistry();  // default directories
  void AddSearchDir(const std::string& dir);
  const std::vector<std::string>& search_dirs() const { return dirs_; }

  // Manifests found in the search directories (parse failures are returned as errors in
  // `problems`, not dropped).
  std::vector<PluginManifest> Discover(std::vector<Status>* problems) const;

  // Loads the plugin called `name` (first match in search order) and negotiates its ABI. An
  // unknown name is NotFound, naming the nearest plugin names (test-only ones left out) and
  // `mnemo backends`.
  Result<const LoadedPlugin*> Load(const std::string& name);
  // Loads a plugin from a manifest path directly.
  Result<const LoadedPlugin*> LoadManifest(const std::string& manifest_path);

 private:
  std::vector<std::string> dirs_;
  std::vector<std::unique_ptr<LoadedPlugin>> loaded_;
};

}  // namespace mnemo

#endif  // MNEMO_HARNESS_PLUGINS_PLUGIN_REGISTRY_H_
