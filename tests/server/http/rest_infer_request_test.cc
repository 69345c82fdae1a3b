#include "server/http/rest_infer_request.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The raw little-endian bytes of `values`.
template <typename T>
std::string Raw(std::initializer_list<T> values) {
  std::string raw(values.size() * sizeof(T), '\0');
  std::memcpy(raw.data(), std::data(values), raw.size());
  return raw;
}

// BYTES raw contents: each element a 4-byte little-endian length, then it.
std::string RawBytes(std::initializer_list<std::string> elements) {
  std::string raw;
  for (const std::string& element : elements) {
    const uint32_t length = static_cast<uint32_t>(element.size());
    raw.append(reinterpret_cast<const char*>(&length), 4);
    raw.append(element);
  }
  return raw;
}

std::string Input(const std::string& name, const std::string& datatype, const std::string& shape,
                  const std::string& data) {
  return absl::StrCat(R"({"name":")", name, R"(","datatype":")", datatype, R"(","shape":)", shape,
                      R"(,"data":)", data, "}");
}

std::string BinaryInput(const std::string& name, const std::string& datatype, const std::string& shape,
                        size_t size, const std::string& more_parameters = "") {
  return absl::StrCat(R"({"name":")", name, R"(","datatype":")", datatype, R"(","shape":)", shape,
                      R"(,"parameters":{"binary_data_size":)", size, more_parameters, "}}");
}

std::string Request(const std::string& inputs, const std::string& rest = "") {
  return absl::StrCat(R"({"inputs":[)", inputs, "]", rest, "}");
}

inference::ModelInferRequest ParseOk(const std::string& body, std::optional<int64_t> header = std::nullopt,
                                     RestOutputFormat* format = nullptr) {
  inference::ModelInferRequest out;
  absl::StatusOr<RestOutputFormat> parsed = ParseRestInferRequest(body, header, "m", "3", &out);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (parsed.ok() && format != nullptr) *format = *parsed;
  return out;
}

// The message of the INVALID_ARGUMENT the body is refused with.
std::string Error(const std::string& body, std::optional<int64_t> header = std::nullopt) {
  inference::ModelInferRequest out;
  absl::StatusOr<RestOutputFormat> parsed = ParseRestInferRequest(body, header, "m", "", &out);
  EXPECT_FALSE(parsed.ok()) << "accepted: " << body.substr(0, 200);
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
  return std::string(parsed.status().message());
}

// One input of `datatype` with the JSON `data`, parsed to raw contents.
std::string RawOf(const std::string& datatype, const std::string& shape, const std::string& data) {
  const inference::ModelInferRequest out = ParseOk(Request(Input("x", datatype, shape, data)));
  return out.raw_input_contents_size() == 1 ? out.raw_input_contents(0) : "<no raw contents>";
}

TEST(RestInferRequestTest, FillsNamesShapesAndTheModelFromTheUrl) {
  const inference::ModelInferRequest out =
      ParseOk(R"({"id":"req-7","inputs":[{"name":"in","datatype":"FP32","shape":[2,1],"data":[1,2]}]})");
  EXPECT_EQ(out.model_name(), "m");
  EXPECT_EQ(out.model_version(), "3");
  EXPECT_EQ(out.id(), "req-7");
  ASSERT_EQ(out.inputs_size(), 1);
  EXPECT_EQ(out.inputs(0).name(), "in");
  EXPECT_EQ(out.inputs(0).datatype(), "FP32");
  EXPECT_THAT(out.inputs(0).shape(), ElementsAre(2, 1));
  EXPECT_FALSE(out.inputs(0).has_contents()) << "values travel in raw_input_contents only";
  EXPECT_EQ(out.raw_input_contents(0), Raw<float>({1.0f, 2.0f}));
}

