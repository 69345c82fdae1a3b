#include "client/infer_stream.h"

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/inference_client.h"
#include "grpc_service.grpc.pb.h"

namespace convoy::client {
namespace {

constexpr char kMethod[] = "/inference.GRPCInferenceService/ModelStreamInfer";
constexpr char kGeneratedIdPrefix[] = "convoy-stream-";
// Set by Convoy's servers on in-stream errors (server/grpc/stream_infer_call.h).
constexpr char kErrorCodeParameter[] = "convoy_error_code";

// ModelInferRequest's `id` (field 3, length-delimited), as it is encoded.
std::string EncodedIdField(const std::string& id) {
  std::string field(1, static_cast<char>((3 << 3) | 2));
  for (uint64_t n = id.size();; n >>= 7) {
    if (n < 0x80) {
      field.push_back(static_cast<char>(n));
      break;
    }
    field.push_back(static_cast<char>((n & 0x7F) | 0x80));
  }
  return field + id;
}

absl::StatusCode CodeNamed(const std::string& name) {
  for (int code = 1; code <= 16; ++code) {
    if (absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) == name) {
      return static_cast<absl::StatusCode>(code);
    }
  }
  return absl::StatusCode::kUnknown;
}

// The outcome an in-stream response reports.
absl::Status StatusOf(const inference::ModelStreamInferResponse& message) {
  if (message.error_message().empty()) return absl::OkStatus();
  absl::StatusCode code = absl::StatusCode::kUnknown;
  const auto& parameters = message.infer_response().parameters();
  if (auto it = parameters.find(kErrorCodeParameter);
      it != parameters.end() && it->second.parameter_choice_case() == inference::InferParameter::kStringParam) {
    code = CodeNamed(it->second.string_param());
  }
  return absl::Status(code, message.error_message());
}

}  // namespace

