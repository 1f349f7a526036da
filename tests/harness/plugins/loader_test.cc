// PluginRegistry and Backend::Init against every failure mode: each gives its own message
// that names the file and the reason. The broken plugins and their manifests come from
// tests.cmake (MNEMO_TEST_PLUGIN_DIR); static manifest fixtures from broken/manifests.
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"

namespace mnemo {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kBackendDir = MNEMO_BACKEND_DIR;
const std::string kPluginDir = MNEMO_TEST_PLUGIN_DIR;
const std::string kFixtureDir = MNEMO_BROKEN_MANIFEST_DIR;

constexpr uint64_t kMockCaps = MN_CAP_SCORE | MN_CAP_SCORE_ROLLING | MN_CAP_GENERATE |
                               MN_CAP_TOKENIZE | MN_CAP_BATCH | MN_CAP_DETERMINISTIC_SEED |
                               MN_CAP_TOKEN_LOGPROBS | MN_CAP_TEXT_PROMPT;

std::string TestManifest(const std::string& name) {
  return kPluginDir + "/" + name + ".backend.json";
}
std::string TestLibrary(const std::string& name) {
  return kPluginDir + "/libmnemo_" + name + ".so";
}
std::string Fixture(const std::string& file) {
  return kFixtureDir + "/" + file;
}

// Loads a manifest that must fail and returns why.
Status LoadFailure(const std::string& manifest) {
  PluginRegistry registry;
  Result<const LoadedPlugin*> r = registry.LoadManifest(manifest);
  EXPECT_FALSE(r.ok()) << manifest << " loaded";
  return r.status();
}

// ---- Happy paths ------------------------------------------------------------------------

TEST(LoaderTest, LoadsMockByNameFromBackendDir) {
  PluginRegistry registry;
  registry.AddSearchDir(kBackendDir);
  Result<const LoadedPlugin*> r = registry.Load("mock");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const LoadedPlugin& p = **r;
  EXPECT_EQ(p.manifest.name, "mock");
  EXPECT_EQ(p.manifest.manifest_path, kBackendDir + "/mock.backend.json");
  EXPECT_EQ(p.manifest.library_path, kBackendDir + "/libmnemo_mock.so");
  EXPECT_EQ(p.manifest.entry_point, "mn_backend_entry");
  EXPECT_STREQ(p.info.name, "mock");
  EXPECT_STREQ(p.info.version, "1.0.0");
  EXPECT_EQ(p.info.caps, kMockCaps);
  EXPECT_EQ(p.info.abi_major, MN_ABI_VERSION_MAJOR);
  EXPECT_EQ(p.info.abi_minor, MN_ABI_VERSION_MINOR);
  EXPECT_EQ(p.info.struct_size, sizeof(mn_backend_info));
  ASSERT_NE(p.vtable, nullptr);
  EXPECT_NE(p.vtable->tokenize, nullptr);
  // A second load returns the same plugin instead of negotiating again.
  Result<const LoadedPlugin*> again = registry.Load("mock");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *r);
}

TEST(LoaderTest, MockDescribesItsModel) {
  PluginRegistry registry;
  Result<const LoadedPlugin*> p = registry.LoadManifest(kBackendDir + "/mock.backend.json");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Result<std::shared_ptr<Backend>> backend = Backend::Init(*p);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  EXPECT_EQ((*backend)->caps(), kMockCaps);
  Result<std::shared_ptr<Model>> model = (*backend)->OpenModel("any/path.bin");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const ModelInfo& info = (*model)->info();
  EXPECT_EQ(info.caps, kMockCaps);
  EXPECT_EQ(info.n_ctx, 2048u);
  EXPECT_EQ(info.n_vocab, 259);
  EXPECT_EQ(info.bos_token, 2);
  EXPECT_EQ(info.eos_token, 1);
  EXPECT_TRUE(info.add_bos);
  EXPECT_THAT(info.fingerprint, StartsWith("mock-v1:"));
  // The fingerprint identifies the path, and only the path.
  Result<std::shared_ptr<Model>> same = (*backend)->OpenModel("any/path.bin", 512);
  Result<std::shared_ptr<Model>> other = (*backend)->OpenModel("other/path.bin");
  ASSERT_TRUE(same.ok() && other.ok());
  EXPECT_EQ((*same)->info().fingerprint, info.fingerprint);
  // One tokenizer for every mock model, qualified by the plugin's name.
  EXPECT_EQ(info.tokenizer_fingerprint, "mock/bytes+3");
  EXPECT_EQ((*other)->info().tokenizer_fingerprint, info.tokenizer_fingerprint);
  EXPECT_EQ((*same)->info().n_ctx, 512u);
  EXPECT_NE((*other)->info().fingerprint, info.fingerprint);
}

