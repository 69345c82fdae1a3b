// HttpInferenceClient against a fake KServe server on 127.0.0.1 (Beast,
// written in the test): what the client sends (paths, methods, headers,
// bodies), what it makes of canned answers, and how it uses connections:
// keep-alive reuse, many requests at once, the connection limit, timeouts,
// servers that close, answer early or send too much, and shutdown.
#include "client/http_inference_client.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/testing/fake_http_server.h"

namespace convoy::client {
namespace {

using ::convoy::testing::CannedResponse;
using ::convoy::testing::FakeHttpServer;
using ::convoy::testing::RecordedRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string HeaderOf(const RecordedRequest& request, absl::string_view name) {
  return std::string(FindHeader(request.headers, name).value_or("<absent>"));
}

// A binary response with one FP32 output "y" holding `values`.
CannedResponse FloatAnswer(const std::vector<float>& values) {
  const std::string header = absl::StrCat(R"({"model_name":"m","model_version":"1","outputs":[{"name":"y",)",
                                          R"("datatype":"FP32","shape":[)", values.size(),
                                          R"(],"parameters":{"binary_data_size":)", values.size() * 4, "}}]}");
  CannedResponse response;
  response.headers = {{"Content-Type", "application/octet-stream"},
                      {"Inference-Header-Content-Length", absl::StrCat(header.size())}};
  response.body = header + std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  return response;
}

CannedResponse Json(int status, std::string body) {
  CannedResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}};
  response.body = std::move(body);
  return response;
}

inference::ModelInferRequest Request(float value = 1.0f) {
  inference::ModelInferRequest request;
  request.set_model_name("m");
  AddFp32Input(&request, "x", {1}, std::vector<float>{value});
  return request;
}

std::unique_ptr<HttpInferenceClient> Connect(const FakeHttpServer& server, ClientOptions options = {},
                                             HttpOptions http = {}) {
  options.target = server.target();
  absl::StatusOr<std::unique_ptr<HttpInferenceClient>> client = HttpInferenceClient::Create(options, http);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

// Collects async outcomes and waits for a number of them.
class Outcomes {
 public:
  KServeClient::InferCallback Callback() {
    return [this](absl::Status status, inference::ModelInferResponse response) {
      absl::MutexLock lock(&mu_);
      statuses_.push_back(status);
      responses_.push_back(std::move(response));
    };
  }
  bool WaitFor(size_t count, absl::Duration limit = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto done = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return statuses_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), limit);
  }
  std::vector<absl::Status> statuses() {
    absl::MutexLock lock(&mu_);
    return statuses_;
  }
  std::vector<inference::ModelInferResponse> responses() {
    absl::MutexLock lock(&mu_);
    return responses_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Status> statuses_ ABSL_GUARDED_BY(mu_);
  std::vector<inference::ModelInferResponse> responses_ ABSL_GUARDED_BY(mu_);
};

TEST(HttpInferenceClientTest, InferSendsTheBinaryRequestAndReadsTheBinaryAnswer) {
  FakeHttpServer server([](const RecordedRequest&) { return FloatAnswer({0.5f, 2.0f}); });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  inference::ModelInferRequest request = Request(3.0f);
  request.set_model_version("4");
  absl::StatusOr<inference::ModelInferResponse> response = client->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  absl::StatusOr<Fp32Output> y = GetFp32Output(*response, "y");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(y->values, ElementsAre(0.5f, 2.0f));

  const std::vector<RecordedRequest> sent = server.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].target, "/v2/models/m/versions/4/infer");
  EXPECT_EQ(HeaderOf(sent[0], "Host"), server.target());
  EXPECT_EQ(HeaderOf(sent[0], "Content-Type"), "application/octet-stream");
  const std::string header =
      R"({"parameters":{"binary_data_output":true},"inputs":[{"name":"x","shape":[1],"datatype":"FP32",)"
      R"("parameters":{"binary_data_size":4}}]})";
  EXPECT_EQ(HeaderOf(sent[0], "Inference-Header-Content-Length"), absl::StrCat(header.size()));
  const float three = 3.0f;
  EXPECT_EQ(sent[0].body, header + std::string(reinterpret_cast<const char*>(&three), 4));
}