TEST(RestInferRequestTest, EveryIntegerDatatypeTakesItsWholeRange) {
  EXPECT_EQ(RawOf("BOOL", "[3]", "[true,false,true]"), std::string("\1\0\1", 3));
  EXPECT_EQ(RawOf("UINT8", "[2]", "[0,255]"), Raw<uint8_t>({0, 255}));
  EXPECT_EQ(RawOf("UINT16", "[2]", "[0,65535]"), Raw<uint16_t>({0, 65535}));
  EXPECT_EQ(RawOf("UINT32", "[1]", "[4294967295]"), Raw<uint32_t>({4294967295u}));
  EXPECT_EQ(RawOf("UINT64", "[1]", "[18446744073709551615]"), Raw<uint64_t>({~uint64_t{0}}));
  EXPECT_EQ(RawOf("INT8", "[2]", "[-128,127]"), Raw<int8_t>({-128, 127}));
  EXPECT_EQ(RawOf("INT16", "[2]", "[-32768,32767]"), Raw<int16_t>({-32768, 32767}));
  EXPECT_EQ(RawOf("INT32", "[2]", "[-2147483648,2147483647]"),
            Raw<int32_t>({std::numeric_limits<int32_t>::min(), 2147483647}));
  EXPECT_EQ(RawOf("INT64", "[2]", "[-9223372036854775808,9223372036854775807]"),
            Raw<int64_t>({std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}));
}

TEST(RestInferRequestTest, FloatDatatypesRoundToNearest) {
  EXPECT_EQ(RawOf("FP32", "[5]", "[0.1,-2.5,1e-38,3.4028234663852886e38,-0.0]"),
            Raw<float>({0.1f, -2.5f, 1e-38f, std::numeric_limits<float>::max(), -0.0f}));
  EXPECT_EQ(RawOf("FP32", "[2]", "[1e-45,7]"), Raw<float>({std::numeric_limits<float>::denorm_min(), 7.0f}))
      << "a denormal, and an integer for a float";
  EXPECT_EQ(RawOf("FP64", "[3]", "[0.1,4.9406564584124654e-324,-1.7976931348623157e308]"),
            Raw<double>({0.1, std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::max()}));
  EXPECT_EQ(RawOf("FP32", "[3]", "[NaN,Infinity,-Infinity]").substr(4),
            Raw<float>({INFINITY, -INFINITY}))
      << "NaN and Infinity as Triton and Python's json write them";
  // FP16: 1, the largest half, 0.1 (0x2e66), 2^-24 (the smallest subnormal),
  // 70000 (beyond the range: Infinity) and 1 + 2^-11 (a tie: to even, 1).
  EXPECT_EQ(RawOf("FP16", "[6]", "[1,65504,0.1,5.960464477539063e-8,70000,1.00048828125]"),
            Raw<uint16_t>({0x3c00, 0x7bff, 0x2e66, 0x0001, 0x7c00, 0x3c00}));
  // BF16: 1, pi (0x4049), 1 + 2^-8 (a tie: to even, 1), 1 + 3 * 2^-8 (a tie: up).
  EXPECT_EQ(RawOf("BF16", "[4]", "[1,3.14159265,1.00390625,1.01171875]"),
            Raw<uint16_t>({0x3f80, 0x4049, 0x3f80, 0x3f82}));
}

TEST(RestInferRequestTest, NumbersAreReadExactly) {
  // Zeros with an exponent (RapidJSON 1.1's full-precision reader turns
  // these into garbage), range edges, and the tie below the smallest
  // denormal.
  EXPECT_EQ(RawOf("FP32", "[4]", "[0e-38,-0e-38,0.0000000000000000000000000000e-5,-0.000e+3]"),
            Raw<float>({0.0f, -0.0f, 0.0f, -0.0f}));
  EXPECT_EQ(RawOf("FP64", "[3]", "[1e-400,-1e-400,4.9e-324]"),
            Raw<double>({0.0, -0.0, std::numeric_limits<double>::denorm_min()}));
  EXPECT_THAT(Error(Request(Input("x", "FP64", "[1]", "[1e400]"))), HasSubstr("Number too big"))
      << "RapidJSON's (and so Triton's) limit; Infinity is the way to say it";
  EXPECT_EQ(RawOf("FP64", "[2]", "[2.4703282292062327e-324,2.4703282292062328e-324]"),
            Raw<double>({0.0, std::numeric_limits<double>::denorm_min()}));
  EXPECT_EQ(RawOf("FP64", "[3]", "[-9223372036854775809,18446744073709551616,-0]"),
            Raw<double>({-9223372036854775808.0, 18446744073709551616.0, 0.0}))
      << "integers beyond 64 bits are numbers too; -0 is the integer 0, as in Python";
  // Every double, printed with 17 digits, comes back bit for bit.
  std::mt19937_64 random(7);
  std::vector<double> values;
  std::string data = "[";
  while (values.size() < 5000) {
    const uint64_t bits = random();
    double value;
    std::memcpy(&value, &bits, 8);
    if (!std::isfinite(value)) continue;
    absl::StrAppend(&data, values.empty() ? "" : ",", absl::StrFormat("%.17g", value));
    values.push_back(value);
  }
  data += "]";
  const std::string raw = RawOf("FP64", absl::StrCat("[", values.size(), "]"), data);
  ASSERT_EQ(raw.size(), values.size() * 8);
  EXPECT_EQ(std::memcmp(raw.data(), values.data(), raw.size()), 0);
}

