// How a load step is shown: a block for the terminal, one JSON object per
// line, or one CSV row (with its header), all with the same figures.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_STEP_FORMAT_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_STEP_FORMAT_H_

#include <cstdint>
#include <string>

#include "tools/convoy_loadgen/load_step.h"

namespace convoy {

// What every step of a run shares.
struct RunDescription {
  std::string model;
  int64_t batch = 1;
  int64_t multicrop = 0;  // 0: not sent.
  std::string arrivals = "constant";
  double stability_percentage = 0;  // 0: one window per step.
  std::string protocol = "grpc";     // ProtocolLabel (tools/common/client_protocol.h).
  double percentile = 0;             // --percentile; 0: not given (stability uses the mean).
  std::string model_version{};       // --model-version; empty: the server's latest.
};

std::string FormatTable(const RunDescription& run, const StepReport& step);
std::string FormatJson(const RunDescription& run, const StepReport& step);
std::string CsvHeader();
std::string FormatCsv(const RunDescription& run, const StepReport& step);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_STEP_FORMAT_H_
