#include "fingerprint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <gguf.h>
#include <nlohmann/json.hpp>

#include "mnemo/backend_sdk.hpp"

namespace mnemo::llamacpp {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Hex128(const char* prefix, XXH128_hash_t hash) {
  XXH128_canonical_t canon;
  XXH128_canonicalFromHash(&canon, hash);
  static const char* kHex = "0123456789abcdef";
  std::string out = prefix;
  for (unsigned char b : canon.digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// Bytes of one GGUF scalar; 0 for strings, arrays and unknown types.
size_t GgufScalarSize(gguf_type type) {
  switch (type) {
    case GGUF_TYPE_UINT8:
    case GGUF_TYPE_INT8:
    case GGUF_TYPE_BOOL:
      return 1;
    case GGUF_TYPE_UINT16:
    case GGUF_TYPE_INT16:
      return 2;
    case GGUF_TYPE_UINT32:
    case GGUF_TYPE_INT32:
    case GGUF_TYPE_FLOAT32:
      return 4;
    case GGUF_TYPE_UINT64:
    case GGUF_TYPE_INT64:
    case GGUF_TYPE_FLOAT64:
      return 8;
    default:
      return 0;
  }
}

constexpr char kPrefix[] = "gguf-xxh128:";
constexpr size_t kBlock = size_t{16} << 20;  // large sequential reads; page cache does the rest
constexpr size_t kMaxEntries = 512;

struct FileId {
  std::string real_path;
  uint64_t size = 0;
  uint64_t mtime_ns = 0;
};

// Serialises this process's cache read-modify-write cycles.
std::mutex& CacheMutex() {
  static std::mutex mu;
  return mu;
}

bool StatFile(const std::string& path, FileId* id) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  id->size = static_cast<uint64_t>(st.st_size);
  id->mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                 static_cast<uint64_t>(st.st_mtim.tv_nsec);
  return true;
}

FileId Identify(const std::string& path) {
  FileId id;
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec || !StatFile(real.string(), &id)) {
    throw Error(MN_ERR_NOT_FOUND, "cannot stat model file '" + path + "'");
  }
  id.real_path = real.string();
  return id;
}

// A missing, unreadable or malformed cache reads as empty.
json ReadCache(const std::string& cache_path) {
  std::ifstream in(cache_path, std::ios::binary);
  if (!in) return json::object();
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("files") || !j["files"].is_object()) return json::object();
  return j;
}

// Checks every type before reading, so a hand-edited or corrupt entry never throws.
bool EntryMatches(const json& e, const FileId& id) {
  if (!e.is_object()) return false;
  auto size = e.find("size");
  auto mtime = e.find("mtime_ns");
  auto fp = e.find("fingerprint");
  return size != e.end() && size->is_number_unsigned() && size->get<uint64_t>() == id.size &&
         mtime != e.end() && mtime->is_number_unsigned() && mtime->get<uint64_t>() == id.mtime_ns &&
         fp != e.end() && fp->is_string() && fp->get<std::string>().rfind(kPrefix, 0) == 0;
}

// The cached fingerprint of `id`, or "" when there is none (or the cache is unusable).
std::string Lookup(const std::string& cache_path, const FileId& id) {
  try {
    json cache = ReadCache(cache_path);
    auto files = cache.find("files");
    if (files == cache.end()) return "";
    auto e = files->find(id.real_path);
    if (e != files->end() && EntryMatches(*e, id)) return (*e)["fingerprint"].get<std::string>();
  } catch (const std::exception&) {
  }
  return "";
}

void WriteCache(const std::string& cache_path, json cache) {
  std::error_code ec;
  fs::create_directories(fs::path(cache_path).parent_path(), ec);
  // Drop entries for files that are gone or changed, so the cache stays small.
  json files = json::object();
  for (auto it = cache["files"].begin(); it != cache["files"].end(); ++it) {
    FileId now;
    if (files.size() < kMaxEntries && StatFile(it.key(), &now) && EntryMatches(it.value(), now))
      files[it.key()] = it.value();
  }
  cache["files"] = std::move(files);
  cache["version"] = 1;
  std::ostringstream tmp_name;
  tmp_name << cache_path << ".tmp." << ::getpid() << "."
           << std::hash<std::thread::id>()(std::this_thread::get_id());
  const std::string tmp = tmp_name.str();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;  // best-effort: an unwritable cache only costs a re-hash next time
    out << cache.dump(2) << '\n';
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      return;
    }
  }
  if (std::rename(tmp.c_str(), cache_path.c_str()) != 0) fs::remove(tmp, ec);
}

}  // namespace

std::string FingerprintCachePath() {
  if (const char* c = std::getenv("MNEMO_CACHE"); c != nullptr && *c != '\0')
    return (fs::path(c) / "fingerprints.json").string();
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
    return (fs::path(h) / ".cache" / "mnemo" / "fingerprints.json").string();
  return "";
}

