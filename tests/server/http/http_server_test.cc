// The HTTP transport over loopback, with real clients: raw sockets (which
// send exactly the bytes a test wants, malformed or trickled), a Boost.Beast
// TLS client, and curl where it is installed. The handler echoes, answers
// late from another thread, holds answers back, or never answers.
#include "server/http/http_server.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/http/raw_connection.h"
#include "tests/testing/temp_dir.h"

namespace convoy::server::http {
namespace {

using ::convoy::testing::RawConnection;
using ::convoy::testing::RawResponse;
using ::convoy::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Optional;

HttpResponse Text(int status, std::string body) { return HttpResponse{status, {{"Content-Type", "text/plain"}}, body}; }

// Counts live admissions: Admit hands one out for /admission.
class AdmissionToken {
 public:
  explicit AdmissionToken(std::atomic<int>* live) : live_(live) { live_->fetch_add(1); }
  ~AdmissionToken() { live_->fetch_sub(1); }

 private:
  std::atomic<int>* live_;
};

// Routes by path. std::mutex rather than absl::Mutex: ThreadSanitizer sees
// it (Debian's abseil is not instrumented).
class TestHandler : public HttpHandler {
 public:
  ~TestHandler() override { JoinThreads(); }

  std::optional<HttpResponse> Admit(HttpRequest* request, int64_t content_length) override {
    last_content_length_.store(content_length);
    if (absl::StartsWith(request->target, "/refuse")) {
      return HttpResponse{403, {{"Content-Type", "application/json"}}, R"({"error":"refused"})"};
    }
    if (request->target == "/admission") request->admission = std::make_shared<AdmissionToken>(&live_admissions_);
    return std::nullopt;
  }

  void Handle(HttpRequest request, Responder respond) override {
    handled_.fetch_add(1);
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (path == "/echo") {
      HttpResponse echo{200, {}, request.body};
      echo.headers.emplace_back("Content-Type", std::string(request.Header("content-type").value_or("text/plain")));
      echo.headers.emplace_back("X-Method", request.method);
      echo.headers.emplace_back("X-Remote", request.remote);
      echo.headers.emplace_back("X-Content-Length", absl::StrCat(last_content_length_.load()));
      respond(std::move(echo));
    } else if (path == "/later") {
      Later(absl::Milliseconds(200), std::move(respond), Text(200, "later"));
    } else if (path == "/admission") {
      request = HttpRequest();  // the handler lets go of the admission at once
      Later(absl::Milliseconds(300), std::move(respond), Text(200, "admitted"));
    } else if (path == "/hold" || path == "/barrier") {
      Hold(std::move(respond), path == "/barrier");
    } else if (path == "/drop") {
      // The Responder is destroyed unanswered.
    } else if (path == "/twice") {
      respond(Text(200, "first"));
      respond(Text(200, "second"));
    } else if (path == "/throw") {
      throw std::runtime_error("handler failure");
    } else if (path == "/big") {
      respond(Text(200, std::string(32 << 20, 'B')));
    } else if (path == "/bad-headers") {
      respond(HttpResponse{200, {{"X-Ok", "yes"}, {"X-Evil", "a\r\nInjected: 1"}, {"Content-Length", "999"}}, "ok"});
    } else {
      respond(Text(404, "no route"));
    }
  }

  // /barrier requests are held until `n` of them are, then all answered.
  void SetBarrier(int n) { barrier_ = n; }

  bool WaitHeld(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return held_changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] { return held_.size() >= n; });
  }

  void ReleaseHeld(const HttpResponse& response) {
    std::vector<Responder> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (Responder& respond : held) respond(response);
  }

  int handled() const { return handled_.load(); }
  int64_t last_content_length() const { return last_content_length_.load(); }
  int live_admissions() const { return live_admissions_.load(); }

  void JoinThreads() {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
  }

