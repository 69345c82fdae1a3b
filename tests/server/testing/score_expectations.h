// Reference arithmetic and assertions for tests of class scores: written
// out here, independently of the server's own (server/orchestration).
#ifndef CONVOY_TESTS_SERVER_TESTING_SCORE_EXPECTATIONS_H_
#define CONVOY_TESTS_SERVER_TESTING_SCORE_EXPECTATIONS_H_

#include <vector>

namespace convoy::testing {

// exp(x - max) / sum over one row.
std::vector<float> Softmax(std::vector<float> row);

// Same size, and every element within `tolerance`.
void ExpectNear(const std::vector<float>& actual, const std::vector<float>& expected, float tolerance);

}  // namespace convoy::testing

#endif  // CONVOY_TESTS_SERVER_TESTING_SCORE_EXPECTATIONS_H_