TEST(RestInferRequestTest, HalfRoundsOnceFromTheDouble) {
  // 1 + 2^-11 + 2^-40 is just above the tie between 1 and 1 + 2^-10: it
  // rounds up. Through float first it would lose the 2^-40, become the
  // tie, and round to 1.
  const std::string above_tie = absl::StrFormat("%.17g", 1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40));
  EXPECT_EQ(RawOf("FP16", "[1]", absl::StrCat("[", above_tie, "]")), Raw<uint16_t>({0x3c01}));
}

TEST(RestInferRequestTest, BytesElementsKeepTheirBytes) {
  EXPECT_EQ(RawOf("BYTES", "[3]", R"(["ab","","\u0000\u00e9\n"])"),
            RawBytes({"ab", "", std::string("\0\xc3\xa9\n", 4)}));
}

TEST(RestInferRequestTest, NestedDataMatchingTheShapeEqualsFlatData) {
  const std::string flat = RawOf("INT32", "[2,3]", "[1,2,3,4,5,6]");
  EXPECT_EQ(RawOf("INT32", "[2,3]", "[[1,2,3],[4,5,6]]"), flat);
  EXPECT_EQ(RawOf("INT32", "[1,2,3]", "[[[1,2,3],[4,5,6]]]"), flat);
  EXPECT_EQ(RawOf("BYTES", "[2,1]", R"([["a"],["bc"]])"), RawBytes({"a", "bc"}));
  EXPECT_EQ(RawOf("FP32", "[2,0]", "[[],[]]"), "") << "empty innermost dimension";
  EXPECT_EQ(RawOf("FP32", "[0]", "[]"), "");
  EXPECT_EQ(RawOf("FP32", "[]", "[5]"), Raw<float>({5.0f})) << "a scalar";
}

TEST(RestInferRequestTest, NestedDataMustBeRectangularAndMatchTheShape) {
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[2,2]", "[[1,2],[3]]"))),
              AllOf(HasSubstr("input 'x'"), HasSubstr("1 entries at depth 1"), HasSubstr("[2,2] has 2")));
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[2,2]", "[[1,2],3]"))),
              AllOf(HasSubstr("input 'x'"), HasSubstr("a value where arrays belong")));
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[3,2]", "[[1,2],[3,4]]"))),
              AllOf(HasSubstr("2 entries at depth 0"), HasSubstr("[3,2] has 3")));
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[4]", "[[1,2],[3,4]]"))),
              HasSubstr("2 entries at depth 0 where its shape [4] has 4"))
      << "nesting must follow the shape from its first dimension";
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[1,2]", "[[[1],[2]]]"))),
              HasSubstr("an array where values belong"));
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[]", "[[1]]"))), HasSubstr("shape is []"));
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[4]", "[1,2,[3],4]"))),
              HasSubstr("mixes values and arrays (element 2 is an array)"));
}

TEST(RestInferRequestTest, FlatDataNeedsExactlyTheShapesElementCount) {
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[2,3]", "[1,2,3,4,5]"))),
              HasSubstr("input 'x' has 5 values in 'data' but its shape [2,3] needs 6"));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[2]", "[1,2,3]"))), HasSubstr("3 values in 'data'"));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[2]", "7"))), HasSubstr("'data' that is 7, not an array"));
}

