// InferStream: one ModelStreamInfer call (bidirectional streaming inference,
// as Triton's clients and perf_analyzer --streaming use it) on a gRPC
// channel. Requests go out as they are given; each one's response, or its
// error, comes to that request's callback, matched by `id`.
//
//   std::unique_ptr<InferStream> stream = client->OpenStream();
//   stream->AsyncInfer(request, [](absl::Status status, inference::ModelInferResponse response) { ... });
//   ...                                   // many in flight at once
//   absl::Status closed = stream->Close();  // every callback has run
//
// Ids. A request with an `id` keeps it on the wire; it must not be waiting
// on this stream already (INVALID_ARGUMENT). One without gets a generated
// id ("convoy-stream-<n>") on the wire, and its response comes back with the
// id empty, as it was sent. The generated id is appended to the serialised
// request (protobuf keeps the last value of a field), so a request shared
// by many sends is never copied.
//
// Errors. The server answers a failed request in-stream with a message;
// the callback gets it as a status whose code is the response's
// `convoy_error_code` parameter (Convoy's servers send it), else UNKNOWN
// (Triton sends only the message). When the stream ends, the requests it
// has not answered get its status (CANCELLED after Cancel, UNAVAILABLE
// from a server shutting down). A request still unanswered after its
// timeout gets DEADLINE_EXCEEDED, and its late response is dropped (the
// server is not told: a stream has no per-request cancellation).
//
// Threads. Responses are delivered on gRPC's threads; timeouts and
// refusals (a stream that has ended or is closing, a repeated id) on a
// thread of the stream's own, never inside AsyncInfer, so a callback may
// send the next request without recursing. Callbacks may run concurrently
// and never with the stream's lock held.
//
// Destroying the stream cancels what is still pending, whose callbacks then
// run (CANCELLED) before the destructor returns: what they use must outlive
// the stream.
//
// Thread-safety: all methods may be called concurrently, except that the
// stream must not be destroyed from one of its own callbacks.
#ifndef CONVOY_CLIENT_INFER_STREAM_H_
#define CONVOY_CLIENT_INFER_STREAM_H_

#include <memory>

#include <grpcpp/channel.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/kserve_client.h"
#include "grpc_service.pb.h"

namespace convoy::client {

struct InferStreamOptions {
  // Deadline of the whole stream (Triton's stream_timeout); zero: none.
  absl::Duration stream_timeout = absl::ZeroDuration();
  // A request's timeout when AsyncInfer is given none; zero: none.
  absl::Duration request_timeout = absl::ZeroDuration();
};

class InferStream {
 public:
  // Starts the call on `channel` (a gRPC call starts without waiting for
  // the connection: a server that is not there fails the stream, and its
  // requests, with UNAVAILABLE).
  static std::unique_ptr<InferStream> Open(std::shared_ptr<grpc::Channel> channel, InferStreamOptions options = {});
  // Cancels the stream if it is still open, then waits until every
  // callback has run.
  ~InferStream();
  InferStream(const InferStream&) = delete;
  InferStream& operator=(const InferStream&) = delete;

  // Sends `request`; `done` runs once with its response or error. `timeout`
  // overrides InferStreamOptions::request_timeout when not zero.
  void AsyncInfer(std::shared_ptr<const inference::ModelInferRequest> request, KServeClient::InferCallback done,
                  absl::Duration timeout = absl::ZeroDuration());

  // Half-closes the stream (no more requests), waits for every response
  // and returns the stream's status: OK when the server answered all.
  absl::Status Close();
  // Ends the stream now: the server cancels what it is running for it, and
  // requests not yet answered get CANCELLED. Does not wait.
  void Cancel();

  // False once the stream is closing or has ended: AsyncInfer then refuses.
  bool open() const;
  // Requests sent and not yet answered.
  int pending() const;

 private:
  class Call;
  explicit InferStream(std::unique_ptr<Call> call);
  const std::unique_ptr<Call> call_;
};

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_INFER_STREAM_H_
