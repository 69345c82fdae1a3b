#include "server/grpc/stream_infer_call.h"

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpc_service.grpc.pb.h"
#include "server/grpc/call_deadline.h"
#include "server/grpc/status_util.h"
#include "server/kserve/kserve_operations.h"

namespace convoy::server {
namespace {

using WireReactor = grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>;

// One request read from a stream, from its read until its response is
// written or dropped. Destroying it ends its router call, which returns
// the request's bytes to the budget and lets a drain see it answered.
struct StreamRequest {
  std::unique_ptr<RequestRouter::Call> call;
  grpc::ByteBuffer wire;  // As read; cleared once parsed.
  bool parsed = false;
  inference::ModelInferRequest request;
  inference::ModelInferResponse response;
  grpc::ByteBuffer answer;  // The serialised ModelStreamInferResponse.
};

// The id, model name and version of a request refused before it was parsed
// (the byte budget, a full pool), read from its top-level fields alone, so
// that its in-stream error names it as Triton's would. Values over a
// kilobyte, and whatever cannot be read, are left empty.
void ReadRequestNames(grpc::ByteBuffer* wire, inference::ModelInferRequest* names) {
  using google::protobuf::internal::WireFormatLite;
  constexpr uint32_t kMaxNameBytes = 1024;
  grpc::ProtoBufferReader reader(wire);
  google::protobuf::io::CodedInputStream in(&reader);
  while (const uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    std::string* name = field == 1 ? names->mutable_model_name()
                        : field == 2 ? names->mutable_model_version()
                        : field == 3 ? names->mutable_id()
                                     : nullptr;
    if (name == nullptr || WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return;
      continue;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return;
    if (length > kMaxNameBytes) {
      if (!in.Skip(static_cast<int>(length))) return;
      name->clear();
    } else if (!in.ReadString(name, static_cast<int>(length))) {
      return;
    }
  }
}

// Serialises the in-stream answer to `r` into r->answer: its response, or
// `status` as Triton's stream says it (the message, with the request's id,
// model name and version), and frees what the request held.
void EncodeAnswer(absl::Status status, StreamRequest* r) {
  inference::ModelStreamInferResponse message;
  inference::ModelInferResponse* infer = message.mutable_infer_response();
  if (status.ok()) infer->Swap(&r->response);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!status.ok()) {
      if (!r->parsed && r->wire.Length() > 0) ReadRequestNames(&r->wire, &r->request);
      infer->Clear();
      message.set_error_message(ClipText(status.message(), kMaxStatusMessageBytes));
      infer->set_id(r->request.id());
      infer->set_model_name(r->request.model_name());
      infer->set_model_version(r->request.model_version());
      (*infer->mutable_parameters())[kStreamErrorCodeParameter].set_string_param(
          absl::StatusCodeToString(status.code()));
    }
    (*infer->mutable_parameters())["triton_final_response"].set_bool_param(true);
    bool own_buffer = false;
    if (grpc::SerializationTraits<inference::ModelStreamInferResponse>::Serialize(message, &r->answer, &own_buffer)
            .ok()) {
      break;
    }
    // Too large for protobuf (2 GiB): the error always fits.
    status = absl::InternalError("cannot serialize the response");
  }
  r->wire.Clear();
  r->request.Clear();
  r->response.Clear();
}

}  // namespace

// The reactor of one ModelStreamInfer call. It lives until gRPC is done
// with the call (OnDone) and every request read from it has ended: a
// request still running when the stream ends holds it until it is answered.
class InferStreams::Stream final : public WireReactor {
 public:
  Stream(InferStreams* streams, grpc::CallbackServerContext* ctx)
      : streams_(streams),
        router_(streams->router_),
        max_in_flight_(streams->options_.max_in_flight),
        deadline_(DeadlineOf(ctx)) {}

  // Reads the first request, or refuses the stream (the server is stopping).
  void Start(bool refuse) {
    absl::MutexLock lock(&mu_);
    if (refuse) {
      stopping_ = true;
      MaybeFinishLocked();
    } else {
      MaybeReadLocked();
    }
  }