TEST(RestInferRequestTest, ValuesOfTheWrongKindNameTheInputAndTheElement) {
  EXPECT_THAT(Error(Request(Input("ids", "INT32", "[3]", "[1,1.5,2]"))),
              HasSubstr("input 'ids' is INT32 but element 1 of its data is 1.5: not an integer from -2147483648"));
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[1]", "[1.0]"))), HasSubstr("element 0 of its data is 1.0"));
  EXPECT_THAT(Error(Request(Input("px", "UINT8", "[3]", "[0,255,256]"))),
              HasSubstr("input 'px' is UINT8 but element 2 of its data is 256: not an integer from 0 to 255"));
  EXPECT_THAT(Error(Request(Input("px", "UINT64", "[1]", "[-1]"))), HasSubstr("element 0 of its data is -1"));
  EXPECT_THAT(Error(Request(Input("x", "INT8", "[2]", "[0,-129]"))), HasSubstr("from -128 to 127"));
  EXPECT_THAT(Error(Request(Input("x", "INT64", "[1]", "[9223372036854775808]"))),
              HasSubstr("9223372036854775808: not an integer"));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[2]", R"([1,"2"])"))),
              HasSubstr("element 1 of its data is a string: not a number"));
  EXPECT_THAT(Error(Request(Input("x", "FP16", "[1]", "[null]"))), HasSubstr("is null: not a number"));
  EXPECT_THAT(Error(Request(Input("b", "BOOL", "[2]", "[true,1]"))),
              HasSubstr("input 'b' is BOOL but element 1 of its data is 1: not true or false"));
  EXPECT_THAT(Error(Request(Input("s", "BYTES", "[2]", R"(["a",2])"))), HasSubstr("is 2: not a string"));
  EXPECT_THAT(Error(Request(Input("x", "INT32", "[2,2]", "[[1,2],[3,{}]]"))),
              HasSubstr("element 3 of its data is an object")) << "row-major index within nested data";
}

TEST(RestInferRequestTest, InputsNeedANameADatatypeAndAShape) {
  EXPECT_THAT(Error(R"({"inputs":[{"datatype":"FP32","shape":[1],"data":[1]}]})"),
              HasSubstr("input 0 has no 'name' string"));
  EXPECT_THAT(Error(R"({"inputs":[{"name":"x","shape":[1],"data":[1]}]})"),
              HasSubstr("input 'x' has no 'datatype' string"));
  EXPECT_THAT(Error(R"({"inputs":[{"name":"x","datatype":"FP32","data":[1]}]})"),
              HasSubstr("input 'x' has no 'shape' array"));
  EXPECT_THAT(Error(Request(Input("x", "FLOAT", "[1]", "[1]"))),
              AllOf(HasSubstr("input 'x' has datatype 'FLOAT', which KServe v2 does not define"),
                    HasSubstr("FP32"), HasSubstr("BYTES")));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[2,-1]", "[1]"))),
              HasSubstr("shape entry 1 that is -1; dimensions are non-negative integers"));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[2.5]", "[1]"))), HasSubstr("shape entry 0 that is 2.5"));
  EXPECT_THAT(Error(Request(R"({"name":"x","datatype":"FP32","shape":[1]})")),
              HasSubstr("input 'x' has neither 'data' nor parameter 'binary_data_size'"));
  EXPECT_THAT(Error(Request("[1]")), HasSubstr("input 0 is an array, not an object"));
}

TEST(RestInferRequestTest, TheBodyMustBeAJsonObjectWithInputs) {
  EXPECT_THAT(Error(R"({"inputs":[1 2]})"),
              AllOf(HasSubstr("malformed JSON in the inference request: Missing a comma or ']' after an array "
                              "element."),
                    HasSubstr("(at byte 13)")));
  EXPECT_THAT(Error(R"({"inputs":[{"name":"x",)"), HasSubstr("(at byte 23)")) << "cut short";
  EXPECT_THAT(Error(""), HasSubstr("malformed JSON"));
  EXPECT_THAT(Error("[]"), HasSubstr("the inference request is an array, not a JSON object"));
  EXPECT_THAT(Error("{}"), HasSubstr("no 'inputs' array"));
  EXPECT_THAT(Error(R"({"inputs":{}})"), HasSubstr("no 'inputs' array"));
  EXPECT_THAT(Error(R"({"id":7,"inputs":[]})"), HasSubstr("'id' is 7, not a string"));
  EXPECT_THAT(Error(R"({"inputs":[],"outputs":{}})"), HasSubstr("'outputs' is an object, not an array"));
  EXPECT_THAT(Error(R"({"inputs":[],"outputs":[{"parameters":{}}]})"), HasSubstr("output 0 has no 'name'"));
}

