// Model fingerprints (fingerprint.h): the hash itself and its on-disk cache.
#include "fingerprint.h"

#include <stdlib.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mnemo/backend_sdk.hpp"
#include "tests/support/test_util.h"

namespace mnemo::llamacpp {
namespace {

using testing_util::ReadFile;
using testing_util::TempDir;
using testing_util::WriteFile;

std::string OneShot(const std::string& data) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, XXH3_128bits(data.data(), data.size()));
  std::string hex = "gguf-xxh128:";
  for (unsigned char b : c.digest) {
    static const char* k = "0123456789abcdef";
    hex.push_back(k[b >> 4]);
    hex.push_back(k[b & 15]);
  }
  return hex;
}

// Points $MNEMO_CACHE at a fresh folder for one test.
class FingerprintTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("MNEMO_CACHE", cache_.path().c_str(), 1); }
  void TearDown() override { unsetenv("MNEMO_CACHE"); }
  std::string CacheFile() const { return cache_.File("fingerprints.json"); }

  TempDir cache_;
  TempDir files_;
};

TEST_F(FingerprintTest, HashesWholeFileAcrossBlocks) {
  // Larger than the 16 MiB read block, with content that differs per block.
  std::string data(40u << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string path = files_.File("big.bin");
  WriteFile(path, data);
  EXPECT_EQ(HashFile(path), OneShot(data));
  WriteFile(path, "");
  EXPECT_EQ(HashFile(path), OneShot(""));
}

TEST_F(FingerprintTest, CachesByPathSizeAndMtime) {
  const std::string path = files_.File("m.gguf");
  WriteFile(path, "GGUF first version");
  const std::string fp = FileFingerprint(path);
  EXPECT_EQ(fp, OneShot("GGUF first version"));
  ASSERT_TRUE(std::filesystem::exists(CacheFile()));

  // Plant a different value: a cache hit must return it without hashing.
  nlohmann::json cache = nlohmann::json::parse(ReadFile(CacheFile()));
  const std::string real = std::filesystem::canonical(path).string();
  ASSERT_TRUE(cache["files"].contains(real)) << cache.dump();
  const std::string planted = "gguf-xxh128:" + std::string(32, 'a');
  cache["files"][real]["fingerprint"] = planted;
  WriteFile(CacheFile(), cache.dump());
  EXPECT_EQ(FileFingerprint(path), planted);

  // A changed file (size and mtime) is hashed again and the entry replaced.
  WriteFile(path, "GGUF second, longer version");
  EXPECT_EQ(FileFingerprint(path), OneShot("GGUF second, longer version"));
  cache = nlohmann::json::parse(ReadFile(CacheFile()));
  EXPECT_EQ(cache["files"][real]["fingerprint"], OneShot("GGUF second, longer version"));
}

TEST_F(FingerprintTest, CorruptCacheIsIgnoredAndRepaired) {
  const std::string path = files_.File("m.gguf");
  WriteFile(path, "GGUF payload");
  for (const char* junk :
       {"{not json", "[]", "{\"files\": 3}", "{\"files\": {\"x\": {\"size\": \"big\"}}}"}) {
    WriteFile(CacheFile(), junk);
    EXPECT_EQ(FileFingerprint(path), OneShot("GGUF payload")) << junk;
    nlohmann::json cache = nlohmann::json::parse(ReadFile(CacheFile()), nullptr, false);
    EXPECT_TRUE(cache.is_object() && cache["files"].is_object()) << ReadFile(CacheFile());
  }
  // Entries with wrong types for this very file are ignored too.
  const std::string real = std::filesystem::canonical(path).string();
  nlohmann::json bad = {
      {"files", {{real, {{"size", "12"}, {"mtime_ns", -1}, {"fingerprint", 7}}}}}};
  WriteFile(CacheFile(), bad.dump());
  EXPECT_EQ(FileFingerprint(path), OneShot("GGUF payload"));
}

TEST_F(FingerprintTest, NoTemporaryFilesLeftBehind) {
  const std::string path = files_.File("m.gguf");
  WriteFile(path, "GGUF x");
  FileFingerprint(path);
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(cache_.path())) {
    ++n;
    EXPECT_EQ(e.path().filename(), "fingerprints.json");
  }
  EXPECT_EQ(n, 1);
}

TEST_F(FingerprintTest, UnwritableCacheStillFingerprints) {
  setenv("MNEMO_CACHE", "/proc/mnemo-no-such-dir", 1);
  const std::string path = files_.File("m.gguf");
  WriteFile(path, "GGUF y");
  EXPECT_EQ(FileFingerprint(path), OneShot("GGUF y"));
}

TEST_F(FingerprintTest, MissingFileIsNotFound) {
  try {
    FileFingerprint(files_.File("absent.gguf"));
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), MN_ERR_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("absent.gguf"), std::string::npos) << e.what();
  }
}

TEST_F(FingerprintTest, FixtureFingerprint) {
  const std::string fp =
      FileFingerprint(std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf");
  EXPECT_EQ(fp.rfind("gguf-xxh128:", 0), 0u);
  EXPECT_EQ(fp.size(), 12u + 32u);
  EXPECT_NE(fp, FileFingerprint(std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-early.gguf"));
}

}  // namespace
}  // namespace mnemo::llamacpp