  void StopReading() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    MaybeFinishLocked();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // Half-closed by the client, or the call is over.
      absl::MutexLock lock(&mu_);
      reading_ = false;
      read_closed_ = true;
      MaybeFinishLocked();
      return;
    }
    auto* r = new StreamRequest();
    r->wire.Swap(&read_buffer_);
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (finish_issued_ || cancelled_->load()) {
        // Arrived as the stream was ending: never answered, the stream's
        // status tells the client.
        delete r;
        return;
      }
      ++in_flight_;
      MaybeReadLocked();  // The next request is read while this one runs.
    }
    Process(r);
  }

  void OnWriteDone(bool ok) override {
    std::vector<StreamRequest*> ended;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      ended.push_back(ready_.front());
      ready_.pop_front();
      if (ok) {
        MaybeWriteLocked();
      } else {
        // The client is gone: nothing more can be written.
        cancelled_->store(true);
        ended.insert(ended.end(), ready_.begin(), ready_.end());
        ready_.clear();
      }
    }
    End(std::move(ended));
  }

  void OnCancel() override {
    std::vector<StreamRequest*> ended;
    {
      absl::MutexLock lock(&mu_);
      cancelled_->store(true);
      // The one being written stays until its OnWriteDone.
      while (ready_.size() > (writing_ ? 1u : 0u)) {
        ended.push_back(ready_.back());
        ready_.pop_back();
      }
      MaybeFinishLocked();
    }
    if (!ended.empty()) End(std::move(ended));
  }

  void OnDone() override {
    streams_->Closed(this);
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      last = in_flight_ == 0;
    }
    if (last) delete this;
  }

 private:
  // The request's way through the router, as ModelInfer's: reserve its
  // message, then parse, decode and submit it (on the router's pool when
  // large). Its answer comes to Answered, on whichever thread ends it.
  void Process(StreamRequest* r) {
    r->call = router_->Begin(Protocol::kGrpcStream, [this, r](const absl::Status& status) { Answered(r, status); });
    RequestRouter::Call& call = *r->call;
    const int64_t size = static_cast<int64_t>(r->wire.Length());
    // Refused, its bytes stay for its answer to find its id in.
    if (absl::Status reserved = call.ReserveMessage(size); !reserved.ok()) return call.Fail(reserved);
    call.ContinueAfterReserve(size, deadline_, IsCancelled(), [this, r] { ParseSubmit(r); });
  }

  void ParseSubmit(StreamRequest* r) {
    RequestRouter::Call& call = *r->call;
    const size_t size = r->wire.Length();
    const bool parsed =
        grpc::SerializationTraits<inference::ModelInferRequest>::Deserialize(&r->wire, &r->request).ok();
    r->wire.Clear();
    r->parsed = true;
    call.MessageParsed();
    if (!parsed) {
      r->request.Clear();  // Whatever was read of it is not to be trusted.
      return call.Fail(absl::InvalidArgumentError(
          absl::StrCat("the request (", size, " bytes) is not a valid inference.ModelInferRequest message")));
    }
    SubmitInfer(call, &r->request, deadline_, IsCancelled(), &r->response);
  }

  // The router's answer to `r`: queued for writing, or dropped once the
  // stream is cancelled or finishing.
  void Answered(StreamRequest* r, const absl::Status& status) {
    if (!cancelled_->load()) EncodeAnswer(status, r);
    {
      absl::MutexLock lock(&mu_);
      if (!finish_issued_ && !cancelled_->load()) {
        ready_.push_back(r);
        MaybeWriteLocked();
        return;
      }
    }
    End({r});
  }

  // Ends the requests (their router calls with them), then counts them
  // out: reading may resume, the stream may finish, or, once gRPC is done
  // with it and nothing is left in flight, go.
  void End(std::vector<StreamRequest*> ended) {
    for (StreamRequest* r : ended) delete r;
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      in_flight_ -= static_cast<int>(ended.size());
      MaybeReadLocked();
      MaybeFinishLocked();
      last = done_ && in_flight_ == 0;
    }
    if (last) delete this;
  }

  // gRPC's reactions are never run inline from StartRead, StartWrite or
  // Finish, so these may be called with mu_ held; holding it is what
  // keeps the decision and the operation together.
  void MaybeReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reading_ || read_closed_ || stopping_ || finish_issued_ || cancelled_->load() ||
        in_flight_ >= max_in_flight_) {
      return;
    }
    reading_ = true;
    StartRead(&read_buffer_);
  }

  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || ready_.empty() || finish_issued_) return;
    writing_ = true;
    StartWrite(&ready_.front()->answer);
  }

  // Never with a write outstanding. Cancelled: at once, whatever is in
  // flight. Otherwise once every request read has been answered: OK after
  // the client's half-close, UNAVAILABLE when the server stops.
  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finish_issued_ || writing_) return;
    grpc::Status status;
    if (cancelled_->load()) {
      status = grpc::Status::CANCELLED;
    } else if (in_flight_ > 0) {
      return;
    } else if (stopping_) {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    } else if (read_closed_) {
      status = grpc::Status::OK;
    } else {
      return;
    }
    finish_issued_ = true;
    Finish(status);
  }

  // Requests may ask after the stream has gone (a task's copy of it), so
  // they share the flag rather than the stream.
  std::function<bool()> IsCancelled() const {
    return [cancelled = cancelled_] { return cancelled->load(); };
  }

  InferStreams* const streams_;
  RequestRouter* const router_;
  const int max_in_flight_;
  const absl::Time deadline_;  // The stream's, for each of its requests.
  const std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  // Written by the read in progress; swapped out before the next starts.
  grpc::ByteBuffer read_buffer_;

  absl::Mutex mu_;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;      // A read is outstanding.
  bool read_closed_ ABSL_GUARDED_BY(mu_) = false;  // No more requests will come.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;     // StopReading.
  bool writing_ ABSL_GUARDED_BY(mu_) = false;      // ready_.front() is being written.
  bool finish_issued_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // OnDone has run.
  // Read and not yet ended; each holds the stream.
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Answered, waiting for their write, in the order they were answered.
  std::deque<StreamRequest*> ready_ ABSL_GUARDED_BY(mu_);
};

WireReactor* InferStreams::Open(grpc::CallbackServerContext* ctx) {
  auto* stream = new Stream(this, ctx);
  absl::MutexLock lock(&mu_);
  if (!stopped_) open_.insert(stream);
  stream->Start(/*refuse=*/stopped_);
  return stream;
}

void InferStreams::StopReading() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  for (Stream* stream : open_) stream->StopReading();
}

void InferStreams::Closed(Stream* stream) {
  absl::MutexLock lock(&mu_);
  open_.erase(stream);
}

}  // namespace convoy::server
