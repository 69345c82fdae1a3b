// Where the model zoo made by tools/make_zoo.py lives, for tests that
// compare the engine with PyTorch's outputs on it.
#ifndef CONVOY_TESTS_ENGINE_ZOO_ZOO_PATHS_H_
#define CONVOY_TESTS_ENGINE_ZOO_ZOO_PATHS_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace convoy::engine::testing {

// $CONVOY_ZOO_DIR (set by ctest), or "zoo" in the working directory.
inline std::filesystem::path ZooDir() {
  const char* dir = std::getenv("CONVOY_ZOO_DIR");
  return dir != nullptr ? dir : "zoo";
}

}  // namespace convoy::engine::testing

#endif  // CONVOY_TESTS_ENGINE_ZOO_ZOO_PATHS_H_
