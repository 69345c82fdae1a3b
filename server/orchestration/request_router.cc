#include "server/orchestration/request_router.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/orchestration/ensemble_runner.h"
#include "server/orchestration/request_cost.h"
#include "server/orchestration/request_runner.h"

namespace convoy::server {
namespace {

// The served versions of an ensemble's members, or UNAVAILABLE naming the
// member that is not served (or no longer fits: an ensemble in its place).
absl::StatusOr<std::vector<std::shared_ptr<SingleModel>>> ResolveMembers(const ModelManager& manager,
                                                                         const EnsembleModel& ensemble) {
  std::vector<std::shared_ptr<SingleModel>> members;
  for (const EnsembleMember& member : ensemble.members()) {
    absl::StatusOr<std::shared_ptr<ServableModel>> served =
        manager.Get(member.name, member.version == 0 ? "" : absl::StrCat(member.version));
    absl::StatusOr<std::shared_ptr<SingleModel>> single =
        served.ok() ? AsMember(*std::move(served)) : served.status();
    if (!single.ok()) {
      return absl::UnavailableError(absl::StrCat("ensemble '", ensemble.name(), "': member '", member.name,
                                                 "' is not available: ", single.status().message()));
    }
    members.push_back(*std::move(single));
  }
  return members;
}

}  // namespace

RequestRouter::RequestRouter(ModelManager* manager, ServerMetrics* metrics, RequestRouterOptions options,
                             std::unique_ptr<WorkPool> image_pool)
    : manager_(manager),
      metrics_(metrics),
      image_limits_(options.image_limits),
      clock_(options.clock),
      request_log_(options.access_log),
      budget_(options.max_inflight_bytes, options.max_inflight_bytes / 16),
      image_pool_(std::move(image_pool)) {}

std::unique_ptr<RequestRouter::Call> RequestRouter::Begin(Protocol protocol, SendAnswer send) {
  const absl::Time received = clock_->Now();
  Began(protocol, received);
  return std::unique_ptr<Call>(new Call(this, protocol, std::move(send), received));
}

void RequestRouter::Began(Protocol protocol, absl::Time now) {
  if (metrics_ != nullptr) metrics_->in_flight(protocol).Increment();
  absl::MutexLock lock(&in_flight_mutex_);
  ++in_flight_;
  last_arrival_ = now;
}

void RequestRouter::Ended(Protocol protocol) {
  if (metrics_ != nullptr) metrics_->in_flight(protocol).Decrement();
  absl::MutexLock lock(&in_flight_mutex_);
  --in_flight_;
}

int64_t RequestRouter::AwaitIdle(absl::Duration quiet, absl::Time deadline) {
  const absl::Time settle_by = std::min(deadline, clock_->Now() + kMaxSettleQuiets * quiet);
  absl::MutexLock lock(&in_flight_mutex_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(in_flight_mutex_) { return in_flight_ == 0; };
  auto never = []() { return false; };
  while (clock_->AwaitWithDeadline(&in_flight_mutex_, absl::Condition(&idle), deadline)) {
    // Idle: it counts once nothing has arrived for `quiet`. Arrivals in
    // the meantime wake nobody, so the wait is for the quiet spell's end.
    const absl::Time quiet_until = std::min(last_arrival_ + quiet, settle_by);
    if (clock_->Now() >= quiet_until) break;
    clock_->AwaitWithDeadline(&in_flight_mutex_, absl::Condition(&never), quiet_until);
  }
  return in_flight_;
}

RequestRouter::Call::~Call() {
  memory_.Release();
  router_->Ended(protocol_);
}

absl::Status RequestRouter::Call::ReserveMessage(int64_t bytes) {
  absl::StatusOr<MemoryReservation> reserved = router_->budget_.Reserve(2 * bytes);
  if (!reserved.ok()) return reserved.status();
  memory_ = *std::move(reserved);
  return absl::OkStatus();
}

void RequestRouter::Call::MessageParsed() {
  memory_.ResizeTo(memory_.bytes() / 2).IgnoreError();  // Smaller: never refused.
}

void RequestRouter::Call::ContinueAfterReserve(int64_t message_bytes, absl::Time deadline,
                                               std::function<bool()> is_cancelled, std::function<void()> rest) {
  WorkPool* pool = router_->image_pool_.get();
  if (pool == nullptr || message_bytes <= kInlineMessageBytes) {
    rest();
    return;
  }
  absl::Status queued = pool->Submit([this, deadline, is_cancelled = std::move(is_cancelled), rest = std::move(rest)] {
    if (absl::Status wanted = StillWanted(is_cancelled, deadline, "it was read"); !wanted.ok()) return Fail(wanted);
    rest();
  });
  if (!queued.ok()) Fail(queued);
}

absl::StatusOr<std::shared_ptr<ServableModel>> RequestRouter::Call::Find(const std::string& name,
                                                                         const std::string& version) {
  model_name_ = name;
  version_ = version;
  absl::StatusOr<std::shared_ptr<ServableModel>> found = router_->manager_->Get(name, version);
  if (!found.ok()) {
    if (router_->metrics_ != nullptr) router_->metrics_->CountUnknownModelRequest(protocol_);
    return found.status();
  }
  single_ = std::dynamic_pointer_cast<SingleModel>(*found);
  ensemble_ = std::dynamic_pointer_cast<EnsembleModel>(*found);
  version_ = absl::StrCat((*found)->version());
  if (!router_->accepting_) return absl::UnavailableError("the server is shutting down");
  return found;
}

void RequestRouter::Call::Fail(const absl::Status& status) {
  Answer(status, ensemble_ != nullptr ? RequestKind::kEnsemble : RequestKind::kSingle, 0, nullptr);
}

void RequestRouter::Call::Submit(ModelRequest request, int64_t wire_bytes, absl::Time deadline,
                                 std::function<bool()> is_cancelled, EncodeResult encode) {
  std::vector<std::shared_ptr<SingleModel>> members;
  if (ensemble_ != nullptr) {
    absl::StatusOr<std::vector<std::shared_ptr<SingleModel>>> resolved =
        ResolveMembers(*router_->manager_, *ensemble_);
    if (!resolved.ok()) return Fail(resolved.status());
    members = *std::move(resolved);
  }
  const inference::ModelConfig& config = model()->config();
  const ImageServices services{ImageLimitsFor(router_->image_limits_, config), router_->image_pool_.get()};
  // Before anything is decoded or allocated for it: what its images and
  // its bytes in flight will cost.
  absl::Status admitted = CheckImageWork(&request, config, services.limits);
  if (admitted.ok()) {
    const int64_t cost = ensemble_ != nullptr ? InflightBytes(request, *ensemble_, members)
                                              : InflightBytes(request, *single_);
    admitted = memory_.ResizeTo(wire_bytes + cost);
  }
  if (!admitted.ok()) return Fail(admitted);
  const RequestKind kind = ensemble_ != nullptr ? RequestKind::kEnsemble
                           : request.crops > 1  ? RequestKind::kMulticrop
                                                : RequestKind::kSingle;
  request.protocol = protocol_;
  request.inference.deadline = deadline;
  request.inference.is_cancelled = std::move(is_cancelled);
  const int64_t items = ItemsOf(request);
  // The model stays alive (the call holds it) until the answer is sent, so
  // an unload or reload lets this request finish on the version it started on.
  InferenceCallback done = [this, encode = std::move(encode), items, kind](absl::Status status,
                                                                           InferenceResult result) {
    if (status.ok()) status = encode(result);
    const RequestTimings timings = result.timings;
    result = InferenceResult();  // Encoded: the batch's outputs may go.
    Answer(status, kind, items, &timings);
  };
  if (ensemble_ != nullptr) {
    RunEnsembleRequest(ensemble_, std::move(members), std::move(request), received_, services, std::move(done));
  } else {
    RunModelRequest(single_, std::move(request), received_, services, std::move(done));
  }
}

void RequestRouter::Call::Answer(const absl::Status& status, RequestKind kind, int64_t items,
                                 const RequestTimings* timings) {
  const absl::Time finished = router_->clock_->Now();
  if (const ServableModel* found = model(); found != nullptr) {
    if (status.ok()) {
      found->statistics().RecordSuccess(items, *timings, finished, {kind, protocol_});
    } else {
      found->statistics().RecordFailure(finished - received_, status.code(), {kind, protocol_});
    }
  }
  router_->request_log_.Record(model_name_, version_, {kind, protocol_}, status, items, finished - received_);
  SendAnswer send = std::move(send_);
  send(status);
}

}  // namespace convoy::server
