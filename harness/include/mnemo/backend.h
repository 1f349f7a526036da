/*
 * mnemo backend plugin ABI, version 1.
 *
 * The only binary boundary between the mnemo host and an inference backend. Pure C99; it
 * includes nothing beyond <stdint.h>, <stddef.h> and <stdbool.h> so any language with a C FFI
 * can implement a backend.
 *
 * Versioning. A plugin exports exactly one symbol, `mn_backend_entry` (see MN_ENTRY_SYMBOL).
 * The major version must be equal on both sides; the minor only grows. Every struct crossing
 * the boundary starts with `struct_size`, fields are only ever appended, and a reader uses a
 * field only when `struct_size` covers it (MN_HAS_FIELD). Capability bits are only appended.
 *
 * Objects. backend -> model -> instance, all opaque, each created by the plugin and freed
 * only through its own close/destroy slot.
 *
 * Ownership.
 *  1. Whoever allocates frees. Error objects (mn_error) are always allocated by the host
 *     through mn_host_api.error_new; a plugin hands them back through an out-parameter or
 *     on_complete and never frees or touches them afterwards.
 *  2. Every input (strings, arrays, params, requests) is borrowed for the call only; the
 *     plugin copies what it keeps.
 *  3. Strings in mn_backend_info live until backend_finalize returns; strings in
 *     mn_model_desc live until model_close.
 *  4. An mn_result passed to on_complete is valid only during that callback.
 *  5. Exactly-once completion: when execute returns MN_OK, on_complete has been called
 *     exactly once for every request of the call (success or failure). When execute
 *     returns an error, on_complete has been called for none of them and the host still
 *     owns them all. The plugin never touches the sink for a request after its completion.
 *  6. Sizes are queried with caller buffers: tokenize/detokenize always report the needed
 *     size and write only when it fits (llama.h's rule).
 *
 * Threads. mn_backend_entry, backend_init and backend_finalize: once, single-threaded.
 * model_open/model_close: serialised per backend. model_describe, tokenize, detokenize:
 * thread-safe. execute: never concurrently on one instance; different instances may run in
 * parallel. Sink callbacks may be called from any thread. A plugin keeps its compute within
 * mn_instance_params.n_threads and joins every thread it started before backend_finalize
 * returns. No C++ exception, longjmp or abort may cross this boundary.
 */
#ifndef MNEMO_BACKEND_H_
#define MNEMO_BACKEND_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MN_ABI_VERSION_MAJOR 1
#define MN_ABI_VERSION_MINOR 3

/* The one symbol a plugin exports (the manifest may name another). */
#define MN_ENTRY_SYMBOL "mn_backend_entry"

#if defined(_WIN32)
#define MN_EXPORT __declspec(dllexport)
#else
#define MN_EXPORT __attribute__((visibility("default")))
#endif

/* True when a struct read from the other side is large enough to hold `field`. */
#define MN_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- Status codes ---------------------------------------------------------------------- */

typedef int32_t mn_status;
enum {
  MN_OK = 0,
  MN_ERR_INVALID_ARGUMENT = 1,   /* fatal: the request or parameters are wrong */
  MN_ERR_UNSUPPORTED = 2,        /* fatal: the backend or model cannot do this */
  MN_ERR_NOT_FOUND = 3,          /* fatal: no such file, model or endpoint */
  MN_ERR_UNAVAILABLE = 4,        /* retryable: server down, connection refused, HTTP 503 */
  MN_ERR_RESOURCE_EXHAUSTED = 5, /* retryable with back-off: HTTP 429, KV cache full */
  MN_ERR_DEADLINE_EXCEEDED = 6,  /* retryable: timed out */
  MN_ERR_CANCELLED = 7,          /* fatal for this request: the host asked to stop */
  MN_ERR_INTERNAL = 8,           /* fatal: a bug or an unexpected failure */
  MN_ERR_ABI_MISMATCH = 9        /* fatal: host and plugin versions are incompatible */
};

/* Host-owned error: code, message and whether retrying the same request can help. */
typedef struct mn_error mn_error;

