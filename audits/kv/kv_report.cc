#include "audits/kv/kv_report.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>

namespace mnemo {
namespace kv {

namespace {

std::string Printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Printf(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

std::string Ctx(uint32_t n) {
  if (n % 1024 == 0) return std::to_string(n / 1024) + "K";
  return std::to_string(n);
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes >= (uint64_t{1} << 30)) return Printf("%.2f GiB", b / (1 << 30));
  if (bytes >= (uint64_t{1} << 20)) return Printf("%.2f MiB", b / (1 << 20));
  if (bytes >= (uint64_t{1} << 10)) return Printf("%.2f KiB", b / (1 << 10));
  return std::to_string(bytes) + " B";
}

Result<KvReport> BuildKvReport(const ModelSpec& spec, KvReportOptions options) {
  if (options.types.empty()) {
    for (const char* name : {"f16", "q8_0", "q4_0"})
      options.types.push_back(ParseKvType(name).value());
  }
  // Bounds that keep the cell arithmetic (uint32, as llama.cpp's) from wrapping.
  constexpr uint32_t kMaxTokens = 1u << 30;
  for (uint32_t c : options.contexts)
    if (c == 0 || c > kMaxTokens)
      return Status::InvalidArgument("a context length must be 1 to 2^30 tokens, not " +
                                     std::to_string(c));
  for (uint32_t w : options.windows)
    if (w == 0 || w > kMaxTokens)
      return Status::InvalidArgument("a window must be 1 to 2^30 tokens, not " + std::to_string(w));
  if (options.kv.n_seq_max == 0 || options.kv.n_seq_max > 256)
    return Status::InvalidArgument("sequences must be 1 to 256 (llama.cpp's LLAMA_MAX_SEQ)");
  if (options.kv.n_ubatch > kMaxTokens || options.kv.n_batch > kMaxTokens)
    return Status::InvalidArgument("n_batch and n_ubatch must be at most 2^30");
  KvReport r;
  r.spec = spec;
  r.options = options;
  for (const auto& t : options.types) {
    for (uint32_t c : options.contexts) {
      auto b = ComputeKv(spec, c, t, t, options.kv);
      if (!b.ok()) return b.status();
      r.budgets.push_back(std::move(b).value());
    }
  }
  const auto all_global = WhatIfLayers(spec, 0);
  std::vector<std::vector<LayerSpec>> ratio_layers;
  for (uint32_t ratio : options.ratios) ratio_layers.push_back(WhatIfLayers(spec, ratio));
  for (const auto& t : options.types) {
    for (uint32_t c : options.contexts) {
      auto g = ComputeKv(spec, all_global, 0, c, t, t, options.kv);
      if (!g.ok()) return g.status();
      r.what_if.push_back({0, 0, c, t.name, g->total_bytes});
      for (size_t i = 0; i < options.ratios.size(); ++i) {
        for (uint32_t w : options.windows) {
          auto b = ComputeKv(spec, ratio_layers[i], w, c, t, t, options.kv);
          if (!b.ok()) return b.status();
          r.what_if.push_back({options.ratios[i], w, c, t.name, b->total_bytes});
        }
      }
    }
  }
  return r;
}

nlohmann::ordered_json KvReportJson(const KvReport& r) {
  using nlohmann::ordered_json;
  const ModelSpec& s = r.spec;
  ordered_json model = {{"path", s.path},
                        {"arch", s.arch},
                        {"name", s.name},
                        {"n_layer", s.layers.size()},
                        {"n_ctx_train", s.n_ctx_train},
                        {"n_embd", s.n_embd},
                        {"n_swa", s.n_swa},
                        {"swa_period", s.swa_period},
                        {"covered", s.covered},
                        {"notes", s.notes}};
  ordered_json layers = ordered_json::array();
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSpec& l = s.layers[i];
    ordered_json bpt = ordered_json::object();
    // Bytes per cached token at each type, from the first context's budget of that type.
    for (size_t t = 0; t < r.options.types.size(); ++t) {
      const KvBudget& b = r.budgets[t * r.options.contexts.size()];
      bpt[b.type_k.name] = b.per_layer[i].k + b.per_layer[i].v;
    }
    layers.push_back({{"index", l.index},
                      {"attention", AttentionKindName(l.kind)},
                      {"window", l.kind == AttentionKind::kGlobal ? 0 : s.n_swa},
                      {"has_kv", l.has_kv},
                      {"n_head_kv", l.n_head_kv},
                      {"head_dim_k", l.head_dim_k},
                      {"head_dim_v", l.head_dim_v},
                      {"bytes_per_token", bpt}});
  }
  ordered_json by_type = ordered_json::array();
  for (const auto& t : s.weights.by_type)
    by_type.push_back({{"type", t.type}, {"bytes", t.bytes}, {"n_elements", t.n_elements}});
  ordered_json weights = {{"n_params", s.weights.n_params},
                          {"stored_bytes", s.weights.stored_bytes},
                          {"stored_by_type", by_type},
                          {"bf16_bytes", s.weights.bf16_bytes},
                          {"q4_0_bytes", s.weights.q4_0_bytes}};
  const KvOptions& o = r.options.kv;
  ordered_json options = {{"n_batch", o.n_batch},     {"n_ubatch", o.n_ubatch},
                          {"n_seq_max", o.n_seq_max}, {"kv_unified", o.kv_unified},
                          {"swa_full", o.swa_full},   {"flash_attn", o.flash_attn}};
  ordered_json kv = ordered_json::array();
  for (const auto& b : r.budgets) {
    kv.push_back({{"n_ctx_requested", b.cells.n_ctx_requested},
                  {"n_ctx", b.cells.n_ctx},
                  {"type_k", b.type_k.name},
                  {"type_v", b.type_v.name},
                  {"n_stream", b.cells.n_stream},
                  {"global_layers", b.global_layers},
                  {"swa_layers", b.swa_layers},
                  {"global_cells", b.cells.global_cells},
                  {"swa_cells", b.cells.swa_cells},
                  {"global_bytes", b.global_bytes},
                  {"swa_bytes", b.swa_bytes},
                  {"total_bytes", b.total_bytes},
                  {"weights_plus_kv_bytes", s.weights.stored_bytes + b.total_bytes}});
  }
  ordered_json what_if = ordered_json::array();
  for (const auto& w : r.what_if) {
    what_if.push_back({{"layout", w.local_per_global == 0 ? "all_global" : "local_global"},
                       {"local_per_global", w.local_per_global},
                       {"window", w.window},
                       {"n_ctx_requested", w.n_ctx},
                       {"kv_type", w.kv_type},
                       {"total_bytes", w.total_bytes}});
  }
  return {{"model", model},     {"options", options}, {"layers", layers},
          {"weights", weights}, {"kv", kv},           {"what_if", what_if}};
}

std::string KvReportText(const KvReport& r) {
  const ModelSpec& s = r.spec;
  const auto& ctxs = r.options.contexts;
  std::string out;
  out +=
      Printf("model: %s (%s%s%s), %zu layers, trained context %u\n", s.path.c_str(), s.arch.c_str(),
             s.name.empty() ? "" : ", ", s.name.c_str(), s.layers.size(), s.n_ctx_train);
  if (s.n_swa > 0)
    out += Printf("sliding window %u tokens, every %u%s layer global\n", s.n_swa, s.swa_period,
                  s.swa_period == 1   ? "st"
                  : s.swa_period == 2 ? "nd"
                  : s.swa_period == 3 ? "rd"
                                      : "th");
  for (const auto& n : s.notes) out += "note: " + n + "\n";
  if (!s.covered) out += "note: totals for this architecture are not checked against llama.cpp\n";

  out += "\nLAYER  ATTENTION  WINDOW  KV HEADS  HEAD K  HEAD V";
  for (const auto& t : r.options.types) out += Pad("B/TOK " + t.name, 13);
  out += "\n";
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSpec& l = s.layers[i];
    const std::string window = l.kind == AttentionKind::kGlobal ? "-" : std::to_string(s.n_swa);
    out += Printf("%5u  %-9s  %6s  %8u  %6u  %6u", l.index,
                  l.has_kv ? AttentionKindName(l.kind) : "(reused)", window.c_str(), l.n_head_kv,
                  l.head_dim_k, l.head_dim_v);
    for (size_t t = 0; t < r.options.types.size(); ++t) {
      const KvBudget& b = r.budgets[t * ctxs.size()];
      out += Pad(std::to_string(b.per_layer[i].k + b.per_layer[i].v), 13);
    }
    out += "\n";
  }

