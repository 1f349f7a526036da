// Engines' own tables (owned_tables.h): created on first use, migrated step by step, versions
// recorded in schema_owners, legacy audit tables adopted, newer versions refused, read-only
// stores never written.
#include "harness/store/owned_tables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <iterator>
#include <string>

#include "harness/store/schema.h"
#include "tests/support/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

const char* const kOneStep[] = {"CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT);"};
const char* const kTwoSteps[] = {kOneStep[0], "ALTER TABLE widgets ADD COLUMN colour TEXT;"};
const OwnedTables kV1 = {"widgets", "widgets", kOneStep, std::size(kOneStep)};
const OwnedTables kV2 = {"widgets", "widgets", kTwoSteps, std::size(kTwoSteps)};

std::string Query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close_v2(db);
  return out;
}

class OwnedTablesTest : public ::testing::Test {
 protected:
  std::unique_ptr<RunStore> Open() {
    auto s = RunStore::Open(path_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  testing_util::TempDir dir_;
  std::string path_ = dir_.File("s.db");
};

TEST_F(OwnedTablesTest, CreatedOnFirstUseAndRecorded) {
  auto store = Open();
  EXPECT_EQ(OwnedTablesVersion(*store, kV1).value(), 0);
  EXPECT_FALSE(TableExists(*store, "widgets").value());
  ASSERT_TRUE(EnsureOwnedTables(store.get(), kV1).ok());
  EXPECT_TRUE(TableExists(*store, "widgets").value());
  EXPECT_EQ(OwnedTablesVersion(*store, kV1).value(), 1);
  EXPECT_EQ(Query(path_, "SELECT version FROM schema_owners WHERE owner = 'widgets'"), "1");
  // Idempotent.
  ASSERT_TRUE(EnsureOwnedTables(store.get(), kV1).ok());
  EXPECT_EQ(Query(path_, "SELECT count(*) FROM schema_owners"), "1");
}

TEST_F(OwnedTablesTest, MigratesForwardKeepingRows) {
  {
    auto store = Open();
    ASSERT_TRUE(EnsureOwnedTables(store.get(), kV1).ok());
    ASSERT_EQ(sqlite3_exec(store->db(), "INSERT INTO widgets (name) VALUES ('a')", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
  }
  auto store = Open();
  ASSERT_TRUE(EnsureOwnedTables(store.get(), kV2).ok());
  EXPECT_EQ(OwnedTablesVersion(*store, kV2).value(), 2);
  EXPECT_EQ(Query(path_, "SELECT name FROM widgets"), "a");
  EXPECT_EQ(Query(path_,
                  "SELECT count(*) FROM pragma_table_info('widgets') WHERE name = "
                  "'colour'"),
            "1");
}

TEST_F(OwnedTablesTest, JoinsAnOpenTransaction) {
  auto store = Open();
  ASSERT_TRUE(store->Begin().ok());
  ASSERT_TRUE(EnsureOwnedTables(store.get(), kV1).ok());
  ASSERT_TRUE(store->Rollback().ok());
  // Rolled back with the caller's transaction: nothing was left half made.
  EXPECT_FALSE(TableExists(*store, "widgets").value());
  EXPECT_EQ(OwnedTablesVersion(*store, kV1).value(), 0);
}

TEST_F(OwnedTablesTest, NewerVersionIsRefusedNamingBoth) {
  {
    auto store = Open();
    ASSERT_TRUE(EnsureOwnedTables(store.get(), kV2).ok());
  }
  auto store = Open();
  Status s = EnsureOwnedTables(store.get(), kV1);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("tables of widgets are at version 2"));
  EXPECT_THAT(s.message(), HasSubstr("(1)"));
  EXPECT_THAT(s.message(), HasSubstr(path_));
}

TEST_F(OwnedTablesTest, ATableFromBeforeSchemaSevenCountsAsVersionOne) {
  // A store from before schema 7 made its audit tables itself and has no schema_owners row.
  {
    auto store = Open();
    ASSERT_EQ(sqlite3_exec(store->db(), kOneStep[0], nullptr, nullptr, nullptr), SQLITE_OK);
  }
  auto store = Open();
  EXPECT_EQ(OwnedTablesVersion(*store, kV2).value(), 1);
  // Adopted at version 1 and recorded.
  ASSERT_TRUE(EnsureOwnedTables(store.get(), kV1).ok());
  EXPECT_EQ(Query(path_, "SELECT version FROM schema_owners WHERE owner = 'widgets'"), "1");
  ASSERT_TRUE(EnsureOwnedTables(store.get(), kV2).ok());
  EXPECT_EQ(OwnedTablesVersion(*store, kV2).value(), 2);
}

TEST_F(OwnedTablesTest, ReadOnlyStoreIsNeverWritten) {
  { Open(); }
  auto ro = RunStore::OpenReadOnly(path_);
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  EXPECT_EQ(OwnedTablesVersion(**ro, kV1).value(), 0);
  Status s = EnsureOwnedTables(ro->get(), kV1);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("read-only"));
  EXPECT_EQ(Query(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'widgets'"), "0");
}

}  // namespace
}  // namespace mnemo