/* ---- Capabilities (64-bit mask; bits are only appended) ---------------------------------- */

#define MN_CAP_SCORE ((uint64_t)1 << 0)         /* MN_REQ_SCORE */
#define MN_CAP_SCORE_ROLLING ((uint64_t)1 << 1) /* MN_REQ_SCORE_ROLLING */
#define MN_CAP_GENERATE ((uint64_t)1 << 2)      /* MN_REQ_GENERATE */
#define MN_CAP_TOKENIZE ((uint64_t)1 << 3)      /* tokenize/detokenize slots work */
#define MN_CAP_BATCH ((uint64_t)1 << 4)         /* one execute computes many requests together */
#define MN_CAP_DETERMINISTIC_SEED ((uint64_t)1 << 5) /* same seed and params, same output */
#define MN_CAP_TOKEN_LOGPROBS ((uint64_t)1 << 6)     /* per-token log-probabilities in results */
/* MN_REQ_GENERATE accepts a conversation (mn_request.messages_json) that the backend has rendered
   by the model's own chat template, as a chat endpoint does (/v1/chat/completions). */
#define MN_CAP_CHAT_TEMPLATE ((uint64_t)1 << 7)
#define MN_CAP_PARALLEL_INSTANCES ((uint64_t)1 << 8) /* several instances may execute at once */
#define MN_CAP_TEXT_PROMPT ((uint64_t)1 << 9)        /* MN_REQ_GENERATE accepts a text prompt */

/* ---- Host services --------------------------------------------------------------------- */

enum { MN_LOG_DEBUG = 0, MN_LOG_INFO = 1, MN_LOG_WARN = 2, MN_LOG_ERROR = 3 };

/* Function table through which a plugin calls the host. Append-only. Thread-safe. */
typedef struct mn_host_api {
  uint32_t struct_size;
  void (*log)(int32_t level, const char* message);
  /* Allocates an error the host will own. `message` is copied. Never returns NULL. */
  mn_error* (*error_new)(mn_status code, bool retryable, const char* message);
  uint64_t (*now_ns)(void); /* monotonic clock */
} mn_host_api;

/* What the host tells the plugin about itself. Host-owned, valid for the whole process. */
typedef struct mn_host_info {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  const char* host_version;
  const mn_host_api* api;
} mn_host_info;

/* ---- Opaque plugin objects -------------------------------------------------------------- */

typedef struct mn_backend mn_backend;
typedef struct mn_model mn_model;
typedef struct mn_instance mn_instance;

/* ---- Parameters and descriptions ------------------------------------------------------- */

typedef struct mn_model_params {
  uint32_t struct_size;
  const char* path;       /* file path or URL, as the backend understands it */
  uint32_t n_ctx;         /* requested context length; 0 = the model's own */
  const char* extra_json; /* backend-specific options as a JSON object, or NULL */
} mn_model_params;

typedef struct mn_model_desc {
  uint32_t struct_size;
  uint64_t caps;           /* may narrow the backend's caps for this model */
  const char* name;        /* human-readable model name */
  const char* fingerprint; /* identifies the weights: file hash or server id + revision */
  uint32_t n_ctx;          /* context length instances will have */
  uint32_t n_ctx_train;    /* context length the model was trained with */
  int32_t n_vocab;
  int32_t bos_token; /* -1 if none */
  int32_t eos_token; /* -1 if none */
  bool add_bos;      /* the model's own rule: prepend BOS to text prompts */
  /* Since minor 1. Identifies the tokenizer: models of one backend that report the same
     non-empty string tokenize every text to the same ids (the host then shares tokenised
     corpora between them). NULL or "" = not stated: each model's tokenizer counts as its own. */
  const char* tokenizer_fingerprint;
  /* Since minor 2. A JSON object describing how this model computes (engine, its
     version/commit, compute mode, CPU features...), or NULL/"" = not stated. Recorded with
     each run; keys are backend-defined. */
  const char* runtime_json;
  /* Since minor 3. The model's chat template, Jinja source (GGUF tokenizer.chat_template,
     llama-server's /props chat_template), or NULL/"" = the model has none. The host renders it;
     a backend does not. */
  const char* chat_template;
  /* Since minor 3. The model's named chat templates as a JSON object {"NAME": Jinja source}
     (GGUF tokenizer.chat_template.NAME, e.g. "tool_use"), or NULL/"" = none. */
  const char* chat_templates_json;
  /* Since minor 3. The end-of-turn token (llama_vocab_eot), -1 if none. */
  int32_t eot_token;
} mn_model_desc;

