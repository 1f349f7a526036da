#include "harness/app/common.h"

#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/jobs/interrupt.h"
#include "harness/scheduler/scheduler.h"

namespace mnemo {
namespace po = boost::program_options;
namespace fs = std::filesystem;

int ReportError(const Status& status) {
  std::fprintf(stderr, "mnemo: error: %s\n", status.message().c_str());
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAbiMismatch:
    case StatusCode::kUnsupported:
      return kExitUsage;
    case StatusCode::kCancelled:
      return kExitInterrupted;
    default:
      return kExitFailure;
  }
}

void AddModelOptions(po::options_description* desc, ModelOptions* options) {
  desc->add_options()("threads,t", po::value<uint32_t>(&options->threads)->default_value(0),
                      "compute threads for the backend (0 = all cores)")(
      "ctx", po::value<uint32_t>(&options->n_ctx)->default_value(0),
      "context length per sequence (0 = the model's)")(
      "parallel", po::value<uint32_t>(&options->n_seq)->default_value(0),
      "sequences decoded together (0 = backend default)")(
      "backend-path", po::value<std::vector<std::string>>(&options->backend_paths)->composing(),
      "extra folder to search for backend plugins (repeatable)")(
      "backend-options", po::value<std::string>(&options->extra_json),
      "backend-specific options as a JSON object (e.g. '{\"n_batch\": 1024}' for llamacpp)")(
      "deterministic", po::bool_switch(&options->deterministic),
      "batch-invariant results: each request's logits independent of the batch, its place in "
      "it, --parallel and --threads (llamacpp; slower, see docs/backends.md)");
}

void AddChatOptions(po::options_description* desc, ChatFlags* flags, bool fewshot) {
  desc->add_options()(
      "apply-chat-template",
      po::value<std::string>(&flags->template_name)->implicit_value("")->value_name("[NAME]"),
      "format prompts as a chat: the model's own template (GGUF tokenizer.chat_template), its "
      "template NAME, a built-in format (gemma, chatml, llama3, mistral-v7, phi3) or a Jinja "
      "file")("system-instruction", po::value<std::string>(&flags->system_instruction),
              "a system message before every prompt (with a task's description after it)");
  if (fewshot)
    desc->add_options()(
        "fewshot-as-multiturn",
        po::value<std::string>(&flags->multiturn)->implicit_value("true")->value_name("[BOOL]"),
        "few-shot examples as user/assistant turns (the default with --apply-chat-template; "
        "'false': one user turn)");
}

Result<chat::ChatOptions> ChatOptionsFromFlags(const po::variables_map& vm,
                                               const ChatFlags& flags) {
  chat::ChatOptions o;
  o.apply = vm.count("apply-chat-template") > 0;
  o.template_name = flags.template_name;
  o.system_instruction = flags.system_instruction;
  if (vm.count("fewshot-as-multiturn")) {
    std::string v = flags.multiturn;
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v == "true" || v == "1" || v == "yes") {
      o.fewshot_as_multiturn = true;
    } else if (v == "false" || v == "0" || v == "no") {
      o.fewshot_as_multiturn = false;
    } else {
      return Status::InvalidArgument("--fewshot-as-multiturn: '" + flags.multiturn +
                                     "' is not true or false");
    }
  }
  MNEMO_RETURN_IF_ERROR(o.Validate());
  return o;
}

std::string ExpandModelSpec(const std::string& spec) {
  const std::string ext = ".gguf";
  if (spec.size() <= ext.size()) return spec;
  std::string tail = spec.substr(spec.size() - ext.size());
  for (char& c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (tail != ext) return spec;
  // "llamacpp:m.gguf" names its backend; "models/m.gguf" and "./a:b/m.gguf" do not (a backend
  // name holds no '/' or '.').
  size_t colon = spec.find(':');
  if (colon != std::string::npos && colon > 0 && spec.find_first_of("/.") > colon) return spec;
  return "llamacpp:" + spec;
}

po::typed_value<std::string>* ModelSpecValue(std::string* target) {
  return po::value<std::string>(target)->notifier(
      [target](const std::string& v) { *target = ExpandModelSpec(v); });
}

bool IsStdout(const std::string& path) {
  return path == "-";
}

FILE* SummaryStream(const std::string& output) {
  return IsStdout(output) ? stderr : stdout;
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (IsStdout(path)) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return std::ferror(stdout) ? Status::IoError("cannot write to stdout") : Status::Ok();
  }
  std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
    out << text;
    if (!out) return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IoError("cannot write '" + path + "': " + std::strerror(errno));
  return Status::Ok();
}

std::string OutputPathForLibrary(const std::string& path) {
  return IsStdout(path) ? "/dev/stdout" : path;
}

std::string DefaultStoreDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  fs::path base = xdg != nullptr && *xdg != '\0'     ? fs::path(xdg)
                  : home != nullptr && *home != '\0' ? fs::path(home) / ".cache"
                                                     : fs::temp_directory_path();
  return (base / "mnemo" / "runs").string();
}

Status CheckStoreFolder(const std::string& db) {
  if (db.empty()) return Status::InvalidArgument("--db: the run store path is empty");
  fs::path dir = fs::path(db).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (!fs::exists(st))
    return Status::InvalidArgument("run store '" + db + "': folder '" + dir.string() +
                                   "' does not exist (create it, or choose another --db)");
  if (!fs::is_directory(st))
    return Status::InvalidArgument("run store '" + db + "': '" + dir.string() +
                                   "' is not a folder");
  if (access(dir.c_str(), W_OK | X_OK) != 0 && !fs::exists(db, ec))
    return Status::InvalidArgument("run store '" + db + "': folder '" + dir.string() +
                                   "' is not writable (" + std::strerror(errno) + ")");
  return Status::Ok();
}

