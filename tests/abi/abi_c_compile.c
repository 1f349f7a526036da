/*
 * The ABI header must compile as strict C99 (-std=c99 -pedantic -Werror) and its layout must
 * stay what v1 promises. This file fills every struct of mnemo/backend.h from C, uses
 * MN_HAS_FIELD, and checks at run time:
 *   - struct_size is the first field (offset 0) of every struct;
 *   - MN_HAS_FIELD accepts a struct_size covering a field and rejects one that does not;
 *   - on LP64 targets, the v1 field offsets (frozen: fields are only appended, so these never
 *     change within major version 1; fields appended by a minor version are marked with it).
 * Exit status 0 when every check passes, 1 otherwise (each failure is printed).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mnemo/backend.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_OFFSET(type, field, expected) CHECK(offsetof(type, field) == (expected))

/* struct_size first, and the whole struct at least as large as its last field's end. */
#define CHECK_HEADER(type, last)                                            \
  do {                                                                      \
    CHECK(offsetof(type, struct_size) == 0);                                \
    CHECK(sizeof(type) >= offsetof(type, last) + sizeof(((type*)0)->last)); \
  } while (0)

/* A C plugin's slots and a C host's callbacks must be expressible with these types. */
static void host_log(int32_t level, const char* message) {
  (void)level;
  (void)message;
}
static mn_error* host_error_new(mn_status code, bool retryable, const char* message) {
  (void)code;
  (void)retryable;
  (void)message;
  return NULL;
}
static uint64_t host_now_ns(void) {
  return 42u;
}
static void sink_on_complete(void* user_data, uint64_t request_id, mn_status status,
                             const mn_result* result, mn_error* error) {
  (void)user_data;
  (void)request_id;
  (void)status;
  (void)result;
  (void)error;
}
static mn_status p_init(const char* config_json, mn_backend** out, mn_error** error) {
  (void)config_json;
  (void)error;
  *out = NULL;
  return MN_OK;
}
static void p_finalize(mn_backend* backend) {
  (void)backend;
}
static mn_status p_model_open(mn_backend* backend, const mn_model_params* params, mn_model** out,
                              mn_error** error) {
  (void)backend;
  (void)params;
  (void)error;
  *out = NULL;
  return MN_ERR_NOT_FOUND;
}
static void p_model_close(mn_model* model) {
  (void)model;
}
static mn_status p_describe(mn_model* model, mn_model_desc* out) {
  (void)model;
  if (MN_HAS_FIELD(out, mn_model_desc, add_bos)) out->add_bos = true;
  if (MN_HAS_FIELD(out, mn_model_desc, tokenizer_fingerprint)) out->tokenizer_fingerprint = "tok";
  if (MN_HAS_FIELD(out, mn_model_desc, runtime_json)) out->runtime_json = "{\"engine\":\"c\"}";
  if (MN_HAS_FIELD(out, mn_model_desc, chat_template)) out->chat_template = "{{ messages }}";
  if (MN_HAS_FIELD(out, mn_model_desc, eot_token)) out->eot_token = 106;
  return MN_OK;
}
static mn_status p_instance_create(mn_model* model, const mn_instance_params* params,
                                   mn_instance** out, mn_error** error) {
  (void)model;
  (void)params;
  (void)error;
  *out = NULL;
  return MN_ERR_UNSUPPORTED;
}
static void p_instance_destroy(mn_instance* instance) {
  (void)instance;
}
static mn_status p_execute(mn_instance* instance, const mn_request* const* requests, uint32_t n,
                           const mn_sink* sink, mn_error** error) {
  (void)instance;
  (void)requests;
  (void)n;
  (void)sink;
  (void)error;
  return MN_OK;
}
static mn_status p_tokenize(mn_model* model, const char* text, size_t len, uint32_t flags,
                            int32_t* ids, size_t capacity, size_t* n_needed, mn_error** error) {
  (void)model;
  (void)text;
  (void)flags;
  (void)ids;
  (void)capacity;
  (void)error;
  *n_needed = len;
  return MN_OK;
}
static mn_status p_detokenize(mn_model* model, const int32_t* ids, size_t n, uint32_t flags,
                              char* text, size_t capacity, size_t* n_needed, mn_error** error) {
  (void)model;
  (void)ids;
  (void)flags;
  (void)text;
  (void)capacity;
  (void)error;
  *n_needed = n;
  return MN_OK;
}
static mn_status p_get_limits(mn_backend* backend, mn_limits* out) {
  (void)backend;
  (void)out;
  return MN_OK;
}
static mn_status p_entry(const mn_host_info* host, mn_backend_info* out, mn_error** error) {
  (void)host;
  (void)out;
  (void)error;
  return MN_OK;
}