typedef struct mn_instance_params {
  uint32_t struct_size;
  uint32_t n_threads; /* compute thread budget granted by the host; 0 = backend decides */
  uint32_t n_ctx;     /* per-sequence context; 0 = model default */
  uint32_t n_seq;     /* sequences decoded together in one batch; 0 = backend decides */
  uint64_t seed;
} mn_instance_params;

/* Numeric limits of a backend; all 0 = no stated limit. */
typedef struct mn_limits {
  uint32_t struct_size;
  uint32_t max_instances;
  uint32_t max_batch; /* most requests one execute call should carry */
  uint32_t preferred_threads;
} mn_limits;

/* ---- Requests -------------------------------------------------------------------------- */

typedef enum mn_request_kind {
  /* log P(continuation | context): summed and per-token log-probabilities and whether every
     continuation token was the argmax. `context` must be non-empty. */
  MN_REQ_SCORE = 1,
  /* log P(tokens) of a whole text, in disjoint windows of `window` tokens (0 = context
     length) as lm-eval's loglikelihood_rolling: the first window is conditioned on
     `prefix_token`, each later one on the tokens before it; every token is scored once. */
  MN_REQ_SCORE_ROLLING = 2,
  /* Continue `context` (or `prompt_text` with MN_CAP_TEXT_PROMPT when context is empty). */
  MN_REQ_GENERATE = 3
} mn_request_kind;

typedef struct mn_request {
  uint32_t struct_size;
  uint32_t kind;          /* mn_request_kind */
  uint64_t request_id;    /* host-assigned, unique within an execute call */
  const int32_t* context; /* SCORE: context; ROLLING: the text; GENERATE: the prompt */
  uint32_t n_context;
  const int32_t* continuation; /* SCORE only */
  uint32_t n_continuation;
  /* ROLLING */
  int32_t prefix_token; /* conditions the first window; -1 = the model's BOS */
  uint32_t window;
  /* GENERATE */
  const char* prompt_text; /* only used when n_context == 0 */
  size_t prompt_text_len;
  uint32_t max_tokens;
  bool greedy; /* true: argmax decoding; the sampling fields below are ignored */
  float temperature;
  float top_p;
  int32_t top_k; /* 0 = off */
  uint64_t seed;
  const char* const* stop; /* stop strings; the generated text is cut before the first one */
  uint32_t n_stop;
  /* true: end on the model's end-of-generation token (default). false: never choose an
     end-of-generation token (llama-server's ignore_eos), so exactly max_tokens come back unless
     a stop string ends earlier; reported log-probabilities still use the full distribution. */
  bool stop_at_eos;
  /* Since minor 3. GENERATE with MN_CAP_CHAT_TEMPLATE only: the conversation, a JSON array of
     {"role", "content"} objects, for the backend to have rendered by the model's own template
     (with the generation prompt; a final assistant message is continued, not closed). Context
     and prompt_text are then ignored. NULL = not a chat request. */
  const char* messages_json;
  size_t messages_json_len;
} mn_request;

typedef enum mn_finish_reason {
  MN_FINISH_NONE = 0, /* not a generation */
  MN_FINISH_LENGTH = 1,
  MN_FINISH_STOP = 2, /* a stop string matched */
  MN_FINISH_EOS = 3   /* end-of-generation token */
} mn_finish_reason;

