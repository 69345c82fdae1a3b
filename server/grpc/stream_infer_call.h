// InferStreams: the server side of ModelStreamInfer, Triton's bidirectional
// streaming inference, over the same request path as ModelInfer.
//
// A client opens a stream, writes ModelInferRequests on it and reads
// ModelStreamInferResponses. Every request read goes through the
// RequestRouter as a ModelInfer does: the byte budget per request (its
// message reserved before it is parsed, then its whole cost), parsing off
// the callback thread above 1 MiB, SubmitInfer, statistics and the log,
// labelled protocol=grpc_stream so that streams show apart from unary calls
// in metrics. A stream changes how requests travel, not how they are served.
//
//   - Many requests are in flight on one stream: the next is read while
//     earlier ones run. Responses are written in the order requests
//     complete, one write at a time (the others wait in a queue), each
//     carrying its request's `id` for the client to match.
//   - A request that fails is answered in-stream, as Triton does:
//     `error_message` says why and `infer_response` carries only the
//     request's id, model name and version; the stream goes on.
//   - At most `max_in_flight` requests of a stream are read and not yet
//     answered (their response written, or dropped). At the bound the
//     stream is not read until one completes: a client that sends faster
//     than it is served waits in gRPC's flow control, the server's memory
//     does not grow.
//   - The client half-closes (WritesDone): every request read is answered,
//     then the stream finishes OK.
//   - The client cancels, the deadline of the stream passes, or the
//     connection breaks: the requests still queued or running see
//     is_cancelled (the batcher drops them before compute), nothing more is
//     written, and the stream finishes at once.
//   - Shutdown (StopReading, after the router stops accepting): no stream
//     reads another request; each finishes with UNAVAILABLE once those it
//     has read are answered, so the drain waits for them as for unary calls
//     and an idle stream does not hold the server up. Streams opened from
//     then on are refused with UNAVAILABLE. If the grace period ends first,
//     gRPC's own shutdown cancels what is left (as above).
//
// Every response's infer_response carries the parameter
// `triton_final_response` (bool true), as Triton's do: each request has
// exactly one response, as with a non-decoupled Triton model. An error's
// also carries `convoy_error_code` (string: the status code's name, such as
// "RESOURCE_EXHAUSTED"), because Triton's stream carries only the message,
// which loses whether to retry; Triton's clients ignore it.
//
// Thread-safety: all methods may be called concurrently. Each stream's
// state has its own mutex, where gRPC's reactions, the threads that finish
// requests (batcher workers, the image pool) and StopReading meet.
#ifndef CONVOY_SERVER_GRPC_STREAM_INFER_CALL_H_
#define CONVOY_SERVER_GRPC_STREAM_INFER_CALL_H_

#include <set>

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/orchestration/request_router.h"

namespace convoy::server {

struct StreamInferOptions {
  // Requests of one stream read and not yet answered, at most
  // (--grpc-stream-max-inflight). 256 is more than a client keeps in flight
  // on one connection in practice (perf_analyzer splits its concurrency
  // over several streams); what the requests hold is bounded by the byte
  // budget anyway. REQUIRES: >= 1.
  int max_in_flight = 256;
};

// The parameter of an in-stream error response that names its status code.
inline constexpr char kStreamErrorCodeParameter[] = "convoy_error_code";

class InferStreams {
 public:
  // `router` must outlive every stream: the server's router outlives its
  // gRPC server, and the requests its pool still holds when it goes.
  InferStreams(RequestRouter* router, StreamInferOptions options) : router_(router), options_(options) {}
  InferStreams(const InferStreams&) = delete;
  InferStreams& operator=(const InferStreams&) = delete;

  // The reactor of a new ModelStreamInfer call; gRPC owns it until its
  // OnDone, and requests still in flight then keep it until they end.
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Open(grpc::CallbackServerContext* ctx);

  // For shutdown: streams read no more requests and finish with
  // UNAVAILABLE once answered; new ones are refused.
  void StopReading();

 private:
  class Stream;
  void Closed(Stream* stream);

  RequestRouter* const router_;
  const StreamInferOptions options_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::set<Stream*> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_GRPC_STREAM_INFER_CALL_H_