TEST(HttpInferenceClientTest, JsonFormSendsJsonAndReadsJsonData) {
  FakeHttpServer server([](const RecordedRequest&) {
    return Json(200, R"({"model_name":"m","outputs":[{"name":"y","datatype":"FP32","shape":[2],"data":[1.5,-1]}]})");
  });
  HttpOptions http;
  http.data_form = HttpDataForm::kJson;
  auto client = Connect(server, {}, http);
  ASSERT_NE(client, nullptr);
  absl::StatusOr<inference::ModelInferResponse> response = client->Infer(Request(0.25f));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(GetFp32Output(*response, "y")->values, ElementsAre(1.5f, -1.0f));
  const std::vector<RecordedRequest> sent = server.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(HeaderOf(sent[0], "Content-Type"), "application/json");
  EXPECT_EQ(sent[0].body, R"({"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[0.25]}]})");
}

TEST(HttpInferenceClientTest, SequentialCallsReuseOneConnection) {
  FakeHttpServer server([](const RecordedRequest& request) {
    if (request.target == "/v2/health/live") return Json(200, "");
    return FloatAnswer({1.0f});
  });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client->Infer(Request()).ok());
    ASSERT_TRUE(*client->ServerLive());
  }
  EXPECT_EQ(server.requests().size(), 10u);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(client->connections_opened(), 1);
  for (const RecordedRequest& request : server.requests()) EXPECT_EQ(request.connection, 0);
}

// Every request waits in the server until all have arrived: only a client
// that carries them at once, each on its own connection, gets answers.
TEST(HttpInferenceClientTest, AsyncCallsRunConcurrentlyAndTheirConnectionsAreReused) {
  constexpr int kCalls = 16;
  absl::Mutex mu;
  int arrived = 0;
  FakeHttpServer server([&](const RecordedRequest&) {
    absl::MutexLock lock(&mu);
    ++arrived;
    auto all_here = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return arrived % kCalls == 0; };
    mu.AwaitWithTimeout(absl::Condition(&all_here), absl::Seconds(10));
    return FloatAnswer({static_cast<float>(arrived)});
  });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  for (int round = 1; round <= 2; ++round) {
    Outcomes outcomes;
    const absl::Time start = absl::Now();
    for (int i = 0; i < kCalls; ++i) client->AsyncInfer(Request(), outcomes.Callback());
    ASSERT_TRUE(outcomes.WaitFor(kCalls));
    EXPECT_LT(absl::Now() - start, absl::Seconds(8)) << "the server's barrier timed out: calls were not concurrent";
    for (const absl::Status& status : outcomes.statuses()) EXPECT_TRUE(status.ok()) << status;
    EXPECT_EQ(server.max_concurrent(), kCalls);
  }
  // The second round found the first round's connections idle.
  EXPECT_EQ(server.connections(), kCalls);
  EXPECT_EQ(client->connections_opened(), kCalls);
}

TEST(HttpInferenceClientTest, RequestsBeyondTheConnectionLimitWaitForAConnection) {
  FakeHttpServer server([](const RecordedRequest&) {
    CannedResponse answer = FloatAnswer({1.0f});
    answer.delay = absl::Milliseconds(100);  // Long enough for both connections to be busy at once.
    return answer;
  });
  HttpOptions http;
  http.max_connections = 2;
  auto client = Connect(server, {}, http);
  ASSERT_NE(client, nullptr);
  Outcomes outcomes;
  for (int i = 0; i < 8; ++i) client->AsyncInfer(Request(), outcomes.Callback());
  ASSERT_TRUE(outcomes.WaitFor(8));
  for (const absl::Status& status : outcomes.statuses()) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.max_concurrent(), 2);
}

