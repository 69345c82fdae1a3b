#include "engine/preprocess/crop.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::Field;
using ::testing::HasSubstr;

::testing::Matcher<CropWindow> Window(int top, int left, bool mirrored) {
  return AllOf(Field("top", &CropWindow::top, top), Field("left", &CropWindow::left, left),
               Field("mirrored", &CropWindow::mirrored, mirrored));
}

std::vector<CropWindow> Windows(int height, int width, int crop_height, int crop_width,
                                int64_t count) {
  absl::StatusOr<std::vector<CropWindow>> windows =
      CropWindows(height, width, crop_height, crop_width, count);
  EXPECT_TRUE(windows.ok()) << windows.status();
  return windows.ok() ? *windows : std::vector<CropWindow>{};
}

TEST(CropWindowsTest, SingleCropIsTheCentreRoundedAsTorchvision) {
  // 10 - 4 = 6 rows to spare: 3 above. 13 - 6 = 7 columns: round(3.5) = 4.
  EXPECT_THAT(Windows(10, 13, 4, 6, 1), ElementsAre(Window(3, 4, false)));
  // 117 columns: round(58.5) = 58, Python rounding halves to even.
  EXPECT_THAT(Windows(256, 341, 224, 224, 1), ElementsAre(Window(16, 58, false)));
  EXPECT_THAT(Windows(227, 224, 224, 224, 1), ElementsAre(Window(2, 0, false)));  // round(1.5)
  EXPECT_THAT(Windows(229, 224, 224, 224, 1), ElementsAre(Window(2, 0, false)));  // round(2.5)
}

TEST(CropWindowsTest, FiveCropsAreCentreThenCornersInOrder) {
  EXPECT_THAT(Windows(11, 14, 4, 5, 5),
              ElementsAre(Window(4, 4, false),    // centre: round(3.5), round(4.5)
                          Window(0, 0, false),    // top-left
                          Window(0, 9, false),    // top-right
                          Window(7, 0, false),    // bottom-left
                          Window(7, 9, false)));  // bottom-right
}

TEST(CropWindowsTest, TenCropsRepeatTheFiveMirrored) {
  EXPECT_THAT(Windows(11, 14, 4, 5, 10),
              ElementsAre(Window(4, 4, false), Window(0, 0, false), Window(0, 9, false),
                          Window(7, 0, false), Window(7, 9, false),  //
                          Window(4, 4, true), Window(0, 0, true), Window(0, 9, true),
                          Window(7, 0, true), Window(7, 9, true)));
}

TEST(CropWindowsTest, CropOfTheWholeImageHasOnePosition) {
  for (const CropWindow& w : Windows(8, 6, 8, 6, 10)) {
    EXPECT_EQ(w.top, 0);
    EXPECT_EQ(w.left, 0);
  }
}

TEST(CropWindowsTest, CropLargerThanTheImageIsRefused) {
  absl::StatusOr<std::vector<CropWindow>> windows = CropWindows(200, 300, 224, 224, 1);
  ASSERT_FALSE(windows.ok());
  EXPECT_EQ(windows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(windows.status().message(), "crop of 224x224 does not fit in 200x300");
  // One side too large is enough.
  windows = CropWindows(300, 200, 100, 201, 5);
  ASSERT_FALSE(windows.ok());
  EXPECT_EQ(windows.status().message(), "crop of 100x201 does not fit in 300x200");
}

TEST(CropWindowsTest, EmptyCropIsRefused) {
  for (auto [h, w] : {std::pair{0, 5}, std::pair{5, 0}, std::pair{-1, 5}}) {
    absl::StatusOr<std::vector<CropWindow>> windows = CropWindows(10, 10, h, w, 1);
    ASSERT_FALSE(windows.ok());
    EXPECT_EQ(windows.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(windows.status().message()), HasSubstr("is empty"));
  }
}

TEST(CropWindowsTest, CountsOtherThanOneFiveAndTenAreRefused) {
  for (int64_t count : std::vector<int64_t>{0, 2, 4, 6, 11, -1, int64_t{1} << 40}) {
    EXPECT_FALSE(IsValidCropCount(count)) << count;
    absl::StatusOr<std::vector<CropWindow>> windows = CropWindows(10, 10, 5, 5, count);
    ASSERT_FALSE(windows.ok()) << count;
    EXPECT_EQ(windows.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(windows.status().message(),
              "crop count must be 1, 5 or 10 (got " + std::to_string(count) + ")");
  }
  for (int64_t count : {1, 5, 10}) EXPECT_TRUE(IsValidCropCount(count));
}

// Two channels of 3 x 4, value = 100 c + 10 y + x.
std::vector<float> SmallTensor() {
  std::vector<float> chw;
  for (int c = 0; c < 2; ++c) {
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 4; ++x) chw.push_back(100.0f * c + 10.0f * y + x);
    }
  }
  return chw;
}

TEST(ExtractCropTest, CopiesTheWindowOfEveryChannel) {
  std::vector<float> out(2 * 2 * 3);
  ExtractCrop(SmallTensor(), 2, 3, 4, {1, 1, false}, 2, 3, absl::MakeSpan(out));
  EXPECT_THAT(out, ElementsAreArray<float>({11, 12, 13, 21, 22, 23,  //
                                            111, 112, 113, 121, 122, 123}));
}

TEST(ExtractCropTest, MirroredWindowReversesEachRow) {
  std::vector<float> out(2 * 2 * 3);
  ExtractCrop(SmallTensor(), 2, 3, 4, {0, 1, true}, 2, 3, absl::MakeSpan(out));
  EXPECT_THAT(out, ElementsAreArray<float>({3, 2, 1, 13, 12, 11,  //
                                            103, 102, 101, 113, 112, 111}));
}

TEST(ExtractCropTest, WholeTensorMirroredAndNot) {
  const std::vector<float> chw = SmallTensor();
  std::vector<float> out(chw.size());
  ExtractCrop(chw, 2, 3, 4, {0, 0, false}, 3, 4, absl::MakeSpan(out));
  EXPECT_EQ(out, chw);
  ExtractCrop(chw, 2, 3, 4, {0, 0, true}, 3, 4, absl::MakeSpan(out));
  EXPECT_THAT(std::vector<float>(out.begin(), out.begin() + 4), ElementsAre(3, 2, 1, 0));
}

}  // namespace
}  // namespace convoy::engine
