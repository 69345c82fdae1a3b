// --input-data FILE.json and DIR in perf_analyzer's layouts: each form of a
// tensor read into the protocol's raw bytes, and every way a file can be
// wrong refused with a message naming the file, the entry and the input.
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tools/convoy_loadgen/input_data.h"
#include "tools/convoy_loadgen/json_input_data.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// x FP32 [2, -1] (with --shape x:2,2 unless `shape_x` is false), n INT64
// [1], text BYTES [2]; a batching model.
ModelInputs Inputs(bool shape_x = true) {
  ModelInputs inputs;
  inputs.model = "m";
  inputs.batched = true;
  inputs.inputs.push_back({"x", "FP32", {2, -1}, shape_x ? std::vector<int64_t>{2, 2} : std::vector<int64_t>{2, -1}});
  inputs.inputs.push_back({"n", "INT64", {1}, {1}});
  inputs.inputs.push_back({"text", "BYTES", {2}, {2}});
  return inputs;
}

template <typename T>
std::string Raw(std::vector<T> values) {
  std::string raw(values.size() * sizeof(T), '\0');
  std::memcpy(raw.data(), values.data(), raw.size());
  return raw;
}

std::string Framed(const std::vector<std::string>& elements) {
  std::string raw;
  for (const std::string& element : elements) {
    const uint32_t length = static_cast<uint32_t>(element.size());
    raw.append(reinterpret_cast<const char*>(&length), 4);
    raw += element;
  }
  return raw;
}

absl::StatusOr<std::vector<InputEntry>> Parse(const std::string& json, const ModelInputs& inputs = Inputs()) {
  return ParseJsonInputData(json, "data.json", inputs, InputDataLimits());
}

// The error of parsing `json`, which must fail.
std::string ParseError(const std::string& json, const ModelInputs& inputs = Inputs()) {
  absl::StatusOr<std::vector<InputEntry>> entries = Parse(json, inputs);
  EXPECT_FALSE(entries.ok()) << json;
  if (entries.ok()) return "";
  EXPECT_TRUE(absl::IsInvalidArgument(entries.status())) << entries.status();
  return std::string(entries.status().message());
}

// An entry's "n" and "text", valid, after `x`.
std::string Entry(const std::string& x) { return R"({"x": )" + x + R"(, "n": [7], "text": ["ab", "c"]})"; }

TEST(JsonInputDataTest, ReadsEveryFormOfATensorAsPerfAnalyzerWritesThem) {
  // "AACAPwAAAEAAAEBAAACAQA==" is FP32 1, 2, 3, 4 in little-endian bytes.
  absl::StatusOr<std::vector<InputEntry>> entries =
      Parse(R"({"data": [)" + Entry("[1, 2, 3, 4]") + "," +
            Entry(R"({"content": [1, 2.5, 3, 4, 5, 6], "shape": [2, 3]})") + "," +
            Entry(R"({"b64": "AACAPwAAAEAAAEBAAACAQA=="})") + "," +
            Entry(R"({"content": {"b64": "AACAPwAAAEA="}, "shape": [2, 1]})") + "]}");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 4u);
  const std::vector<InputEntry>& e = *entries;
  EXPECT_THAT(e[0][0].shape, ElementsAre(2, 2));  // From --shape.
  EXPECT_EQ(e[0][0].raw, Raw<float>({1, 2, 3, 4}));
  EXPECT_THAT(e[1][0].shape, ElementsAre(2, 3));  // The entry's own.
  EXPECT_EQ(e[1][0].raw, Raw<float>({1, 2.5, 3, 4, 5, 6}));
  EXPECT_EQ(e[2][0].raw, Raw<float>({1, 2, 3, 4}));
  EXPECT_THAT(e[3][0].shape, ElementsAre(2, 1));
  EXPECT_EQ(e[3][0].raw, Raw<float>({1, 2}));
  for (const InputEntry& entry : e) {
    ASSERT_EQ(entry.size(), 3u);
    EXPECT_EQ(entry[1].raw, Raw<int64_t>({7}));
    EXPECT_EQ(entry[2].raw, Framed({"ab", "c"}));
  }
}