TEST(HttpInferenceClientTest, SlowAnswerIsDeadlineExceededAndTheNextCallStillWorks) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const RecordedRequest&) {
    CannedResponse answer = FloatAnswer({1.0f});
    if (calls++ == 0) answer.delay = absl::Seconds(10);
    return answer;
  });
  ClientOptions options;
  options.timeout = absl::Milliseconds(300);
  auto client = Connect(server, options);
  ASSERT_NE(client, nullptr);
  const absl::Time start = absl::Now();
  absl::Status status = client->Infer(Request()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(status.message(), HasSubstr("no response from " + server.target() + " within 300ms"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  // The late connection was closed; a new one serves the next call.
  EXPECT_TRUE(client->Infer(Request()).ok());
  EXPECT_EQ(server.connections(), 2);

  // AsyncInfer's own timeout overrides the client's.
  Outcomes outcomes;
  client->AsyncInfer(Request(), outcomes.Callback(), absl::Seconds(5));
  ASSERT_TRUE(outcomes.WaitFor(1));
  EXPECT_TRUE(outcomes.statuses()[0].ok());
}

TEST(HttpInferenceClientTest, ErrorStatusesCarryTheServersCodeAndMessage) {
  FakeHttpServer server([](const RecordedRequest& request) {
    // /v2/models/m/versions/STATUS/infer
    const int status = std::stoi(request.target.substr(request.target.find("/versions/") + 10));
    return Json(status, absl::StrCat(R"({"error":"refused with )", status, R"("})"));
  });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  struct Case {
    int http;
    absl::StatusCode code;
  };
  for (const Case& c : {Case{400, absl::StatusCode::kInvalidArgument}, Case{401, absl::StatusCode::kUnauthenticated},
                        Case{403, absl::StatusCode::kPermissionDenied}, Case{404, absl::StatusCode::kNotFound},
                        Case{413, absl::StatusCode::kResourceExhausted},
                        Case{429, absl::StatusCode::kResourceExhausted},
                        Case{500, absl::StatusCode::kInternal}, Case{501, absl::StatusCode::kUnimplemented},
                        Case{503, absl::StatusCode::kUnavailable}, Case{504, absl::StatusCode::kDeadlineExceeded}}) {
    inference::ModelInferRequest request = Request();
    request.set_model_version(absl::StrCat(c.http));  // The handler answers with this status.
    absl::Status status = client->Infer(request).status();
    EXPECT_EQ(status.code(), c.code) << c.http;
    EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("refused with ", c.http))) << c.http;
  }
  // Errors do not cost the connection.
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpInferenceClientTest, HealthAnswersAreStatusCodes) {
  FakeHttpServer server([](const RecordedRequest& request) {
    if (request.target == "/v2/health/live") return Json(200, "");
    if (request.target == "/v2/health/ready") return Json(503, R"({"error":"draining"})");
    if (request.target == "/v2/models/here/ready") return Json(200, "");
    if (request.target == "/v2/models/here/versions/7/ready") return Json(400, "");
    if (request.target == "/v2/models/gone/ready") return Json(404, R"({"error":"unknown model"})");
    return Json(500, R"({"error":"broken"})");
  });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->ServerLive().value_or(false), true);
  EXPECT_EQ(client->ServerReady().value_or(true), false);
  EXPECT_EQ(client->ModelReady("here").value_or(false), true);
  EXPECT_EQ(client->ModelReady("here", "7").value_or(true), false);
  EXPECT_EQ(client->ModelReady("gone").value_or(true), false);
  absl::StatusOr<bool> broken = client->ModelReady("broken");
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(broken.status().message(), HasSubstr("broken"));
  for (const RecordedRequest& request : server.requests()) EXPECT_EQ(request.method, "GET");
}

