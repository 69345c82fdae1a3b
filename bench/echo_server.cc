// echo-server: the ceiling for serving benchmarks. A KServe v2 gRPC server
// whose ModelInfer does no work: it answers every request at once with an
// output of the given size, through the same gRPC callback API, message
// types and loopback transport as convoy-server. ModelMetadata describes
// the input it pretends to take, so convoy-loadgen can drive it unchanged.
//
//   echo-server --port 0 --model lenet5 --input-shape 1,32,32 --output-shape 10
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/dash_flags.h"
#include "grpc_service.grpc.pb.h"

ABSL_FLAG(int, port, 0, "Port on 127.0.0.1; 0 picks one (printed).");
ABSL_FLAG(std::string, model, "echo", "Model name to answer for.");
ABSL_FLAG(std::string, input_shape, "1,32,32", "Input dims without the batch dimension.");
ABSL_FLAG(std::string, output_shape, "10", "Output dims without the batch dimension.");

namespace convoy {
namespace {

std::vector<int64_t> ParseShape(const std::string& text) {
  std::vector<int64_t> shape;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int64_t dim = 0;
    if (!absl::SimpleAtoi(part, &dim) || dim < 1) {
      std::fprintf(stderr, "echo-server: bad shape '%s'\n", text.c_str());
      std::exit(2);
    }
    shape.push_back(dim);
  }
  return shape;
}

class EchoService final : public inference::GRPCInferenceService::CallbackService {
 public:
  EchoService(std::string model, std::vector<int64_t> input, std::vector<int64_t> output)
      : model_(std::move(model)), input_(std::move(input)), output_(std::move(output)) {
    for (int64_t dim : output_) output_elements_ *= dim;
  }

  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* ctx,
                                          const inference::ModelMetadataRequest*,
                                          inference::ModelMetadataResponse* response) override {
    response->set_name(model_);
    auto* input = response->add_inputs();
    input->set_name("input");
    input->set_datatype("FP32");
    input->add_shape(-1);
    for (int64_t dim : input_) input->add_shape(dim);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* ctx,
                                       const inference::ModelInferRequest* request,
                                       inference::ModelInferResponse* response) override {
    const int64_t batch = request->inputs_size() > 0 && request->inputs(0).shape_size() > 0
                              ? request->inputs(0).shape(0)
                              : 1;
    response->set_model_name(model_);
    response->set_model_version("1");
    auto* output = response->add_outputs();
    output->set_name("output");
    output->set_datatype("FP32");
    output->add_shape(batch);
    for (int64_t dim : output_) output->add_shape(dim);
    response->add_raw_output_contents()->assign(batch * output_elements_ * sizeof(float), '\0');
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const std::string model_;
  const std::vector<int64_t> input_;
  const std::vector<int64_t> output_;
  int64_t output_elements_ = 1;
};

int Run() {
  EchoService service(absl::GetFlag(FLAGS_model), ParseShape(absl::GetFlag(FLAGS_input_shape)),
                      ParseShape(absl::GetFlag(FLAGS_output_shape)));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", absl::GetFlag(FLAGS_port)),
                           grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "echo-server: cannot listen\n");
    return 1;
  }
  std::printf("port=%d\n", port);
  std::fflush(stdout);
  server->Wait();  // Until killed.
  return 0;
}

}  // namespace
}  // namespace convoy

int main(int argc, char** argv) {
  convoy::ParseDashFlags(argc, argv, "bench/echo_server.cc",
                         "A KServe v2 server that answers without computing.");
  return convoy::Run();
}
