// BufferPlanner on memories alone: which bytes each run-time memory gets,
// from the steps that touch it, its aliases and what is placed inside it.
// No primitive runs; the memories' handles are compared after Place.
#include "engine/exec/buffer_planner.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

using dnnl::memory;

const dnnl::engine& Cpu() {
  static const dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

// `floats` float32 values, a 1-D plain memory of 4 × floats bytes.
memory::desc Floats(int64_t floats) {
  return memory::desc({floats}, memory::data_type::f32, memory::format_tag::a);
}

// Byte offset of `m`'s handle in `arena`.
int64_t OffsetIn(const memory& arena, const memory& m) {
  return static_cast<const char*>(m.get_data_handle()) -
         static_cast<const char*>(arena.get_data_handle());
}

TEST(BufferPlannerTest, BuffersAliveInTurnShareBytes) {
  BufferPlanner buffers(Cpu());
  // A chain: each step reads the previous buffer and writes the next.
  const memory a = buffers.Allocate(Floats(16));
  const memory b = buffers.Allocate(Floats(16));
  const memory c = buffers.Allocate(Floats(16));
  buffers.Touch(a, 0);
  buffers.Touch(a, 1);
  buffers.Touch(b, 1);
  buffers.Touch(b, 2);
  buffers.Touch(c, 2);
  const memory arena = buffers.Place(buffers.LayOut());
  ASSERT_TRUE(arena);
  EXPECT_EQ(arena.get_desc().get_size(), 128u);
  EXPECT_EQ(a.get_data_handle(), c.get_data_handle());
  EXPECT_NE(a.get_data_handle(), b.get_data_handle());
  for (const memory& m : {a, b, c}) {
    EXPECT_GE(OffsetIn(arena, m), 0);
    EXPECT_LE(OffsetIn(arena, m) + 64, 128);
  }
}

TEST(BufferPlannerTest, BuffersAliveTogetherGetBytesOfTheirOwn) {
  BufferPlanner buffers(Cpu());
  const memory a = buffers.Allocate(Floats(16));
  const memory b = buffers.Allocate(Floats(16));
  buffers.Touch(a, 0);
  buffers.Touch(a, 3);
  buffers.Touch(b, 2);
  const memory arena = buffers.Place(buffers.LayOut());
  EXPECT_EQ(arena.get_desc().get_size(), 128u);
  EXPECT_NE(a.get_data_handle(), b.get_data_handle());
}

TEST(BufferPlannerTest, AnAliasUsesAndExtendsItsBuffer) {
  BufferPlanner buffers(Cpu());
  const memory a = buffers.Allocate(Floats(16));
  const memory view = buffers.Alias(a, memory::desc({4, 4}, memory::data_type::f32,
                                                    memory::format_tag::ab));
  const memory b = buffers.Allocate(Floats(16));
  buffers.Touch(a, 0);
  buffers.Touch(b, 1);
  buffers.Touch(view, 2);  // Keeps a alive past b's only step.
  EXPECT_TRUE(buffers.Holds(view));
  EXPECT_TRUE(buffers.ShareRoom(a, view));
  EXPECT_FALSE(buffers.ShareRoom(a, b));
  const memory arena = buffers.Place(buffers.LayOut());
  EXPECT_EQ(view.get_data_handle(), a.get_data_handle());
  EXPECT_NE(a.get_data_handle(), b.get_data_handle());
  EXPECT_EQ(arena.get_desc().get_size(), 128u);
}

TEST(BufferPlannerTest, ABufferPlacedInsideAnotherLivesAtItsOffsetThere) {
  BufferPlanner buffers(Cpu());
  // A Concat: two inputs written into their slices of the output.
  const memory first = buffers.Allocate(Floats(16));
  const memory second = buffers.Allocate(Floats(16));
  const memory out = buffers.Allocate(Floats(32));
  const memory other = buffers.Allocate(Floats(32));
  ASSERT_TRUE(buffers.PlaceInside(first, out, 0));
  ASSERT_TRUE(buffers.PlaceInside(second, out, 64));
  EXPECT_TRUE(buffers.ShareRoom(first, second));
  buffers.Touch(first, 0);
  buffers.Touch(second, 1);
  buffers.Touch(other, 0);  // Alive beside `first` only, through `out`.
  buffers.Touch(out, 2);
  const memory arena = buffers.Place(buffers.LayOut());
  EXPECT_EQ(first.get_data_handle(), out.get_data_handle());
  EXPECT_EQ(static_cast<const char*>(second.get_data_handle()),
            static_cast<const char*>(out.get_data_handle()) + 64);
  // `out` lives from step 0 (its slice is written) to 2, beside `other`.
  EXPECT_EQ(arena.get_desc().get_size(), 256u);
  EXPECT_NE(other.get_data_handle(), out.get_data_handle());
}

TEST(BufferPlannerTest, PlacementsAddUpThroughNestedHosts) {
  BufferPlanner buffers(Cpu());
  const memory inner = buffers.Allocate(Floats(16));
  const memory middle = buffers.Allocate(Floats(32));
  const memory outer = buffers.Allocate(Floats(64));
  ASSERT_TRUE(buffers.PlaceInside(inner, middle, 64));
  ASSERT_TRUE(buffers.PlaceInside(middle, outer, 128));
  buffers.Touch(inner, 0);
  buffers.Place(buffers.LayOut());
  EXPECT_EQ(static_cast<const char*>(inner.get_data_handle()),
            static_cast<const char*>(outer.get_data_handle()) + 192);
  EXPECT_TRUE(buffers.ShareRoom(inner, outer));
}

TEST(BufferPlannerTest, PlaceInsideRefusesWhatItCannotPlace) {
  BufferPlanner buffers(Cpu());
  const memory small = buffers.Allocate(Floats(16));
  const memory large = buffers.Allocate(Floats(32));
  const memory view = buffers.Alias(small, Floats(16));
  const memory constant(Floats(16), Cpu());
  EXPECT_FALSE(buffers.PlaceInside(large, small, 0));  // Does not fit.
  EXPECT_FALSE(buffers.PlaceInside(small, large, 64 + 4));
  EXPECT_FALSE(buffers.PlaceInside(view, large, 0));  // An alias, not a buffer.
  EXPECT_FALSE(buffers.PlaceInside(constant, large, 0));
  EXPECT_FALSE(buffers.PlaceInside(small, constant, 0));
  EXPECT_FALSE(buffers.PlaceInside(small, view, 0));  // Inside itself.
  ASSERT_TRUE(buffers.PlaceInside(small, large, 64));
  EXPECT_FALSE(buffers.PlaceInside(small, large, 0));  // Placed already.
  const memory a = buffers.Allocate(Floats(16));
  const memory b = buffers.Allocate(Floats(16));
  ASSERT_TRUE(buffers.PlaceInside(a, b, 0));
  EXPECT_FALSE(buffers.PlaceInside(b, a, 0));  // Holds it.
}

TEST(BufferPlannerTest, UntouchedBuffersTakeNoRoom) {
  BufferPlanner buffers(Cpu());
  buffers.Allocate(Floats(1024));
  const memory b = buffers.Allocate(Floats(16));
  buffers.Touch(b, 0);
  const memory arena = buffers.Place(buffers.LayOut());
  EXPECT_EQ(arena.get_desc().get_size(), 64u);
}

TEST(BufferPlannerTest, NothingTouchedNeedsNoArena) {
  BufferPlanner buffers(Cpu());
  const memory a = buffers.Allocate(Floats(16));
  const ArenaLayout layout = buffers.LayOut();
  EXPECT_EQ(layout.bytes, 0);
  EXPECT_FALSE(buffers.Place(layout));
  EXPECT_EQ(a.get_data_handle(), nullptr);
}

TEST(BufferPlannerTest, MemoryFromElsewhereKeepsItsOwnBytes) {
  BufferPlanner buffers(Cpu());
  const memory constant(Floats(16), Cpu());
  const memory view = buffers.Alias(constant, memory::desc({4, 4}, memory::data_type::f32,
                                                           memory::format_tag::ba));
  EXPECT_EQ(view.get_data_handle(), constant.get_data_handle());  // Shared at once.
  EXPECT_FALSE(buffers.Holds(constant));
  EXPECT_FALSE(buffers.Holds(view));
  EXPECT_FALSE(buffers.ShareRoom(constant, view));
  buffers.Touch(constant, 0);  // Ignored.
  EXPECT_EQ(buffers.LayOut().bytes, 0);
}

}  // namespace
}  // namespace convoy::engine