std::string HashFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(errno == ENOENT ? MN_ERR_NOT_FOUND : MN_ERR_INTERNAL,
                "cannot open '" + path + "' for hashing: " + std::strerror(errno));
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) {
    ::close(fd);
    throw Error(MN_ERR_INTERNAL, "cannot initialise XXH3 state");
  }
  std::vector<unsigned char> buf(kBlock);
  while (true) {
    ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int err = errno;
      ::close(fd);
      throw Error(MN_ERR_INTERNAL, "read error hashing '" + path + "': " + std::strerror(err));
    }
    if (got == 0) break;
    XXH3_128bits_update(state.get(), buf.data(), static_cast<size_t>(got));
  }
  ::close(fd);
  return Hex128(kPrefix, XXH3_128bits_digest(state.get()));
}

std::string TokenizerFingerprint(const std::string& path) {
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  std::unique_ptr<gguf_context, decltype(&gguf_free)> ctx(gguf_init_from_file(path.c_str(), params),
                                                          &gguf_free);
  if (!ctx) throw Error(MN_ERR_INVALID_ARGUMENT, "cannot read the GGUF metadata of '" + path + "'");
  std::vector<std::pair<std::string, int64_t>> keys;
  for (int64_t i = 0; i < gguf_get_n_kv(ctx.get()); ++i) {
    std::string key = gguf_get_key(ctx.get(), i);
    if (key.rfind("tokenizer.", 0) == 0) keys.emplace_back(std::move(key), i);
  }
  std::sort(keys.begin(), keys.end());
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK)
    throw Error(MN_ERR_INTERNAL, "cannot initialise XXH3 state");
  // Every field is length- or type-delimited, so different metadata never hashes the same
  // byte stream.
  auto add = [&](const void* p, size_t n) { XXH3_128bits_update(state.get(), p, n); };
  auto add_u64 = [&](uint64_t v) { add(&v, sizeof v); };
  auto add_str = [&](const char* str) {
    const size_t n = std::strlen(str);
    add_u64(n);
    add(str, n);
  };
  for (const auto& [key, id] : keys) {
    add_str(key.c_str());
    const gguf_type type = gguf_get_kv_type(ctx.get(), id);
    add_u64(static_cast<uint64_t>(type));
    if (type == GGUF_TYPE_STRING) {
      add_str(gguf_get_val_str(ctx.get(), id));
    } else if (type == GGUF_TYPE_ARRAY) {
      const gguf_type et = gguf_get_arr_type(ctx.get(), id);
      const size_t n = gguf_get_arr_n(ctx.get(), id);
      add_u64(static_cast<uint64_t>(et));
      add_u64(n);
      if (et == GGUF_TYPE_STRING) {
        for (size_t k = 0; k < n; ++k) add_str(gguf_get_arr_str(ctx.get(), id, k));
      } else {
        const size_t size = GgufScalarSize(et);
        if (size == 0)
          throw Error(MN_ERR_INVALID_ARGUMENT,
                      "'" + path + "': tokenizer key '" + key + "' holds nested arrays");
        add(gguf_get_arr_data(ctx.get(), id), n * size);
      }
    } else {
      const size_t size = GgufScalarSize(type);
      if (size == 0)
        throw Error(MN_ERR_INVALID_ARGUMENT,
                    "'" + path + "': tokenizer key '" + key + "' has an unknown type");
      add(gguf_get_val_data(ctx.get(), id), size);
    }
  }
  return Hex128("gguf-tokenizer-xxh128:", XXH3_128bits_digest(state.get()));
}

std::string FileFingerprint(const std::string& path) {
  const FileId id = Identify(path);
  const std::string cache_path = FingerprintCachePath();
  if (cache_path.empty()) return HashFile(id.real_path);
  {
    std::lock_guard<std::mutex> lock(CacheMutex());
    std::string cached = Lookup(cache_path, id);
    if (!cached.empty()) return cached;
  }
  // Hash outside the lock: it may take minutes for a large file.
  std::string fp = HashFile(id.real_path);
  FileId after;
  if (!StatFile(id.real_path, &after) || after.size != id.size || after.mtime_ns != id.mtime_ns)
    return fp;  // the file changed while hashing; do not cache a value that may be stale
  std::lock_guard<std::mutex> lock(CacheMutex());
  try {
    json cache = ReadCache(cache_path);  // re-read: another model may have been added meanwhile
    cache["files"][id.real_path] = {
        {"size", id.size}, {"mtime_ns", id.mtime_ns}, {"fingerprint", fp}};
    WriteCache(cache_path, std::move(cache));
  } catch (const std::exception&) {
    // Best-effort: the fingerprint is right even if it could not be remembered.
  }
  return fp;
}

}  // namespace mnemo::llamacpp