 private:
  void Later(absl::Duration delay, Responder respond, HttpResponse response) {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([delay, respond = std::move(respond), response = std::move(response)]() mutable {
      absl::SleepFor(delay);
      respond(std::move(response));
    });
  }

  void Hold(Responder respond, bool barrier) {
    std::lock_guard<std::mutex> lock(mu_);
    held_.push_back(std::move(respond));
    held_changed_.notify_all();
    if (barrier && static_cast<int>(held_.size()) == barrier_) {
      threads_.emplace_back([this] { ReleaseHeld(Text(200, "together")); });
    }
  }

  std::atomic<int> handled_{0};
  std::atomic<int64_t> last_content_length_{0};
  std::atomic<int> live_admissions_{0};
  int barrier_ = 0;
  std::mutex mu_;
  std::condition_variable held_changed_;
  std::vector<Responder> held_;
  std::vector<std::thread> threads_;
};

std::string Get(const std::string& target, const std::string& headers = "") {
  return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: test\r\n", headers, "\r\n");
}

std::string Post(const std::string& target, const std::string& body, const std::string& headers = "") {
  return absl::StrCat("POST ", target, " HTTP/1.1\r\nHost: test\r\nContent-Length: ", body.size(), "\r\n", headers,
                      "\r\n", body);
}

// Polls `condition` until it holds or `timeout` passes.
template <class Condition>
bool Eventually(Condition condition, absl::Duration timeout = absl::Seconds(5)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

class HttpServerTest : public ::testing::Test {
 protected:
  static HttpServerOptions Loopback() {
    HttpServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    return options;
  }

  void Start(const HttpServerOptions& options = Loopback()) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, &handler_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::unique_ptr<RawConnection> Connect() {
    std::unique_ptr<RawConnection> connection = RawConnection::Connect(server_->port());
    EXPECT_NE(connection, nullptr) << "cannot connect to port " << server_->port();
    return connection;
  }

  // Sends `request` on a new connection and reads the answer.
  std::optional<RawResponse> Exchange(const std::string& request) {
    std::unique_ptr<RawConnection> connection = Connect();
    if (connection == nullptr || !connection->Send(request)) return std::nullopt;
    return connection->ReadResponse();
  }

  TestHandler handler_;  // outlives the server
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, GetRoundTripOnAPickedPort) {
  Start();
  EXPECT_GT(server_->port(), 0);
  std::optional<RawResponse> response = Exchange(Get("/echo"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
  EXPECT_THAT(response->Header("x-method"), Optional(std::string("GET")));
  EXPECT_THAT(response->Header("server"), Optional(std::string("convoy")));
  EXPECT_THAT(response->Header("content-length"), Optional(std::string("0")));
  EXPECT_EQ(handler_.last_content_length(), 0);
}

TEST_F(HttpServerTest, PostRoundTripKeepsTheHandlersHeaders) {
  Start();
  std::optional<RawResponse> response =
      Exchange(Post("/echo", R"({"x":1})", "Content-Type: application/json\r\n"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"x":1})");
  EXPECT_THAT(response->Header("content-type"), Optional(std::string("application/json")));
  EXPECT_THAT(response->Header("content-length"), Optional(std::string("7")));
  EXPECT_THAT(response->Header("x-method"), Optional(std::string("POST")));
  EXPECT_EQ(handler_.last_content_length(), 7);
}

TEST_F(HttpServerTest, UnsafeAndManagedHandlerHeadersAreDropped) {
  Start();
  std::optional<RawResponse> response = Exchange(Get("/bad-headers"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok");
  EXPECT_THAT(response->Header("x-ok"), Optional(std::string("yes")));
  EXPECT_EQ(response->Header("x-evil"), std::nullopt);
  EXPECT_EQ(response->Header("injected"), std::nullopt);
  EXPECT_THAT(response->Header("content-length"), Optional(std::string("2")));
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Start();
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  const std::string me = absl::StrCat("127.0.0.1:", connection->local_port());
  ASSERT_TRUE(connection->Send(Get("/echo")));
  std::optional<RawResponse> first = connection->ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->Header("connection"), std::nullopt);
  EXPECT_THAT(first->Header("x-remote"), Optional(me));
  ASSERT_TRUE(connection->Send(Post("/echo", "again")));
  std::optional<RawResponse> second = connection->ReadResponse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "again");
  EXPECT_THAT(second->Header("x-remote"), Optional(me));
  EXPECT_EQ(server_->open_connections(), 1);
}

TEST_F(HttpServerTest, Http10KeepsAliveOnlyWhenAsked) {
  Start();
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::optional<RawResponse> kept = connection->ReadResponse();
  ASSERT_TRUE(kept.has_value());
  EXPECT_THAT(kept->Header("connection"), Optional(std::string("keep-alive")));
  ASSERT_TRUE(connection->Send("GET /echo HTTP/1.0\r\n\r\n"));
  std::optional<RawResponse> last = connection->ReadResponse();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->status, 200);
  EXPECT_THAT(last->Header("connection"), Optional(std::string("close")));
  EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5)));
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send(Post("/echo", "one") + Get("/later") + Post("/echo", "three")));
  for (const char* body : {"one", "later", "three"}) {
    std::optional<RawResponse> response = connection->ReadResponse();
    ASSERT_TRUE(response.has_value()) << body;
    EXPECT_EQ(response->body, body);
  }
}

