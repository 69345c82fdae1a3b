#include "server/core/memory_budget.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace convoy::server {
namespace {

// A cgroup limit file's value; nullopt for "max", a missing file, or a
// number so large that it means "no limit" (v1 writes 2^63 rounded down to
// a page).
std::optional<int64_t> ReadLimit(const std::string& path) {
  std::ifstream file(path);
  std::string text;
  if (!std::getline(file, text)) return std::nullopt;
  int64_t value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) return std::nullopt;
  if (value <= 0 || value >= (int64_t{1} << 60)) return std::nullopt;
  return value;
}

int64_t PhysicalMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);      // NOLINT(runtime/int): POSIX API.
  const long page_size = sysconf(_SC_PAGE_SIZE);   // NOLINT(runtime/int)
  return pages > 0 && page_size > 0 ? int64_t{pages} * page_size : int64_t{1} << 30;
}

}  // namespace

MemoryReservation::MemoryReservation(MemoryReservation&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

MemoryReservation& MemoryReservation::operator=(MemoryReservation&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

absl::Status MemoryReservation::ResizeTo(int64_t total) {
  if (budget_ == nullptr || total == bytes_) return absl::OkStatus();
  if (total < bytes_) {
    budget_->Return(bytes_ - total);
  } else if (absl::Status taken = budget_->Take(total - bytes_, bytes_); !taken.ok()) {
    return taken;
  }
  bytes_ = total;
  return absl::OkStatus();
}

void MemoryReservation::Release() {
  if (budget_ != nullptr) budget_->Return(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

absl::StatusOr<MemoryReservation> MemoryBudget::Reserve(int64_t bytes) {
  if (absl::Status taken = Take(bytes, 0); !taken.ok()) return taken;
  return MemoryReservation(this, bytes);
}

absl::Status MemoryBudget::Take(int64_t bytes, int64_t held) {
  const int64_t needed = held + bytes;
  if (needed > limit_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the request needs ", needed, " bytes in flight (its message, tensors, decoded images, crops and "
        "outputs), more than the server's whole budget of ", limit_, " bytes (--max-inflight-bytes); send "
        "fewer or smaller items per request"));
  }
  const int64_t ceiling = needed <= kept_for_small_ / 64 ? limit_ : limit_ - kept_for_small_;
  int64_t used = in_use_.load(std::memory_order_relaxed);
  do {
    if (used + bytes > ceiling) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the request needs ", needed, " bytes in flight but only ", std::max<int64_t>(0, ceiling - used + held),
          " of the server's budget of ", limit_, " bytes (--max-inflight-bytes) are free", 
          ceiling < limit_ ? " for a request of its size" : "", "; retry later"));
    }
  } while (!in_use_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  int64_t peak = peak_.load(std::memory_order_relaxed);
  while (peak < used + bytes &&
         !peak_.compare_exchange_weak(peak, used + bytes, std::memory_order_relaxed)) {
  }
  return absl::OkStatus();
}

int64_t DefaultInflightBytes() {
  std::optional<int64_t> limit = ReadLimit("/sys/fs/cgroup/memory.max");
  if (!limit) limit = ReadLimit("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  const int64_t memory = std::min(limit.value_or(PhysicalMemory()), PhysicalMemory());
  return std::max<int64_t>(memory / 3, int64_t{256} << 20);
}

}  // namespace convoy::server
