// The run store's schema as an ordered list of migrations.
//
// Step i (1-based) brings a file from user_version i-1 to i; RunStore::Open applies each
// pending step in its own transaction and then sets user_version. Steps are append-only:
// once released, a step's SQL never changes, so a new column or table is a new step.
#ifndef MNEMO_HARNESS_STORE_SCHEMA_H_
#define MNEMO_HARNESS_STORE_SCHEMA_H_

#include <cstddef>

namespace mnemo {
namespace store_schema {

// kMigrations[i] brings version i to i+1; kNumMigrations == RunStore::kSchemaVersion.
extern const char* const kMigrations[];
extern const size_t kNumMigrations;

}  // namespace store_schema
}  // namespace mnemo

#endif  // MNEMO_HARNESS_STORE_SCHEMA_H_