TEST_F(HttpServerTest, AnswerFromAnotherThreadAfterADelay) {
  Start();
  const absl::Time start = absl::Now();
  std::optional<RawResponse> response = Exchange(Get("/later"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "later");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
}

TEST_F(HttpServerTest, AdmissionIsHeldUntilTheAnswerIsWritten) {
  Start();
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send(Get("/admission")));
  // The handler dropped its request at once; the transport still holds it.
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_EQ(handler_.live_admissions(), 1);
  std::optional<RawResponse> response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "admitted");
  EXPECT_TRUE(Eventually([&] { return handler_.live_admissions() == 0; }));
}

TEST_F(HttpServerTest, DroppedResponderAnswers500AndSecondAnswerIsIgnored) {
  Start();
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send(Get("/drop")));
  std::optional<RawResponse> dropped = connection->ReadResponse();
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->status, 500);
  ASSERT_TRUE(connection->Send(Get("/twice") + Get("/throw") + Get("/echo")));
  std::optional<RawResponse> twice = connection->ReadResponse();
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(twice->body, "first");
  std::optional<RawResponse> thrown = connection->ReadResponse();
  ASSERT_TRUE(thrown.has_value());
  EXPECT_EQ(thrown->status, 500);
  // The second answer to /twice did not become the answer to /echo.
  std::optional<RawResponse> echo = connection->ReadResponse();
  ASSERT_TRUE(echo.has_value());
  EXPECT_THAT(echo->Header("x-method"), Optional(std::string("GET")));
}

