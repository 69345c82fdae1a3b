// What an attacker sends and what it gets back: CallTally counts the
// answers by gRPC status code, keeping the first message of each code, and
// SendClosedLoop keeps a fixed number of calls in flight until a deadline
// or a request count, whichever comes first.
//
// Thread-safety: CallTally's methods may be called concurrently.
#ifndef CONVOY_BENCH_ABUSE_ATTACK_TRAFFIC_H_
#define CONVOY_BENCH_ABUSE_ATTACK_TRAFFIC_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/inference_client.h"

namespace convoy::abuse {

class CallTally {
 public:
  // Counts `status` under its code's name ("OK", "INVALID_ARGUMENT", ...).
  void Add(const absl::Status& status);
  // Counts an outcome that is not a gRPC status (for example a connection
  // the server closed), with a sample message.
  void AddOther(const std::string& name, const std::string& message);

  struct Entry {
    int64_t count = 0;
    std::string sample;  // the first message seen
  };
  std::map<std::string, Entry> entries() const;
  int64_t total() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

struct ClosedLoop {
  int concurrency = 1;
  absl::Time end;                                // no call starts after it
  int64_t max_requests = 0;                      // nor after this many
  absl::Duration call_slack = absl::Seconds(2);  // each call's deadline is end + this

  static ClosedLoop Of(int concurrency, absl::Time end, int64_t max_requests);
};

// Sends request(i) for i = 0, 1, ... over `client`, `loop.concurrency` at a
// time; `check` (may be null) sees every OK response and returns false for
// a wrong one. Returns when every call has completed; adds the wrong ones'
// count to *wrong.
using RequestMaker = std::function<std::shared_ptr<const inference::ModelInferRequest>(int64_t)>;
using ResponseCheck = std::function<bool(int64_t, const inference::ModelInferResponse&)>;
void SendClosedLoop(client::InferenceClient& client, const ClosedLoop& loop,
                    const RequestMaker& request, const ResponseCheck& check, CallTally& tally,
                    int64_t* wrong);

// A client on a TCP connection of its own. gRPC shares one connection
// between channels of equal arguments, which would put the attacker's
// calls and the probe's on one connection: a different largest response
// size per client (`index` bytes above 256 MiB) keeps them apart.
absl::StatusOr<std::unique_ptr<client::InferenceClient>> NewOwnConnectionClient(
    const std::string& target, int index, absl::Duration timeout = absl::Seconds(60));

// A request of `images` (encoded files) for `model`'s input "input", asking
// for `outputs`, with request parameter multicrop unless it is 0.
std::shared_ptr<const inference::ModelInferRequest> ImageRequest(
    const std::string& model, const std::vector<std::string>& images, int64_t multicrop,
    const std::vector<std::string>& outputs);

}  // namespace convoy::abuse

#endif  // CONVOY_BENCH_ABUSE_ATTACK_TRAFFIC_H_
