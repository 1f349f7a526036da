// `mnemo kv MODEL.gguf`: the KV-cache footprint from GGUF metadata alone (no weights loaded),
// as llama.cpp would allocate it, next to the weights; with what-if layouts (all global,
// local:global ratios and windows). audits/kv/kv_budget.h has the rules.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/app/commands.h"
#include "harness/app/common.h"
#ifdef MNEMO_HAVE_KV_AUDIT
#include "audits/kv/kv_report.h"
#endif

namespace mnemo {
namespace po = boost::program_options;

namespace {

// "4096", "32k" / "32K" (x 1024). InvalidArgument naming the option otherwise.
Result<std::vector<uint32_t>> ParseSizes(const std::string& option, const std::string& text,
                                         bool allow_zero) {
  std::vector<uint32_t> out;
  for (const auto& item : SplitComma(text)) {
    std::string digits = item;
    uint64_t scale = 1;
    if (!digits.empty() && (digits.back() == 'k' || digits.back() == 'K')) {
      scale = 1024;
      digits.pop_back();
    }
    char* end = nullptr;
    errno = 0;
    unsigned long long v = digits.empty() ? 0 : std::strtoull(digits.c_str(), &end, 10);
    if (digits.empty() || digits[0] == '-' || *end != '\0' || errno != 0 ||
        v * scale > UINT32_MAX || (v == 0 && !allow_zero))
      return Status::InvalidArgument("--" + option + ": '" + item +
                                     "' is not a positive integer (a 'K' suffix means x1024)");
    out.push_back(static_cast<uint32_t>(v * scale));
  }
  if (out.empty()) return Status::InvalidArgument("--" + option + " is empty");
  return out;
}

}  // namespace

int RunKvCommand(int argc, char** argv) {
  std::string model, ctx_text, types_text, format, output, ratios_text, windows_text;
  uint32_t n_ubatch = 512, n_batch = 2048, n_seq_max = 1;
  bool unified = false, swa_full = false, no_flash_attn = false;
  po::options_description desc("mnemo kv");
  desc.add_options()("help,h", "show this help")("model", po::value<std::string>(&model),
                                                 "the GGUF file (only its metadata is read)")(
      "ctx", po::value<std::string>(&ctx_text)->default_value("4096,32768,131072"),
      "context lengths, comma-separated ('32K' = 32768)")(
      "kv-type", po::value<std::string>(&types_text)->default_value("f16,q8_0,q4_0"),
      "KV cache types (K and V alike): f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1")(
      "format", po::value<std::string>(&format)->default_value("table"), "table | json")(
      "output,o", po::value<std::string>(&output)->default_value("-"),
      "where to write it ('-': stdout)")(
      "ubatch", po::value<uint32_t>(&n_ubatch)->default_value(512),
      "llama.cpp's n_ubatch (sliding-window caches hold window + n_ubatch cells)")(
      "batch", po::value<uint32_t>(&n_batch)->default_value(2048), "llama.cpp's n_batch")(
      "parallel", po::value<uint32_t>(&n_seq_max)->default_value(1),
      "sequences (llama.cpp's n_seq_max / llama-server --parallel)")(
      "kv-unified", po::bool_switch(&unified), "one cache shared by the sequences")(
      "swa-full", po::bool_switch(&swa_full),
      "full-size sliding-window caches (llama_context_default_params' setting; mnemo's "
      "llamacpp backend uses it)")(
      "no-flash-attn", po::bool_switch(&no_flash_attn),
      "without flash attention V rows are padded to the widest layer's")(
      "ratios", po::value<std::string>(&ratios_text)->default_value("1,2,3,4,5,6,7"),
      "what-if: sliding layers per global layer")(
      "windows", po::value<std::string>(&windows_text)->default_value("512,1024,2048,4096"),
      "what-if: sliding windows");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  int code = 0;
  if (!ParseCommandLine(argc, argv,
                        "usage: mnemo kv MODEL.gguf [--ctx 4096,32768,131072] "
                        "[--kv-type f16,q8_0,q4_0] [--format table|json] [-o FILE]",
                        desc, &pos, &vm, &code))
    return code;
  if (model.empty())
    return ReportError(Status::InvalidArgument("give a GGUF file: mnemo kv MODEL.gguf"));
  if (format != "table" && format != "json")
    return ReportError(
        Status::InvalidArgument("--format must be table or json, not '" + format + "'"));
  if (n_ubatch == 0 || n_batch == 0 || n_seq_max == 0)
    return ReportError(
        Status::InvalidArgument("--ubatch, --batch and --parallel must be positive"));
#ifndef MNEMO_HAVE_KV_AUDIT
  (void)unified, (void)swa_full, (void)no_flash_attn;
  return ReportError(Status::Unsupported(
      "mnemo kv reads GGUF metadata with llama.cpp's ggml, and this mnemo was built without it "
      "(-DMNEMO_BACKEND_LLAMACPP=OFF)"));
#else
  kv::KvReportOptions options;
  auto ctxs = ParseSizes("ctx", ctx_text, false);
  if (!ctxs.ok()) return ReportError(ctxs.status());
  options.contexts = *ctxs;
  auto ratios = ParseSizes("ratios", ratios_text, false);
  if (!ratios.ok()) return ReportError(ratios.status());
  options.ratios = *ratios;
  auto windows = ParseSizes("windows", windows_text, false);
  if (!windows.ok()) return ReportError(windows.status());
  options.windows = *windows;
  for (const auto& name : SplitComma(types_text)) {
    auto t = kv::ParseKvType(name);
    if (!t.ok()) return ReportError(Status::InvalidArgument("--kv-type: " + t.status().message()));
    options.types.push_back(*t);
  }
  if (options.types.empty()) return ReportError(Status::InvalidArgument("--kv-type is empty"));
  options.kv.n_ubatch = n_ubatch;
  options.kv.n_batch = n_batch;
  options.kv.n_seq_max = n_seq_max;
  options.kv.kv_unified = unified;
  options.kv.swa_full = swa_full;
  options.kv.flash_attn = !no_flash_attn;

  auto spec = kv::ReadModelSpec(model);
  if (!spec.ok()) return ReportError(spec.status());
  auto report = kv::BuildKvReport(*spec, options);
  if (!report.ok())
    return ReportError(Status(report.status().code(), model + ": " + report.status().message()));
  const std::string text =
      format == "json" ? kv::KvReportJson(*report).dump(2) + "\n" : kv::KvReportText(*report);
  Status written = WriteOutput(output, text);
  if (!written.ok()) return ReportError(written);
  return kExitOk;
#endif
}

}  // namespace mnemo