TEST_F(HttpServerTest, DeclaredBodyOverTheLimitGets413BeforeItIsSent) {
  HttpServerOptions options = Loopback();
  options.max_body_bytes = 1024;
  Start(options);
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  // Only the header: the answer must not wait for the body.
  ASSERT_TRUE(connection->Send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n\r\n"));
  std::optional<RawResponse> response = connection->ReadResponse(absl::Seconds(5));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_THAT(response->body, HasSubstr("1024 bytes"));
  EXPECT_THAT(response->body, HasSubstr(R"({"error":")"));
  EXPECT_THAT(response->Header("content-type"), Optional(std::string("application/json")));
  EXPECT_THAT(response->Header("connection"), Optional(std::string("close")));
  EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(handler_.handled(), 0);
}

TEST_F(HttpServerTest, ChunkedBodyIsCutOffWith413OnceOverTheLimit) {
  HttpServerOptions options = Loopback();
  options.max_body_bytes = 1024;
  Start(options);
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  const std::string chunk = absl::StrCat("200\r\n", std::string(512, 'x'), "\r\n");
  ASSERT_TRUE(connection->Send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // Three chunks of 512 bytes pass the limit; the end of the body never comes.
  ASSERT_TRUE(connection->Send(chunk + chunk + chunk));
  std::optional<RawResponse> response = connection->ReadResponse(absl::Seconds(5));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_THAT(response->body, HasSubstr("1024 bytes"));
  EXPECT_EQ(handler_.last_content_length(), -1);
  EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(handler_.handled(), 0);
}

TEST_F(HttpServerTest, ChunkedBodyWithinTheLimitIsAssembled) {
  Start();
  std::optional<RawResponse> response =
      Exchange("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello world");
  EXPECT_THAT(response->Header("x-content-length"), Optional(std::string("-1")));
}

TEST_F(HttpServerTest, BodyLargerThanBeastsDefaultLimitIsAccepted) {
  Start();  // max_body_bytes 64 MiB; Beast's own default would be 1 MB
  const std::string body(3 << 20, 'z');
  std::optional<RawResponse> response = Exchange(Post("/echo", body));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), body.size());
  EXPECT_TRUE(response->body == body);
}

TEST_F(HttpServerTest, ExpectContinueGets100ThenTheAnswer) {
  Start();
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send(
      "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  std::optional<RawResponse> interim = connection->ReadResponse(absl::Seconds(5));
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(connection->Send("hello"));
  std::optional<RawResponse> response = connection->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST_F(HttpServerTest, AdmitRefusalIsSentWithoutReadingTheBody) {
  Start();
  std::unique_ptr<RawConnection> expecting = Connect();
  ASSERT_NE(expecting, nullptr);
  ASSERT_TRUE(expecting->Send(
      "POST /refuse HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  std::optional<RawResponse> refused = expecting->ReadResponse(absl::Seconds(5));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);  // and no 100 Continue before it
  EXPECT_EQ(refused->body, R"({"error":"refused"})");
  EXPECT_THAT(refused->Header("connection"), Optional(std::string("close")));
  EXPECT_TRUE(expecting->WaitClosed(absl::Seconds(5)));

  // Without a body the connection may stay.
  std::unique_ptr<RawConnection> bodiless = Connect();
  ASSERT_NE(bodiless, nullptr);
  ASSERT_TRUE(bodiless->Send(Get("/refuse")));
  std::optional<RawResponse> refused_get = bodiless->ReadResponse();
  ASSERT_TRUE(refused_get.has_value());
  EXPECT_EQ(refused_get->status, 403);
  ASSERT_TRUE(bodiless->Send(Get("/echo")));
  std::optional<RawResponse> after = bodiless->ReadResponse();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(handler_.handled(), 1);
}

TEST_F(HttpServerTest, MalformedRequestsGet400) {
  Start();
  for (const char* request : {"GET / HTTP/1.1\r\nHost: test\r\nNo colon here\r\n\r\n", "G(E)T / HTTP/1.1\r\n\r\n",
                              "GET / HTTP/9\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                              // Both framings at once: the way to smuggle a request past a proxy.
                              "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                              "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"}) {
    std::unique_ptr<RawConnection> connection = Connect();
    ASSERT_NE(connection, nullptr);
    ASSERT_TRUE(connection->Send(request));
    std::optional<RawResponse> response = connection->ReadResponse(absl::Seconds(5));
    ASSERT_TRUE(response.has_value()) << request;
    EXPECT_EQ(response->status, 400) << request;
    EXPECT_THAT(response->body, HasSubstr("malformed request"));
    EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5))) << request;
  }
  EXPECT_EQ(handler_.handled(), 0);
}

TEST_F(HttpServerTest, HeaderOverTheLimitGets431) {
  HttpServerOptions options = Loopback();
  options.max_header_bytes = 4096;
  Start(options);
  std::optional<RawResponse> response =
      Exchange(Get("/echo", absl::StrCat("X-Big: ", std::string(64 << 10, 'a'), "\r\n")));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_THAT(response->body, HasSubstr("4096 bytes"));
  // Just under the limit is fine.
  std::optional<RawResponse> fits = Exchange(Get("/echo", absl::StrCat("X-Big: ", std::string(3800, 'a'), "\r\n")));
  ASSERT_TRUE(fits.has_value());
  EXPECT_EQ(fits->status, 200);
}

TEST_F(HttpServerTest, TrickledHeaderIsCutOffWith408) {
  HttpServerOptions options = Loopback();
  options.header_timeout = absl::Milliseconds(300);
  Start(options);
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  const absl::Time start = absl::Now();
  // A byte every 50 ms: the header would take 1.5 s.
  const std::string request = Get("/echo", "X-Slow: yes\r\n");
  std::optional<RawResponse> response;
  for (char c : request) {
    if (!connection->Send(std::string(1, c))) break;
    response = connection->ReadResponse(absl::Milliseconds(50));
    if (response.has_value()) break;
  }
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 408);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(handler_.handled(), 0);
}

TEST_F(HttpServerTest, SilentConnectionIsClosedWithoutAnAnswer) {
  HttpServerOptions options = Loopback();
  options.header_timeout = absl::Milliseconds(300);
  Start(options);
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  const absl::Time start = absl::Now();
  std::string extra;
  EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5), &extra));
  EXPECT_EQ(extra, "");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
}

