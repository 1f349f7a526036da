// Test fixtures for the dataset readers: gzip and zstd encodings made with zlib and libzstd
// (independent of the readers' decoders), and deterministic sample lines.
#ifndef MNEMO_TESTS_SUPPORT_COMPRESS_UTIL_H_
#define MNEMO_TESTS_SUPPORT_COMPRESS_UTIL_H_

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo {
namespace testing_util {

// One gzip member holding `data` (zlib's deflate with the gzip wrapper).
inline std::string Gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// One zstd frame holding `data`, with a content checksum when asked.
inline std::string Zstd(const std::string& data, bool checksum = false) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  EXPECT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  ZSTD_freeCCtx(cctx);
  out.resize(n);
  return out;
}

// Deterministic lines of varying length (some empty), plus one line far longer than a block.
inline std::vector<std::string> SampleLines(size_t n, size_t long_line_bytes) {
  std::vector<std::string> lines;
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    size_t len = (x >> 16) % 90;
    std::string l = "line " + std::to_string(i) + ":";
    for (size_t k = 0; k < len; ++k) l.push_back(static_cast<char>('a' + (x >> (k % 13)) % 26));
    if (i % 97 == 5) l.clear();
    lines.push_back(std::move(l));
    if (i == n / 2) {
      std::string big(long_line_bytes, '\0');
      for (size_t k = 0; k < big.size(); ++k)
        big[k] = static_cast<char>('A' + (k * 7 + k / 26) % 26);
      lines.push_back(std::move(big));
    }
  }
  return lines;
}

}  // namespace testing_util
}  // namespace mnemo

#endif  // MNEMO_TESTS_SUPPORT_COMPRESS_UTIL_H_
