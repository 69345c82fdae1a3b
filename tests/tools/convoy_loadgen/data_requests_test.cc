// The requests built from --input-data, --shape and --batch: entries
// batched in order as perf_analyzer does, synthetic data of every datatype
// it makes, and what is refused.
#include "tools/convoy_loadgen/data_requests.h"

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tools/convoy_loadgen/synthetic_request.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Error(const absl::Status& status) { return std::string(status.message()); }

// One FP32 input "x" of `dims`, batched.
ModelInputs OneInput(std::vector<int64_t> dims, const std::string& datatype = "FP32") {
  ModelInputs inputs;
  inputs.model = "m";
  inputs.batched = true;
  inputs.inputs.push_back({"x", datatype, dims, dims});
  return inputs;
}

// Entry i holds the one byte i (an INT8 [1] input).
std::vector<InputEntry> ByteEntries(int count) {
  std::vector<InputEntry> entries;
  for (int i = 0; i < count; ++i) entries.push_back({EntryTensor{{1}, std::string(1, static_cast<char>(i))}});
  return entries;
}

std::vector<int64_t> Shape(const inference::ModelInferRequest& request, int input = 0) {
  return {request.inputs(input).shape().begin(), request.inputs(input).shape().end()};
}

TEST(RequestsFromEntriesTest, BatchesConsecutiveEntriesAndCyclesBackToTheFirst) {
  // 3 entries at batch 2: [0 1] [2 0] [1 2], then [0 1] again.
  absl::StatusOr<std::vector<inference::ModelInferRequest>> requests =
      RequestsFromEntries(OneInput({1}, "INT8"), ByteEntries(3), 2, 1 << 20);
  ASSERT_TRUE(requests.ok()) << requests.status();
  ASSERT_EQ(requests->size(), 3u);
  EXPECT_EQ((*requests)[0].raw_input_contents(0), std::string("\x00\x01", 2));
  EXPECT_EQ((*requests)[1].raw_input_contents(0), std::string("\x02\x00", 2));
  EXPECT_EQ((*requests)[2].raw_input_contents(0), std::string("\x01\x02", 2));
  for (const inference::ModelInferRequest& request : *requests) {
    EXPECT_EQ(request.model_name(), "m");
    EXPECT_EQ(request.inputs(0).name(), "x");
    EXPECT_EQ(request.inputs(0).datatype(), "INT8");
    EXPECT_THAT(Shape(request), ElementsAre(2, 1));
  }
  // 4 entries at batch 2: two requests; at batch 1, one per entry; one
  // entry at batch 3: the entry three times.
  EXPECT_EQ(RequestsFromEntries(OneInput({1}, "INT8"), ByteEntries(4), 2, 1 << 20)->size(), 2u);
  EXPECT_EQ(RequestsFromEntries(OneInput({1}, "INT8"), ByteEntries(4), 1, 1 << 20)->size(), 4u);
  absl::StatusOr<std::vector<inference::ModelInferRequest>> repeated =
      RequestsFromEntries(OneInput({1}, "INT8"), ByteEntries(1), 3, 1 << 20);
  ASSERT_EQ(repeated->size(), 1u);
  EXPECT_EQ((*repeated)[0].raw_input_contents(0), std::string(3, '\0'));
}

TEST(RequestsFromEntriesTest, AModelWithoutBatchDimensionTakesTheEntryShapeAsItIs) {
  ModelInputs inputs = OneInput({1}, "INT8");
  inputs.batched = false;
  absl::StatusOr<std::vector<inference::ModelInferRequest>> requests =
      RequestsFromEntries(inputs, ByteEntries(2), 1, 1 << 20);
  ASSERT_TRUE(requests.ok()) << requests.status();
  EXPECT_THAT(Shape((*requests)[1]), ElementsAre(1));
  absl::StatusOr<std::vector<inference::ModelInferRequest>> batched =
      RequestsFromEntries(inputs, ByteEntries(2), 2, 1 << 20);
  ASSERT_FALSE(batched.ok());
  EXPECT_THAT(Error(batched.status()), HasSubstr("model 'm' has no batch dimension; use --batch 1"));
}