int main(void) {
  static const int32_t tokens[] = {2, 3, 4};
  static const float logprobs[] = {-1.0f, -2.0f, -3.0f};
  static const char* const stops[] = {"\n\n"};
  const mn_host_api api = {sizeof(mn_host_api), host_log, host_error_new, host_now_ns};
  const mn_host_info host = {sizeof(mn_host_info), MN_ABI_VERSION_MAJOR, MN_ABI_VERSION_MINOR,
                             "test", &api};
  const mn_model_params model_params = {sizeof(mn_model_params), "model.gguf", 2048, "{}"};
  mn_model_desc desc = {sizeof(mn_model_desc),
                        MN_CAP_SCORE,
                        "name",
                        "fp",
                        2048,
                        2048,
                        259,
                        2,
                        1,
                        false,
                        "tok",
                        "{}",
                        "",
                        "{}",
                        -1};
  const mn_instance_params instance_params = {sizeof(mn_instance_params), 4, 2048, 1, 7};
  const mn_limits limits = {sizeof(mn_limits), 1, 64, 4};
  mn_request request;
  mn_result result;
  const mn_request* request_list[1];
  const mn_sink sink = {sizeof(mn_sink), NULL, sink_on_complete};
  const mn_backend_vtable vtable = {sizeof(mn_backend_vtable),
                                    p_init,
                                    p_finalize,
                                    p_model_open,
                                    p_model_close,
                                    p_describe,
                                    p_instance_create,
                                    p_instance_destroy,
                                    p_execute,
                                    p_tokenize,
                                    p_detokenize,
                                    p_get_limits};
  mn_backend_info info;
  mn_backend_entry_fn entry = p_entry;
  mn_model_params short_params;
  mn_model_desc old_desc;
  mn_request old_request;
  size_t needed = 0;

  memset(&request, 0, sizeof request);
  request.struct_size = sizeof request;
  request.kind = MN_REQ_GENERATE;
  request.request_id = 1;
  request.context = tokens;
  request.n_context = 3;
  request.continuation = NULL;
  request.n_continuation = 0;
  request.prefix_token = -1;
  request.window = 0;
  request.prompt_text = NULL;
  request.prompt_text_len = 0;
  request.max_tokens = 16;
  request.greedy = true;
  request.temperature = 1.0f;
  request.top_p = 1.0f;
  request.top_k = 0;
  request.seed = 1;
  request.stop = stops;
  request.n_stop = 1;
  request.stop_at_eos = true;
  request.messages_json = "[{\"role\":\"user\",\"content\":\"hi\"}]";
  request.messages_json_len = strlen(request.messages_json);
  request_list[0] = &request;

  memset(&result, 0, sizeof result);
  result.struct_size = sizeof result;
  result.logprob = -6.0;
  result.is_greedy = true;
  result.tokens = tokens;
  result.n_tokens = 3;
  result.token_logprobs = logprobs;
  result.text = "abc";
  result.text_len = 3;
  result.finish_reason = MN_FINISH_EOS;
  result.n_prompt_tokens = 3;
  result.compute_ns = 1;

  memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  info.abi_major = MN_ABI_VERSION_MAJOR;
  info.abi_minor = MN_ABI_VERSION_MINOR;
  info.name = "c";
  info.version = "1";
  info.description = "C99";
  info.caps = MN_CAP_SCORE | MN_CAP_TEXT_PROMPT;
  info.vtable = &vtable;

  /* The structs are usable through the function types. */
  CHECK(entry(&host, &info, NULL) == MN_OK);
  CHECK(host.api->now_ns() == 42u);
  CHECK(vtable.execute(NULL, request_list, 1, &sink, NULL) == MN_OK);
  sink.on_complete(sink.user_data, request.request_id, MN_OK, &result, NULL);
  CHECK(vtable.model_describe(NULL, &desc) == MN_OK && desc.add_bos);
  CHECK(strcmp(desc.runtime_json, "{\"engine\":\"c\"}") == 0);
  CHECK(strcmp(desc.chat_template, "{{ messages }}") == 0 && desc.eot_token == 106);
  CHECK(strcmp(desc.chat_templates_json, "{}") == 0);
  CHECK(vtable.tokenize(NULL, "abc", 3, MN_TOKENIZE_ADD_SPECIAL, NULL, 0, &needed, NULL) == MN_OK &&
        needed == 3);
  CHECK(vtable.get_limits(NULL, NULL) == MN_OK && limits.max_batch == 64);
  CHECK(model_params.n_ctx == 2048 && instance_params.seed == 7);
  CHECK(strcmp(MN_ENTRY_SYMBOL, "mn_backend_entry") == 0);
  CHECK(MN_ABI_VERSION_MAJOR == 1);
  CHECK(MN_ABI_VERSION_MINOR == 3);

  /* MN_HAS_FIELD: covered exactly at a field's end, not one byte before. */
  memset(&short_params, 0, sizeof short_params);
  short_params.struct_size = (uint32_t)offsetof(mn_model_params, extra_json);
  CHECK(MN_HAS_FIELD(&short_params, mn_model_params, n_ctx));
  CHECK(!MN_HAS_FIELD(&short_params, mn_model_params, extra_json));
  short_params.struct_size =
      (uint32_t)(offsetof(mn_model_params, extra_json) + sizeof(short_params.extra_json) - 1);
  CHECK(!MN_HAS_FIELD(&short_params, mn_model_params, extra_json));
  short_params.struct_size = (uint32_t)sizeof(mn_model_params);
  CHECK(MN_HAS_FIELD(&short_params, mn_model_params, extra_json));
  /* A description from a 1.1 plugin ends at tokenizer_fingerprint: no runtime_json. */
  old_desc = desc;
  old_desc.struct_size = (uint32_t)offsetof(mn_model_desc, runtime_json);
  CHECK(MN_HAS_FIELD(&old_desc, mn_model_desc, tokenizer_fingerprint));
  CHECK(!MN_HAS_FIELD(&old_desc, mn_model_desc, runtime_json));
  /* A description from a 1.2 plugin ends at runtime_json: no chat template, no EOT token. */
  old_desc.struct_size = (uint32_t)offsetof(mn_model_desc, chat_template);
  CHECK(MN_HAS_FIELD(&old_desc, mn_model_desc, runtime_json));
  CHECK(!MN_HAS_FIELD(&old_desc, mn_model_desc, chat_template));
  CHECK(!MN_HAS_FIELD(&old_desc, mn_model_desc, eot_token));
  /* A request from a 1.2 host ends at stop_at_eos: no conversation. */
  old_request = request;
  old_request.struct_size = (uint32_t)offsetof(mn_request, messages_json);
  CHECK(MN_HAS_FIELD(&old_request, mn_request, stop_at_eos));
  CHECK(!MN_HAS_FIELD(&old_request, mn_request, messages_json));
  CHECK(MN_HAS_FIELD(&request, mn_request, stop_at_eos));
  CHECK(MN_HAS_FIELD(&request, mn_request, messages_json_len));
  CHECK(MN_HAS_FIELD(&result, mn_result, compute_ns));
  CHECK(MN_HAS_FIELD(&info, mn_backend_info, vtable));
  CHECK(MN_HAS_FIELD(&vtable, mn_backend_vtable, get_limits));
  CHECK(MN_HAS_FIELD(&host, mn_host_info, api));
  CHECK(MN_HAS_FIELD(&api, mn_host_api, now_ns));
  CHECK(MN_HAS_FIELD(&desc, mn_model_desc, add_bos));
  CHECK(MN_HAS_FIELD(&desc, mn_model_desc, tokenizer_fingerprint));
  CHECK(MN_HAS_FIELD(&desc, mn_model_desc, runtime_json));
  CHECK(MN_HAS_FIELD(&desc, mn_model_desc, chat_template));
  CHECK(MN_HAS_FIELD(&desc, mn_model_desc, chat_templates_json));
  CHECK(MN_HAS_FIELD(&desc, mn_model_desc, eot_token));
  CHECK(MN_HAS_FIELD(&instance_params, mn_instance_params, seed));
  CHECK(MN_HAS_FIELD(&limits, mn_limits, preferred_threads));
  CHECK(MN_HAS_FIELD(&sink, mn_sink, on_complete));

  CHECK_HEADER(mn_host_api, now_ns);
  CHECK_HEADER(mn_host_info, api);
  CHECK_HEADER(mn_model_params, extra_json);
  CHECK_HEADER(mn_model_desc, eot_token);
  CHECK_HEADER(mn_instance_params, seed);
  CHECK_HEADER(mn_limits, preferred_threads);
  CHECK_HEADER(mn_request, messages_json_len);
  CHECK_HEADER(mn_result, compute_ns);
  CHECK_HEADER(mn_sink, on_complete);
  CHECK_HEADER(mn_backend_vtable, get_limits);
  CHECK_HEADER(mn_backend_info, vtable);

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
  /* The v1 layout on LP64. Appending fields never changes these offsets. */
  CHECK_OFFSET(mn_host_api, log, 8);
  CHECK_OFFSET(mn_host_api, error_new, 16);
  CHECK_OFFSET(mn_host_api, now_ns, 24);
  CHECK_OFFSET(mn_host_info, abi_major, 4);
  CHECK_OFFSET(mn_host_info, abi_minor, 6);
  CHECK_OFFSET(mn_host_info, host_version, 8);
  CHECK_OFFSET(mn_host_info, api, 16);
  CHECK_OFFSET(mn_model_params, path, 8);
  CHECK_OFFSET(mn_model_params, n_ctx, 16);
  CHECK_OFFSET(mn_model_params, extra_json, 24);
  CHECK_OFFSET(mn_model_desc, caps, 8);
  CHECK_OFFSET(mn_model_desc, name, 16);
  CHECK_OFFSET(mn_model_desc, fingerprint, 24);
  CHECK_OFFSET(mn_model_desc, n_ctx, 32);
  CHECK_OFFSET(mn_model_desc, n_ctx_train, 36);
  CHECK_OFFSET(mn_model_desc, n_vocab, 40);
  CHECK_OFFSET(mn_model_desc, bos_token, 44);
  CHECK_OFFSET(mn_model_desc, eos_token, 48);
  CHECK_OFFSET(mn_model_desc, add_bos, 52);
  CHECK_OFFSET(mn_model_desc, tokenizer_fingerprint, 56); /* minor 1 */
  CHECK_OFFSET(mn_model_desc, runtime_json, 64);          /* minor 2 */
  CHECK_OFFSET(mn_model_desc, chat_template, 72);         /* minor 3 */
  CHECK_OFFSET(mn_model_desc, chat_templates_json, 80);   /* minor 3 */
  CHECK_OFFSET(mn_model_desc, eot_token, 88);             /* minor 3 */
  CHECK(sizeof(mn_model_desc) == 96);
  CHECK_OFFSET(mn_instance_params, n_threads, 4);
  CHECK_OFFSET(mn_instance_params, n_ctx, 8);
  CHECK_OFFSET(mn_instance_params, n_seq, 12);
  CHECK_OFFSET(mn_instance_params, seed, 16);
  CHECK_OFFSET(mn_limits, max_instances, 4);
  CHECK_OFFSET(mn_limits, max_batch, 8);
  CHECK_OFFSET(mn_limits, preferred_threads, 12);
  CHECK_OFFSET(mn_request, kind, 4);
  CHECK_OFFSET(mn_request, request_id, 8);
  CHECK_OFFSET(mn_request, context, 16);
  CHECK_OFFSET(mn_request, n_context, 24);
  CHECK_OFFSET(mn_request, continuation, 32);
  CHECK_OFFSET(mn_request, n_continuation, 40);
  CHECK_OFFSET(mn_request, prefix_token, 44);
  CHECK_OFFSET(mn_request, window, 48);
  CHECK_OFFSET(mn_request, prompt_text, 56);
  CHECK_OFFSET(mn_request, prompt_text_len, 64);
  CHECK_OFFSET(mn_request, max_tokens, 72);
  CHECK_OFFSET(mn_request, greedy, 76);
  CHECK_OFFSET(mn_request, temperature, 80);
  CHECK_OFFSET(mn_request, top_p, 84);
  CHECK_OFFSET(mn_request, top_k, 88);
  CHECK_OFFSET(mn_request, seed, 96);
  CHECK_OFFSET(mn_request, stop, 104);
  CHECK_OFFSET(mn_request, n_stop, 112);
  CHECK_OFFSET(mn_request, stop_at_eos, 116);
  CHECK_OFFSET(mn_request, messages_json, 120);     /* minor 3 */
  CHECK_OFFSET(mn_request, messages_json_len, 128); /* minor 3 */
  CHECK(sizeof(mn_request) == 136);
  CHECK_OFFSET(mn_result, logprob, 8);
  CHECK_OFFSET(mn_result, is_greedy, 16);
  CHECK_OFFSET(mn_result, tokens, 24);
  CHECK_OFFSET(mn_result, n_tokens, 32);
  CHECK_OFFSET(mn_result, token_logprobs, 40);
  CHECK_OFFSET(mn_result, text, 48);
  CHECK_OFFSET(mn_result, text_len, 56);
  CHECK_OFFSET(mn_result, finish_reason, 64);
  CHECK_OFFSET(mn_result, n_prompt_tokens, 68);
  CHECK_OFFSET(mn_result, compute_ns, 72);
  CHECK_OFFSET(mn_sink, user_data, 8);
  CHECK_OFFSET(mn_sink, on_complete, 16);
  CHECK_OFFSET(mn_backend_vtable, backend_init, 8);
  CHECK_OFFSET(mn_backend_vtable, backend_finalize, 16);
  CHECK_OFFSET(mn_backend_vtable, model_open, 24);
  CHECK_OFFSET(mn_backend_vtable, model_close, 32);
  CHECK_OFFSET(mn_backend_vtable, model_describe, 40);
  CHECK_OFFSET(mn_backend_vtable, instance_create, 48);
  CHECK_OFFSET(mn_backend_vtable, instance_destroy, 56);
  CHECK_OFFSET(mn_backend_vtable, execute, 64);
  CHECK_OFFSET(mn_backend_vtable, tokenize, 72);
  CHECK_OFFSET(mn_backend_vtable, detokenize, 80);
  CHECK_OFFSET(mn_backend_vtable, get_limits, 88);
  CHECK_OFFSET(mn_backend_info, abi_major, 4);
  CHECK_OFFSET(mn_backend_info, abi_minor, 6);
  CHECK_OFFSET(mn_backend_info, name, 8);
  CHECK_OFFSET(mn_backend_info, version, 16);
  CHECK_OFFSET(mn_backend_info, description, 24);
  CHECK_OFFSET(mn_backend_info, caps, 32);
  CHECK_OFFSET(mn_backend_info, vtable, 40);
#endif

  if (failures != 0) {
    fprintf(stderr, "%d ABI check(s) failed\n", failures);
    return 1;
  }
  printf("mnemo ABI %d.%d: all C checks passed\n", MN_ABI_VERSION_MAJOR, MN_ABI_VERSION_MINOR);
  return 0;
}
