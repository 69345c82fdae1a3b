#include "bench/abuse/attack_traffic.h"

#include <atomic>

#include "absl/status/status.h"

namespace convoy::abuse {

void CallTally::Add(const absl::Status& status) {
  AddOther(absl::StatusCodeToString(status.code()), std::string(status.message()));
}

void CallTally::AddOther(const std::string& name, const std::string& message) {
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[name];
  if (entry.count++ == 0) entry.sample = message;
}

std::map<std::string, CallTally::Entry> CallTally::entries() const {
  absl::MutexLock lock(&mu_);
  return entries_;
}

int64_t CallTally::total() const {
  absl::MutexLock lock(&mu_);
  int64_t sum = 0;
  for (const auto& [name, entry] : entries_) sum += entry.count;
  return sum;
}

ClosedLoop ClosedLoop::Of(int concurrency, absl::Time end, int64_t max_requests) {
  ClosedLoop loop;
  loop.concurrency = concurrency;
  loop.end = end;
  loop.max_requests = max_requests;
  return loop;
}

namespace {

// The loop's shared state; every callback holds it until the last one ends.
struct LoopState {
  client::InferenceClient* client;
  ClosedLoop loop;
  RequestMaker request;
  ResponseCheck check;
  CallTally* tally;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> wrong{0};
  absl::Mutex mu;
  int in_flight ABSL_GUARDED_BY(mu) = 0;
};

void StartNext(const std::shared_ptr<LoopState>& state) {
  const int64_t i = state->next.fetch_add(1);
  if (i >= state->loop.max_requests || absl::Now() >= state->loop.end) {
    absl::MutexLock lock(&state->mu);
    --state->in_flight;
    return;
  }
  const absl::Duration timeout = state->loop.end + state->loop.call_slack - absl::Now();
  state->client->AsyncInfer(
      state->request(i),
      [state, i](absl::Status status, inference::ModelInferResponse response) {
        if (status.ok() && state->check && !state->check(i, response)) state->wrong.fetch_add(1);
        state->tally->Add(status);
        StartNext(state);
      },
      timeout);
}

}  // namespace

void SendClosedLoop(client::InferenceClient& client, const ClosedLoop& loop,
                    const RequestMaker& request, const ResponseCheck& check, CallTally& tally,
                    int64_t* wrong) {
  auto state = std::make_shared<LoopState>();
  state->client = &client;
  state->loop = loop;
  state->request = request;
  state->check = check;
  state->tally = &tally;
  {
    absl::MutexLock lock(&state->mu);
    state->in_flight = loop.concurrency;
  }
  for (int k = 0; k < loop.concurrency; ++k) StartNext(state);
  absl::MutexLock lock(&state->mu);
  state->mu.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &state->in_flight));
  if (wrong != nullptr) *wrong += state->wrong.load();
}

absl::StatusOr<std::unique_ptr<client::InferenceClient>> NewOwnConnectionClient(
    const std::string& target, int index, absl::Duration timeout) {
  client::ClientOptions options;
  options.target = target;
  options.timeout = timeout;
  options.max_receive_message_bytes = (256 << 20) + index;
  return client::InferenceClient::Create(options);
}

std::shared_ptr<const inference::ModelInferRequest> ImageRequest(
    const std::string& model, const std::vector<std::string>& images, int64_t multicrop,
    const std::vector<std::string>& outputs) {
  auto request = std::make_shared<inference::ModelInferRequest>();
  request->set_model_name(model);
  client::AddBytesInput(request.get(), "input", images);
  if (multicrop != 0) (*request->mutable_parameters())["multicrop"].set_int64_param(multicrop);
  for (const std::string& output : outputs) request->add_outputs()->set_name(output);
  return request;
}

}  // namespace convoy::abuse
