#include "engine/exec/weight_cache.h"

#include "engine/exec/dnnl_util.h"
#include "gtest/gtest.h"

namespace convoy::engine {
namespace {

TEST(WeightCacheTest, MakesEachLayoutOfAConstantOnce) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const Tensor weights(DataType::kFloat32, {4, 3, 3, 3});
  const Tensor other(DataType::kFloat32, {4, 3, 3, 3});
  const dnnl::memory::desc plain = PlainDesc(weights.shape());
  const dnnl::memory::desc blocked({4, 3, 3, 3}, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::acdb);
  int made = 0;
  auto make = [&](const dnnl::memory::desc& desc) {
    return [&made, &engine, desc] {
      ++made;
      return dnnl::memory(desc, engine);
    };
  };
  WeightCache cache;
  dnnl::memory first = cache.GetOrMake(&weights, plain, blocked, make(blocked));
  dnnl::memory again = cache.GetOrMake(&weights, plain, blocked, make(blocked));
  EXPECT_EQ(made, 1);
  EXPECT_EQ(first.get_data_handle(), again.get_data_handle());

  cache.GetOrMake(&weights, plain, plain, make(plain));     // Another layout.
  cache.GetOrMake(&other, plain, blocked, make(blocked));   // Another constant.
  cache.GetOrMake(&weights, blocked, blocked, make(blocked));  // Another view.
  EXPECT_EQ(made, 4);
}

}  // namespace
}  // namespace convoy::engine