TEST(RestInferRequestTest, DuplicateKeysTakeTheFirst) {
  const inference::ModelInferRequest out =
      ParseOk(R"({"id":"a","id":"b","inputs":[{"name":"x","name":"y","datatype":"INT8","shape":[1],"data":[1]}]})");
  EXPECT_EQ(out.id(), "a");
  EXPECT_EQ(out.inputs(0).name(), "x");
}

TEST(RestInferRequestTest, HugeShapesAreRefusedBeforeAnythingIsAllocated) {
  // Each of these would need gigabytes if the shape were believed.
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[1000000000]", "[1,2,3]"))),
              HasSubstr("3 values in 'data' but its shape [1000000000] needs 1000000000"));
  EXPECT_THAT(Error(Request(Input("x", "FP64", "[1000000000,1]", "[[1],[2]]"))),
              HasSubstr("of 1000000000 elements, more than its JSON of"));
  EXPECT_THAT(Error(Request(Input("x", "INT64", "[3037000499,3037000499]", "[[1]]"))),
              HasSubstr("more than its JSON of"));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[4611686018427387904,4]", "[1]"))),
              HasSubstr("whose element count overflows int64"));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[9223372036854775807,9223372036854775807]", "[1]"))),
              HasSubstr("overflows int64"));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[0,9223372036854775807]", "[1]"))),
              HasSubstr("1 values in 'data' but its shape [0,9223372036854775807] needs 0"));
  const std::string body = Request(BinaryInput("x", "FP64", "[2305843009213693952]", 16));
  EXPECT_THAT(Error(body + std::string(16, '\0'), body.size()),
              HasSubstr("binary_data_size 16 but shape [2305843009213693952] of FP64 needs over 2^64 bytes"));
  const std::string strings = Request(BinaryInput("s", "BYTES", "[1000000000]", 10));
  EXPECT_THAT(Error(strings + RawBytes({"ab", ""}), strings.size()),
              HasSubstr("(1000000000 elements) but its binary data holds 2 BYTES elements"));
}

TEST(RestInferRequestTest, HostileNestingIsRefusedWithoutRecursing) {
  // A million levels: RapidJSON parses iteratively, and the data walk
  // stops at the shape's depth.
  constexpr int kDepth = 1000000;
  const std::string deep = std::string(kDepth, '[') + "1" + std::string(kDepth, ']');
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[1,1]", deep))), HasSubstr("an array where values belong"));
  EXPECT_THAT(Error(Request(Input("x", "FP32", "[1]", deep))), HasSubstr("an array where values belong"));
  EXPECT_THAT(Error(absl::StrCat(R"({"inputs":[],"parameters":{"p":)", deep, "}}")),
              HasSubstr("parameter 'p' that is an array"));
  // A shape of 65 ones may send flat data but not nested data.
  std::string shape = "[1";
  for (int i = 1; i < 65; ++i) shape += ",1";
  shape += "]";
  EXPECT_EQ(RawOf("INT8", shape, "[9]"), Raw<int8_t>({9}));
  EXPECT_THAT(Error(Request(Input("x", "INT8", shape, std::string(65, '[') + "9" + std::string(65, ']')))),
              HasSubstr("nesting is allowed up to 64"));
}

TEST(RestInferRequestTest, ParametersKeepTheirJsonTypes) {
  RestOutputFormat format;
  const inference::ModelInferRequest out = ParseOk(
      R"({"parameters":{"multicrop":5,"flag":true,"name":"v","scale":0.5,"big":18446744073709551615,
          "binary_data_output":true},
          "inputs":[{"name":"x","datatype":"INT8","shape":[1],"data":[1],"parameters":{"tag":"t"}}],
          "outputs":[{"name":"probs","parameters":{"classification":3,"binary_data":false,"k":-2}},
                     {"name":"plain","parameters":{"classification":0}},
                     {"name":"other"}]})",
      std::nullopt, &format);
  const auto& parameters = out.parameters();
  EXPECT_EQ(parameters.at("multicrop").int64_param(), 5);
  EXPECT_TRUE(parameters.at("flag").bool_param());
  EXPECT_EQ(parameters.at("name").string_param(), "v");
  EXPECT_EQ(parameters.at("scale").double_param(), 0.5);
  EXPECT_EQ(parameters.at("big").double_param(), 18446744073709551615.0) << "beyond int64: a double, as in Triton";
  EXPECT_EQ(parameters.count("binary_data_output"), 0u) << "the codec's own, not forwarded";
  EXPECT_EQ(out.inputs(0).parameters().at("tag").string_param(), "t");
  ASSERT_EQ(out.outputs_size(), 3);
  EXPECT_EQ(out.outputs(0).parameters().at("classification").int64_param(), 3);
  EXPECT_EQ(out.outputs(0).parameters().at("k").int64_param(), -2);
  EXPECT_EQ(out.outputs(0).parameters().count("binary_data"), 0u);
  EXPECT_EQ(out.outputs(1).parameters().count("classification"), 0u) << "0 classes: the plain tensor";
  EXPECT_TRUE(format.all_binary);
  EXPECT_FALSE(format.Binary("probs")) << "an output's binary_data wins";
  EXPECT_TRUE(format.Binary("plain"));
  EXPECT_TRUE(format.Binary("other"));
  EXPECT_TRUE(format.Binary("unnamed"));
}