/* A completed request. Valid only during on_complete. */
typedef struct mn_result {
  uint32_t struct_size;
  double logprob; /* SCORE/ROLLING: sum over scored tokens; GENERATE: sum over tokens */
  bool is_greedy; /* SCORE: every continuation token was the argmax */
  /* SCORE: the continuation; ROLLING: the text; GENERATE: generated tokens (a stop string's
     tokens included, EOS excluded) */
  const int32_t* tokens;
  uint32_t n_tokens;
  const float* token_logprobs; /* one per token, or NULL without MN_CAP_TOKEN_LOGPROBS */
  const char* text;            /* GENERATE: detokenized text, cut at a stop string */
  size_t text_len;
  uint32_t finish_reason; /* mn_finish_reason */
  uint32_t n_prompt_tokens;
  uint64_t compute_ns;
} mn_result;

/* Host callbacks for completions. Thread-safe on the host side. */
typedef struct mn_sink {
  uint32_t struct_size;
  void* user_data;
  /* Called exactly once per request. On success `status` is MN_OK, `result` is non-NULL and
     `error` NULL; on failure `result` is NULL and `error` is a host-allocated error whose
     ownership passes back to the host (it may be NULL only if the plugin could not allocate
     one). */
  void (*on_complete)(void* user_data, uint64_t request_id, mn_status status,
                      const mn_result* result, mn_error* error);
} mn_sink;

/* ---- The plugin's function table ------------------------------------------------------- */

enum {
  MN_TOKENIZE_ADD_SPECIAL = 1u << 0,   /* add BOS/EOS as the model's rule says */
  MN_TOKENIZE_PARSE_SPECIAL = 1u << 1, /* treat special-token text as special tokens */
  MN_DETOKENIZE_REMOVE_SPECIAL = 1u << 2,
  MN_DETOKENIZE_RENDER_SPECIAL = 1u << 3
};

typedef struct mn_backend_vtable {
  uint32_t struct_size;
  /* Required. `config_json` may be NULL. On failure sets *error. */
  mn_status (*backend_init)(const char* config_json, mn_backend** out, mn_error** error);
  void (*backend_finalize)(mn_backend* backend);
  mn_status (*model_open)(mn_backend* backend, const mn_model_params* params, mn_model** out,
                          mn_error** error);
  void (*model_close)(mn_model* model);
  /* Fills `out` up to out->struct_size (set by the caller). */
  mn_status (*model_describe)(mn_model* model, mn_model_desc* out);
  mn_status (*instance_create)(mn_model* model, const mn_instance_params* params, mn_instance** out,
                               mn_error** error);
  void (*instance_destroy)(mn_instance* instance);
  /* Synchronous batch; see the exactly-once rule above. */
  mn_status (*execute)(mn_instance* instance, const mn_request* const* requests, uint32_t n,
                       const mn_sink* sink, mn_error** error);
  /* Optional with MN_CAP_TOKENIZE. Always sets *n_needed; writes `ids` only if it fits. */
  mn_status (*tokenize)(mn_model* model, const char* text, size_t len, uint32_t flags, int32_t* ids,
                        size_t capacity, size_t* n_needed, mn_error** error);
  /* Optional with MN_CAP_TOKENIZE. Always sets *n_needed (bytes, no terminator). */
  mn_status (*detokenize)(mn_model* model, const int32_t* ids, size_t n, uint32_t flags, char* text,
                          size_t capacity, size_t* n_needed, mn_error** error);
  /* Optional. */
  mn_status (*get_limits)(mn_backend* backend, mn_limits* out);
} mn_backend_vtable;

/* What a plugin tells the host. The host zeroes it and sets struct_size first. */
typedef struct mn_backend_info {
  uint32_t struct_size;
  uint16_t abi_major; /* MN_ABI_VERSION_MAJOR the plugin was built with */
  uint16_t abi_minor;
  const char* name;
  const char* version;
  const char* description;
  uint64_t caps;
  const mn_backend_vtable* vtable; /* static; lives as long as the library */
} mn_backend_info;

/* Entry point. Returns MN_ERR_ABI_MISMATCH (with *error set) when the host's major differs
   or its minor is older than the plugin needs. */
typedef mn_status (*mn_backend_entry_fn)(const mn_host_info* host, mn_backend_info* out,
                                         mn_error** error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MNEMO_BACKEND_H_ */
