#include "server/http/rest_route.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;
using Kind = RestRoute::Kind;

RestRoute Route(absl::string_view path) {
  absl::StatusOr<RestRoute> route = ParseRestRoute(path);
  EXPECT_TRUE(route.ok()) << path << ": " << route.status();
  return route.ok() ? *route : RestRoute{};
}

TEST(ParseRestRouteTest, NamesEveryEndpoint) {
  EXPECT_EQ(Route("/v2").kind, Kind::kServerMetadata);
  EXPECT_EQ(Route("/v2/").kind, Kind::kServerMetadata);
  EXPECT_EQ(Route("/v2/health/live").kind, Kind::kServerLive);
  EXPECT_EQ(Route("/v2/health/ready").kind, Kind::kServerReady);
  EXPECT_EQ(Route("/v2/models/stats").kind, Kind::kModelStatistics);
  EXPECT_EQ(Route("/v2/repository/index").kind, Kind::kRepositoryIndex);

  RestRoute metadata = Route("/v2/models/resnet50");
  EXPECT_EQ(metadata.kind, Kind::kModelMetadata);
  EXPECT_EQ(metadata.model, "resnet50");
  EXPECT_EQ(metadata.version, "");
  EXPECT_STREQ(metadata.method, "GET");

  RestRoute infer = Route("/v2/models/resnet50/versions/3/infer");
  EXPECT_EQ(infer.kind, Kind::kInfer);
  EXPECT_EQ(infer.model, "resnet50");
  EXPECT_EQ(infer.version, "3");
  EXPECT_STREQ(infer.method, "POST");

  EXPECT_EQ(Route("/v2/models/m/ready").kind, Kind::kModelReady);
  EXPECT_EQ(Route("/v2/models/m/versions/1/ready").kind, Kind::kModelReady);
  EXPECT_EQ(Route("/v2/models/m/config").kind, Kind::kModelConfig);
  EXPECT_EQ(Route("/v2/models/m/versions/2/stats").kind, Kind::kModelStatistics);
  EXPECT_EQ(Route("/v2/models/m/versions/2").kind, Kind::kModelMetadata);

  RestRoute load = Route("/v2/repository/models/lenet5/load");
  EXPECT_EQ(load.kind, Kind::kLoad);
  EXPECT_EQ(load.model, "lenet5");
  EXPECT_STREQ(load.method, "POST");
  EXPECT_EQ(Route("/v2/repository/models/lenet5/unload").kind, Kind::kUnload);
}

TEST(ParseRestRouteTest, DecodesModelNames) {
  EXPECT_EQ(Route("/v2/models/my%2Fmodel/infer").model, "my/model");
  EXPECT_EQ(Route("/v2/models/a%20b").model, "a b");
  EXPECT_EQ(Route("/v2/models/a+b").model, "a+b");  // '+' is a space in queries only.
}

TEST(ParseRestRouteTest, RefusesWhatNamesNoEndpoint) {
  for (const char* path : {"/", "/v1/models/m", "/v2/health", "/v2/health/dead", "/v2/models", "/v2/models/m/infer/x",
                           "/v2/models/m/predict", "/v2/models/m/versions", "/v2/repository/models/m",
                           "/v2/repository/models/m/delete", "/v2/repository"}) {
    absl::StatusOr<RestRoute> route = ParseRestRoute(path);
    EXPECT_EQ(route.status().code(), absl::StatusCode::kNotFound) << path;
    EXPECT_THAT(route.status().message(), HasSubstr(path));
  }
  EXPECT_EQ(ParseRestRoute("/v2/models/%zz").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRestRoute("/v2/models/%2").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseQueryTest, DecodesPairsAndRefusesBadEscapes) {
  absl::StatusOr<std::map<std::string, std::string>> query = ParseQuery("top_k=3&multicrop=10&label=a+b%21&flag&=x");
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ((*query)["top_k"], "3");
  EXPECT_EQ((*query)["multicrop"], "10");
  EXPECT_EQ((*query)["label"], "a b!");
  EXPECT_EQ((*query)["flag"], "");
  EXPECT_EQ(ParseQuery("a=%").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ParseQuery("").ok());
}

TEST(SplitTargetTest, SplitsAtTheFirstQuestionMark) {
  auto [path, query] = SplitTarget("/v2/models/m/infer?top_k=3?x");
  EXPECT_EQ(path, "/v2/models/m/infer");
  EXPECT_EQ(query, "top_k=3?x");
  auto [bare, none] = SplitTarget("/v2");
  EXPECT_EQ(bare, "/v2");
  EXPECT_EQ(none, "");
}

}  // namespace
}  // namespace convoy::server