TEST_F(HttpServerTest, SlowBodyGets408) {
  HttpServerOptions options = Loopback();
  options.body_timeout = absl::Milliseconds(300);
  Start(options);
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nonly ten.."));
  std::optional<RawResponse> response = connection->ReadResponse(absl::Seconds(5));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 408);
  EXPECT_THAT(response->body, HasSubstr("body"));
  EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5)));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions options = Loopback();
  options.idle_timeout = absl::Milliseconds(300);
  Start(options);
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send(Get("/echo")));
  ASSERT_TRUE(connection->ReadResponse().has_value());
  const absl::Time answered = absl::Now();
  std::string extra;
  EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5), &extra));
  EXPECT_EQ(extra, "");  // closed, not answered with 408
  EXPECT_GE(absl::Now() - answered, absl::Milliseconds(250));
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(HttpServerTest, ClientThatStopsReadingIsDisconnected) {
  HttpServerOptions options = Loopback();
  options.write_timeout = absl::Milliseconds(300);
  Start(options);
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send(Get("/big")));  // 32 MiB, never read
  ASSERT_TRUE(Eventually([&] { return handler_.handled() == 1; }));
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == 0; }));
}

TEST_F(HttpServerTest, HeadGetsTheLengthWithoutTheBody) {
  Start();
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send("HEAD /bad-headers HTTP/1.1\r\nHost: test\r\n\r\n"));
  // RawConnection would read a body of Content-Length bytes: there must be
  // none, so the next answer follows the header at once.
  ASSERT_TRUE(connection->Send(Get("/echo")));
  std::string bytes;
  EXPECT_FALSE(connection->WaitClosed(absl::Milliseconds(300), &bytes));
  EXPECT_THAT(bytes, HasSubstr("Content-Length: 2\r\n"));
  EXPECT_THAT(bytes, ::testing::Not(HasSubstr("\r\n\r\nok")));
  EXPECT_THAT(bytes, HasSubstr("X-Method: GET"));
}