// The reactor of the call. It outlives OnDone: the InferStream owns it and
// waits for OnDone (and the callbacks it runs) before destroying it.
class InferStream::Call final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  Call(std::shared_ptr<grpc::Channel> channel, InferStreamOptions options)
      : channel_(std::move(channel)), options_(options) {}

  void Start() {
    worker_ = std::thread([this] { Deliver(); });
    if (options_.stream_timeout > absl::ZeroDuration()) {
      context_.set_deadline(absl::ToChronoTime(absl::Now() + options_.stream_timeout));
    }
    grpc::GenericStub(channel_).PrepareBidiStreamingCall(&context_, kMethod, grpc::StubOptions(), this);
    // Writes start from outside reactions (AsyncInfer), so the call holds
    // on until no more can come (EndWritesLocked).
    AddHold();
    StartRead(&read_buffer_);
    StartCall();
  }

  void Send(std::shared_ptr<const inference::ModelInferRequest> request, KServeClient::InferCallback done,
            absl::Duration timeout) {
    const absl::Duration limit = timeout > absl::ZeroDuration() ? timeout : options_.request_timeout;
    const absl::Time deadline = limit > absl::ZeroDuration() ? absl::Now() + limit : absl::InfiniteFuture();
    std::string wire_id = request->id();
    const bool generated = wire_id.empty();
    {
      absl::MutexLock lock(&mu_);
      if (absl::Status refused = RefusalLocked(); !refused.ok()) return RefuseLocked(std::move(done), refused);
      if (generated) {
        do {
          wire_id = absl::StrCat(kGeneratedIdPrefix, next_id_++);
        } while (pending_.count(wire_id) != 0);
      } else if (pending_.count(wire_id) != 0) {
        return RefuseLocked(std::move(done), absl::InvalidArgumentError(absl::StrCat(
                                                 "request id '", wire_id,
                                                 "' is already waiting for its response on this stream")));
      }
      pending_.emplace(wire_id, Pending{std::move(done), generated, deadline});
      if (deadline != absl::InfiniteFuture()) {
        deadlines_.emplace(deadline, wire_id);
        if (deadlines_.begin()->second == wire_id) wake_ = true;
      }
    }
    // Serialised outside the lock: it copies the request's tensors.
    grpc::ByteBuffer bytes;
    bool own_buffer = false;
    const bool serialized =
        grpc::SerializationTraits<inference::ModelInferRequest>::Serialize(*request, &bytes, &own_buffer).ok();
    if (serialized && generated) {
      std::vector<grpc::Slice> slices;
      if (bytes.Length() > 0) (void)bytes.Dump(&slices);
      slices.emplace_back(EncodedIdField(wire_id));
      bytes = grpc::ByteBuffer(slices.data(), slices.size());
    }
    absl::MutexLock lock(&mu_);
    auto it = pending_.find(wire_id);
    if (it == pending_.end()) return;  // Timed out, or the stream ended, meanwhile: already answered.
    absl::Status refused = serialized ? absl::OkStatus() : absl::InvalidArgumentError("cannot serialize the request");
    if (refused.ok() && writes_ended_) refused = RefusalLocked();
    if (!refused.ok()) {
      KServeClient::InferCallback taken = TakeLocked(it);
      return RefuseLocked(std::move(taken), refused);
    }
    outbox_.push_back(std::move(bytes));
    MaybeWriteLocked();
  }

  absl::Status Close() {
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
      if (!writing_ && outbox_.empty()) EndWritesLocked(/*writes_done=*/true);
    }
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    return final_status_;
  }

  void Cancel() { context_.TryCancel(); }

  bool open() const {
    absl::MutexLock lock(&mu_);
    return RefusalLocked().ok();
  }

  int pending() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(pending_.size());
  }

  // Waits for OnDone (and the callbacks it runs), then for the thread that
  // delivers refusals and timeouts.
  void Finish() {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&done_));
      stop_worker_ = true;
    }
    worker_.join();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    outbox_.pop_front();
    if (!ok) {  // The stream is broken: its end (OnDone) answers the rest.
      outbox_.clear();
      EndWritesLocked(/*writes_done=*/false);
      return;
    }
    MaybeWriteLocked();
    if (closing_ && !writing_ && outbox_.empty()) EndWritesLocked(/*writes_done=*/true);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // The stream is over; OnDone brings its status.
      absl::MutexLock lock(&mu_);
      read_ended_ = true;
      while (outbox_.size() > (writing_ ? 1u : 0u)) outbox_.pop_back();
      EndWritesLocked(/*writes_done=*/false);
      return;
    }
    inference::ModelStreamInferResponse message;
    const bool parsed =
        grpc::SerializationTraits<inference::ModelStreamInferResponse>::Deserialize(&read_buffer_, &message).ok();
    read_buffer_.Clear();
    StartRead(&read_buffer_);  // OnDone waits for this reaction to return.
    if (!parsed) return;       // Nothing to match it by: its request times out, or fails with the stream.
    KServeClient::InferCallback done;
    bool generated = false;
    {
      absl::MutexLock lock(&mu_);
      auto it = pending_.find(message.infer_response().id());
      if (it == pending_.end()) return;  // Its request timed out.
      generated = it->second.generated_id;
      done = TakeLocked(it);
    }
    const absl::Status status = StatusOf(message);
    inference::ModelInferResponse response = std::move(*message.mutable_infer_response());
    if (generated) response.clear_id();
    done(status, std::move(response));
  }

  void OnDone(const grpc::Status& grpc_status) override {
    std::vector<KServeClient::InferCallback> unanswered;
    absl::Status status = FromGrpcStatus(grpc_status);
    {
      absl::MutexLock lock(&mu_);
      final_status_ = status;
      status_known_ = true;
      for (auto& [id, pending] : pending_) unanswered.push_back(std::move(pending.done));
      pending_.clear();
      deadlines_.clear();
    }
    if (status.ok()) status = absl::UnknownError("the stream ended without a response to this request");
    for (KServeClient::InferCallback& done : unanswered) done(status, {});
    absl::MutexLock lock(&mu_);
    done_ = true;  // The last touch of `this` from gRPC's side.
  }

 private:
  struct Pending {
    KServeClient::InferCallback done;
    bool generated_id = false;
    absl::Time deadline = absl::InfiniteFuture();
  };
  using PendingMap = std::unordered_map<std::string, Pending>;

  // OK while requests may still be sent, else why not.
  absl::Status RefusalLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (closing_) return absl::FailedPreconditionError("the stream is closed: open another");
    if (status_known_ && !final_status_.ok()) return final_status_;
    if (writes_ended_ || read_ended_ || done_) return absl::UnavailableError("the stream has ended: open another");
    return absl::OkStatus();
  }

  // `done` gets `status` on the delivery thread, never on the caller's.
  void RefuseLocked(KServeClient::InferCallback done, absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    refusals_.emplace_back(std::move(done), std::move(status));
  }

  KServeClient::InferCallback TakeLocked(PendingMap::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    KServeClient::InferCallback done = std::move(it->second.done);
    if (it->second.deadline != absl::InfiniteFuture()) deadlines_.erase({it->second.deadline, it->first});
    pending_.erase(it);
    return done;
  }

  // gRPC never runs a reaction inline from StartWrite, StartWritesDone or
  // RemoveHold (OnDone is scheduled), so they may be called with mu_ held.
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || outbox_.empty() || writes_ended_) return;
    writing_ = true;
    StartWrite(&outbox_.front());
  }

  void EndWritesLocked(bool writes_done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writes_ended_) return;
    writes_ended_ = true;
    if (writes_done) StartWritesDone();
    RemoveHold();
  }

  bool DeliveryDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_worker_ || wake_ || !refusals_.empty() ||
           (!deadlines_.empty() && deadlines_.begin()->first <= absl::Now());
  }

  // The stream's own thread: refusals, and requests whose timeout passes.
  void Deliver() {
    absl::MutexLock lock(&mu_);
    while (true) {
      const absl::Time next = deadlines_.empty() ? absl::InfiniteFuture() : deadlines_.begin()->first;
      mu_.AwaitWithDeadline(absl::Condition(this, &Call::DeliveryDue), next);
      wake_ = false;
      std::vector<std::pair<KServeClient::InferCallback, absl::Status>> due = std::move(refusals_);
      refusals_.clear();
      const absl::Time now = absl::Now();
      while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        auto it = pending_.find(deadlines_.begin()->second);
        due.emplace_back(TakeLocked(it),
                         absl::DeadlineExceededError("no response within the request's timeout on the stream"));
      }
      if (due.empty()) {
        if (stop_worker_) return;
        continue;
      }
      mu_.Unlock();
      for (auto& [done, status] : due) done(status, {});
      mu_.Lock();
    }
  }

  const std::shared_ptr<grpc::Channel> channel_;
  const InferStreamOptions options_;
  grpc::ClientContext context_;
  grpc::ByteBuffer read_buffer_;  // Only the read in progress touches it.
  std::thread worker_;

  mutable absl::Mutex mu_;
  PendingMap pending_ ABSL_GUARDED_BY(mu_);  // By the id on the wire.
  std::set<std::pair<absl::Time, std::string>> deadlines_ ABSL_GUARDED_BY(mu_);
  // Serialised requests; the front is being written while writing_.
  std::deque<grpc::ByteBuffer> outbox_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;       // Close() was called.
  bool writes_ended_ ABSL_GUARDED_BY(mu_) = false;  // No more writes: the hold is gone.
  bool read_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // OnDone has run, callbacks included.
  absl::Status final_status_ ABSL_GUARDED_BY(mu_);
  bool status_known_ ABSL_GUARDED_BY(mu_) = false;  // final_status_ is the stream's.
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::pair<KServeClient::InferCallback, absl::Status>> refusals_ ABSL_GUARDED_BY(mu_);
  bool wake_ ABSL_GUARDED_BY(mu_) = false;  // An earlier deadline than the delivery thread waits for.
  bool stop_worker_ ABSL_GUARDED_BY(mu_) = false;
};

std::unique_ptr<InferStream> InferStream::Open(std::shared_ptr<grpc::Channel> channel, InferStreamOptions options) {
  auto call = std::make_unique<Call>(std::move(channel), options);
  call->Start();
  return std::unique_ptr<InferStream>(new InferStream(std::move(call)));
}

InferStream::InferStream(std::unique_ptr<Call> call) : call_(std::move(call)) {}

InferStream::~InferStream() {
  call_->Cancel();  // Nothing to cancel once the stream has ended.
  call_->Finish();
}

void InferStream::AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request,
                             KServeClient::InferCallback done, absl::Duration timeout) {
  call_->Send(std::move(request), std::move(done), timeout);
}

absl::Status InferStream::Close() { return call_->Close(); }
void InferStream::Cancel() { call_->Cancel(); }
bool InferStream::open() const { return call_->open(); }
int InferStream::pending() const { return call_->pending(); }

}  // namespace convoy::client