TEST(RestInferRequestTest, OutputsAreJsonUnlessAskedOtherwise) {
  RestOutputFormat format;
  ParseOk(R"({"inputs":[],"outputs":[{"name":"a","parameters":{"binary_data":true}},{"name":"b"}]})", std::nullopt,
          &format);
  EXPECT_FALSE(format.all_binary);
  EXPECT_TRUE(format.Binary("a"));
  EXPECT_FALSE(format.Binary("b"));
}

TEST(RestInferRequestTest, MalformedParametersAreRefused) {
  EXPECT_THAT(Error(R"({"inputs":[],"parameters":[]})"),
              HasSubstr("the request has 'parameters' that is an array, not an object"));
  EXPECT_THAT(Error(R"({"inputs":[],"parameters":{"p":null}})"),
              HasSubstr("the request has parameter 'p' that is null; a parameter is a bool, a number or a string"));
  EXPECT_THAT(Error(R"({"inputs":[],"parameters":{"binary_data_output":1}})"),
              HasSubstr("'binary_data_output' that is 1, not true or false"));
  EXPECT_THAT(Error(R"({"inputs":[],"outputs":[{"name":"o","parameters":{"binary_data":"yes"}}]})"),
              HasSubstr("output 'o' has parameter 'binary_data' that is a string"));
  EXPECT_THAT(Error(R"({"inputs":[],"outputs":[{"name":"o","parameters":{"classification":-1}}]})"),
              HasSubstr("output 'o' has parameter 'classification' that is -1"));
  EXPECT_THAT(Error(R"({"inputs":[],"outputs":[{"name":"o","parameters":{"classification":2.5}}]})"),
              HasSubstr("'classification' that is 2.5"));
  EXPECT_THAT(Error(Request(BinaryInput("x", "FP32", "[1]", 4, R"(,"shared_memory_region":"r")"))),
              HasSubstr("input 'x' has parameter 'shared_memory_region': shared memory is not supported"));
  EXPECT_THAT(Error(R"({"inputs":[],"outputs":[{"name":"o","parameters":{"shared_memory_byte_size":8}}]})"),
              HasSubstr("output 'o' has parameter 'shared_memory_byte_size'"));
  EXPECT_THAT(Error(Request(R"({"name":"x","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":-4}})"),
                    std::nullopt),
              HasSubstr("binary_data_size -4; it is a byte count"));
}

TEST(RestInferRequestTest, BinaryInputsComeAfterTheJsonInInputOrder) {
  const std::string a = Raw<float>({1.5f, -2.0f});
  const std::string c = RawBytes({"img", ""});
  const std::string json = Request(absl::StrCat(BinaryInput("a", "FP32", "[2]", a.size()), ",",
                                                Input("b", "INT16", "[2]", "[-1,2]"), ",",
                                                BinaryInput("c", "BYTES", "[2]", c.size(), R"(,"keep":1)")));
  const inference::ModelInferRequest out = ParseOk(json + a + c, json.size());
  ASSERT_EQ(out.raw_input_contents_size(), 3);
  EXPECT_EQ(out.raw_input_contents(0), a);
  EXPECT_EQ(out.raw_input_contents(1), Raw<int16_t>({-1, 2})) << "JSON data between binary inputs";
  EXPECT_EQ(out.raw_input_contents(2), c);
  EXPECT_EQ(out.inputs(0).parameters().count("binary_data_size"), 0u);
  EXPECT_EQ(out.inputs(2).parameters().count("binary_data_size"), 0u);
  EXPECT_EQ(out.inputs(2).parameters().at("keep").int64_param(), 1);
}