TEST(JsonInputDataTest, BytesComeAsStringsOrAsSerialisedElementsInBase64) {
  // "AgAAAGFiAQAAAGM=": length 2 "ab", length 1 "c".
  absl::StatusOr<std::vector<InputEntry>> entries =
      Parse(R"({"data": [{"x": [1, 2, 3, 4], "n": [7], "text": {"b64": "AgAAAGFiAQAAAGM="}}]})");
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ((*entries)[0][2].raw, Framed({"ab", "c"}));
  EXPECT_THAT(ParseError(R"({"data": [{"x": [1, 2, 3, 4], "n": [7], "text": {"b64": "AgAAAGFi"}}]})"),
              HasSubstr("data.json: data[0]: input 'text': 1 BYTES elements, not the 2 BYTES elements of shape [2]"));
  EXPECT_THAT(ParseError(R"({"data": [{"x": [1, 2, 3, 4], "n": [7], "text": {"b64": "BQAAAGFi"}}]})"),
              HasSubstr("input 'text': BYTES data is not 4-byte little-endian lengths"));
}

TEST(JsonInputDataTest, ValuesMustBeOfTheInputsDatatype) {
  ModelInputs inputs;
  inputs.model = "m";
  inputs.inputs.push_back({"u", "UINT8", {2}, {2}});
  inputs.inputs.push_back({"b", "BOOL", {2}, {2}});
  inputs.inputs.push_back({"i", "INT32", {1}, {1}});
  absl::StatusOr<std::vector<InputEntry>> entries =
      Parse(R"({"data": [{"u": [0, 255], "b": [true, false], "i": [-5]}]})", inputs);
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_EQ((*entries)[0][0].raw, std::string("\x00\xff", 2));
  EXPECT_EQ((*entries)[0][1].raw, std::string("\x01\x00", 2));
  EXPECT_EQ((*entries)[0][2].raw, Raw<int32_t>({-5}));
  for (const auto& [json, message] : std::vector<std::pair<std::string, std::string>>{
           {R"({"data": [{"u": [0, 256], "b": [true, false], "i": [1]}]})", "tensor 'u': element 1"},
           {R"({"data": [{"u": [0, 1], "b": [1, 0], "i": [1]}]})", "tensor 'b': element 0 of its JSON data is not "
                                                                   "a BOOL value"},
           {R"({"data": [{"u": [0, 1], "b": [true, false], "i": [1.5]}]})", "tensor 'i': element 0"},
           {R"({"data": [{"u": [0, 1], "b": [true, false], "i": ["1"]}]})", "tensor 'i': element 0"}}) {
    EXPECT_THAT(ParseError(json, inputs), HasSubstr("data.json: data[0]: " + message));
  }
  EXPECT_THAT(ParseError(R"({"data": [{"x": [1, 2, "3", 4], "n": [7], "text": ["a", "b"]}]})"),
              HasSubstr("data[0]: tensor 'x': element 2 of its JSON data is not a FP32 value"));
}

TEST(JsonInputDataTest, EntriesMustGiveEveryInputAndNothingElse) {
  EXPECT_THAT(ParseError(R"({"data": [)" + Entry("[1, 2, 3, 4]") + R"(, {"x": [1, 2, 3, 4], "n": [7]}]})"),
              HasSubstr("data.json: data[1]: input 'text' is missing"));
  EXPECT_THAT(ParseError(R"({"data": [{"x": [1, 2, 3, 4], "n": [7], "text": ["a", "b"], "y": [1]}]})"),
              HasSubstr("data.json: data[0]: 'y' is not an input of model 'm' (its inputs: x, n, text)"));
}

TEST(JsonInputDataTest, ShapesAndCountsMustFitTheModel) {
  for (const auto& [x, message] : std::vector<std::pair<std::string, std::string>>{
           {"[1, 2, 3]", "input 'x': 12 bytes, not the 4 FP32 elements of shape [2,2] (16 bytes)"},
           {R"({"content": [1, 2, 3, 4], "shape": [4, 1]})", "shape [4,1] does not fit input 'x' of dims [2,-1]: "
                                                             "dimension 0 is fixed at 2, not 4"},
           {R"({"content": [1, 2], "shape": [2, 0]})", "shape [2,0] does not fit input 'x' of dims [2,-1]: size 0 is "
                                                        "not positive"},
           {R"({"content": [1, 2], "shape": [2]})", "shape [2] does not fit input 'x' of dims [2,-1]: 1 sizes for 2 "
                                                     "dimensions"},
           {R"({"content": [1, 2], "shape": [2, "1"]})", "input 'x': \"shape\" must be an array of integer sizes"},
           {R"({"b64": "AACAPw=="})", "input 'x': 4 bytes, not the 4 FP32 elements"},
           {R"({"b64": "not base64!"})", "input 'x': \"b64\" is not valid base64"},
           {R"({"b64": 12})", "input 'x': \"b64\" must be a string"},
           {R"({"shape": [2, 2]})", "input 'x': an input's object needs one of \"content\" and \"b64\""},
           {R"({"content": [1, 2, 3, 4], "b64": ""})", "input 'x': an input's object needs one of \"content\" and "
                                                         "\"b64\""},
           {R"({"content": [1, 2, 3, 4], "dims": [2, 2]})", "input 'x': unknown key \"dims\""},
           {R"({"content": "1 2 3 4"})", "input 'x': \"content\" must be an array of values or {\"b64\""},
           {"[[1, 2], [3, 4]]", "input 'x': values must be a flat array, in row-major order (value 0 is not one "
                                "value)"},
           {"7", "input 'x': expected an array of values, or an object"}}) {
    EXPECT_THAT(ParseError(R"({"data": [)" + Entry(x) + "]}"), HasSubstr("data.json: data[0]: " + message)) << x;
  }
}

