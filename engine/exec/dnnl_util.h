// Small conversions between engine shapes and oneDNN memory descriptors.
// Internal to the engine: nothing outside engine/ includes dnnl.hpp.
#ifndef CONVOY_ENGINE_EXEC_DNNL_UTIL_H_
#define CONVOY_ENGINE_EXEC_DNNL_UTIL_H_

#include "dnnl.hpp"
#include "engine/api/tensor.h"

namespace convoy::engine {

// oneDNN has no rank-0 memory; a scalar travels as a one-element vector.
dnnl::memory::dims ToDims(const Shape& shape);

// Row-major strides of dims.
dnnl::memory::dims PlainStrides(const dnnl::memory::dims& dims);

// Dense row-major f32 descriptor of the shape.
dnnl::memory::desc PlainDesc(const Shape& shape);

// The same dims with format_tag::any, for primitives that choose a layout.
dnnl::memory::desc AnyDesc(const dnnl::memory::dims& dims,
                           dnnl::memory::data_type type = dnnl::memory::data_type::f32);

bool IsPlain(const dnnl::memory::desc& desc);

// The size of `desc`'s channel blocks (8 or 16) where it is a dense tensor
// of 3 to 5 dimensions in oneDNN's channel-blocked layout (nCw16c, nChw16c,
// nCdhw16c, and their 8s), as convolutions' direct and Winograd kernels
// write; otherwise 0.
int64_t ChannelBlock(const dnnl::memory::desc& desc);

// A dense `dims` (3 to 5 of them) in the channel-blocked layout with blocks
// of `block` (8 or 16) channels.
dnnl::memory::desc ChannelBlockedDesc(const dnnl::memory::dims& dims, dnnl::memory::data_type type,
                                      int64_t block);

// True if oneDNN chose its reference implementation (plain C++ loops, many
// times slower than its jit kernels) for `pd`.
bool IsReference(const dnnl::primitive_desc_base& pd);

// `desc`'s dims and layout with elements of `type`.
dnnl::memory::desc WithType(const dnnl::memory::desc& desc, dnnl::memory::data_type type);

// True if `memory`'s buffer starts inside the `size` bytes at `data`: it
// reads a tensor's bytes in place.
bool PointsInto(const dnnl::memory& memory, const void* data, size_t size);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_DNNL_UTIL_H_