// ABI 1.2: mn_model_desc.runtime_json reaches ModelInfo as a compact JSON object with sorted
// keys; "" when the plugin states none or its description is too old to hold the field.
Result<std::shared_ptr<Model>> OpenFaulty(PluginRegistry* registry, const std::string& knobs) {
  Result<const LoadedPlugin*> p = registry->LoadManifest(kBackendDir + "/faulty.backend.json");
  if (!p.ok()) return p.status();
  Result<std::shared_ptr<Backend>> backend = Backend::Init(*p);
  if (!backend.ok()) return backend.status();
  return (*backend)->OpenModel("m", 0, knobs);
}

TEST(LoaderTest, MockStatesItsRuntime) {
  PluginRegistry registry;
  Result<const LoadedPlugin*> p = registry.LoadManifest(kBackendDir + "/mock.backend.json");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Result<std::shared_ptr<Backend>> backend = Backend::Init(*p);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Result<std::shared_ptr<Model>> model = (*backend)->OpenModel("any/path.bin");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->info().runtime_json, R"({"engine":"mock"})");
}

TEST(LoaderTest, RuntimeJsonIsKeptAsASortedCompactObject) {
  PluginRegistry registry;
  // faulty states {"engine":"faulty","deterministic":...}: keys come back sorted.
  Result<std::shared_ptr<Model>> det = OpenFaulty(&registry, "");
  ASSERT_TRUE(det.ok()) << det.status().ToString();
  EXPECT_EQ((*det)->info().runtime_json, R"({"deterministic":true,"engine":"faulty"})");
  Result<std::shared_ptr<Model>> nondet = OpenFaulty(&registry, R"({"deterministic": false})");
  ASSERT_TRUE(nondet.ok()) << nondet.status().ToString();
  EXPECT_EQ((*nondet)->info().runtime_json, R"({"deterministic":false,"engine":"faulty"})");
}

// A plugin built against ABI 1.1 (or 1.0) reports a smaller mn_model_desc: the host must not
// read runtime_json past its struct_size, even though this plugin still wrote a pointer there.
TEST(LoaderTest, OlderPluginDescriptionStatesNoRuntime) {
  PluginRegistry registry;
  for (const char* minor : {"0", "1"}) {
    Result<std::shared_ptr<Model>> model =
        OpenFaulty(&registry, std::string(R"({"describe_minor": )") + minor + "}");
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    EXPECT_EQ((*model)->info().runtime_json, "") << "ABI 1." << minor;
    EXPECT_FALSE((*model)->info().fingerprint.empty());  // the rest of the description holds
    EXPECT_EQ((*model)->info().n_vocab, 259);
  }
}

