// Model fingerprints: "gguf-xxh128:<32 hex>", XXH3-128 over every byte of the file (header and
// tensor data), so two files share a fingerprint only if they are byte-identical.
//
// Hashing a large model takes a while (about 1 s per 5-10 GB), so results are kept in a small
// JSON cache, $MNEMO_CACHE/fingerprints.json (default ~/.cache/mnemo/fingerprints.json), keyed
// by the file's real path and validated by its size and mtime in nanoseconds: a file is
// hashed again only when it changes. The cache is best-effort: an unreadable or corrupt cache
// is ignored, and writes are atomic (temp file + rename) so readers never see a torn file.
//
// Thread-safety: all functions are thread-safe; concurrent processes may lose each other's
// newest cache entry (last rename wins) but never corrupt the file.
#ifndef MNEMO_BACKENDS_LLAMACPP_FINGERPRINT_H_
#define MNEMO_BACKENDS_LLAMACPP_FINGERPRINT_H_

#include <string>

namespace mnemo::llamacpp {

// The fingerprint of the file at `path`, from the cache when it is still valid. Throws
// mnemo::Error (MN_ERR_NOT_FOUND / MN_ERR_INTERNAL) when the file cannot be read.
std::string FileFingerprint(const std::string& path);

// Hashes the whole file now, bypassing the cache. Throws like FileFingerprint.
std::string HashFile(const std::string& path);

// The tokenizer's fingerprint, "gguf-tokenizer-xxh128:<32 hex>": XXH3-128 over every
// "tokenizer.*" key of the GGUF's metadata (sorted by key; type, then value, arrays element by
// element), which is everything llama.cpp builds its vocabulary from. Checkpoints of one model
// share it; a changed token, score, type, merge or flag changes it. Throws like
// FileFingerprint when the file cannot be parsed.
std::string TokenizerFingerprint(const std::string& path);

// Where the cache lives: $MNEMO_CACHE/fingerprints.json, else $HOME/.cache/mnemo/...; empty
// when neither variable is set (no caching).
std::string FingerprintCachePath();

}  // namespace mnemo::llamacpp

#endif  // MNEMO_BACKENDS_LLAMACPP_FINGERPRINT_H_