TEST(HttpInferenceClientTest, MetadataConfigStatisticsAndRepositoryCalls) {
  FakeHttpServer server([](const RecordedRequest& request) {
    if (request.target == "/v2") {
      return Json(200, R"({"name":"convoy","version":"1.0","extensions":["classification","statistics"]})");
    }
    if (request.target == "/v2/models/m") {
      return Json(200, R"({"name":"m","versions":["1"],"platform":"onnx","inputs":[{"name":"x",)"
                       R"("datatype":"FP32","shape":[-1,3,224,224]}],"outputs":[{"name":"y","datatype":"FP32",)"
                       R"("shape":[-1,1000]}]})");
    }
    if (request.target == "/v2/models/m/config") {
      return Json(200, R"({"name":"m","platform":"onnxruntime_onnx","max_batch_size":8,"input":[{"name":"x",)"
                       R"("data_type":"TYPE_FP32","dims":[3,224,224]}],"some_newer_field":{"a":1}})");
    }
    if (request.target == "/v2/models/wrapped/config") return Json(200, R"({"config":{"name":"wrapped"}})");
    if (request.target == "/v2/models/m/versions/1/stats") {
      return Json(200, R"({"model_stats":[{"name":"m","version":"1","inference_count":40,"execution_count":10,)"
                       R"("inference_stats":{"success":{"count":20,"ns":2000000}}}]})");
    }
    if (request.target == "/v2/models/stats") return Json(200, R"({"model_stats":[{"name":"a"},{"name":"b"}]})");
    if (request.target == "/v2/repository/index") {
      return Json(200, R"([{"name":"m","version":"1","state":"READY"},{"name":"n","state":"UNAVAILABLE",)"
                       R"("reason":"bad config"}])");
    }
    if (request.target == "/v2/repository/models/m/load") return Json(200, "");
    if (request.target == "/v2/repository/models/m/unload") return Json(403, R"({"error":"wrong token"})");
    return Json(404, R"({"error":"no such path"})");
  });
  ClientOptions options;
  options.admin_token = "s3cret";
  auto client = Connect(server, options);
  ASSERT_NE(client, nullptr);

  absl::StatusOr<inference::ServerMetadataResponse> server_metadata = client->ServerMetadata();
  ASSERT_TRUE(server_metadata.ok()) << server_metadata.status();
  EXPECT_EQ(server_metadata->name(), "convoy");
  EXPECT_THAT(server_metadata->extensions(), ElementsAre("classification", "statistics"));

  absl::StatusOr<inference::ModelMetadataResponse> metadata = client->ModelMetadata("m");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_THAT(metadata->inputs(0).shape(), ElementsAre(-1, 3, 224, 224));
  EXPECT_EQ(metadata->outputs(0).name(), "y");

  absl::StatusOr<inference::ModelConfig> config = client->ModelConfig("m");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->max_batch_size(), 8);
  EXPECT_EQ(config->input(0).data_type(), inference::TYPE_FP32);
  EXPECT_EQ(client->ModelConfig("wrapped")->name(), "wrapped");

  absl::StatusOr<inference::ModelStatisticsResponse> stats = client->ModelStatistics("m", "1");
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->model_stats(0).inference_count(), 40u);
  EXPECT_EQ(stats->model_stats(0).inference_stats().success().ns(), 2000000u);
  EXPECT_EQ(client->ModelStatistics()->model_stats_size(), 2);

  absl::StatusOr<inference::RepositoryIndexResponse> index = client->RepositoryIndex(true);
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->models_size(), 2);
  EXPECT_EQ(index->models(1).reason(), "bad config");

  EXPECT_TRUE(client->LoadModel("m").ok());
  absl::Status unload = client->UnloadModel("m");
  EXPECT_EQ(unload.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(unload.message(), "wrong token");
  EXPECT_EQ(client->ModelMetadata("absent").status().code(), absl::StatusCode::kNotFound);

  for (const RecordedRequest& request : server.requests()) {
    const bool admin = absl::StartsWith(request.target, "/v2/repository/models/");
    EXPECT_EQ(HeaderOf(request, "Authorization"), admin ? "Bearer s3cret" : "<absent>") << request.target;
    if (request.target == "/v2/repository/index") {
      EXPECT_EQ(request.method, "POST");
      EXPECT_EQ(request.body, R"({"ready":true})");
    } else if (admin) {
      EXPECT_EQ(request.method, "POST");
      EXPECT_EQ(request.body, "");
    } else {
      EXPECT_EQ(request.method, "GET") << request.target;
    }
  }
}

TEST(HttpInferenceClientTest, AConnectionTheServerClosedIsRetriedOnANewOne) {
  FakeHttpServer server([](const RecordedRequest&) {
    CannedResponse answer = FloatAnswer({1.0f});
    answer.close_silently = true;  // As an idle timeout would, between requests.
    return answer;
  });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 3; ++i) {
    absl::Status status = client->Infer(Request()).status();
    EXPECT_TRUE(status.ok()) << i << ": " << status;
  }
  EXPECT_EQ(server.requests().size(), 3u);  // Nothing was sent twice that got answered twice.
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpInferenceClientTest, ConnectionCloseIsHonoured) {
  FakeHttpServer server([](const RecordedRequest&) {
    CannedResponse answer = FloatAnswer({1.0f});
    answer.keep_alive = false;
    return answer;
  });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  EXPECT_TRUE(client->Infer(Request()).ok());
  EXPECT_TRUE(client->Infer(Request()).ok());
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(client->connections_opened(), 2);
}

