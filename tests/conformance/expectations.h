// What the ONNX conformance run requires of Convoy.
//
// A case is required to pass when every operator in its graph is one Convoy
// implements (ConvoyOperators) and every tensor it declares is FLOAT or
// INT64: for such a case an Unimplemented status means the engine has lost,
// or never had, support for an attribute value, a rank or an input form of an
// operator it claims. Some of those gaps are deliberate (an inference engine
// has no use for a training-mode output); each is listed in ExpectedSkips()
// with the reason, so that any other skip of a required case fails the test.
#ifndef CONVOY_TESTS_CONFORMANCE_EXPECTATIONS_H_
#define CONVOY_TESTS_CONFORMANCE_EXPECTATIONS_H_

#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tests/conformance/conformance_case.h"

namespace convoy {
namespace conformance {

// ONNX op types (default domain) that the engine implements.
const std::set<std::string>& ConvoyOperators();

// True if the case must pass (or be listed in ExpectedSkips()): all of its
// operators are in ConvoyOperators() and all of its element types are FLOAT
// or INT64.
bool IsRequired(const ModelFeatures& features);

struct ExpectedSkip {
  absl::string_view case_id;  // "<suite>/<case>"
  absl::string_view reason;   // Why the engine declines it on purpose.
};

// Required cases that the engine is expected to answer with Unimplemented.
absl::Span<const ExpectedSkip> ExpectedSkips();

// The entry for `case_id`, or nullptr.
const ExpectedSkip* FindExpectedSkip(absl::string_view case_id);

}  // namespace conformance
}  // namespace convoy

#endif  // CONVOY_TESTS_CONFORMANCE_EXPECTATIONS_H_