// ABI 1.3: the chat template facts reach ModelInfo as the plugin states them; a plugin built
// against 1.2 reports a description that ends at runtime_json, so the host keeps its defaults
// ("" and eot_token -1) although this plugin wrote the fields past that size.
TEST(LoaderTest, ChatTemplateFactsFollowTheDescriptionSize) {
  PluginRegistry registry;
  Result<std::shared_ptr<Model>> plain = OpenFaulty(&registry, "");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ((*plain)->info().chat_template, "");
  EXPECT_EQ((*plain)->info().chat_templates_json, "");
  EXPECT_EQ((*plain)->info().eot_token, -1);

  Result<std::shared_ptr<Model>> chat = OpenFaulty(&registry, R"({"chat_template": true})");
  ASSERT_TRUE(chat.ok()) << chat.status().ToString();
  EXPECT_EQ((*chat)->info().chat_template, "{% for m in messages %}{{ m.content }}{% endfor %}");
  EXPECT_EQ((*chat)->info().chat_templates_json, R"({"tool_use":"{{ tools }}"})");
  EXPECT_EQ((*chat)->info().eot_token, 1);

  Result<std::shared_ptr<Model>> old =
      OpenFaulty(&registry, R"({"chat_template": true, "describe_minor": 2})");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ((*old)->info().chat_template, "");
  EXPECT_EQ((*old)->info().chat_templates_json, "");
  EXPECT_EQ((*old)->info().eot_token, -1);
  // The 1.2 fields before it still hold.
  EXPECT_EQ((*old)->info().runtime_json, R"({"deterministic":true,"engine":"faulty"})");
}

// Text that is not a JSON object does not stop the model: it is kept, marked unparsed.
TEST(LoaderTest, RuntimeThatIsNotJsonIsKeptUnparsed) {
  PluginRegistry registry;
  Result<std::shared_ptr<Model>> model = OpenFaulty(&registry, R"({"bad_runtime": true})");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->info().runtime_json, R"({"unparsed":"{\"engine\": faulty"})");
}

TEST(LoaderTest, MockModelPathStartingWithMissingIsNotFound) {
  PluginRegistry registry;
  Result<const LoadedPlugin*> p = registry.LoadManifest(kBackendDir + "/mock.backend.json");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Result<std::shared_ptr<Backend>> backend = Backend::Init(*p);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Result<std::shared_ptr<Model>> model = (*backend)->OpenModel("missing-model.gguf");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(model.status().message(), HasSubstr("missing-model.gguf"));
}

TEST(LoaderTest, ControlPluginLoads) {
  // The broken plugins' build and manifests work: only the intended defect makes them fail.
  PluginRegistry registry;
  registry.AddSearchDir(kPluginDir);
  Result<const LoadedPlugin*> p = registry.Load("test_good");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_STREQ((*p)->info.name, "test_good");
  EXPECT_EQ((*p)->info.caps, MN_CAP_SCORE);
  Result<std::shared_ptr<Backend>> backend = Backend::Init(*p);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Result<std::shared_ptr<Model>> model = (*backend)->OpenModel("x");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(model.status().message(), HasSubstr("test_good: has no models"));
}

TEST(LoaderTest, ManifestEntryPointOverridesTheSymbol) {
  PluginRegistry registry;
  Result<const LoadedPlugin*> p = registry.LoadManifest(TestManifest("test_entry_override"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->manifest.entry_point, "mn_backend_entry_renamed");
  EXPECT_STREQ((*p)->info.name, "test_entry_override");
}

TEST(LoaderTest, DiscoverReportsBadManifestsInsteadOfDroppingThem) {
  PluginRegistry registry;
  registry.AddSearchDir(kFixtureDir);
  std::vector<Status> problems;
  std::vector<PluginManifest> found = registry.Discover(&problems);
  std::set<std::string> names;
  for (const auto& m : found) names.insert(m.name);
  // Parseable, even if their libraries are missing or broken.
  EXPECT_EQ(names, (std::set<std::string>{"missing_library", "not_elf"}));
  std::string all;
  for (const auto& s : problems) all += s.message() + "\n";
  EXPECT_EQ(problems.size(), 3u) << all;
  EXPECT_THAT(all, AllOf(HasSubstr(Fixture("invalid_json.backend.json")),
                         HasSubstr(Fixture("missing_field.backend.json")),
                         HasSubstr(Fixture("wrong_type.backend.json"))));
}

TEST(LoaderTest, UnknownNameIsNotFoundAndNamesTheSearchPath) {
  PluginRegistry registry;
  registry.AddSearchDir(kPluginDir);
  Result<const LoadedPlugin*> r = registry.Load("no_such_backend");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr("no_such_backend"), HasSubstr(kPluginDir)));
}