TEST(HttpInferenceClientTest, AnAnswerBeforeTheWholeRequestIsTheResult) {
  FakeHttpServer server([](const RecordedRequest&) { return Json(413, R"({"error":"body over 1 MiB"})"); });
  server.AnswerBeforeBody();
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  inference::ModelInferRequest big;
  big.set_model_name("m");
  AddFp32Input(&big, "x", {8 << 20}, std::vector<float>(8 << 20, 1.0f));  // 32 MiB: more than socket buffers.
  absl::Status status = client->Infer(big).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(status.message(), "request too large: body over 1 MiB");
}

TEST(HttpInferenceClientTest, AResponseOverTheLimitIsResourceExhausted) {
  FakeHttpServer server([](const RecordedRequest&) { return FloatAnswer(std::vector<float>(1000, 1.0f)); });
  ClientOptions options;
  options.max_receive_message_bytes = 1000;
  auto client = Connect(server, options);
  ASSERT_NE(client, nullptr);
  absl::Status status = client->Infer(Request()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_THAT(status.message(), HasSubstr("larger than the 1000 bytes allowed"));
}

TEST(HttpInferenceClientTest, NoServerIsUnavailable) {
  int port = 0;
  {
    FakeHttpServer gone([](const RecordedRequest&) { return Json(200, ""); });
    port = gone.port();
  }
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<std::unique_ptr<HttpInferenceClient>> client = HttpInferenceClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::Status status = (*client)->ServerLive().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("cannot connect to 127.0.0.1:" + std::to_string(port)));
}

TEST(HttpInferenceClientTest, ABadRequestFailsThroughTheCallbackNotInline) {
  FakeHttpServer server([](const RecordedRequest&) { return FloatAnswer({1.0f}); });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  inference::ModelInferRequest unnamed = Request();
  unnamed.clear_model_name();
  EXPECT_EQ(client->Infer(unnamed).status().code(), absl::StatusCode::kInvalidArgument);
  // On the client's thread, not inside AsyncInfer: a closed loop that sends
  // again from its callback must not recurse.
  Outcomes outcomes;
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> on_caller_thread{true};
  client->AsyncInfer(unnamed, [&](absl::Status status, inference::ModelInferResponse response) {
    on_caller_thread = std::this_thread::get_id() == caller;
    outcomes.Callback()(std::move(status), std::move(response));
  });
  ASSERT_TRUE(outcomes.WaitFor(1));
  EXPECT_EQ(outcomes.statuses()[0].code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(on_caller_thread);
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpInferenceClientTest, ASynchronousCallInsideACallbackFailsInsteadOfHanging) {
  FakeHttpServer server([](const RecordedRequest&) { return FloatAnswer({1.0f}); });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  absl::Notification done;
  absl::Status inner;
  client->AsyncInfer(Request(), [&](absl::Status, inference::ModelInferResponse) {
    inner = client->ServerLive().status();
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HttpInferenceClientTest, DestroyingTheClientCancelsWhatIsInFlight) {
  FakeHttpServer server([](const RecordedRequest&) {
    CannedResponse answer = FloatAnswer({1.0f});
    answer.delay = absl::Seconds(30);  // Cut short when the server goes.
    return answer;
  });
  auto client = Connect(server);
  ASSERT_NE(client, nullptr);
  Outcomes outcomes;
  client->AsyncInfer(Request(), outcomes.Callback());
  client->AsyncInfer(Request(), outcomes.Callback());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (server.requests().size() < 2 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(server.requests().size(), 2u);
  client.reset();
  // Every callback ran before the destructor returned.
  ASSERT_EQ(outcomes.statuses().size(), 2u);
  for (const absl::Status& status : outcomes.statuses()) EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
}

TEST(HttpInferenceClientTest, CreateRefusesBadTargetsAndTls) {
  ClientOptions options;
  EXPECT_EQ(HttpInferenceClient::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.target = "no-port";
  EXPECT_EQ(HttpInferenceClient::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.target = "127.0.0.1:8000";
  options.tls = ClientTls{};
  options.tls->cert_chain = "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n";
  options.tls->private_key = "x";
  absl::Status status = HttpInferenceClient::Create(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("TLS client certificate"));
}

}  // namespace
}  // namespace convoy::client