TEST_F(HttpServerTest, StopAcceptingDrainsConnections) {
  Start();
  std::unique_ptr<RawConnection> idle = Connect();
  ASSERT_NE(idle, nullptr);
  ASSERT_TRUE(idle->Send(Get("/echo")));
  ASSERT_TRUE(idle->ReadResponse().has_value());
  std::unique_ptr<RawConnection> busy = Connect();
  ASSERT_NE(busy, nullptr);
  ASSERT_TRUE(busy->Send(Get("/hold")));
  ASSERT_TRUE(handler_.WaitHeld(1));
  std::unique_ptr<RawConnection> partial = Connect();
  ASSERT_NE(partial, nullptr);
  ASSERT_TRUE(partial->Send("GET /echo HTTP/1.1\r\nHost: test\r\n"));
  ASSERT_TRUE(Eventually([&] { return server_->open_connections() == 3; }));

  server_->StopAccepting();
  std::string extra;
  EXPECT_TRUE(idle->WaitClosed(absl::Seconds(5), &extra));
  EXPECT_EQ(extra, "");
  EXPECT_EQ(RawConnection::Connect(server_->port()), nullptr);

  // A request that arrives now is refused.
  ASSERT_TRUE(partial->Send("\r\n"));
  std::optional<RawResponse> refused = partial->ReadResponse();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_THAT(refused->Header("connection"), Optional(std::string("close")));
  EXPECT_TRUE(partial->WaitClosed(absl::Seconds(5)));
  partial.reset();  // else the server lingers for it

  // The request in flight gets its answer, then the connection closes.
  handler_.ReleaseHeld(Text(200, "released"));
  std::optional<RawResponse> answered = busy->ReadResponse();
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->status, 200);
  EXPECT_EQ(answered->body, "released");
  EXPECT_THAT(answered->Header("connection"), Optional(std::string("close")));
  EXPECT_TRUE(busy->WaitClosed(absl::Seconds(5)));
  busy.reset();
  EXPECT_TRUE(Eventually([&] { return server_->open_connections() == 0; }));

  const absl::Time start = absl::Now();
  server_->Shutdown(absl::Now() + absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(HttpServerTest, ShutdownReturnsByTheDeadlineWhenAnAnswerNeverComes) {
  Start();
  std::unique_ptr<RawConnection> connection = Connect();
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Send(Get("/hold")));
  ASSERT_TRUE(handler_.WaitHeld(1));
  const absl::Time start = absl::Now();
  server_->Shutdown(start + absl::Milliseconds(300));
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(290));
  EXPECT_LT(took, absl::Seconds(2));
  EXPECT_TRUE(connection->WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(server_->open_connections(), 0);
  server_->Shutdown(absl::Now());  // idempotent
  server_.reset();
  // The late answer, after the server is gone, goes nowhere.
  handler_.ReleaseHeld(Text(200, "too late"));
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
  HttpServerOptions options = Loopback();
  options.max_connections = 2;
  Start(options);
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 2; ++i) {
    open.push_back(Connect());
    ASSERT_NE(open.back(), nullptr);
    ASSERT_TRUE(open.back()->Send(Get("/echo")));
    ASSERT_TRUE(open.back()->ReadResponse().has_value());
  }
  std::unique_ptr<RawConnection> extra = Connect();
  ASSERT_NE(extra, nullptr);
  EXPECT_TRUE(extra->WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(server_->open_connections(), 2);
  // Once one closes, there is room again.
  open.pop_back();
  ASSERT_TRUE(Eventually([&] { return server_->open_connections() == 1; }));
  std::optional<RawResponse> response = Exchange(Get("/echo"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, HundredConcurrentConnectionsAreAllAnswered) {
  constexpr int kConnections = 100;
  handler_.SetBarrier(kConnections);  // no answer until all are in flight at once
  Start();
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < kConnections; ++i) {
    connections.push_back(Connect());
    ASSERT_NE(connections.back(), nullptr);
    ASSERT_TRUE(connections.back()->Send(Get("/barrier")));
  }
  for (int i = 0; i < kConnections; ++i) {
    std::optional<RawResponse> response = connections[i]->ReadResponse(absl::Seconds(20));
    ASSERT_TRUE(response.has_value()) << "connection " << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "together");
  }
  EXPECT_EQ(server_->open_connections(), kConnections);
}