Result<std::unique_ptr<RunStore>> OpenStoreForWriting(const std::string& db) {
  MNEMO_RETURN_IF_ERROR(CheckStoreFolder(db));
  return RunStore::Open(db);
}

namespace {

// A lenient JSON scanner that records the line where one field path is given; it stops at the
// first syntax error (the parser has reported those already).
class FieldLineScanner {
 public:
  FieldLineScanner(const std::string& text, const std::string& want) : t_(text), want_(want) {}
  size_t Find() {
    Value("");
    return found_;
  }

 private:
  bool More() const { return i_ < t_.size(); }
  void Space() {
    while (More() && std::isspace(static_cast<unsigned char>(t_[i_]))) {
      if (t_[i_] == '\n') ++line_;
      ++i_;
    }
  }
  void String(std::string* out) {  // at the opening quote
    for (++i_; More() && t_[i_] != '"'; ++i_) {
      if (t_[i_] == '\\' && i_ + 1 < t_.size()) ++i_;
      out->push_back(t_[i_]);
    }
    ++i_;
  }
  void Mark(const std::string& path, size_t line) {
    if (found_ == 0 && path == want_) found_ = line;
  }
  bool Value(const std::string& path) {
    Space();
    if (!More()) return false;
    const char c = t_[i_];
    if (c == '{' || c == '[') {
      const bool object = c == '{';
      ++i_;
      Space();
      if (More() && t_[i_] == (object ? '}' : ']')) return ++i_, true;
      for (size_t index = 0;; ++index) {
        Space();
        std::string p;
        if (object) {
          if (!More() || t_[i_] != '"') return false;
          const size_t line = line_;
          std::string key;
          String(&key);
          p = path.empty() ? key : path + "." + key;
          Mark(p, line);
          Space();
          if (!More() || t_[i_] != ':') return false;
          ++i_;
        } else {
          p = path + "[" + std::to_string(index) + "]";
          Mark(p, line_);
        }
        if (!Value(p)) return false;
        Space();
        if (More() && t_[i_] == ',') {
          ++i_;
          continue;
        }
        if (More() && t_[i_] == (object ? '}' : ']')) return ++i_, true;
        return false;
      }
    }
    if (c == '"') {
      std::string ignored;
      String(&ignored);
      return true;
    }
    while (More() && std::strchr(",]}", t_[i_]) == nullptr &&
           !std::isspace(static_cast<unsigned char>(t_[i_])))
      ++i_;
    return true;
  }

  const std::string& t_;
  const std::string& want_;
  size_t i_ = 0;
  size_t line_ = 1;
  size_t found_ = 0;
};

}  // namespace

size_t JsonFieldLine(const std::string& text, const std::string& field) {
  return FieldLineScanner(text, field).Find();
}

Status WithConfigLine(const Status& status, const std::string& config_path) {
  const std::string prefix = config_path + ": field '";
  const std::string& m = status.message();
  if (status.ok() || m.rfind(prefix, 0) != 0) return status;
  size_t end = m.find('\'', prefix.size());
  if (end == std::string::npos) return status;
  std::ifstream in(config_path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t line = JsonFieldLine(text, m.substr(prefix.size(), end - prefix.size()));
  if (line == 0) return status;
  return Status(status.code(),
                config_path + ":" + std::to_string(line) + m.substr(config_path.size()));
}

Status CheckConfigKeys(const nlohmann::json& obj, std::initializer_list<const char*> known,
                       const std::string& config_path, const std::string& prefix) {
  if (!obj.is_object()) return Status::Ok();
  for (const auto& [key, value] : obj.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (ok) continue;
    std::string names;
    for (const char* k : known) names += std::string(names.empty() ? "" : ", ") + k;
    return Status::InvalidArgument(config_path + ": field '" +
                                   (prefix.empty() ? "" : prefix + ".") + key +
                                   "' is not known (known: " + names + ")");
  }
  return Status::Ok();
}

nlohmann::json DocLimit::ToJson() const {
  if (fraction > 0) return fraction;
  return count;
}

Result<DocLimit> ParseDocLimit(const std::string& text) {
  auto bad = [&] {
    return Status::InvalidArgument("--limit: '" + text +
                                   "' is not a count of documents (N >= 0) or a share of them "
                                   "(0 < X < 1)");
  };
  DocLimit out;
  if (text.empty()) return bad();
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    auto r = std::from_chars(text.data(), text.data() + text.size(), out.count);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return bad();
    return out;
  }
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v <= 0) return bad();
  if (v < 1.0)
    out.fraction = v;
  else
    out.count = static_cast<size_t>(v);  // lm-eval: int(limit)
  return out;
}

void InstallInterruptHandler() {
  InstallInterruptNotice();  // harness/jobs/interrupt.h
}

bool ParseCommandLine(int argc, char** argv, const char* usage, const po::options_description& desc,
                      const po::positional_options_description* positional, po::variables_map* vm,
                      int* exit_code) {
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(desc);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), *vm);
    if (vm->count("help")) {
      std::cout << usage << "\n\n" << desc << "\n";
      *exit_code = kExitOk;
      return false;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "mnemo: error: %s\n%s\n(run with --help for the options)\n", e.what(),
                 usage);
    *exit_code = kExitUsage;
    return false;
  }
  return true;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string x;
  while (std::getline(ss, x, ','))
    if (!x.empty()) out.push_back(x);
  return out;
}

boost::program_options::typed_value<double>* DoubleValue(double* target, double default_value) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, default_value);  // shortest round trip
  return boost::program_options::value<double>(target)->default_value(default_value,
                                                                      std::string(buf, r.ptr));
}

}  // namespace mnemo
