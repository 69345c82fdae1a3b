#include "server/http/rest_route.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace convoy::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status NoEndpoint(absl::string_view path) {
  return absl::NotFoundError(absl::StrCat("no endpoint at '", path, "'"));
}

// The routes under /v2/models/{m}[/versions/{v}]: `rest` is what follows.
absl::StatusOr<RestRoute> ModelRoute(std::string model, std::string version, const std::vector<std::string>& rest,
                                     absl::string_view path) {
  RestRoute route;
  route.model = std::move(model);
  route.version = std::move(version);
  if (rest.empty()) {
    route.kind = RestRoute::Kind::kModelMetadata;
    return route;
  }
  if (rest.size() != 1) return NoEndpoint(path);
  const std::string& action = rest[0];
  if (action == "ready") {
    route.kind = RestRoute::Kind::kModelReady;
  } else if (action == "config") {
    route.kind = RestRoute::Kind::kModelConfig;
  } else if (action == "stats") {
    route.kind = RestRoute::Kind::kModelStatistics;
  } else if (action == "infer") {
    route.kind = RestRoute::Kind::kInfer;
    route.method = "POST";
  } else {
    return NoEndpoint(path);
  }
  return route;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed percent-encoding at byte ", i, " of '", text, "'"));
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return out;
}

std::pair<absl::string_view, absl::string_view> SplitTarget(absl::string_view target) {
  const size_t question = target.find('?');
  if (question == absl::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

absl::StatusOr<std::map<std::string, std::string>> ParseQuery(absl::string_view query) {
  std::map<std::string, std::string> parameters;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    absl::StatusOr<std::string> name = PercentDecode(pair.substr(0, equals), true);
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value =
        PercentDecode(equals == absl::string_view::npos ? absl::string_view() : pair.substr(equals + 1), true);
    if (!value.ok()) return value.status();
    parameters[*name] = *value;
  }
  return parameters;
}

absl::StatusOr<RestRoute> ParseRestRoute(absl::string_view path) {
  std::vector<std::string> segments;
  for (absl::string_view raw : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    absl::StatusOr<std::string> segment = PercentDecode(raw);
    if (!segment.ok()) return segment.status();
    segments.push_back(*std::move(segment));
  }
  const size_t n = segments.size();
  if (n == 0 || segments[0] != "v2") return NoEndpoint(path);
  RestRoute route;
  if (n == 1) return route;  // kServerMetadata
  if (segments[1] == "health" && n == 3) {
    if (segments[2] == "live") route.kind = RestRoute::Kind::kServerLive;
    else if (segments[2] == "ready") route.kind = RestRoute::Kind::kServerReady;
    else return NoEndpoint(path);
    return route;
  }
  if (segments[1] == "models" && n >= 3) {
    if (n == 3 && segments[2] == "stats") {
      route.kind = RestRoute::Kind::kModelStatistics;
      return route;
    }
    if (n >= 5 && segments[3] == "versions") {
      return ModelRoute(segments[2], segments[4], {segments.begin() + 5, segments.end()}, path);
    }
    return ModelRoute(segments[2], "", {segments.begin() + 3, segments.end()}, path);
  }
  if (segments[1] == "repository") {
    route.method = "POST";
    if (n == 3 && segments[2] == "index") {
      route.kind = RestRoute::Kind::kRepositoryIndex;
      return route;
    }
    if (n == 5 && segments[2] == "models" && (segments[4] == "load" || segments[4] == "unload")) {
      route.kind = segments[4] == "load" ? RestRoute::Kind::kLoad : RestRoute::Kind::kUnload;
      route.model = segments[3];
      return route;
    }
  }
  return NoEndpoint(path);
}

}  // namespace convoy::server
