#include "harness/app/request_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>

#include <boost/program_options.hpp>

#include "harness/store/run_store.h"

namespace mnemo {

Status LineFields::String(const char* f, std::string* out) const {
  if (!Has(f)) return Error(f, "is missing");
  if (!obj_[f].is_string())
    return Error(f, std::string("must be a string, not ") + obj_[f].type_name());
  *out = obj_[f].get<std::string>();
  return Status::Ok();
}

Status LineFields::Tokens(const char* f, std::vector<int32_t>* out) const {
  if (!Has(f)) return Error(f, "is missing");
  const auto& a = obj_[f];
  if (!a.is_array()) return Error(f, "must be an array of token ids");
  out->clear();
  out->reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_number_integer() || a[i].get<int64_t>() < 0 || a[i].get<int64_t>() > INT32_MAX)
      return Error(f,
                   "element " + std::to_string(i) + " is not a token id (a non-negative integer)");
    out->push_back(a[i].get<int32_t>());
  }
  return Status::Ok();
}

Status LineFields::UInt(const char* f, uint32_t* out) const {
  uint64_t v = 0;
  MNEMO_RETURN_IF_ERROR(UInt64(f, &v));
  if (v > UINT32_MAX) return Error(f, "is too large");
  *out = static_cast<uint32_t>(v);
  return Status::Ok();
}

Status LineFields::UInt64(const char* f, uint64_t* out) const {
  const auto& v = obj_[f];
  if (!v.is_number_integer() || v.get<int64_t>() < 0)
    return Error(f, "must be a non-negative integer");
  *out = v.get<uint64_t>();
  return Status::Ok();
}

Status LineFields::Float(const char* f, float* out) const {
  if (!obj_[f].is_number()) return Error(f, "must be a number");
  *out = obj_[f].get<float>();
  return Status::Ok();
}

Status LineFields::Bool(const char* f, bool* out) const {
  if (!obj_[f].is_boolean()) return Error(f, "must be true or false");
  *out = obj_[f].get<bool>();
  return Status::Ok();
}