TEST(RequestsFromEntriesTest, RefusesBatchingEntriesOfDifferentShapes) {
  std::vector<InputEntry> entries = {{EntryTensor{{2, 1}, std::string(8, 'a')}},
                                     {EntryTensor{{2, 2}, std::string(16, 'b')}}};
  EXPECT_TRUE(RequestsFromEntries(OneInput({2, -1}), entries, 1, 1 << 20).ok());
  absl::StatusOr<std::vector<inference::ModelInferRequest>> requests =
      RequestsFromEntries(OneInput({2, -1}), entries, 2, 1 << 20);
  ASSERT_FALSE(requests.ok());
  EXPECT_THAT(Error(requests.status()),
              HasSubstr("data[0] and data[1] go in one request (--batch 2) but give input 'x' the shapes [2,1] and "
                        "[2,2]"));
}

TEST(RequestsFromEntriesTest, RefusesMoreBytesThanTheLimitBeforeBuildingThem) {
  EXPECT_TRUE(RequestsFromEntries(OneInput({1}, "INT8"), ByteEntries(3), 2, 6).ok());
  absl::StatusOr<std::vector<inference::ModelInferRequest>> requests =
      RequestsFromEntries(OneInput({1}, "INT8"), ByteEntries(3), 2, 5);
  ASSERT_FALSE(requests.ok());
  EXPECT_THAT(Error(requests.status()), HasSubstr("more than the 5 bytes"));
  // A batch whose one request would be too large is refused at once.
  requests = RequestsFromEntries(OneInput({1}, "INT8"), ByteEntries(1), int64_t{1} << 62, 1 << 30);
  ASSERT_FALSE(requests.ok());
  EXPECT_THAT(Error(requests.status()), HasSubstr("--batch 4611686018427387904"));
}

TEST(SyntheticRequestTest, ZeroAndRandomDataForEveryFixedSizeDatatype) {
  ModelInputs inputs;
  inputs.model = "m";
  inputs.batched = true;
  for (const char* datatype : {"FP32", "FP64", "UINT8", "INT8", "INT16", "UINT16", "INT32", "UINT32", "INT64",
                               "UINT64", "BOOL"}) {
    inputs.inputs.push_back({datatype, datatype, {3}, {3}});
  }
  absl::StatusOr<inference::ModelInferRequest> zero = SyntheticRequest(inputs, 2, SyntheticData::kZero, 1);
  absl::StatusOr<inference::ModelInferRequest> random = SyntheticRequest(inputs, 2, SyntheticData::kRandom, 1);
  ASSERT_TRUE(zero.ok()) << zero.status();
  ASSERT_TRUE(random.ok()) << random.status();
  ASSERT_EQ(random->inputs_size(), 11);
  for (int i = 0; i < random->inputs_size(); ++i) {
    const std::string& datatype = random->inputs(i).datatype();
    EXPECT_THAT(Shape(*random, i), ElementsAre(2, 3)) << datatype;
    EXPECT_EQ(zero->raw_input_contents(i), std::string(zero->raw_input_contents(i).size(), '\0')) << datatype;
    EXPECT_EQ(zero->raw_input_contents(i).size(), random->raw_input_contents(i).size()) << datatype;
    EXPECT_NE(random->raw_input_contents(i), zero->raw_input_contents(i)) << datatype;
  }
  int64_t ints[6];
  ASSERT_EQ(random->raw_input_contents(8).size(), sizeof(ints));
  std::memcpy(ints, random->raw_input_contents(8).data(), sizeof(ints));
  for (int64_t value : ints) EXPECT_TRUE(value >= 0 && value <= 127) << value;
  for (char value : random->raw_input_contents(10)) EXPECT_TRUE(value == 0 || value == 1);
  // Seeded: the same seed makes the same data.
  EXPECT_EQ(SyntheticRequest(inputs, 2, SyntheticData::kRandom, 1)->SerializeAsString(), random->SerializeAsString());
  EXPECT_NE(SyntheticRequest(inputs, 2, SyntheticData::kRandom, 2)->SerializeAsString(), random->SerializeAsString());
}

