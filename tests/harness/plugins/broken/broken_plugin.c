/*
 * Deliberately broken backend plugins for the loader tests, written in C99 (which also shows
 * that a plugin needs nothing but mnemo/backend.h).
 *
 * Compiled once per defect with BROKEN_MODE (one of the MODE_* values) and BROKEN_NAME (the
 * name the plugin reports, equal to its manifest's name). Every slot not under test is a
 * working base, so each library has exactly one defect:
 *   MODE_GOOD           a correct plugin: the control case; models cannot be opened.
 *   MODE_ABI_REFUSE     the entry refuses the host with MN_ERR_ABI_MISMATCH and a message.
 *   MODE_ABI_INFO       the entry succeeds but reports abi_major 2.
 *   MODE_NO_ENTRY       exports only mn_backend_entry_renamed (a working entry): the default
 *                       entry symbol is missing.
 *   MODE_NULL_SLOT      the vtable's `execute` slot is NULL.
 *   MODE_SMALL_INFO     mn_backend_info.struct_size does not cover `vtable`.
 *   MODE_SMALL_VTABLE   mn_backend_vtable.struct_size does not cover `execute`.
 *   MODE_INIT_NO_ERROR  backend_init fails with MN_ERR_UNAVAILABLE and sets no error.
 *   MODE_ENTRY_FAILS    the entry fails with MN_ERR_INTERNAL and a message.
 */
#include <stddef.h>
#include <string.h>

#include "mnemo/backend.h"

#define MODE_GOOD 0
#define MODE_ABI_REFUSE 1
#define MODE_ABI_INFO 2
#define MODE_NO_ENTRY 3
#define MODE_NULL_SLOT 4
#define MODE_SMALL_INFO 5
#define MODE_SMALL_VTABLE 6
#define MODE_INIT_NO_ERROR 7
#define MODE_ENTRY_FAILS 8

#if !defined(BROKEN_MODE) || !defined(BROKEN_NAME)
#error "define BROKEN_MODE and BROKEN_NAME"
#endif

static const mn_host_api* g_api = NULL;

static mn_error* make_error(mn_status code, const char* message) {
  return g_api != NULL && g_api->error_new != NULL ? g_api->error_new(code, false, message) : NULL;
}

#if BROKEN_MODE != MODE_INIT_NO_ERROR
static int g_backend_token;
#endif

static mn_status base_init(const char* config_json, mn_backend** out, mn_error** error) {
  (void)config_json;
  (void)error;
#if BROKEN_MODE == MODE_INIT_NO_ERROR
  *out = NULL;
  return MN_ERR_UNAVAILABLE;
#else
  *out = (mn_backend*)&g_backend_token;
  return MN_OK;
#endif
}

static void base_finalize(mn_backend* backend) {
  (void)backend;
}

static mn_status base_model_open(mn_backend* backend, const mn_model_params* params, mn_model** out,
                                 mn_error** error) {
  (void)backend;
  (void)params;
  *out = NULL;
  if (error != NULL) *error = make_error(MN_ERR_UNSUPPORTED, BROKEN_NAME ": has no models");
  return MN_ERR_UNSUPPORTED;
}

static void base_model_close(mn_model* model) {
  (void)model;
}

static mn_status base_describe(mn_model* model, mn_model_desc* out) {
  (void)model;
  (void)out;
  return MN_ERR_UNSUPPORTED;
}

static mn_status base_instance_create(mn_model* model, const mn_instance_params* params,
                                      mn_instance** out, mn_error** error) {
  (void)model;
  (void)params;
  *out = NULL;
  if (error != NULL) *error = make_error(MN_ERR_UNSUPPORTED, BROKEN_NAME ": has no instances");
  return MN_ERR_UNSUPPORTED;
}

static void base_instance_destroy(mn_instance* instance) {
  (void)instance;
}

#if BROKEN_MODE != MODE_NULL_SLOT
static mn_status base_execute(mn_instance* instance, const mn_request* const* requests, uint32_t n,
                              const mn_sink* sink, mn_error** error) {
  (void)instance;
  (void)requests;
  (void)n;
  (void)sink;
  if (error != NULL) *error = make_error(MN_ERR_UNSUPPORTED, BROKEN_NAME ": cannot execute");
  return MN_ERR_UNSUPPORTED;
}
#endif

static const mn_backend_vtable g_vtable = {
#if BROKEN_MODE == MODE_SMALL_VTABLE
    (uint32_t)offsetof(mn_backend_vtable, execute),
#else
    (uint32_t)sizeof(mn_backend_vtable),
#endif
    base_init,
    base_finalize,
    base_model_open,
    base_model_close,
    base_describe,
    base_instance_create,
    base_instance_destroy,
#if BROKEN_MODE == MODE_NULL_SLOT
    NULL,
#else
    base_execute,
#endif
    NULL, /* tokenize: optional, and MN_CAP_TOKENIZE is not claimed */
    NULL, /* detokenize */
    NULL  /* get_limits */
};

static mn_status entry(const mn_host_info* host, mn_backend_info* out, mn_error** error) {
  mn_backend_info info;
  uint32_t size;
  if (host == NULL || out == NULL) return MN_ERR_INVALID_ARGUMENT;
  if (MN_HAS_FIELD(host, mn_host_info, api)) g_api = host->api;
#if BROKEN_MODE == MODE_ABI_REFUSE
  if (error != NULL)
    *error = make_error(MN_ERR_ABI_MISMATCH, BROKEN_NAME ": built for mnemo ABI 2.0 only");
  out->abi_major = 2;
  return MN_ERR_ABI_MISMATCH;
#elif BROKEN_MODE == MODE_ENTRY_FAILS
  if (error != NULL) *error = make_error(MN_ERR_INTERNAL, BROKEN_NAME ": cannot start today");
  return MN_ERR_INTERNAL;
#else
  (void)error;
#endif
  memset(&info, 0, sizeof info);
  info.struct_size = (uint32_t)sizeof info;
  info.abi_major = MN_ABI_VERSION_MAJOR;
  info.abi_minor = MN_ABI_VERSION_MINOR;
#if BROKEN_MODE == MODE_ABI_INFO
  info.abi_major = 2;
#elif BROKEN_MODE == MODE_SMALL_INFO
  info.struct_size = (uint32_t)offsetof(mn_backend_info, vtable);
#endif
  info.name = BROKEN_NAME;
  info.version = "0.0.1";
  info.description = "deliberately broken test plugin";
  info.caps = MN_CAP_SCORE;
  info.vtable = &g_vtable;
  size = out->struct_size < sizeof info ? out->struct_size : (uint32_t)sizeof info;
  memcpy(out, &info, size);
  /* A small info claims only its own size, however much the host offered. */
  out->struct_size = info.struct_size < size ? info.struct_size : size;
  return MN_OK;
}

#if BROKEN_MODE == MODE_NO_ENTRY
MN_EXPORT mn_status mn_backend_entry_renamed(const mn_host_info* host, mn_backend_info* out,
                                             mn_error** error);
MN_EXPORT mn_status mn_backend_entry_renamed(const mn_host_info* host, mn_backend_info* out,
                                             mn_error** error) {
  return entry(host, out, error);
}
#else
MN_EXPORT mn_status mn_backend_entry(const mn_host_info* host, mn_backend_info* out,
                                     mn_error** error);
MN_EXPORT mn_status mn_backend_entry(const mn_host_info* host, mn_backend_info* out,
                                     mn_error** error) {
  return entry(host, out, error);
}
#endif
