#include "harness/plugins/plugin_registry.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/core/log.h"
#include "harness/core/suggest.h"

// The host-owned error type promised to plugins by backend.h.
struct mn_error {
  mn_status code;
  bool retryable;
  std::string message;
};

namespace mnemo {
namespace fs = std::filesystem;

namespace {

void HostLog(int32_t level, const char* message) {
  LogLevel l = level >= MN_LOG_ERROR  ? LogLevel::kError
               : level >= MN_LOG_WARN ? LogLevel::kWarn
               : level >= MN_LOG_INFO ? LogLevel::kInfo
                                      : LogLevel::kDebug;
  Log(l, std::string("[plugin] ") + (message != nullptr ? message : ""));
}

mn_error* HostErrorNew(mn_status code, bool retryable, const char* message) {
  return new (std::nothrow) mn_error{code, retryable, message != nullptr ? message : ""};
}

uint64_t HostNowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

const mn_host_api kHostApi = {sizeof(mn_host_api), &HostLog, &HostErrorNew, &HostNowNs};
const mn_host_info kHostInfo = {sizeof(mn_host_info), MN_ABI_VERSION_MAJOR, MN_ABI_VERSION_MINOR,
                                MNEMO_VERSION, &kHostApi};

std::string ExeDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return ".";
  return exe.parent_path().string();
}

}  // namespace

const mn_host_info* HostInfo() {
  return &kHostInfo;
}

std::string ConsumeError(mn_error* error, mn_status code) {
  if (error == nullptr) return std::string("status ") + std::to_string(code) + " (no message)";
  std::string m = std::move(error->message);
  delete error;
  return m;
}

bool ErrorRetryable(const mn_error* error) {
  return error != nullptr && error->retryable;
}

Result<PluginManifest> ParseManifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("plugin manifest '" + path + "' not found or unreadable");
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("plugin manifest '" + path + "' is not a valid JSON object");
  }
  auto field_error = [&](const char* field, const char* what) {
    return Status::InvalidArgument("plugin manifest '" + path + "': field '" + field + "' " + what);
  };
  PluginManifest m;
  m.manifest_path = fs::absolute(path).lexically_normal().string();
  if (!j.contains("file_format_version")) return field_error("file_format_version", "is missing");
  if (!j["file_format_version"].is_number_integer())
    return field_error("file_format_version", "must be an integer");
  if (j["file_format_version"].get<int>() != 1)
    return field_error("file_format_version", "is not 1 (this mnemo reads version 1)");
  for (const char* f : {"name", "library_path"}) {
    if (!j.contains(f)) return field_error(f, "is missing");
    if (!j[f].is_string() || j[f].get<std::string>().empty())
      return field_error(f, "must be a non-empty string");
  }
  for (const char* f : {"abi_major", "abi_minor"}) {
    if (!j.contains(f)) return field_error(f, "is missing");
    if (!j[f].is_number_integer()) return field_error(f, "must be an integer");
  }
  if (j.contains("entry_point")) {
    if (!j["entry_point"].is_string() || j["entry_point"].get<std::string>().empty())
      return field_error("entry_point", "must be a non-empty string");
    m.entry_point = j["entry_point"].get<std::string>();
  }
  if (j.contains("test_only")) {
    if (!j["test_only"].is_boolean()) return field_error("test_only", "must be true or false");
    m.test_only = j["test_only"].get<bool>();
  }
  m.name = j["name"].get<std::string>();
  m.abi_major = j["abi_major"].get<int>();
  m.abi_minor = j["abi_minor"].get<int>();
  fs::path lib = j["library_path"].get<std::string>();
  if (lib.is_relative()) lib = fs::path(m.manifest_path).parent_path() / lib;
  m.library_path = lib.lexically_normal().string();
  return m;
}

PluginRegistry::PluginRegistry() {
  dirs_.push_back((fs::path(ExeDir()) / "backends").string());
  if (const char* env = std::getenv("MNEMO_BACKEND_PATH")) {
    std::stringstream ss(env);
    std::string dir;
    while (std::getline(ss, dir, ':'))
      if (!dir.empty()) dirs_.push_back(dir);
  }
}

void PluginRegistry::AddSearchDir(const std::string& dir) {
  dirs_.push_back(dir);
}

std::vector<PluginManifest> PluginRegistry::Discover(std::vector<Status>* problems) const {
  std::vector<PluginManifest> out;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      const std::string suffix = ".backend.json";
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto m = ParseManifest(f.string());
      if (m.ok()) {
        out.push_back(std::move(m).value());
      } else if (problems != nullptr) {
        problems->push_back(m.status());
      }
    }
  }
  return out;
}

Result<const LoadedPlugin*> PluginRegistry::Load(const std::string& name) {
  for (const auto& p : loaded_)
    if (p->manifest.name == name) return p.get();
  std::vector<Status> problems;
  std::vector<std::string> names;
  for (const auto& m : Discover(&problems)) {
    if (m.name == name) return LoadManifest(m.manifest_path);
    if (!m.test_only) names.push_back(m.name);
  }
  std::string dirs;
  for (const auto& d : dirs_) dirs += (dirs.empty() ? "" : ", ") + d;
  std::string msg = "no backend plugin named '" + name + "'" + DidYouMean(name, names) +
                    "; `mnemo backends` lists the plugins found (searched: " + dirs + ")";
  for (const auto& p : problems) msg += "\n  skipped: " + p.message();
  return Status::NotFound(msg);
}

