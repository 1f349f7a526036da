// Header-only C++17 helper for writing mnemo backend plugins against backend.h.
//
// A plugin defines three classes and one macro:
//
//   struct MyInstance { void execute(const mn_request* const* reqs, uint32_t n,
//                                    mnemo::Sink& sink); };
//   struct MyModel {
//     void describe(mn_model_desc& out);   // fill the fields you know, or out = desc.view()
//     std::unique_ptr<MyInstance> create_instance(const mn_instance_params& p);
//     std::vector<int32_t> tokenize(std::string_view text, uint32_t flags);     // optional
//     std::string detokenize(const int32_t* ids, size_t n, uint32_t flags);      // optional
//   };
//   struct MyBackend {
//     using Model = MyModel; using Instance = MyInstance;
//     explicit MyBackend(const char* config_json);
//     std::unique_ptr<MyModel> open_model(const mn_model_params& p);
//   };
//   MN_BACKEND_DEFINE(MyBackend, "name", "1.0", "description", caps)
//
// Every trampoline catches exceptions and turns them into host-owned errors, so nothing
// crosses the ABI. Throw mnemo::Error to choose the status code and retryability. The Sink
// wrapper enforces exactly-once completion: a second completion of a request is dropped, and
// requests the plugin leaves uncompleted (or abandons by throwing) are failed with
// MN_ERR_INTERNAL before execute returns. mnemo/backend_values.hpp (included) has owning values
// of mn_model_desc and mn_result (OwnedModelDesc, OwnedResult) to keep what a model reports.
//
// A plugin that needs its own C vtable (backends/faulty breaks the exactly-once rule on purpose)
// can still use the pieces that do not depend on the Adapter: backend_entry for its
// mn_backend_entry, write_sized, make_error, log and describe_current_exception.
#ifndef MNEMO_BACKEND_SDK_HPP_
#define MNEMO_BACKEND_SDK_HPP_

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mnemo/backend.h"
#include "mnemo/backend_values.hpp"