  out += Printf("\nweights: %s stored (%" PRIu64 " parameters",
                FormatBytes(s.weights.stored_bytes).c_str(), s.weights.n_params);
  for (const auto& t : s.weights.by_type)
    out += Printf("; %s %s", t.type.c_str(), FormatBytes(t.bytes).c_str());
  out += Printf("), %s at bf16, %s at 4-bit (q4_0)\n", FormatBytes(s.weights.bf16_bytes).c_str(),
                FormatBytes(s.weights.q4_0_bytes).c_str());

  out += "\nKV cache (llama.cpp's allocation";
  const KvOptions& o = r.options.kv;
  out += Printf(": n_ubatch %u, %u sequence%s%s%s)\n", o.n_ubatch, o.n_seq_max,
                o.n_seq_max == 1 ? "" : "s", o.kv_unified ? ", unified" : "",
                o.swa_full ? ", full-size SWA cache" : "");
  out += "TYPE    CONTEXT  CELLS GLOBAL/SWA         KV TOTAL  WEIGHTS + KV\n";
  for (const auto& b : r.budgets) {
    out += Printf("%-6s %8s  %8u/%-8u  %15s  %12s\n", b.type_k.name.c_str(),
                  Ctx(b.cells.n_ctx_requested).c_str(), b.cells.global_cells, b.cells.swa_cells,
                  FormatBytes(b.total_bytes).c_str(),
                  FormatBytes(s.weights.stored_bytes + b.total_bytes).c_str());
  }

  out += "\nWhat if (KV total; the same layers, heads and head sizes):\n";
  size_t k = 0;
  for (const auto& t : r.options.types) {
    out += Printf("%-6s %-18s", t.name.c_str(), "LAYOUT");
    for (uint32_t c : ctxs) out += Pad(Ctx(c), 12);
    out += "\n";
    // r.what_if holds, per context: all-global then ratio x window; print by layout rows.
    const size_t per_ctx = 1 + r.options.ratios.size() * r.options.windows.size();
    for (size_t row = 0; row < per_ctx; ++row) {
      const WhatIf& first = r.what_if[k + row];
      std::string label = first.local_per_global == 0
                              ? "all global"
                              : Printf("%u:1 window %u", first.local_per_global, first.window);
      out += Printf("%-6s %-18s", "", label.c_str());
      for (size_t c = 0; c < ctxs.size(); ++c)
        out += Pad(FormatBytes(r.what_if[k + c * per_ctx + row].total_bytes), 12);
      out += "\n";
    }
    k += per_ctx * ctxs.size();
  }
  return out;
}

}  // namespace kv
}  // namespace mnemo