// ---- Manifest failures -------------------------------------------------------------------

TEST(LoaderTest, ManifestFileMissing) {
  const std::string path = Fixture("absent.backend.json");
  Status s = LoadFailure(path);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(path), HasSubstr("not found")));
}

TEST(LoaderTest, ManifestInvalidJson) {
  const std::string path = Fixture("invalid_json.backend.json");
  Status s = LoadFailure(path);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(path), HasSubstr("JSON")));
}

TEST(LoaderTest, ManifestMissingField) {
  const std::string path = Fixture("missing_field.backend.json");
  Status s = LoadFailure(path);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr(path), HasSubstr("'library_path'"), HasSubstr("missing")));
}

TEST(LoaderTest, ManifestFieldOfWrongType) {
  const std::string path = Fixture("wrong_type.backend.json");
  Status s = LoadFailure(path);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(path), HasSubstr("'abi_major'"), HasSubstr("integer")));
}

TEST(LoaderTest, ManifestLibraryFileMissing) {
  Status s = LoadFailure(Fixture("missing_library.backend.json"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(Fixture("libmnemo_missing_library.so")),
                                 HasSubstr(Fixture("missing_library.backend.json")),
                                 HasSubstr("does not exist")));
}

TEST(LoaderTest, LibraryIsNotAnElfFile) {
  const std::string lib = Fixture("libmnemo_not_elf.so");
  Status s = LoadFailure(Fixture("not_elf.backend.json"));
  // dlerror()'s reason is passed on.
  EXPECT_THAT(s.message(), AllOf(HasSubstr("cannot load"), HasSubstr(lib), HasSubstr("ELF")));
}

TEST(LoaderTest, ManifestAbiMajorMismatchStopsBeforeLoading) {
  const std::string path = TestManifest("test_manifest_abi2");
  Status s = LoadFailure(path);
  EXPECT_EQ(s.code(), StatusCode::kAbiMismatch);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(path), HasSubstr("ABI major 2")));
}

TEST(LoaderTest, ManifestNeedsNewerMinor) {
  const std::string path = TestManifest("test_manifest_minor99");
  Status s = LoadFailure(path);
  EXPECT_EQ(s.code(), StatusCode::kAbiMismatch);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(path), HasSubstr("1.99")));
}

// ---- Entry-point and negotiation failures -------------------------------------------------

TEST(LoaderTest, MissingEntrySymbol) {
  Status s = LoadFailure(TestManifest("test_no_entry"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), AllOf(HasSubstr(TestLibrary("test_no_entry")),
                                 HasSubstr("'mn_backend_entry'"), HasSubstr("export")));
}

TEST(LoaderTest, PluginRefusesHostAbi) {
  Status s = LoadFailure(TestManifest("test_abi_refuse"));
  EXPECT_EQ(s.code(), StatusCode::kAbiMismatch);
  // The plugin's own message is passed on.
  EXPECT_THAT(s.message(), AllOf(HasSubstr(TestLibrary("test_abi_refuse")), HasSubstr("refused"),
                                 HasSubstr("built for mnemo ABI 2.0 only")));
}

TEST(LoaderTest, PluginReportsAbiMajor2) {
  Status s = LoadFailure(TestManifest("test_abi_info"));
  EXPECT_EQ(s.code(), StatusCode::kAbiMismatch);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr(TestLibrary("test_abi_info")), HasSubstr("ABI major 2")));
}

TEST(LoaderTest, EntryPointFails) {
  Status s = LoadFailure(TestManifest("test_entry_fails"));
  EXPECT_THAT(s.message(), AllOf(HasSubstr(TestLibrary("test_entry_fails")),
                                 HasSubstr("entry point failed"), HasSubstr("cannot start today")));
}

TEST(LoaderTest, NullRequiredSlot) {
  Status s = LoadFailure(TestManifest("test_null_slot"));
  EXPECT_THAT(s.message(), AllOf(HasSubstr(TestLibrary("test_null_slot")), HasSubstr("'execute'"),
                                 HasSubstr("NULL")));
}