TEST(RestInferRequestTest, AHeaderWithoutBinaryDataIsAllJson) {
  const std::string json = Request(Input("x", "UINT8", "[1]", "[7]"));
  EXPECT_EQ(ParseOk(json, json.size()).raw_input_contents(0), Raw<uint8_t>({7}));
}

TEST(RestInferRequestTest, BinarySizesMustAddUpToTheBody) {
  const std::string json = Request(BinaryInput("x", "UINT8", "[4]", 4));
  EXPECT_THAT(Error(json + "12345", json.size()),
              HasSubstr("the body has 1 bytes after the JSON header that no input's binary_data_size accounts for"));
  EXPECT_THAT(Error(json + "123", json.size()),
              HasSubstr("input 'x' has binary_data_size 4 but only 3 bytes of binary data are left"));
  const std::string two = Request(absl::StrCat(BinaryInput("x", "UINT8", "[4]", 4), ",",
                                               BinaryInput("y", "UINT8", "[2]", 2)));
  EXPECT_THAT(Error(two + "12345", two.size()), HasSubstr("input 'y' has binary_data_size 2 but only 1 bytes"));
  EXPECT_THAT(Error(json + "1234"), HasSubstr("malformed JSON"))
      << "without the header the body is all JSON: here, JSON and then some";
  EXPECT_THAT(Error(json), HasSubstr("input 'x' has parameter 'binary_data_size' but the request has no "
                                     "Inference-Header-Content-Length header"));
  const std::string short_size = Request(BinaryInput("x", "FP32", "[4]", 12));
  EXPECT_THAT(Error(short_size + "123456789012", short_size.size()),
              HasSubstr("input 'x' has binary_data_size 12 but shape [4] of FP32 needs 16 bytes"));
  EXPECT_THAT(Error(Request(R"({"name":"x","datatype":"FP32","shape":[1],"data":[1],)"
                            R"("parameters":{"binary_data_size":4}})")),
              HasSubstr("input 'x' has both 'data' and parameter 'binary_data_size'; give one"));
}

TEST(RestInferRequestTest, BinaryBytesMustBeWholeElements) {
  const std::string part = RawBytes({"abc"}).substr(0, 6);  // Length says 3, 2 follow.
  const std::string json = Request(BinaryInput("s", "BYTES", "[1]", part.size()));
  EXPECT_THAT(Error(json + part, json.size()), HasSubstr("input 's' is BYTES but its 6 bytes of binary data are "
                                                         "not whole elements"));
  const std::string three = RawBytes({"a", "b", "c"});
  const std::string json2 = Request(BinaryInput("s", "BYTES", "[2]", three.size()));
  EXPECT_THAT(Error(json2 + three, json2.size()), HasSubstr("(2 elements) but its binary data holds 3"));
}

TEST(RestInferRequestTest, HeaderLengthMustFitTheBody) {
  const std::string json = Request(Input("x", "UINT8", "[1]", "[7]"));
  EXPECT_THAT(Error(json, -1), HasSubstr("Inference-Header-Content-Length is -1 but it must be the size of the "
                                         "JSON header, from 1 to the body's"));
  EXPECT_THAT(Error(json, json.size() + 1), HasSubstr(absl::StrCat("from 1 to the body's ", json.size(), " bytes")));
  EXPECT_THAT(Error(json, 0), HasSubstr("a raw binary request without a JSON header, which is not supported"));
  EXPECT_THAT(Error(json + "\1", json.size() - 1), HasSubstr("malformed JSON")) << "the header cut short";
}

TEST(RestInferRequestTest, ALargeBinaryTensorIsCopiedOnce) {
  // A ResNet-50 batch of 8: 4.8 MB of FP32 in one binary input.
  const size_t bytes = 8 * 3 * 224 * 224 * sizeof(float);
  std::string tensor(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) tensor[i] = static_cast<char>(i * 131);
  const std::string json = Request(BinaryInput("images", "FP32", "[8,3,224,224]", bytes));
  const auto start = std::chrono::steady_clock::now();
  const inference::ModelInferRequest out = ParseOk(json + tensor, json.size());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.raw_input_contents(0), tensor);
  // A copy of 4.8 MB takes about a millisecond; per-element work would take
  // tens. Generous, as the machine is shared.
  EXPECT_LT(took, std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace convoy::server
