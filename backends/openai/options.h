// Options of the "openai" backend: the base URLs (mn_model_params.path) and the tuning knobs
// read from mn_model_params.extra_json. Pure parsing, no I/O.
#ifndef MNEMO_BACKENDS_OPENAI_OPTIONS_H_
#define MNEMO_BACKENDS_OPENAI_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "http.h"

namespace mnemo::openai {

// extra_json fields, every one optional:
//   {"concurrency": 4,          requests in flight per instance and base URL (one
//                               connection each)
//    "timeout_s": 600,          whole-exchange timeout of one HTTP request
//    "connect_timeout_s": 10,
//    "retries": 5,              retries of one exchange after the first attempt (the budget)
//    "backoff_ms": 250,         first back-off; doubles per retry, with jitter
//    "max_backoff_ms": 30000,   cap of one back-off (and of an honoured Retry-After)
//    "down_ms": 1000,           how long a failing base URL stays out before it is probed
//                               again (doubles while it keeps failing, up to 60 s)
//    "api_key_env": "NAME",     environment variable holding the API key (Bearer token); the
//                               key itself is never logged, stored, or put in the fingerprint
//    "model": "name",           "model" field sent with requests (default: the server's id)
//    "chat": false,             generate through /chat/completions (one user message, or
//                               the request's messages_json, rendered by the server)
//    "tokenize": "auto",        "auto" (server's /tokenize, else the local model),
//                               "server", "local" or "none"
//    "tokenizer": "PATH",       local SentencePiece model for tokenize/detokenize
//    "scoring": "auto",         "auto" probes for echoed prompt log-probs at open; "off"
//    "n_ctx": 0}                context length when the server does not report one
struct Options {
  uint32_t concurrency = 4;
  // timeout_s, connect_timeout_s, retries, backoff_ms, max_backoff_ms and down_ms. ParseOptions
  // leaves `authorization` empty; ServerModel::Open sets it from api_key_env.
  HttpConfig http;
  std::string api_key_env;
  std::string model;
  bool chat = false;
  std::string tokenize = "auto";
  std::string tokenizer;
  std::string scoring = "auto";
  uint32_t n_ctx = 0;
};

// Throws mnemo::Error(MN_ERR_INVALID_ARGUMENT) naming the bad field.
Options ParseOptions(const char* extra_json);

// "http://a:1/v1,http://b:2/v1" -> two URLs without trailing '/'. Each must start with
// http:// or https://, and none may be given twice. Throws mnemo::Error(MN_ERR_INVALID_ARGUMENT)
// naming the bad one.
std::vector<std::string> ParseBaseUrls(const std::string& path);

// The server root of a base URL: "http://h:1/v1" -> "http://h:1" (llama-server's /tokenize,
// /detokenize and /props live there). A URL not ending in "/v1" is its own root.
std::string ServerRoot(const std::string& base_url);

}  // namespace mnemo::openai

#endif  // MNEMO_BACKENDS_OPENAI_OPTIONS_H_