TEST(SyntheticRequestTest, RefusesWhatItCannotMakeNamingTheInput) {
  absl::StatusOr<inference::ModelInferRequest> request =
      SyntheticRequest(OneInput({-1}, "BYTES"), 1, SyntheticData::kZero, 1);
  EXPECT_THAT(Error(request.status()), HasSubstr("input 'x' has variable dims [-1]: give its shape with --shape x:"));
  request = SyntheticRequest(OneInput({2}, "BYTES"), 1, SyntheticData::kZero, 1);
  EXPECT_THAT(Error(request.status()), HasSubstr("input 'x' is BYTES, which is not synthesised"));
  EXPECT_TRUE(SyntheticRequest(OneInput({2}, "FP16"), 1, SyntheticData::kZero, 1).ok());
  request = SyntheticRequest(OneInput({2}, "FP16"), 1, SyntheticData::kRandom, 1);
  EXPECT_THAT(Error(request.status()), HasSubstr("input 'x' is FP16: random data is not made for it"));
  request = SyntheticRequest(OneInput({1000, 1000}), 1000, SyntheticData::kZero, 1);
  EXPECT_THAT(Error(request.status()), HasSubstr("input 'x' of shape [1000,1000,1000] takes the request past"));
  ModelInputs unbatched = OneInput({2});
  unbatched.batched = false;
  request = SyntheticRequest(unbatched, 2, SyntheticData::kZero, 1);
  EXPECT_THAT(Error(request.status()), HasSubstr("model 'm' has no batch dimension"));
}

inference::ModelMetadataResponse Metadata() {
  inference::ModelMetadataResponse metadata;
  metadata.set_name("m");
  auto* input = metadata.add_inputs();
  input->set_name("x");
  input->set_datatype("FP32");
  for (int64_t dim : {-1, 2, -1}) input->add_shape(dim);
  return metadata;
}

TEST(InputDataRequestsTest, ShapesZerosFilesAndDirectories) {
  testing::TempDir dir;
  InputDataOptions options;
  options.shapes = {"x:2,3"};
  options.batch = 2;
  options.input_data = "zero";
  absl::StatusOr<std::vector<inference::ModelInferRequest>> requests = InputDataRequests(Metadata(), true, options);
  ASSERT_TRUE(requests.ok()) << requests.status();
  ASSERT_EQ(requests->size(), 1u);
  EXPECT_THAT(Shape((*requests)[0]), ElementsAre(2, 2, 3));
  EXPECT_EQ((*requests)[0].raw_input_contents(0), std::string(2 * 6 * 4, '\0'));

  options.input_data = dir.Write("data.json", R"({"data": [{"x": [1, 2, 3, 4, 5, 6]},
                                                           {"x": {"content": [1, 2], "shape": [2, 1]}}]})");
  options.batch = 1;
  requests = InputDataRequests(Metadata(), true, options);
  ASSERT_TRUE(requests.ok()) << requests.status();
  ASSERT_EQ(requests->size(), 2u);
  EXPECT_THAT(Shape((*requests)[0]), ElementsAre(1, 2, 3));
  EXPECT_THAT(Shape((*requests)[1]), ElementsAre(1, 2, 1));
  options.batch = 2;
  requests = InputDataRequests(Metadata(), true, options);
  ASSERT_FALSE(requests.ok());
  EXPECT_THAT(Error(requests.status()), HasSubstr("--input-data " + options.input_data + ": data[0] and data[1]"));

  dir.Write("inputs/x", std::string(24, '\x01'));
  options.input_data = dir.Path("inputs");
  options.batch = 3;
  requests = InputDataRequests(Metadata(), true, options);
  ASSERT_TRUE(requests.ok()) << requests.status();
  ASSERT_EQ(requests->size(), 1u);
  EXPECT_THAT(Shape((*requests)[0]), ElementsAre(3, 2, 3));
  EXPECT_EQ((*requests)[0].raw_input_contents(0), std::string(72, '\x01'));

  options.shapes = {"y:2,3"};
  requests = InputDataRequests(Metadata(), true, options);
  ASSERT_FALSE(requests.ok());
  EXPECT_THAT(Error(requests.status()), HasSubstr("--shape y:2,3: model 'm' has no input 'y'"));
}

}  // namespace
}  // namespace convoy
