#include "options.h"

#include <nlohmann/json.hpp>

#include "mnemo/backend_sdk.hpp"

namespace mnemo::openai {
namespace {

[[noreturn]] void Bad(const std::string& key, const std::string& what) {
  throw Error(MN_ERR_INVALID_ARGUMENT, "extra_json field '" + key + "' " + what);
}

uint32_t ReadUint(const nlohmann::json& j, const char* key, uint32_t def, uint32_t lo,
                  uint32_t hi) {
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (!it->is_number_unsigned() || it->get<uint64_t>() < lo || it->get<uint64_t>() > hi)
    Bad(key, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return it->get<uint32_t>();
}

double ReadSeconds(const nlohmann::json& j, const char* key, double def) {
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (!it->is_number() || it->get<double>() <= 0 || it->get<double>() > 86400)
    Bad(key, "must be a number of seconds in (0, 86400]");
  return it->get<double>();
}

std::string ReadString(const nlohmann::json& j, const char* key, std::string def,
                       const std::vector<std::string>& allowed = {}) {
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (!it->is_string()) Bad(key, "must be a string");
  std::string v = it->get<std::string>();
  if (allowed.empty()) return v;
  for (const auto& a : allowed)
    if (v == a) return v;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "\"" : ", \"") + a + "\"";
  Bad(key, "must be one of " + list);
}

}  // namespace

Options ParseOptions(const char* extra_json) {
  Options o;
  if (extra_json == nullptr || *extra_json == '\0') return o;
  nlohmann::json j = nlohmann::json::parse(extra_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw Error(MN_ERR_INVALID_ARGUMENT, "extra_json is not a JSON object");
  static const char* const kKnown[] = {
      "concurrency",    "timeout_s", "connect_timeout_s", "retries", "backoff_ms",
      "max_backoff_ms", "down_ms",   "api_key_env",       "model",   "chat",
      "tokenize",       "tokenizer", "scoring",           "n_ctx"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) Bad(key, "is not an option of the openai backend");
  }
  o.concurrency = ReadUint(j, "concurrency", o.concurrency, 1, 1024);
  HttpConfig& http = o.http;
  http.timeout_s = ReadSeconds(j, "timeout_s", http.timeout_s);
  http.connect_timeout_s = ReadSeconds(j, "connect_timeout_s", http.connect_timeout_s);
  http.retries = ReadUint(j, "retries", http.retries, 0, 1000);
  http.backoff_ms = ReadUint(j, "backoff_ms", http.backoff_ms, 0, 600000);
  http.max_backoff_ms = ReadUint(j, "max_backoff_ms", http.max_backoff_ms, 0, 3600000);
  http.down_ms = ReadUint(j, "down_ms", http.down_ms, 0, 3600000);
  o.api_key_env = ReadString(j, "api_key_env", "");
  o.model = ReadString(j, "model", "");
  if (auto it = j.find("chat"); it != j.end()) {
    if (!it->is_boolean()) Bad("chat", "must be a bool");
    o.chat = it->get<bool>();
  }
  o.tokenize = ReadString(j, "tokenize", o.tokenize, {"auto", "server", "local", "none"});
  o.tokenizer = ReadString(j, "tokenizer", "");
  if (o.tokenize == "local" && o.tokenizer.empty())
    Bad("tokenize", "is \"local\" but no 'tokenizer' (SentencePiece model path) is given");
  o.scoring = ReadString(j, "scoring", o.scoring, {"auto", "off"});
  o.n_ctx = ReadUint(j, "n_ctx", 0, 0, 1u << 24);
  return o;
}

std::vector<std::string> ParseBaseUrls(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t comma = path.find(',', start);
    if (comma == std::string::npos) comma = path.size();
    std::string url = path.substr(start, comma - start);
    while (!url.empty() && (url.front() == ' ' || url.front() == '\t')) url.erase(0, 1);
    while (!url.empty() && (url.back() == ' ' || url.back() == '\t' || url.back() == '/'))
      url.pop_back();
    if (!url.empty()) {
      if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        throw Error(MN_ERR_INVALID_ARGUMENT,
                    "base URL '" + url + "' must start with http:// or https://");
      for (const auto& seen : out)
        if (seen == url)
          throw Error(MN_ERR_INVALID_ARGUMENT,
                      "base URL '" + url + "' is given twice; list each server once");
      out.push_back(url);
    }
    start = comma + 1;
  }
  if (out.empty())
    throw Error(MN_ERR_INVALID_ARGUMENT,
                "no base URL given; the model path is a URL such as http://127.0.0.1:8080/v1");
  return out;
}

std::string ServerRoot(const std::string& base_url) {
  const std::string v1 = "/v1";
  if (base_url.size() > v1.size() &&
      base_url.compare(base_url.size() - v1.size(), v1.size(), v1) == 0)
    return base_url.substr(0, base_url.size() - v1.size());
  return base_url;
}

}  // namespace mnemo::openai