TEST(JsonInputDataTest, VariableDimensionsNeedAShapeFromTheEntryOrTheCommandLine) {
  EXPECT_THAT(ParseError(R"({"data": [)" + Entry("[1, 2, 3, 4]") + "]}", Inputs(false)),
              HasSubstr("data[0]: input 'x' has variable dims [2,-1]: give its shape with --shape x:D1,D2,..."));
  absl::StatusOr<std::vector<InputEntry>> entries =
      Parse(R"({"data": [)" + Entry(R"({"content": [1, 2], "shape": [2, 1]})") + "]}", Inputs(false));
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_THAT((*entries)[0][0].shape, ElementsAre(2, 1));
}

TEST(JsonInputDataTest, TheFileMustHaveThePerfAnalyzerLayout) {
  EXPECT_THAT(ParseError("{\"data\": [" + Entry("[1, 2, 3, 4]")), HasSubstr("data.json: not JSON: "));
  EXPECT_THAT(ParseError("[]"), HasSubstr("data.json: expected an object, {\"data\": [...]}"));
  EXPECT_THAT(ParseError("{}"), HasSubstr("data.json: no \"data\" member"));
  EXPECT_THAT(ParseError(R"({"data": {}})"), HasSubstr("\"data\" must be an array of entries"));
  EXPECT_THAT(ParseError(R"({"data": []})"), HasSubstr("data.json: \"data\" has no entries"));
  EXPECT_THAT(ParseError(R"({"data": [7]})"), HasSubstr("data.json: data[0]: must be an object"));
  EXPECT_THAT(ParseError(R"({"data": [)" + Entry("[1, 2, 3, 4]") + R"(], "parameters": {}})"),
              HasSubstr("unknown member \"parameters\""));
  // perf_analyzer's output validation and sequence streams: refused, not ignored.
  EXPECT_THAT(ParseError(R"({"data": [)" + Entry("[1, 2, 3, 4]") + R"(], "validation_data": [{"y": [1]}]})"),
              HasSubstr("\"validation_data\": convoy-loadgen does not check outputs"));
  EXPECT_THAT(ParseError(R"({"data": [[)" + Entry("[1, 2, 3, 4]") + "]]}"),
              HasSubstr("data.json: data[0]: is an array, a sequence's stream of requests"));
}