namespace mnemo {
inline namespace sdk_v1 {

// An error a plugin throws; converted to an mn_error at the boundary.
class Error : public std::runtime_error {
 public:
  Error(mn_status code, std::string message, bool retryable = false)
      : std::runtime_error(std::move(message)), code_(code), retryable_(retryable) {}
  mn_status code() const { return code_; }
  bool retryable() const { return retryable_; }

 private:
  mn_status code_;
  bool retryable_;
};

namespace detail {
// The host's services; set once by the entry point before any other call.
inline const mn_host_api*& host_api() {
  static const mn_host_api* api = nullptr;
  return api;
}
}  // namespace detail

inline mn_error* make_error(mn_status code, bool retryable, const std::string& message) {
  const mn_host_api* api = detail::host_api();
  if (api == nullptr || api->error_new == nullptr) return nullptr;
  return api->error_new(code, retryable, message.c_str());
}

inline void log(int32_t level, const std::string& message) {
  const mn_host_api* api = detail::host_api();
  if (api != nullptr && api->log != nullptr) api->log(level, message.c_str());
}

// Describes the exception in flight. Call only inside a catch block.
struct ExceptionInfo {
  mn_status code = MN_ERR_INTERNAL;
  bool retryable = false;
  std::string message = "unknown exception";
};
inline ExceptionInfo describe_current_exception() {
  ExceptionInfo info;
  try {
    throw;
  } catch (const Error& e) {
    info.code = e.code();
    info.retryable = e.retryable();
    info.message = e.what();
  } catch (const std::bad_alloc&) {
    info.code = MN_ERR_RESOURCE_EXHAUSTED;
    info.retryable = true;
    info.message = "out of memory";
  } catch (const std::exception& e) {
    info.message = e.what();
  } catch (...) {
  }
  return info;
}

// Converts the exception in flight into (status, error). Call only inside a catch block.
inline mn_status current_exception_to_error(mn_error** error) {
  ExceptionInfo info = describe_current_exception();
  if (error != nullptr) *error = make_error(info.code, info.retryable, info.message);
  return info.code;
}

// Writes `full` into a struct whose size the host chose (out->struct_size, as with
// mn_model_desc and mn_backend_info): copies the bytes that size covers, never more than
// sizeof(T), and sets out->struct_size to the number written.
template <typename T>
void write_sized(const T& full, T* out) noexcept {
  const uint32_t size =
      out->struct_size < sizeof full ? out->struct_size : static_cast<uint32_t>(sizeof full);
  std::memcpy(out, &full, size);
  out->struct_size = size;
}

// The body of a plugin's mn_backend_entry (MN_BACKEND_DEFINE calls it with the Adapter's
// vtable; a plugin with its own vtable calls it directly). Keeps the host's services for
// make_error and log, refuses a host whose ABI this plugin cannot use (MN_ERR_ABI_MISMATCH,
// *error naming both versions), and fills `out` (write_sized). The strings and the vtable must
// live as long as the library. Never throws.
inline mn_status backend_entry(const mn_host_info* host, mn_backend_info* out, mn_error** error,
                               const char* name, const char* version, const char* description,
                               uint64_t caps, const mn_backend_vtable* vtable) noexcept {
  if (host == nullptr || out == nullptr) return MN_ERR_INVALID_ARGUMENT;
  if (MN_HAS_FIELD(host, mn_host_info, api)) detail::host_api() = host->api;
  if (host->abi_major != MN_ABI_VERSION_MAJOR || host->abi_minor < MN_ABI_VERSION_MINOR) {
    if (error != nullptr) {
      try {
        *error =
            make_error(MN_ERR_ABI_MISMATCH, false,
                       std::string("plugin '") + name + "' needs mnemo ABI " +
                           std::to_string(MN_ABI_VERSION_MAJOR) + "." +
                           std::to_string(MN_ABI_VERSION_MINOR) + ", host offers " +
                           std::to_string(host->abi_major) + "." + std::to_string(host->abi_minor));
      } catch (...) {
        *error = nullptr;  // out of memory: the status alone says it
      }
    }
    return MN_ERR_ABI_MISMATCH;
  }
  const mn_backend_info info{sizeof(mn_backend_info),
                             MN_ABI_VERSION_MAJOR,
                             MN_ABI_VERSION_MINOR,
                             name,
                             version,
                             description,
                             caps,
                             vtable};
  write_sized(info, out);
  return MN_OK;
}

// Wraps the host's sink for one execute call and enforces exactly-once completion.
// Not thread-safe: complete requests of one call from one thread at a time.
class Sink {
 public:
  Sink(const mn_sink* sink, const mn_request* const* requests, uint32_t n) : sink_(sink) {
    for (uint32_t i = 0; i < n; ++i) pending_.emplace(requests[i]->request_id, true);
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // `result.struct_size` is filled in here.
  void complete(uint64_t request_id, mn_result result) {
    if (!take(request_id)) return;
    result.struct_size = sizeof(mn_result);
    sink_->on_complete(sink_->user_data, request_id, MN_OK, &result, nullptr);
  }
  void fail(uint64_t request_id, mn_status code, const std::string& message,
            bool retryable = false) {
    if (!take(request_id)) return;
    sink_->on_complete(sink_->user_data, request_id, code, nullptr,
                       make_error(code, retryable, message));
  }
  // Fails every request not yet completed (used by the trampoline).
  void fail_pending(mn_status code, const std::string& message, bool retryable = false) {
    std::vector<uint64_t> ids;
    for (const auto& [id, open] : pending_)
      if (open) ids.push_back(id);
    for (uint64_t id : ids) fail(id, code, message, retryable);
  }
  bool is_pending(uint64_t request_id) const {
    auto it = pending_.find(request_id);
    return it != pending_.end() && it->second;
  }

 private:
  bool take(uint64_t request_id) {
    auto it = pending_.find(request_id);
    if (it == pending_.end() || !it->second) return false;
    it->second = false;
    return true;
  }
  const mn_sink* sink_;
  std::unordered_map<uint64_t, bool> pending_;
};

namespace detail {

template <typename T, typename = void>
struct has_tokenize : std::false_type {};
template <typename T>
struct has_tokenize<T, std::void_t<decltype(std::declval<T&>().tokenize(std::string_view(), 0u))>>
    : std::true_type {};

template <typename B>
struct Adapter {
  using Model = typename B::Model;
  using Instance = typename B::Instance;

  static mn_backend* to_handle(B* p) { return reinterpret_cast<mn_backend*>(p); }
  static B* from(mn_backend* h) { return reinterpret_cast<B*>(h); }
  static Model* from(mn_model* h) { return reinterpret_cast<Model*>(h); }
  static Instance* from(mn_instance* h) { return reinterpret_cast<Instance*>(h); }

  static mn_status backend_init(const char* config_json, mn_backend** out, mn_error** error) {
    try {
      *out = to_handle(new B(config_json));
      return MN_OK;
    } catch (...) {
      return current_exception_to_error(error);
    }
  }
  static void backend_finalize(mn_backend* b) noexcept {
    try {
      delete from(b);
    } catch (...) {
    }
  }
  static mn_status model_open(mn_backend* b, const mn_model_params* p, mn_model** out,
                              mn_error** error) {
    try {
      if (p == nullptr || p->struct_size < offsetof(mn_model_params, extra_json)) {
        throw Error(MN_ERR_INVALID_ARGUMENT, "mn_model_params too small for ABI v1");
      }
      mn_model_params copy{};
      std::memcpy(&copy, p, std::min<size_t>(p->struct_size, sizeof copy));
      copy.struct_size = sizeof copy;
      *out = reinterpret_cast<mn_model*>(from(b)->open_model(copy).release());
      return MN_OK;
    } catch (...) {
      return current_exception_to_error(error);
    }
  }
  static void model_close(mn_model* m) noexcept {
    try {
      delete from(m);
    } catch (...) {
    }
  }
  static mn_status model_describe(mn_model* m, mn_model_desc* out) {
    try {
      mn_model_desc full{};
      full.struct_size = sizeof full;
      full.bos_token = -1;
      full.eos_token = -1;
      from(m)->describe(full);
      write_sized(full, out);
      return MN_OK;
    } catch (...) {
      return current_exception_to_error(nullptr);
    }
  }
  static mn_status instance_create(mn_model* m, const mn_instance_params* p, mn_instance** out,
                                   mn_error** error) {
    try {
      mn_instance_params copy{};
      if (p != nullptr) std::memcpy(&copy, p, std::min<size_t>(p->struct_size, sizeof copy));
      copy.struct_size = sizeof copy;
      *out = reinterpret_cast<mn_instance*>(from(m)->create_instance(copy).release());
      return MN_OK;
    } catch (...) {
      return current_exception_to_error(error);
    }
  }
  static void instance_destroy(mn_instance* i) noexcept {
    try {
      delete from(i);
    } catch (...) {
    }
  }
  static mn_status execute(mn_instance* i, const mn_request* const* reqs, uint32_t n,
                           const mn_sink* sink, mn_error** error) {
    // Validate before accepting: a rejected call completes nothing.
    for (uint32_t k = 0; k < n; ++k) {
      if (reqs[k] == nullptr || !MN_HAS_FIELD(reqs[k], mn_request, stop_at_eos)) {
        if (error != nullptr)
          *error = make_error(MN_ERR_INVALID_ARGUMENT, false, "mn_request too small for ABI v1");
        return MN_ERR_INVALID_ARGUMENT;
      }
    }
    Sink wrapped(sink, reqs, n);
    try {
      from(i)->execute(reqs, n, wrapped);
      wrapped.fail_pending(MN_ERR_INTERNAL, "backend returned without completing the request");
    } catch (...) {
      ExceptionInfo info = describe_current_exception();
      wrapped.fail_pending(info.code, info.message, info.retryable);
    }
    return MN_OK;
  }

  static mn_status tokenize(mn_model* m, const char* text, size_t len, uint32_t flags, int32_t* ids,
                            size_t capacity, size_t* n_needed, mn_error** error) {
    try {
      if constexpr (has_tokenize<Model>::value) {
        std::vector<int32_t> out = from(m)->tokenize(std::string_view(text, len), flags);
        *n_needed = out.size();
        if (out.size() <= capacity && !out.empty())
          std::memcpy(ids, out.data(), out.size() * sizeof(int32_t));
        return MN_OK;
      } else {
        throw Error(MN_ERR_UNSUPPORTED, "backend has no tokenizer");
      }
    } catch (...) {
      return current_exception_to_error(error);
    }
  }
  static mn_status detokenize(mn_model* m, const int32_t* ids, size_t n, uint32_t flags, char* text,
                              size_t capacity, size_t* n_needed, mn_error** error) {
    try {
      if constexpr (has_tokenize<Model>::value) {
        std::string out = from(m)->detokenize(ids, n, flags);
        *n_needed = out.size();
        if (out.size() <= capacity && !out.empty()) std::memcpy(text, out.data(), out.size());
        return MN_OK;
      } else {
        throw Error(MN_ERR_UNSUPPORTED, "backend has no tokenizer");
      }
    } catch (...) {
      return current_exception_to_error(error);
    }
  }

  static const mn_backend_vtable* vtable() {
    static const mn_backend_vtable vt = {
        sizeof(mn_backend_vtable),
        &backend_init,
        &backend_finalize,
        &model_open,
        &model_close,
        &model_describe,
        &instance_create,
        &instance_destroy,
        &execute,
        has_tokenize<Model>::value ? &tokenize : nullptr,
        has_tokenize<Model>::value ? &detokenize : nullptr,
        nullptr,
    };
    return &vt;
  }

  static mn_status entry(const mn_host_info* host, mn_backend_info* out, mn_error** error,
                         const char* name, const char* version, const char* description,
                         uint64_t caps) noexcept {
    return backend_entry(host, out, error, name, version, description, caps, vtable());
  }
};

}  // namespace detail
}  // namespace sdk_v1
}  // namespace mnemo

// Defines the plugin's exported entry point for backend class B.
#define MN_BACKEND_DEFINE(B, NAME, VERSION, DESCRIPTION, CAPS)                                     \
  extern "C" MN_EXPORT mn_status mn_backend_entry(const mn_host_info* host, mn_backend_info* out,  \
                                                  mn_error** error) {                              \
    return ::mnemo::detail::Adapter<B>::entry(host, out, error, NAME, VERSION, DESCRIPTION, CAPS); \
  }

#endif  // MNEMO_BACKEND_SDK_HPP_
