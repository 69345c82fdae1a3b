#include "engine/ops/window.h"

#include "absl/strings/str_cat.h"
#include "engine/api/tensor.h"
#include "engine/ops/op_util.h"

namespace convoy::engine {

dnnl::memory::dims Window::OneDnnDilations() const {
  dnnl::memory::dims d;
  for (int64_t v : dilations) d.push_back(v - 1);
  return d;
}

bool Window::HasPadding() const {
  for (size_t i = 0; i < pad_begin.size(); ++i) {
    if (pad_begin[i] != 0 || pad_end[i] != 0) return true;
  }
  return false;
}

absl::StatusOr<Window> ComputeWindow(const OpContext& ctx, const std::vector<int64_t>& spatial,
                                     const std::vector<int64_t>& kernel, bool ceil_mode) {
  const size_t n = spatial.size();
  Window w;
  w.kernel = kernel;
  CONVOY_ASSIGN_OR_RETURN(w.strides, ctx.attrs().GetInts("strides", std::vector<int64_t>(n, 1)));
  CONVOY_ASSIGN_OR_RETURN(w.dilations,
                          ctx.attrs().GetInts("dilations", std::vector<int64_t>(n, 1)));
  CONVOY_ASSIGN_OR_RETURN(std::vector<int64_t> pads,
                          ctx.attrs().GetInts("pads", std::vector<int64_t>(2 * n, 0)));
  CONVOY_ASSIGN_OR_RETURN(std::string auto_pad, ctx.attrs().GetString("auto_pad", "NOTSET"));
  if (kernel.size() != n || w.strides.size() != n || w.dilations.size() != n ||
      pads.size() != 2 * n) {
    return ctx.Invalid(absl::StrCat("kernel_shape, strides, dilations and pads must have ", n,
                                    ", ", n, ", ", n, " and ", 2 * n,
                                    " values for an input with ", n, " spatial dimensions"));
  }
  for (size_t i = 0; i < n; ++i) {
    if (kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1) {
      return ctx.Invalid("kernel_shape, strides and dilations must be positive");
    }
    if (pads[i] < 0 || pads[i + n] < 0) return ctx.Invalid("pads must not be negative");
    constexpr int64_t kLimit = int64_t{1} << 30;  // Keeps the arithmetic below from overflowing.
    if (kernel[i] > kLimit || w.strides[i] > kLimit || w.dilations[i] > kLimit ||
        pads[i] > kLimit || pads[i + n] > kLimit) {
      return ctx.Invalid("kernel_shape, strides, dilations or pads are absurdly large");
    }
  }
  w.pad_begin.assign(pads.begin(), pads.begin() + n);
  w.pad_end.assign(pads.begin() + n, pads.end());
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return ctx.Invalid(absl::StrCat("auto_pad '", auto_pad, "' is not a valid value"));
  }
  for (size_t i = 0; i < n; ++i) {
    const int64_t extent = (kernel[i] - 1) * w.dilations[i] + 1;
    if (auto_pad == "VALID") {
      w.pad_begin[i] = w.pad_end[i] = 0;
    } else if (auto_pad != "NOTSET") {
      const int64_t out = (spatial[i] + w.strides[i] - 1) / w.strides[i];
      const int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + extent - spatial[i]);
      const int64_t small = total / 2;
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? small : total - small;
      w.pad_end[i] = total - w.pad_begin[i];
    }
    const int64_t span = spatial[i] + w.pad_begin[i] + w.pad_end[i] - extent;
    if (span < 0) {
      return ctx.Invalid(absl::StrCat("the window (", extent, ") is larger than the padded input (",
                                      spatial[i] + w.pad_begin[i] + w.pad_end[i],
                                      ") in spatial dimension ", i));
    }
    int64_t out = span / w.strides[i] + 1;
    if (ceil_mode) {
      out = (span + w.strides[i] - 1) / w.strides[i] + 1;
      // A last window that would start inside the end padding is dropped.
      if ((out - 1) * w.strides[i] >= spatial[i] + w.pad_begin[i]) --out;
    }
    w.out.push_back(out);
    w.pad_end_effective.push_back(
        std::max(w.pad_end[i], (out - 1) * w.strides[i] + extent - spatial[i] - w.pad_begin[i]));
  }
  return w;
}

}  // namespace convoy::engine