TEST(LoaderTest, BackendInfoStructSizeTooSmall) {
  Status s = LoadFailure(TestManifest("test_small_info"));
  EXPECT_EQ(s.code(), StatusCode::kAbiMismatch);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr(TestLibrary("test_small_info")), HasSubstr("mn_backend_info"),
                    HasSubstr(std::to_string(offsetof(mn_backend_info, vtable)))));
}

TEST(LoaderTest, VtableStructSizeTooSmall) {
  Status s = LoadFailure(TestManifest("test_small_vtable"));
  EXPECT_EQ(s.code(), StatusCode::kAbiMismatch);
  EXPECT_THAT(s.message(),
              AllOf(HasSubstr(TestLibrary("test_small_vtable")), HasSubstr("function table"),
                    HasSubstr(std::to_string(offsetof(mn_backend_vtable, execute)))));
}

// ---- backend_init failures ----------------------------------------------------------------

TEST(LoaderTest, BackendInitFailureCarriesThePluginMessage) {
  PluginRegistry registry;
  Result<const LoadedPlugin*> p = registry.LoadManifest(kBackendDir + "/faulty.backend.json");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Result<std::shared_ptr<Backend>> backend = Backend::Init(*p, R"({"fail_init": true})");
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), StatusCode::kInternal);
  EXPECT_THAT(backend.status().message(),
              AllOf(HasSubstr("'faulty'"), HasSubstr(kBackendDir + "/libmnemo_faulty.so"),
                    HasSubstr("initialise"), HasSubstr("knob fail_init")));
  // The same plugin initialises without the knob.
  EXPECT_TRUE(Backend::Init(*p, R"({"fail_init": false})").ok());
}

TEST(LoaderTest, BackendInitFailureWithoutErrorObject) {
  PluginRegistry registry;
  Result<const LoadedPlugin*> p = registry.LoadManifest(TestManifest("test_init_no_error"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Result<std::shared_ptr<Backend>> backend = Backend::Init(*p);
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), StatusCode::kUnavailable);  // MN_ERR_UNAVAILABLE
  EXPECT_THAT(backend.status().message(),
              AllOf(HasSubstr("'test_init_no_error'"), HasSubstr("initialise"),
                    HasSubstr(std::to_string(MN_ERR_UNAVAILABLE))));
}

TEST(LoaderTest, EveryFailureModeHasItsOwnMessage) {
  const std::vector<std::string> manifests = {
      Fixture("absent.backend.json"),          Fixture("invalid_json.backend.json"),
      Fixture("missing_field.backend.json"),   Fixture("wrong_type.backend.json"),
      Fixture("missing_library.backend.json"), Fixture("not_elf.backend.json"),
      TestManifest("test_manifest_abi2"),      TestManifest("test_manifest_minor99"),
      TestManifest("test_no_entry"),           TestManifest("test_abi_refuse"),
      TestManifest("test_abi_info"),           TestManifest("test_entry_fails"),
      TestManifest("test_null_slot"),          TestManifest("test_small_info"),
      TestManifest("test_small_vtable"),
  };
  // Compare the reasons with the file names taken out.
  std::set<std::string> reasons;
  for (const auto& m : manifests) {
    std::string msg = LoadFailure(m).message();
    for (const std::string& dir : {kFixtureDir, kPluginDir}) {
      for (size_t at = msg.find(dir); at != std::string::npos; at = msg.find(dir))
        msg.erase(at, dir.size());
    }
    for (const char* word :
         {"absent", "invalid_json", "missing_field", "wrong_type", "missing_library", "not_elf",
          "test_manifest_abi2", "test_manifest_minor99", "test_no_entry", "test_abi_refuse",
          "test_abi_info", "test_entry_fails", "test_null_slot", "test_small_info",
          "test_small_vtable"}) {
      for (size_t at = msg.find(word); at != std::string::npos; at = msg.find(word))
        msg.replace(at, std::string(word).size(), "NAME");
    }
    EXPECT_TRUE(reasons.insert(msg).second) << "reason repeated: " << msg;
  }
}

}  // namespace
}  // namespace mnemo