Result<const LoadedPlugin*> PluginRegistry::LoadManifest(const std::string& manifest_path) {
  auto parsed = ParseManifest(manifest_path);
  if (!parsed.ok()) return parsed.status();
  PluginManifest m = std::move(parsed).value();
  for (const auto& p : loaded_)
    if (p->manifest.manifest_path == m.manifest_path) return p.get();

  // Manifest-level checks before any code is loaded.
  if (m.abi_major != MN_ABI_VERSION_MAJOR) {
    return Status::AbiMismatch("plugin '" + m.name + "': manifest " + m.manifest_path +
                               " declares mnemo ABI major " + std::to_string(m.abi_major) +
                               ", this mnemo speaks " + std::to_string(MN_ABI_VERSION_MAJOR));
  }
  if (m.abi_minor > MN_ABI_VERSION_MINOR) {
    return Status::AbiMismatch("plugin '" + m.name + "' (" + m.manifest_path +
                               ") needs mnemo ABI " + std::to_string(m.abi_major) + "." +
                               std::to_string(m.abi_minor) + ", this mnemo offers " +
                               std::to_string(MN_ABI_VERSION_MAJOR) + "." +
                               std::to_string(MN_ABI_VERSION_MINOR) + "; upgrade mnemo");
  }
  std::error_code ec;
  if (!fs::exists(m.library_path, ec)) {
    return Status::NotFound("plugin '" + m.name + "': library file '" + m.library_path +
                            "' (from " + m.manifest_path + ") does not exist");
  }
  void* handle = dlopen(m.library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = dlerror();
    return Status::InvalidArgument("plugin '" + m.name + "': cannot load '" + m.library_path +
                                   "': " + (err != nullptr ? err : "dlopen failed"));
  }
  // Never dlclose: see the header.
  dlerror();
  void* sym = dlsym(handle, m.entry_point.c_str());
  if (sym == nullptr) {
    return Status::NotFound("plugin '" + m.name + "': '" + m.library_path +
                            "' does not export the entry symbol '" + m.entry_point + "'");
  }
  auto entry = reinterpret_cast<mn_backend_entry_fn>(sym);
  auto plugin = std::make_unique<LoadedPlugin>();
  plugin->manifest = m;
  plugin->info.struct_size = sizeof(mn_backend_info);
  mn_error* err = nullptr;
  mn_status st = entry(HostInfo(), &plugin->info, &err);
  if (st != MN_OK) {
    std::string why = ConsumeError(err, st);
    if (st == MN_ERR_ABI_MISMATCH) {
      return Status::AbiMismatch("plugin '" + m.name + "' (" + m.library_path +
                                 ") refused this host: " + why);
    }
    return Status::Internal("plugin '" + m.name + "' (" + m.library_path +
                            ") entry point failed: " + why);
  }
  if (err != nullptr) ConsumeError(err, st);
  const mn_backend_info& info = plugin->info;
  if (info.struct_size < offsetof(mn_backend_info, vtable) + sizeof(info.vtable)) {
    return Status::AbiMismatch("plugin '" + m.name + "' (" + m.library_path +
                               "): mn_backend_info.struct_size " +
                               std::to_string(info.struct_size) + " is smaller than ABI v1's " +
                               std::to_string(sizeof(mn_backend_info)));
  }
  if (info.abi_major != MN_ABI_VERSION_MAJOR) {
    return Status::AbiMismatch("plugin '" + m.name + "' (" + m.library_path +
                               ") was built for mnemo ABI major " + std::to_string(info.abi_major) +
                               ", this mnemo speaks " + std::to_string(MN_ABI_VERSION_MAJOR));
  }
  if (info.abi_minor > MN_ABI_VERSION_MINOR) {
    return Status::AbiMismatch("plugin '" + m.name + "' (" + m.library_path +
                               ") needs mnemo ABI minor " + std::to_string(info.abi_minor) +
                               ", this mnemo offers " + std::to_string(MN_ABI_VERSION_MINOR));
  }
  const mn_backend_vtable* vt = info.vtable;
  if (vt == nullptr) {
    return Status::InvalidArgument("plugin '" + m.name + "' (" + m.library_path +
                                   ") returned no function table");
  }
  if (vt->struct_size < offsetof(mn_backend_vtable, execute) + sizeof(vt->execute)) {
    return Status::AbiMismatch("plugin '" + m.name + "' (" + m.library_path +
                               "): function table struct_size " + std::to_string(vt->struct_size) +
                               " is too small for ABI v1");
  }
  struct Slot {
    const char* name;
    bool present;
  };
  const Slot required[] = {
      {"backend_init", vt->backend_init != nullptr},
      {"backend_finalize", vt->backend_finalize != nullptr},
      {"model_open", vt->model_open != nullptr},
      {"model_close", vt->model_close != nullptr},
      {"model_describe", vt->model_describe != nullptr},
      {"instance_create", vt->instance_create != nullptr},
      {"instance_destroy", vt->instance_destroy != nullptr},
      {"execute", vt->execute != nullptr},
  };
  for (const auto& s : required) {
    if (!s.present) {
      return Status::InvalidArgument("plugin '" + m.name + "' (" + m.library_path +
                                     "): required function '" + s.name + "' is NULL");
    }
  }
  if ((info.caps & MN_CAP_TOKENIZE) && (!MN_HAS_FIELD(vt, mn_backend_vtable, detokenize) ||
                                        vt->tokenize == nullptr || vt->detokenize == nullptr)) {
    return Status::InvalidArgument("plugin '" + m.name + "' (" + m.library_path +
                                   ") declares MN_CAP_TOKENIZE but has no tokenize/detokenize");
  }
  if (info.name == nullptr || m.name != info.name) {
    return Status::InvalidArgument("plugin '" + m.name + "' (" + m.library_path +
                                   ") calls itself '" + (info.name ? info.name : "(null)") +
                                   "', not the manifest's name");
  }
  plugin->vtable = vt;
  loaded_.push_back(std::move(plugin));
  return loaded_.back().get();
}

}  // namespace mnemo
