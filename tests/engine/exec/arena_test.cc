#include "engine/exec/arena.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

using ::testing::ElementsAre;

bool Overlap(const ArenaBlock& a, int64_t a_offset, const ArenaBlock& b, int64_t b_offset) {
  const bool alive_together = a.first <= b.last && b.first <= a.last;
  const bool share_bytes = a_offset < b_offset + b.bytes && b_offset < a_offset + a.bytes;
  return alive_together && share_bytes && a.bytes > 0 && b.bytes > 0;
}

TEST(PlanArenaTest, BuffersAliveInTurnShareBytes) {
  // A chain: each step reads the previous buffer and writes the next.
  ArenaLayout layout = PlanArena({{100, 0, 1}, {100, 1, 2}, {100, 2, 3}});
  EXPECT_THAT(layout.offsets, ElementsAre(0, 128, 0));
  EXPECT_EQ(layout.bytes, 256);
}

TEST(PlanArenaTest, BuffersAliveTogetherNeverOverlap) {
  ArenaLayout layout = PlanArena({{64, 0, 5}, {64, 2, 3}, {64, 3, 4}});
  EXPECT_THAT(layout.offsets, ElementsAre(0, 64, 128));
  EXPECT_EQ(layout.bytes, 192);
}

TEST(PlanArenaTest, SmallBufferFillsAGapLeftByALargeOne) {
  // The large buffer dies at step 1; the small one, alive from step 2 beside
  // a medium one placed after the large one, reuses its bytes.
  ArenaLayout layout = PlanArena({{1000, 0, 1}, {500, 0, 3}, {200, 2, 3}});
  EXPECT_THAT(layout.offsets, ElementsAre(0, 1024, 0));
  EXPECT_EQ(layout.bytes, 1024 + 512);
}

TEST(PlanArenaTest, RandomLifetimesNeverShareLiveBytesAndStayCompact) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<ArenaBlock> blocks;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      const int first = static_cast<int>(rng() % 30);
      blocks.push_back({static_cast<int64_t>(rng() % 5000), first,
                        first + static_cast<int>(rng() % 6)});
    }
    ArenaLayout layout = PlanArena(blocks);
    int64_t sum = 0;
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(layout.offsets[i] % 64, 0);
      EXPECT_LE(layout.offsets[i] + blocks[i].bytes, layout.bytes);
      sum += (blocks[i].bytes + 63) / 64 * 64;
      for (int j = 0; j < i; ++j) {
        EXPECT_FALSE(Overlap(blocks[i], layout.offsets[i], blocks[j], layout.offsets[j]))
            << "trial " << trial << ": blocks " << i << " and " << j;
      }
    }
    EXPECT_LE(layout.bytes, sum);  // Never worse than a buffer each.
    // Never less than the bytes alive at the busiest step.
    for (int step = 0; step < 36; ++step) {
      int64_t live = 0;
      for (const ArenaBlock& b : blocks) {
        if (b.first <= step && step <= b.last) live += b.bytes;
      }
      EXPECT_GE(layout.bytes, live);
    }
  }
}

}  // namespace
}  // namespace convoy::engine
