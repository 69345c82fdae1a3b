// RequestRouter: the path every inference request takes once its protocol
// has parsed it, whatever that protocol is.
//
// A protocol handler (gRPC's ModelInfer, and any other) does three things:
// it parses its message, decodes it into a ModelRequest for the model the
// router found, and submits it. Everything else happens here, the same for
// every protocol: the byte budget (the message's size before it is parsed,
// the request's whole cost once decoded), the gate that refuses requests
// once the server drains, the model and ensemble member lookup, the image
// limits, the request's kind, dispatch to the model's batcher (or to every
// member), and the statistics, metrics and access log lines of every
// answer, success or failure, timed by the injected Clock.
//
//   std::unique_ptr<RequestRouter::Call> call = router.Begin(Protocol::kHttp, send);
//   RETURN_IF_ERROR(call->ReserveMessage(wire.size()));   // else call->Fail
//   ... parse ...; call->MessageParsed();
//   ASSIGN_OR_RETURN(model, call->Find(name, version));   // else call->Fail
//   ASSIGN_OR_RETURN(request, Decode(wire, *model));     // else call->Fail
//   call->Submit(std::move(request), ..., encode);        // later: send(status)
//   ... once the transport has sent the answer: call.reset() ...
//
// A Call counts as in flight from Begin until it is destroyed, which the
// handler does once the transport is through with the answer: a drain
// (AwaitIdle) waits for that.
//
// Thread-safety: the router's methods may be called concurrently. A Call
// is used by one thread at a time; `send` and `encode` run on the thread
// that finishes the request (a batcher worker, or the caller's).
#ifndef CONVOY_SERVER_ORCHESTRATION_REQUEST_ROUTER_H_
#define CONVOY_SERVER_ORCHESTRATION_REQUEST_ROUTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/batcher/clock.h"
#include "server/core/memory_budget.h"
#include "server/core/model_manager.h"
#include "server/metrics/server_metrics.h"
#include "server/orchestration/image_limits.h"
#include "server/orchestration/model_request.h"
#include "server/orchestration/request_log.h"
#include "server/orchestration/work_pool.h"

namespace convoy::server {

struct RequestRouterOptions {
  // Log every request (RequestLog), not only the failures.
  bool access_log = false;
  // Bounds on the encoded images of BYTES inputs, and on what one
  // request's images may cost (config.pbtxt may override some per model).
  ImageLimits image_limits;
  // Bytes all requests in flight may hold together (memory_budget.h);
  // a sixteenth is kept for small requests. REQUIRES: > 0.
  int64_t max_inflight_bytes = int64_t{1} << 30;
  // Time source for arrival, completion and the drain's quiet spell. Not owned.
  Clock* clock = RealClock();
};

// Sends the answer to the client: the response the protocol has encoded
// when `status` is OK, else `status` alone. Called exactly once per Call.
using SendAnswer = std::function<void(const absl::Status& status)>;
// Turns a request's result into the protocol's response; what it returns
// becomes the request's status.
using EncodeResult = std::function<absl::Status(const InferenceResult& result)>;

class RequestRouter {
 public:
  class Call;

  // `manager` (and `metrics`, if not null) must outlive the router. Images
  // are decoded and cropped on `image_pool`; null = on the calling thread.
  RequestRouter(ModelManager* manager, ServerMetrics* metrics, RequestRouterOptions options,
                std::unique_ptr<WorkPool> image_pool);
  RequestRouter(const RequestRouter&) = delete;
  RequestRouter& operator=(const RequestRouter&) = delete;

  // A request has arrived by `protocol` (its label in metrics and the log);
  // it is in flight until the Call is destroyed.
  std::unique_ptr<Call> Begin(Protocol protocol, SendAnswer send);

  // From now on Find answers UNAVAILABLE; calls already found go on.
  void StopAccepting() { accepting_ = false; }
  bool accepting() const { return accepting_; }

  // Waits until every Call begun has ended and none has begun for `quiet`,
  // or until `deadline`; returns how many are still in flight. Arrivals
  // stop extending the quiet spell kMaxSettleQuiets x `quiet` after the
  // call, so clients that keep sending although they are refused cannot
  // hold the drain open.
  int64_t AwaitIdle(absl::Duration quiet, absl::Time deadline);
  static constexpr int kMaxSettleQuiets = 10;

