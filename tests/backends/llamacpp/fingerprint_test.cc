// Model fingerprints (fingerprint.h): the hash itself and its on-disk cache.
#include "fingerprint.h"

#include <stdlib.h>
#include <xxhash.h>

#include <cstring>
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

// A copy of the final checkpoint with one byte changed at `offset` from the start of the value
// of metadata key `key` (the bytes after its u32 type tag).
std::string PatchedCopy(const TempDir& dir, const std::string& key, size_t offset,
                        const std::string& name) {
  std::string data = ReadFile(std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf");
  // A GGUF key is a u64 length and its bytes; the u32 value type follows.
  std::string needle(8, '\0');
  const uint64_t n = key.size();
  std::memcpy(needle.data(), &n, 8);
  needle += key;
  const size_t at = data.find(needle);
  EXPECT_NE(at, std::string::npos) << key;
  if (at == std::string::npos) return "";
  data[at + needle.size() + 4 + offset] ^= 0x01;
  WriteFile(dir.File(name), data);
  return dir.File(name);
}

TEST_F(FingerprintTest, TokenizerFingerprintIsSharedByCheckpointsOfOneTokenizer) {
  const std::string final_fp =
      TokenizerFingerprint(std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf");
  EXPECT_EQ(final_fp.rfind("gguf-tokenizer-xxh128:", 0), 0u) << final_fp;
  EXPECT_EQ(final_fp.size(), 22u + 32u);
  // The two checkpoints differ in their weights, not in their tokenizer.
  EXPECT_EQ(final_fp,
            TokenizerFingerprint(std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-early.gguf"));
}

TEST_F(FingerprintTest, TokenizerFingerprintFollowsTheTokenizerKeysOnly) {
  const std::string base =
      TokenizerFingerprint(std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf");
  // tokens: u32 element type, u64 count, then u64 length + bytes per token; offset 20 is the
  // first byte of the first token's text.
  const std::string token = PatchedCopy(files_, "tokenizer.ggml.tokens", 20, "token.gguf");
  const std::string flag = PatchedCopy(files_, "tokenizer.ggml.add_space_prefix", 0, "flag.gguf");
  const std::string name = PatchedCopy(files_, "general.architecture", 8, "name.gguf");
  ASSERT_FALSE(token.empty() || flag.empty() || name.empty());
  EXPECT_NE(TokenizerFingerprint(token), base);
  EXPECT_NE(TokenizerFingerprint(flag), base);
  EXPECT_NE(TokenizerFingerprint(token), TokenizerFingerprint(flag));
  // A change outside the tokenizer keys changes the file, not the tokenizer.
  EXPECT_EQ(TokenizerFingerprint(name), base);
  EXPECT_NE(HashFile(name), HashFile(std::string(MNEMO_FIXTURES_DIR) + "/tiny-gemma3-final.gguf"));
}

TEST_F(FingerprintTest, TokenizerFingerprintOfANonGgufFileIsAnError) {
  WriteFile(files_.File("text.gguf"), "not a gguf file at all");
  EXPECT_THROW(TokenizerFingerprint(files_.File("text.gguf")), Error);
}

}  // namespace
}  // namespace mnemo::llamacpp
