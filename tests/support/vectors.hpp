// vectors.hpp: loading the research vector files and counting what ran, so the summary line
// ("vectors: kind run/passed") shows in the test log and a kind cannot silently run nothing.
#pragma once

#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace regcred::testing {

inline nlohmann::json load_json(const std::string& name) {
  std::ifstream f(std::string(REGCRED_TEST_DATA_DIR) + "/" + name);
  EXPECT_TRUE(f.good()) << "cannot open tests/data/" << name;
  return nlohmann::json::parse(f);
}

inline std::string read_text(const std::string& name) {
  std::ifstream f(std::string(REGCRED_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot open tests/data/" << name;
  return {std::istreambuf_iterator<char>(f), {}};
}

// Counts vectors per kind; a vector passes when it added no gtest failure.
class VectorTally {
 public:
  static VectorTally& get() {
    static VectorTally t;
    return t;
  }
  void record(const std::string& kind, bool passed) {
    auto& [run, ok] = counts_[kind];
    ++run;
    if (passed) ++ok;
  }
  int run(const std::string& kind) const {
    auto it = counts_.find(kind);
    return it == counts_.end() ? 0 : it->second.first;
  }
  void print() const {
    int run = 0, ok = 0;
    for (const auto& [kind, c] : counts_) {
      std::cout << "vectors: " << kind << " " << c.first << " run, " << c.second << " passed\n";
      run += c.first;
      ok += c.second;
    }
    std::cout << "vectors: total " << run << " run, " << ok << " passed\n";
  }

 private:
  std::map<std::string, std::pair<int, int>> counts_;
};

// Runs `body` for one vector under SCOPED_TRACE and records whether it failed.
template <typename F>
void run_vector(const std::string& kind, const nlohmann::json& v, F&& body) {
  SCOPED_TRACE(kind + ": " + v.dump());
  const bool failed_before = ::testing::Test::HasFailure();
  body();
  VectorTally::get().record(kind, failed_before || !::testing::Test::HasFailure());
}

}  // namespace regcred::testing
