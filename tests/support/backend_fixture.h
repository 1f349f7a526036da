// Opening a backend plugin from the build's backends/ folder in tests: backend, one model and
// one instance. Every failure is reported as a test failure and leaves the later members empty.
#ifndef MNEMO_TESTS_SUPPORT_BACKEND_FIXTURE_H_
#define MNEMO_TESTS_SUPPORT_BACKEND_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "harness/plugins/backend_client.h"
#include "harness/plugins/plugin_registry.h"

namespace mnemo::testing_util {

struct OpenedBackend {
  std::shared_ptr<Backend> backend;
  std::shared_ptr<Model> model;
  std::unique_ptr<Instance> instance;
};

inline OpenedBackend OpenTestBackend(const std::string& plugin, const std::string& model_path,
                                     uint32_t threads = 1, const std::string& extra_json = "") {
  // Plugins stay loaded for the process; one registry serves every test.
  static PluginRegistry* registry = [] {
    auto* r = new PluginRegistry();
    r->AddSearchDir(MNEMO_BACKEND_DIR);
    return r;
  }();
  OpenedBackend o;
  auto p = registry->Load(plugin);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) return o;
  auto b = Backend::Init(p.value());
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  if (!b.ok()) return o;
  o.backend = std::move(b).value();
  auto m = o.backend->OpenModel(model_path, 0, extra_json);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return o;
  o.model = std::move(m).value();
  auto i = o.model->CreateInstance(threads);
  EXPECT_TRUE(i.ok()) << i.status().ToString();
  if (i.ok()) o.instance = std::move(i).value();
  return o;
}

}  // namespace mnemo::testing_util

#endif  // MNEMO_TESTS_SUPPORT_BACKEND_FIXTURE_H_