Status LineFields::StringList(const char* f, std::vector<std::string>* out) const {
  const auto& v = obj_[f];
  out->clear();
  if (v.is_string()) {
    out->push_back(v.get<std::string>());
    return Status::Ok();
  }
  if (!v.is_array()) return Error(f, "must be a string or an array of strings");
  for (const auto& s : v) {
    if (!s.is_string() || s.get<std::string>().empty())
      return Error(f, "must contain only non-empty strings");
    out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

Status LineFields::Start(mn_request_kind kind, std::initializer_list<const char*> known,
                         InputItem* item) const {
  for (const auto& [key, value] : obj_.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (ok) continue;
    std::string names;
    for (const char* k : known) names += std::string(names.empty() ? "" : ", ") + k;
    return Status::InvalidArgument(where_ + ": field '" + key + "' is not known (known: " + names +
                                   ")");
  }
  MNEMO_RETURN_IF_ERROR(Id(&item->id));
  item->request.kind = kind;
  return Status::Ok();
}

Status LineFields::Id(nlohmann::json* out) const {
  if (!Has("id")) return Error("id", "is missing");
  if (!obj_["id"].is_string() && !obj_["id"].is_number_integer())
    return Error("id", "must be a string or an integer");
  *out = obj_["id"];
  return Status::Ok();
}

Status ExecuteItems(OpenedModel& om, const std::vector<InputItem>& items, const ExecOptions& opt,
                    std::vector<Response>* responses, RunStats* stats) {
  std::unique_ptr<RunStore> store;
  if (!opt.db.empty()) {
    auto s = OpenStoreForWriting(opt.db);
    if (!s.ok()) return s.status();
    store = std::move(s).value();
  }
  std::vector<Request> requests;
  requests.reserve(items.size());
  for (const auto& it : items) requests.push_back(it.request);
  SchedulerOptions so;
  so.show_progress = opt.show_progress;
  so.label = opt.label;
  Scheduler scheduler({om.instance.get()}, store.get(), om.model->info().CacheIdentity(), so);
  return scheduler.Run(requests, responses, stats);
}

Result<size_t> WriteOutputs(const std::string& path, const std::vector<InputItem>& items,
                            const std::vector<Response>& responses,
                            nlohmann::ordered_json (*render)(const InputItem&, const Response&)) {
  std::string text;
  size_t failed = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    nlohmann::ordered_json line;
    if (responses[i].ok()) {
      line = render(items[i], responses[i]);
    } else {
      ++failed;
      line = {{"id", items[i].id}, {"error", responses[i].error}};
    }
    text += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
  }
  MNEMO_RETURN_IF_ERROR(WriteOutput(path, text));
  return failed;
}

int RunRequestFileCommand(const RequestFileCommand& cmd, int argc, char** argv) {
  namespace po = boost::program_options;
  std::string model_spec, input, output, db;
  bool quiet = false;
  ModelOptions mopt;
  ChatFlags chat_flags;
  const std::string title = std::string("mnemo ") + cmd.name;
  po::options_description desc(title);
  desc.add_options()("help,h", "show this help")("model,m", ModelSpecValue(&model_spec)->required(),
                                                 "BACKEND:PATH, e.g. llamacpp:model.gguf (a bare "
                                                 "PATH.gguf means llamacpp)")(
      "input,i", po::value<std::string>(&input)->required(), cmd.input_help)(
      "output,o", po::value<std::string>(&output)->required(), cmd.output_help)(
      "db", po::value<std::string>(&db), "run store used as a cache: a rerun reuses every result")(
      "quiet,q", po::bool_switch(&quiet), "no progress display");
  AddModelOptions(&desc, &mopt);
  if (cmd.chat) AddChatOptions(&desc, &chat_flags, /*fewshot=*/false);
  po::variables_map vm;
  int code = 0;
  const std::string usage =
      "usage: " + title + " --model llamacpp:PATH --input IN.jsonl --output OUT.jsonl";
  if (!ParseCommandLine(argc, argv, usage.c_str(), desc, nullptr, &vm, &code)) return code;
  chat::ChatOptions chat_options;
  if (cmd.chat) {
    auto parsed = ChatOptionsFromFlags(vm, chat_flags);
    if (!parsed.ok()) return ReportError(parsed.status());
    chat_options = std::move(parsed).value();
  }
  InstallInterruptHandler();
  auto om = OpenModelSpec(model_spec, mopt);
  if (!om.ok()) return ReportError(om.status());
  if (!om->model->Has(cmd.capability)) {
    return ReportError(
        Status::Unsupported("backend '" + om->backend->plugin().manifest.name + "' " + cmd.cannot));
  }
  std::optional<chat::ChatFormat> chat;
  if (chat_options.apply) {
    auto f = chat::ChatFormat::Resolve(chat_options, *om->model);
    if (!f.ok()) return ReportError(f.status());
    chat = std::move(f).value();
  }
  const LineContext line_ctx{*om->model, chat ? &*chat : nullptr, &chat_options};
  auto reader = JsonlReader::Open(input);
  if (!reader.ok()) return ReportError(reader.status());
  std::vector<InputItem> items;
  nlohmann::json obj;
  while ((*reader)->Next(&obj)) {
    InputItem item;
    Status s = cmd.parse(**reader, obj, line_ctx, &item);
    if (!s.ok()) return ReportError(s);
    items.push_back(std::move(item));
  }
  if (!(*reader)->status().ok()) return ReportError((*reader)->status());
  std::vector<Response> responses;
  RunStats stats;
  Status st = ExecuteItems(*om, items, {db, !quiet, cmd.name}, &responses, &stats);
  if (responses.size() != items.size()) return ReportError(st);  // failed before any compute
  // Whatever completed is written even when the run failed part-way.
  auto failed = WriteOutputs(output, items, responses, cmd.render);
  if (!failed.ok()) return ReportError(failed.status());
  std::fprintf(stderr,
               "mnemo: %zu %s (%zu computed, %zu reused from the cache, %zu failed) in %.2fs -> "
               "%s\n",
               items.size(), cmd.noun, stats.computed, stats.cached, stats.failed + stats.cancelled,
               stats.seconds, output.c_str());
  if (!st.ok()) return ReportError(st);
  if (stats.interrupted) return kExitInterrupted;
  return *failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace mnemo