TEST(JsonInputDataTest, ReadsAreBounded) {
  InputDataLimits limits;
  limits.max_entries = 2;
  const std::string three = R"({"data": [)" + Entry("[1, 2, 3, 4]") + "," + Entry("[1, 2, 3, 4]") + "," +
                            Entry("[1, 2, 3, 4]") + "]}";
  absl::StatusOr<std::vector<InputEntry>> entries = ParseJsonInputData(three, "three.json", Inputs(), limits);
  ASSERT_FALSE(entries.ok());
  EXPECT_THAT(std::string(entries.status().message()),
              HasSubstr("three.json: \"data\" has 3 entries, more than the 2"));

  testing::TempDir dir;
  const std::string path = dir.Write("three.json", three);
  limits.max_entries = 3;
  EXPECT_TRUE(ReadJsonInputData(path, Inputs(), limits).ok());
  limits.max_file_bytes = 10;
  entries = ReadJsonInputData(path, Inputs(), limits);
  ASSERT_FALSE(entries.ok());
  EXPECT_THAT(std::string(entries.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(entries.status().message()), HasSubstr("10"));
  EXPECT_TRUE(absl::IsNotFound(ReadJsonInputData(dir.Path("absent.json"), Inputs(), limits).status()));
}

TEST(DirectoryInputDataTest, ReadsOneRawFilePerInputAndTextLinesForBytes) {
  testing::TempDir dir;
  dir.Write("x", Raw<float>({1, 2, 3, 4}));
  dir.Write("n", Raw<int64_t>({9}));
  dir.Write("text", "first line\nsecond\n");
  absl::StatusOr<InputEntry> entry = ReadDirectoryInputData(dir.path().string(), Inputs(), InputDataLimits());
  ASSERT_TRUE(entry.ok()) << entry.status();
  ASSERT_EQ(entry->size(), 3u);
  EXPECT_THAT((*entry)[0].shape, ElementsAre(2, 2));
  EXPECT_EQ((*entry)[0].raw, Raw<float>({1, 2, 3, 4}));
  EXPECT_EQ((*entry)[1].raw, Raw<int64_t>({9}));
  EXPECT_EQ((*entry)[2].raw, Framed({"first line", "second"}));
}

TEST(DirectoryInputDataTest, RefusesFilesThatDoNotFitNamingThem) {
  testing::TempDir dir;
  const std::string root = dir.path().string();
  dir.Write("x", Raw<float>({1, 2, 3}));
  dir.Write("n", Raw<int64_t>({9}));
  dir.Write("text", "one\n");
  auto error = [&](const ModelInputs& inputs) {
    absl::StatusOr<InputEntry> entry = ReadDirectoryInputData(root, inputs, InputDataLimits());
    EXPECT_FALSE(entry.ok());
    return entry.ok() ? std::string() : std::string(entry.status().message());
  };
  EXPECT_THAT(error(Inputs()), HasSubstr(dir.Path("x") + ": input 'x': 12 bytes, not the 4 FP32 elements"));
  dir.Write("x", Raw<float>({1, 2, 3, 4}));
  EXPECT_THAT(error(Inputs()), HasSubstr(dir.Path("text") + ": input 'text': 1 lines, not the 2 BYTES elements"));
  dir.Write("text", "one\ntwo");  // The last line needs no newline.
  EXPECT_TRUE(ReadDirectoryInputData(root, Inputs(), InputDataLimits()).ok());
  EXPECT_THAT(error(Inputs(false)), HasSubstr("input 'x' has variable dims [2,-1]: give its shape with --shape"));

  dir.Write("y", "output for validation");
  EXPECT_THAT(error(Inputs()), HasSubstr("file 'y' is not named after an input of model 'm' (its inputs: x, n, text)"));
  std::filesystem::remove(dir.Path("y"));
  std::filesystem::remove(dir.Path("n"));
  EXPECT_THAT(error(Inputs()), HasSubstr("input 'n': "));
  EXPECT_THAT(error(Inputs()), HasSubstr(dir.Path("n")));
  dir.Write("n", "");
  EXPECT_THAT(error(Inputs()), HasSubstr(dir.Path("n") + ": file is empty"));
  dir.Write("n", std::string(64, 'a'));
  InputDataLimits small;
  small.max_file_bytes = 32;
  absl::StatusOr<InputEntry> bounded = ReadDirectoryInputData(root, Inputs(), small);
  ASSERT_FALSE(bounded.ok());
  EXPECT_THAT(std::string(bounded.status().message()), HasSubstr("input 'n'"));
}

TEST(InputDataFlagTest, NamesZeroRandomAFileOrADirectory) {
  testing::TempDir dir;
  EXPECT_EQ(ParseInputDataFlag("")->kind, InputDataSource::Kind::kRandom);
  EXPECT_EQ(ParseInputDataFlag("random")->kind, InputDataSource::Kind::kRandom);
  EXPECT_EQ(ParseInputDataFlag("zero")->kind, InputDataSource::Kind::kZero);
  EXPECT_EQ(ParseInputDataFlag(dir.Write("d.json", "{}"))->kind, InputDataSource::Kind::kJsonFile);
  absl::StatusOr<InputDataSource> directory = ParseInputDataFlag(dir.MakeDir("inputs"));
  ASSERT_TRUE(directory.ok());
  EXPECT_EQ(directory->kind, InputDataSource::Kind::kDirectory);
  EXPECT_EQ(directory->path, dir.Path("inputs"));
  absl::StatusOr<InputDataSource> absent = ParseInputDataFlag(dir.Path("absent"));
  ASSERT_FALSE(absent.ok());
  EXPECT_THAT(std::string(absent.status().message()), HasSubstr("--input-data " + dir.Path("absent")));
}

}  // namespace
}  // namespace convoy
