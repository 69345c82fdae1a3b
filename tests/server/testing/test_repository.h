// TestRepository: a model repository in a fresh temporary directory, for
// server tests. Models come from the zoo (copied, since the repository
// refuses symlinks that lead outside it) or are built in memory.
#ifndef CONVOY_TESTS_SERVER_TESTING_TEST_REPOSITORY_H_
#define CONVOY_TESTS_SERVER_TESTING_TEST_REPOSITORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/servable_model.h"

namespace convoy::testing {

class TestRepository {
 public:
  TestRepository();   // Creates an empty directory.
  ~TestRepository();  // Removes it and everything in it.
  TestRepository(const TestRepository&) = delete;
  TestRepository& operator=(const TestRepository&) = delete;

  const std::string& root() const { return root_; }

  // Writes (or replaces) a file; `relative` may name sub-directories.
  void WriteFile(const std::string& relative, const std::string& contents) const;
  void Remove(const std::string& relative) const;
  // Copies zoo/models/<zoo_name> to <as_name>, replacing its config.pbtxt
  // with `config` when given (its name field must then say `as_name`).
  void AddZooModel(const std::string& zoo_name, const std::string& as_name,
                   const std::string& config = "") const;

 private:
  std::string root_;
};

// Serialized ONNX of y = x * scale for x [N, 4] float: a tiny batchable
// model whose answer tells which version served it.
std::string ScaleModelOnnx(float scale);
// A config for ScaleModelOnnx: input "x" [4], output "y" [4].
std::string ScaleModelConfig(const std::string& name, const std::string& extra = "");

// Serialized ONNX of an 8 x 8 gray image model with three outputs, each
// computed row by row with exact arithmetic (so a row's values never depend
// on the batch it ran in): x [N, 1, 8, 8] -> "doubled" = 2x (an
// intermediate value, not a graph output), "logits" = Flatten(MaxPool 2x2
// of doubled) [N, 16], "shifted" = x + 1.
std::string ThreeOutputImageModelOnnx();

// Version 1 of model `name` of `repository`, loaded as the server loads it
// by default: its config.pbtxt, or none, auto-completed from the graph.
absl::StatusOr<std::shared_ptr<server::SingleModel>> LoadVersion1(const TestRepository& repository,
                                                                     const std::string& name);

// Zoo directory (CONVOY_ZOO_DIR), or empty when the zoo was not made.
std::string ZooDir();

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_SERVER_TESTING_TEST_REPOSITORY_H_