TEST_F(HttpServerTest, StartErrorsNameWhatIsWrong) {
  Start();
  HttpServerOptions taken = Loopback();
  taken.port = server_->port();
  absl::StatusOr<std::unique_ptr<HttpServer>> clash = HttpServer::Start(taken, &handler_);
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(clash.status().message(), HasSubstr(absl::StrCat("127.0.0.1:", server_->port())));

  HttpServerOptions bad = Loopback();
  bad.max_body_bytes = -1;
  EXPECT_EQ(HttpServer::Start(bad, &handler_).status().code(), absl::StatusCode::kInvalidArgument);
  bad = Loopback();
  bad.tls.cert = "/nonexistent/cert.pem";
  EXPECT_THAT(HttpServer::Start(bad, &handler_).status().message(), HasSubstr("key"));
  bad.tls.key = "/nonexistent/key.pem";
  EXPECT_THAT(HttpServer::Start(bad, &handler_).status().message(), HasSubstr("/nonexistent/cert.pem"));
}

// --- TLS -------------------------------------------------------------------

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

bool HaveCurl() { return ::access("/usr/bin/curl", X_OK) == 0; }

// Runs `command` with sh; its stdout, and its exit status in `*status`.
std::string RunShell(const std::string& command, int* status) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *status = -1;
    return output;
  }
  char chunk[4096];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), pipe)) > 0) output.append(chunk, got);
  *status = ::pclose(pipe);
  return output;
}

struct TlsResult {
  int status = 0;  // 0: no answer
  std::string body;
  std::string error;
};

// POST /echo over TLS with Beast, trusting ca.pem; with `client` (e.g.
// "client") presenting that certificate.
TlsResult TlsPost(int port, const std::string& pki, const std::string& client, const std::string& body) {
  namespace net = boost::asio;
  namespace beast = boost::beast;
  namespace bhttp = beast::http;
  TlsResult result;
  net::io_context io;
  net::ssl::context tls(net::ssl::context::tls_client);
  tls.load_verify_file(pki + "/ca.pem");
  tls.set_verify_mode(net::ssl::verify_peer);
  if (!client.empty()) {
    tls.use_certificate_chain_file(pki + "/" + client + ".pem");
    tls.use_private_key_file(pki + "/" + client + ".key", net::ssl::context::pem);
  }
  beast::ssl_stream<net::ip::tcp::socket> stream(io, tls);
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
                                          ec);
  if (!ec) stream.handshake(net::ssl::stream_base::client, ec);
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, "/echo", 11};
  request.set(bhttp::field::host, "127.0.0.1");
  request.body() = body;
  request.prepare_payload();
  if (!ec) bhttp::write(stream, request, ec);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  if (!ec) bhttp::read(stream, buffer, response, ec);
  if (ec) {
    result.error = ec.message();
    return result;
  }
  result.status = static_cast<int>(response.result_int());
  result.body = response.body();
  return result;
}

class HttpServerTlsTest : public HttpServerTest {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TempDir();
    if (::access("/usr/bin/openssl", X_OK) != 0) return;  // tools/install_deps.sh installs it
    const int status = std::system(
        absl::StrCat("bash '", CONVOY_MAKE_TEST_PKI, "' '", pki_->path().string(), "' >'", pki_->Path("log"), "' 2>&1")
            .c_str());
    ASSERT_EQ(status, 0) << ReadFile(pki_->Path("log"));
    have_pki_ = true;
  }
  void SetUp() override {
    if (!have_pki_) GTEST_SKIP() << "no certificates: /usr/bin/openssl is missing or failed";
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  static std::string Dir() { return pki_->path().string(); }
  static HttpServerOptions TlsOptions(bool mutual) {
    HttpServerOptions options = Loopback();
    options.tls.cert = pki_->Path("server.pem");
    options.tls.key = pki_->Path("server.key");
    if (mutual) options.tls.client_ca = pki_->Path("ca.pem");
    return options;
  }

  static TempDir* pki_;
  static bool have_pki_;
};