  MemoryBudget& budget() { return budget_; }
  const MemoryBudget& budget() const { return budget_; }
  // Requests whose images wait for the image pool.
  int64_t image_queue_depth() const { return image_pool_ ? image_pool_->queued() : 0; }

 private:
  void Began(Protocol protocol, absl::Time now);
  void Ended(Protocol protocol);

  ModelManager* const manager_;
  ServerMetrics* const metrics_;
  const ImageLimits image_limits_;
  Clock* const clock_;
  RequestLog request_log_;
  MemoryBudget budget_;
  std::atomic<bool> accepting_{true};
  absl::Mutex in_flight_mutex_;
  int64_t in_flight_ ABSL_GUARDED_BY(in_flight_mutex_) = 0;
  absl::Time last_arrival_ ABSL_GUARDED_BY(in_flight_mutex_) = absl::InfinitePast();
  // Last, so that its threads are joined before the rest goes: the pool's
  // destructor runs the work still queued, which uses the rest.
  const std::unique_ptr<WorkPool> image_pool_;
};

// One request on its way through the router. Every path ends in exactly
// one call of its SendAnswer: through Fail, or through Submit's completion.
class RequestRouter::Call {
 public:
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Before the message is parsed: reserves twice its `bytes` (the
  // transport's copy and the parsed one), so that large messages arriving
  // together are refused without being parsed. RESOURCE_EXHAUSTED if not.
  absl::Status ReserveMessage(int64_t bytes);
  // The transport's copy of the message is released: it is held once.
  void MessageParsed();

  // Runs `rest` (the protocol's parse, decode and Submit) on the calling
  // thread for a message of up to kInlineMessageBytes, else on the router's
  // pool: parsing tens of megabytes takes tens of milliseconds, which would
  // hold a transport thread that health checks and small requests need.
  // Work that waited is skipped, and answered, when the client has gone
  // (`is_cancelled`) or `deadline` has passed; a full pool answers
  // UNAVAILABLE.
  void ContinueAfterReserve(int64_t message_bytes, absl::Time deadline, std::function<bool()> is_cancelled,
                            std::function<void()> rest);
  static constexpr int64_t kInlineMessageBytes = int64_t{1} << 20;

  // The served version of the model the request names. NOT_FOUND for a
  // model or version not served (counted apart from the served models'
  // statistics); UNAVAILABLE once the router has stopped accepting.
  absl::StatusOr<std::shared_ptr<ServableModel>> Find(const std::string& name, const std::string& version);

  // Runs `request`, decoded for Find's model, to completion: resolves an
  // ensemble's members, checks its images against the model's limits,
  // resizes its reservation to what it will hold in flight (`wire_bytes`:
  // what the parsed message still holds), dispatches it and, once its
  // result is in, encodes it with `encode` and sends the answer. Any
  // refusal on the way is answered as Fail would. REQUIRES: Find succeeded.
  void Submit(ModelRequest request, int64_t wire_bytes, absl::Time deadline, std::function<bool()> is_cancelled,
              EncodeResult encode);

  // Answers `status` (not OK), recorded against the model once found.
  void Fail(const absl::Status& status);

 private:
  friend class RequestRouter;
  Call(RequestRouter* router, Protocol protocol, SendAnswer send, absl::Time received)
      : router_(router), protocol_(protocol), send_(std::move(send)), received_(received) {}

  // Records the answer (statistics, log) and sends it. `this` may be gone
  // when it returns: the transport may end the call at once.
  void Answer(const absl::Status& status, RequestKind kind, int64_t items, const RequestTimings* timings);

  RequestRouter* const router_;
  const Protocol protocol_;
  SendAnswer send_;  // Moved out to be called: the call may end during it.
  const absl::Time received_;
  MemoryReservation memory_;
  std::string model_name_;
  std::string version_;  // As asked, until Find; then the served version.
  // The model Find found: one of the two, the other null.
  std::shared_ptr<SingleModel> single_;
  std::shared_ptr<EnsembleModel> ensemble_;
  const ServableModel* model() const {
    return single_ != nullptr ? static_cast<const ServableModel*>(single_.get()) : ensemble_.get();
  }
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_REQUEST_ROUTER_H_
