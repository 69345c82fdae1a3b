// The calibration file: what WriteCalibration writes ReadCalibration reads
// back exactly, and a file that is not a calibration is refused with its
// path, line and fault.
#include "engine/api/calibration.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

using ::testing::HasSubstr;

std::string WriteText(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

TEST(CalibrationFileTest, RoundTripsEveryRangeExactly) {
  Calibration c;
  c.samples = 1234;
  c.ranges["input"] = {-2.1179039478f, 2.6399998665f};
  c.ranges["/layer1/relu/Relu_output_0"] = {0, 9.23456789e-3f};
  c.ranges["name with spaces and ünïcode"] = {-1e-30f, 3.4e38f};
  const std::string path = ::testing::TempDir() + "/round_trip.calibration";
  ASSERT_TRUE(WriteCalibration(c, path).ok());
  absl::StatusOr<Calibration> read = ReadCalibration(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->samples, 1234);
  ASSERT_EQ(read->ranges.size(), 3u);
  for (const auto& [name, range] : c.ranges) {
    ASSERT_TRUE(read->ranges.contains(name)) << name;
    EXPECT_EQ(read->ranges.at(name).min, range.min) << name;
    EXPECT_EQ(read->ranges.at(name).max, range.max) << name;
  }
}

TEST(CalibrationFileTest, ReadsLinesEndedWithCarriageReturns) {
  const std::string path = WriteText(
      "crlf.calibration", "# convoy calibration v1\r\n# samples 3\r\n-1\t2.5\tinput\r\n");
  absl::StatusOr<Calibration> c = ReadCalibration(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->samples, 3);
  ASSERT_TRUE(c->ranges.contains("input"));
  EXPECT_EQ(c->ranges.at("input").max, 2.5f);
}

TEST(CalibrationFileTest, PathIsBesideTheModel) {
  EXPECT_EQ(CalibrationPathFor("repo/resnet50/1/model.onnx"),
            "repo/resnet50/1/model.onnx.calibration");
}

TEST(CalibrationFileTest, MissingFileIsNotFound) {
  absl::StatusOr<Calibration> c = ReadCalibration(::testing::TempDir() + "/no_such.calibration");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(c.status().message(), HasSubstr("no_such.calibration"));
}

// It sits in the model repository, where anyone who can publish a model could
// plant one: the server's loader must not hang on it.
TEST(CalibrationFileTest, FifoIsRefusedWithoutBlocking) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/fifo_", ::getpid(), ".calibration");
  std::remove(path.c_str());
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  absl::StatusOr<Calibration> c = ReadCalibration(path);
  std::remove(path.c_str());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("not a regular file"));
}

struct BadFile {
  std::string text;
  std::string error;
};

class BadCalibrationTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadCalibrationTest, IsRefusedNamingTheLine) {
  // ctest runs the cases as processes side by side: each has a file of its own.
  const std::string path =
      WriteText(absl::StrCat("bad_", std::hash<std::string>{}(GetParam().text), ".calibration"),
                GetParam().text);
  absl::StatusOr<Calibration> c = ReadCalibration(path);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr(path + ":" + GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Files, BadCalibrationTest,
    ::testing::Values(
        BadFile{"", "1: the file is empty"},
        BadFile{"min\tmax\tname\n", "1: expected '# convoy calibration v1'"},
        BadFile{"# convoy calibration v1\n0\t1\n", "2: expected '<min>\\t<max>\\t<value name>'"},
        BadFile{"# convoy calibration v1\n0\t1\t\n", "2: expected '<min>\\t<max>\\t<value name>'"},
        BadFile{"# convoy calibration v1\nzero\t1\tx\n", "2: bounds 'zero' and '1' must be finite"},
        BadFile{"# convoy calibration v1\n0\tinf\tx\n", "2: bounds '0' and 'inf' must be finite"},
        BadFile{"# convoy calibration v1\n0\tnan\tx\n", "2: bounds '0' and 'nan' must be finite"},
        BadFile{"# convoy calibration v1\n2\t1\tx\n", "2: min 2 is above max 1"},
        BadFile{"# convoy calibration v1\n0\t1\tx\n0\t2\tx\n", "3: value 'x' is given twice"}));

TEST(CalibrationFileTest, NameThatCannotBeStoredIsRefused) {
  Calibration c;
  c.ranges["a\tb"] = {0, 1};
  absl::Status s = WriteCalibration(c, ::testing::TempDir() + "/tab.calibration");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("holds a tab or a line break"));
}

TEST(CalibrationFileTest, UnwritablePathIsAnError) {
  Calibration c;
  c.ranges["x"] = {0, 1};
  absl::Status s = WriteCalibration(c, ::testing::TempDir() + "/no/such/dir/x.calibration");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("no/such/dir/x.calibration"));
}

}  // namespace
}  // namespace convoy::engine
