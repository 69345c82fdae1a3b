#include "bench/abuse/transport_attacks.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/abuse/image_attacks.h"
#include "bench/abuse/png_encode.h"

namespace convoy::abuse {
namespace {

// An FP32 input "input" of `shape` whose raw contents are `bytes` zero bytes.
std::shared_ptr<const inference::ModelInferRequest> RawRequest(const std::string& model,
                                                               const std::vector<int64_t>& shape,
                                                               size_t bytes) {
  auto request = std::make_shared<inference::ModelInferRequest>();
  request->set_model_name(model);
  auto* input = request->add_inputs();
  input->set_name("input");
  input->set_datatype("FP32");
  for (int64_t dim : shape) input->add_shape(dim);
  request->add_raw_input_contents()->assign(bytes, '\0');
  return request;
}

constexpr size_t kSixtyMegabytes = size_t{60} << 20;
constexpr int64_t kLargeSide = 2240;  // 3 x 2240 x 2240 floats: 60.2 MB

}  // namespace

absl::Status RunHugeDeclaredShape(AttackEnv& env) {
  env.note = "16 concurrent: FP32 [32,3,4096,4096] with 64 bytes, resnet18 and resnet18-dyn";
  auto cropped = RawRequest("resnet18", {32, 3, 4096, 4096}, 64);
  auto whole = RawRequest("resnet18-dyn", {32, 3, 4096, 4096}, 64);
  auto client = NewOwnConnectionClient(env.target, 300);
  if (!client.ok()) return client.status();
  SendClosedLoop(
      **client, ClosedLoop::Of(16, env.end, env.max_requests),
      [&](int64_t i) { return i % 2 == 0 ? cropped : whole; }, nullptr, env.tally, nullptr);
  return absl::OkStatus();
}

absl::Status RunMaxMessageMismatch(AttackEnv& env, int concurrency) {
  env.note = absl::StrFormat(
      "%d concurrent: 60 MiB raw contents declared as FP32 [32,3,4096,4096], resnet18",
      concurrency);
  return Flood(env, concurrency, RawRequest("resnet18", {32, 3, 4096, 4096}, kSixtyMegabytes));
}

absl::Status RunMaxMessageCropped(AttackEnv& env) {
  env.note = "4 concurrent: valid FP32 [1,3,2240,2240] (60.2 MB), resnet18 centre-crops to 224";
  return Flood(env, 4,
               RawRequest("resnet18", {1, 3, kLargeSide, kLargeSide},
                          3 * kLargeSide * kLargeSide * sizeof(float)));
}

absl::Status RunMaxMessageFullSize(AttackEnv& env) {
  env.note = "2 concurrent: valid FP32 [1,3,2240,2240] (60.2 MB), resnet18-dyn runs it whole";
  return Flood(env, 2,
               RawRequest("resnet18-dyn", {1, 3, kLargeSide, kLargeSide},
                          3 * kLargeSide * kLargeSide * sizeof(float)));
}

absl::Status RunSlowloris(AttackEnv& env) {
  constexpr int kConnections = 500;
  const std::vector<std::string> host_port = absl::StrSplit(env.target, ':');
  int port = 0;
  if (host_port.size() != 2 || !absl::SimpleAtoi(host_port[1], &port)) {
    return absl::InvalidArgumentError("target must be host:port");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host_port[0].c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError("target must be an IPv4 address");
  }
  // The client connection preface, then an empty SETTINGS frame.
  static constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  static constexpr unsigned char kSettings[9] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
  std::vector<int> sockets;
  for (int i = 0; i < kConnections && absl::Now() < env.end; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        send(fd, kPreface, sizeof(kPreface) - 1, MSG_NOSIGNAL) < 0 ||
        send(fd, kSettings, sizeof(kSettings), MSG_NOSIGNAL) < 0) {
      env.tally.AddOther("connect failed", strerror(errno));
      if (fd >= 0) close(fd);
      continue;
    }
    sockets.push_back(fd);
  }
  absl::SleepFor(env.end - absl::Now());
  // What became of them: still open (nothing or only frames to read), or
  // closed by the server.
  for (int fd : sockets) {
    char buffer[4096];
    int64_t received = 0;
    for (;;) {
      const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0) {
        received += n;
        continue;
      }
      if (n == 0) {
        env.tally.AddOther("closed by server",
                           absl::StrFormat("after %d bytes from the server", received));
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        env.tally.AddOther("held open", absl::StrFormat("%d bytes from the server", received));
      } else {
        env.tally.AddOther("reset", strerror(errno));
      }
      break;
    }
    close(fd);
  }
  env.note = absl::StrFormat(
      "%d TCP connections sent the HTTP/2 preface and SETTINGS, then nothing, for the attack",
      kConnections);
  return absl::OkStatus();
}

absl::Status RunOutstandingCalls(AttackEnv& env) {
  std::mt19937 rng(5);
  env.note = "4 connections x 500 calls outstanding: 1 random 64x64 PNG each, resnet18";
  return Flood(env, 500, ImageRequest("resnet18", {RandomPng(rng, 64, 64, 3)}, 0, {}), 4);
}

absl::Status RunShapeFlood(AttackEnv& env) {
  constexpr int kFirst = 64, kSides = 97;  // 64..160
  auto client = NewOwnConnectionClient(env.target, 400);
  if (!client.ok()) return client.status();
  // Walks the 97 x 97 sizes in an order that changes both sides each time.
  auto shape_of = [](int64_t i) {
    const int64_t k = (i * 7919) % (kSides * kSides);
    return std::pair<int64_t, int64_t>(kFirst + k / kSides, kFirst + k % kSides);
  };
  SendClosedLoop(
      **client, ClosedLoop::Of(2, env.end, env.max_requests),
      [&](int64_t i) {
        const auto [h, w] = shape_of(i);
        return RawRequest("resnet18-dyn", {1, 3, h, w}, 3 * h * w * sizeof(float));
      },
      nullptr, env.tally, nullptr);
  env.note = absl::StrFormat(
      "2 concurrent: FP32 [1,3,H,W], H and W in 64..160, resnet18-dyn; %d "
      "requests, each a new shape",
      std::min<int64_t>(env.tally.total(), kSides * kSides));
  return absl::OkStatus();
}

absl::Status RunReloadLoop(AttackEnv& env) {
  auto client = NewOwnConnectionClient(env.target, 500);
  if (!client.ok()) return client.status();
  int64_t loads = 0;
  for (; absl::Now() < env.end && loads < env.max_requests; ++loads) {
    env.tally.Add((*client)->LoadModel(loads % 2 == 0 ? "lenet5-fmnist" : "resnet18"));
  }
  env.note = absl::StrFormat(
      "RepositoryModelLoad of lenet5-fmnist (the probe's model) and resnet18 in turn: %d loads",
      loads);
  return absl::OkStatus();
}

}  // namespace convoy::abuse