TempDir* HttpServerTlsTest::pki_ = nullptr;
bool HttpServerTlsTest::have_pki_ = false;

TEST_F(HttpServerTlsTest, TlsRoundTrip) {
  Start(TlsOptions(false));
  TlsResult result = TlsPost(server_->port(), Dir(), "", "over tls");
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "over tls");
  // A plaintext client gets no HTTP answer.
  std::unique_ptr<RawConnection> plain = Connect();
  ASSERT_NE(plain, nullptr);
  ASSERT_TRUE(plain->Send(Get("/echo")));
  EXPECT_FALSE(plain->ReadResponse(absl::Seconds(2)).has_value());
}

TEST_F(HttpServerTlsTest, MutualTlsRefusesClientsWithoutATrustedCertificate) {
  Start(TlsOptions(true));
  TlsResult anonymous = TlsPost(server_->port(), Dir(), "", "who am I");
  EXPECT_EQ(anonymous.status, 0);
  EXPECT_NE(anonymous.error, "");
  TlsResult stranger = TlsPost(server_->port(), Dir(), "stranger", "other CA");
  EXPECT_EQ(stranger.status, 0);
  TlsResult trusted = TlsPost(server_->port(), Dir(), "client", "trusted");
  EXPECT_EQ(trusted.error, "");
  EXPECT_EQ(trusted.status, 200);
  EXPECT_EQ(trusted.body, "trusted");
  EXPECT_EQ(handler_.handled(), 1);
}

TEST_F(HttpServerTlsTest, KeyThatIsNotTheCertificatesIsRefusedAtStart) {
  HttpServerOptions options = TlsOptions(false);
  options.tls.key = pki_->Path("client.key");
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, &handler_);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr(pki_->Path("client.key")));
}

TEST_F(HttpServerTlsTest, CurlOverTlsAndMutualTls) {
  if (!HaveCurl()) GTEST_SKIP() << "no /usr/bin/curl";
  Start(TlsOptions(true));
  const std::string curl = absl::StrCat("/usr/bin/curl -sS --max-time 10 --cacert '", Dir(), "/ca.pem' --data-binary hello",
                                        " https://127.0.0.1:", server_->port(), "/echo");
  int status = 0;
  const std::string with_cert =
      RunShell(absl::StrCat(curl, " --cert '", Dir(), "/client.pem' --key '", Dir(), "/client.key' 2>&1"), &status);
  EXPECT_EQ(status, 0) << with_cert;
  EXPECT_EQ(with_cert, "hello");
  RunShell(curl + " >/dev/null 2>&1", &status);
  EXPECT_NE(status, 0) << "curl without a client certificate was served";
}

TEST_F(HttpServerTest, CurlSendsALargeBodyAfter100Continue) {
  if (!HaveCurl()) GTEST_SKIP() << "no /usr/bin/curl";
  Start();
  TempDir dir;
  const std::string body(2 << 20, 'b');  // over 1 MiB: curl asks with Expect: 100-continue
  const std::string in = dir.Write("in", body);
  const std::string out = dir.Path("out");
  int status = 0;
  const absl::Time start = absl::Now();
  // Were 100 Continue not sent, curl would wait --expect100-timeout, 8 s.
  const std::string log = RunShell(absl::StrCat("/usr/bin/curl -sS -v --max-time 20 --expect100-timeout 8",
                                           " --data-binary @'", in, "' -o '", out, "' http://127.0.0.1:",
                                           server_->port(), "/echo 2>&1"),
                              &status);
  EXPECT_EQ(status, 0) << log;
  EXPECT_THAT(log, HasSubstr("Expect: 100-continue"));
  EXPECT_THAT(log, HasSubstr("HTTP/1.1 100 Continue"));
  EXPECT_THAT(log, HasSubstr("HTTP/1.1 200"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(6));
  EXPECT_EQ(ReadFile(out), body);
}

}  // namespace
}  // namespace convoy::server::http
