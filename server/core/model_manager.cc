#include "server/core/model_manager.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "repository/model_config.h"
#include "repository/repository_layout.h"
#include "server/core/log.h"

namespace convoy::server {
namespace {

std::string Join(const std::vector<int64_t>& versions) { return absl::StrJoin(versions, ", "); }

// `text` with each occurrence of `root` that names a file below it made
// relative ("<root>/foo/config.pbtxt" becomes "foo/config.pbtxt"), and the
// root itself replaced with "<repository>". A match followed by a character
// of a file name ("<root>2/...") is another directory and stays.
std::string WithoutRoot(const std::string& text, const std::string& root) {
  if (root.empty()) return text;
  std::string out;
  size_t from = 0;
  for (size_t at = text.find(root); at != std::string::npos; at = text.find(root, from)) {
    out.append(text, from, at - from);
    const size_t end = at + root.size();
    const char next = end < text.size() ? text[end] : '\0';
    if (next == '/') {
      from = end + 1;
    } else if (absl::ascii_isalnum(next) || next == '.' || next == '_' || next == '-') {
      out.append(root);
      from = end;
    } else {
      out.append("<repository>");
      from = end;
    }
  }
  out.append(text, from, std::string::npos);
  return out;
}

bool IsEnsembleDir(const std::string& model_dir) {
  absl::StatusOr<repository::ModelConfigFile> file = repository::ReadModelConfig(model_dir);
  return file.ok() && file->config.platform() == repository::kEnsemblePlatform;
}

}  // namespace

void ModelManager::EnsemblesLast(std::vector<std::string>* names) const {
  std::stable_partition(names->begin(), names->end(), [this](const std::string& name) {
    return !IsEnsembleDir((std::filesystem::path(options_.repository) / name).string());
  });
}

absl::StatusOr<ModelControlMode> ParseModelControlMode(const std::string& text) {
  if (text == "none") return ModelControlMode::kNone;
  if (text == "explicit") return ModelControlMode::kExplicit;
  if (text == "poll") return ModelControlMode::kPoll;
  return absl::InvalidArgumentError(
      absl::StrCat("--model-control-mode must be none, explicit or poll, not '", text, "'"));
}

absl::StatusOr<std::unique_ptr<ModelManager>> ModelManager::Create(ModelManagerOptions options) {
  std::error_code error;
  if (!std::filesystem::is_directory(options.repository, error)) {
    return absl::NotFoundError(
        absl::StrCat("model repository '", options.repository, "' is not a directory"));
  }
  return std::unique_ptr<ModelManager>(new ModelManager(std::move(options)));
}

absl::Status ModelManager::ForClients(const absl::Status& status) const {
  if (status.ok()) return status;
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path given = fs::path(options_.repository).lexically_normal();
  std::vector<std::string> roots = {given.string(), fs::absolute(given, error).lexically_normal().string(),
                                    fs::weakly_canonical(given, error).string()};
  for (std::string& root : roots) {
    while (root.size() > 1 && root.back() == '/') root.pop_back();
  }
  // Longest first: the relative spelling may lie inside the absolute one.
  std::sort(roots.begin(), roots.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::string message(status.message());
  for (const std::string& root : roots) {
    if (root != "." && root != "/") message = WithoutRoot(message, root);
  }
  return absl::Status(status.code(), message);
}

void ModelManager::SetReadinessListener(ReadinessListener listener) {
  absl::MutexLock lock(&mu_);
  listener_ = std::move(listener);
}

void ModelManager::Notify(const std::string& name, bool ready) {
  ReadinessListener listener;
  {
    absl::MutexLock lock(&mu_);
    listener = listener_;
  }
  if (listener) listener(name, ready);
}

void ModelManager::LoadStartupModels() {
  std::vector<std::string> names = options_.startup_models;
  const bool all = options_.mode != ModelControlMode::kExplicit ||
                   std::find(names.begin(), names.end(), "*") != names.end();
  if (all) {
    absl::StatusOr<std::vector<std::string>> listed = repository::ListModels(options_.repository);
    if (!listed.ok()) {
      Log(LogLevel::kError, "repository_unreadable", {{"error", listed.status().ToString()}});
      return;
    }
    names = *std::move(listed);
  }
  // Ensembles find their members served when they load.
  EnsemblesLast(&names);
  absl::MutexLock control(&control_mu_);
  // Listed names need no second check against the directory.
  for (const std::string& name : names) {
    (all ? LoadListed(name, FingerprintOf(name)) : LoadLocked(name)).IgnoreError();  // Recorded.
  }
}

absl::Status ModelManager::Load(const std::string& name) {
  absl::MutexLock control(&control_mu_);
  return LoadLocked(name);
}

absl::StatusOr<std::map<int64_t, std::shared_ptr<ServableModel>>> ModelManager::LoadVersions(
    const std::string& name) const {
  const std::string model_dir = (std::filesystem::path(options_.repository) / name).string();
  std::optional<inference::ModelConfig> config;
  absl::StatusOr<repository::ModelConfigFile> file = repository::ReadModelConfig(model_dir);
  if (file.ok()) {
    for (const std::string& warning : file->warnings) {
      Log(LogLevel::kWarning, "model_config_warning", {{"model", name}, {"warning", warning}});
    }
    config = std::move(file->config);
  } else if (!absl::IsNotFound(file.status())) {
    return file.status();
  }
  if (config && config->platform() == repository::kEnsemblePlatform) return LoadEnsemble(model_dir, *std::move(config));
  absl::StatusOr<std::vector<int64_t>> available = repository::ListVersions(model_dir);
  if (!available.ok()) return available.status();
  inference::ModelVersionPolicy latest;
  latest.mutable_latest()->set_num_versions(1);
  absl::StatusOr<std::vector<int64_t>> selected =
      repository::SelectVersions(config ? config->version_policy() : latest, *available);
  if (!selected.ok()) {
    return absl::Status(selected.status().code(),
                        absl::StrCat(model_dir, ": ", selected.status().message()));
  }
  std::map<int64_t, std::shared_ptr<ServableModel>> versions;
  for (int64_t version : *selected) {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::shared_ptr<SingleModel>> servable =
        SingleModel::Load(model_dir, version, config, options_.servable);
    if (!servable.ok()) return servable.status();
    const std::string& precision = (*servable)->config().precision();
    Log(LogLevel::kInfo, "model_loaded",
        {{"model", name},
         {"version", absl::StrCat(version)},
         {"precision", precision.empty() ? "fp32" : precision},
         {"ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start))}});
    versions[version] = *std::move(servable);
  }
  return versions;
}

absl::StatusOr<std::map<int64_t, std::shared_ptr<ServableModel>>> ModelManager::LoadEnsemble(
    const std::string& model_dir, inference::ModelConfig config) const {
  std::vector<std::shared_ptr<SingleModel>> members;
  for (const inference::ModelEnsemble::Member& member : config.ensemble().member()) {
    const std::string version = member.model_version() == 0 ? "" : absl::StrCat(member.model_version());
    absl::StatusOr<std::shared_ptr<ServableModel>> served = Get(member.model_name(), version);
    if (!served.ok()) {
      return absl::Status(served.status().code(), absl::StrCat("ensemble member '", member.model_name(),
                                                                "' is not served: ", served.status().message()));
    }
    absl::StatusOr<std::shared_ptr<SingleModel>> single = AsMember(*std::move(served));
    if (!single.ok()) {
      return absl::Status(single.status().code(),
                          absl::StrCat(model_dir, "/config.pbtxt: ", single.status().message()));
    }
    members.push_back(*std::move(single));
  }
  const std::string name = config.name();
  absl::StatusOr<std::shared_ptr<EnsembleModel>> ensemble =
      EnsembleModel::Load(model_dir, std::move(config), members, options_.servable);
  if (!ensemble.ok()) {
    return absl::Status(ensemble.status().code(),
                        absl::StrCat(model_dir, "/config.pbtxt: ", ensemble.status().message()));
  }
  Log(LogLevel::kInfo, "model_loaded", {{"model", name}, {"version", "1"}, {"members", absl::StrCat(members.size())}});
  return std::map<int64_t, std::shared_ptr<ServableModel>>{{1, *std::move(ensemble)}};
}

absl::Status ModelManager::CheckLoadable(const std::string& name) const {
  CONVOY_RETURN_IF_ERROR(repository::ValidateModelName(name));
  absl::StatusOr<std::vector<std::string>> listed = repository::ListModels(options_.repository);
  if (!listed.ok()) return listed.status();
  if (std::find(listed->begin(), listed->end(), name) == listed->end()) {
    return absl::NotFoundError(absl::StrCat("no model '", name, "' in repository '",
                                            options_.repository, "'"));
  }
  return absl::OkStatus();
}

absl::Status ModelManager::LoadLocked(const std::string& name) {
  if (absl::Status loadable = CheckLoadable(name); !loadable.ok()) {
    Log(LogLevel::kError, "model_load_refused",
        {{"model", name}, {"error", std::string(loadable.message())}});
    return ForClients(loadable);
  }
  return LoadListed(name, FingerprintOf(name));
}

std::string ModelManager::FingerprintOf(const std::string& name) const {
  absl::StatusOr<std::string> fingerprint =
      repository::ModelFingerprint((std::filesystem::path(options_.repository) / name).string());
  return fingerprint.ok() ? *fingerprint : "";
}

absl::Status ModelManager::LoadListed(const std::string& name, std::string fingerprint) {
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[name];
    entry.loading = true;
    entry.wanted = true;
  }
  absl::StatusOr<std::map<int64_t, std::shared_ptr<ServableModel>>> versions = LoadVersions(name);
  std::map<int64_t, std::shared_ptr<ServableModel>> retired;  // Released outside the lock.
  bool ready = false;
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[name];
    entry.loading = false;
    entry.fingerprint = std::move(fingerprint);
    if (versions.ok()) {
      retired = std::exchange(entry.versions, *std::move(versions));
      entry.reason.clear();
    } else {
      entry.reason = std::string(ForClients(versions.status()).message());
      if (!entry.versions.empty()) entry.reason = absl::StrCat("reload failed: ", entry.reason);
    }
    ready = !entry.versions.empty();
  }
  if (!versions.ok()) {
    Log(LogLevel::kError, "model_load_failed",
        {{"model", name}, {"error", std::string(versions.status().message())}});
  }
  Notify(name, ready);
  return ForClients(versions.status());
}

absl::Status ModelManager::Unload(const std::string& name) {
  absl::MutexLock control(&control_mu_);
  std::map<int64_t, std::shared_ptr<ServableModel>> retired;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(name);
    if (it == entries_.end() || !it->second.wanted) {
      return absl::NotFoundError(absl::StrCat("model '", name, "' is not loaded"));
    }
    retired = std::move(it->second.versions);
    it->second = Entry{};
    it->second.reason = "unloaded";
  }
  Notify(name, false);
  Log(LogLevel::kInfo, "model_unloaded", {{"model", name}});
  return absl::OkStatus();  // `retired` finishes its requests, then goes.
}

void ModelManager::Poll() {
  absl::MutexLock control(&control_mu_);
  absl::StatusOr<std::vector<std::string>> listed = repository::ListModels(options_.repository);
  if (!listed.ok()) {
    Log(LogLevel::kError, "repository_unreadable", {{"error", listed.status().ToString()}});
    return;
  }
  std::vector<std::string> to_load;
  std::vector<std::string> to_unload;
  std::map<std::string, std::string> fingerprints;  // Read before locking: it is file I/O.
  for (const std::string& name : *listed) fingerprints[name] = FingerprintOf(name);
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& name : *listed) {
      auto it = entries_.find(name);
      const bool unchanged = it != entries_.end() && it->second.wanted &&
                             !fingerprints[name].empty() &&
                             fingerprints[name] == it->second.fingerprint;
      if (!unchanged) to_load.push_back(name);
    }
    for (const auto& [name, entry] : entries_) {
      if (entry.wanted && std::find(listed->begin(), listed->end(), name) == listed->end()) {
        to_unload.push_back(name);
      }
    }
  }
  EnsemblesLast(&to_load);
  for (const std::string& name : to_load) {
    LoadListed(name, fingerprints[name]).IgnoreError();  // Recorded.
  }
  for (const std::string& name : to_unload) {
    std::map<int64_t, std::shared_ptr<ServableModel>> retired;
    {
      absl::MutexLock lock(&mu_);
      retired = std::move(entries_[name].versions);
      entries_.erase(name);
    }
    Notify(name, false);
    Log(LogLevel::kInfo, "model_unloaded", {{"model", name}, {"reason", "removed"}});
  }
}

absl::StatusOr<std::shared_ptr<ServableModel>> ModelManager::Get(const std::string& name,
                                                                 const std::string& version) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(name);
  if (it == entries_.end() || (!it->second.wanted && it->second.versions.empty())) {
    return absl::NotFoundError(absl::StrCat("unknown model '", name, "'"));
  }
  const Entry& entry = it->second;
  if (entry.versions.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "model '", name, "' is not ready: ", entry.loading ? "loading" : entry.reason));
  }
  if (version.empty()) return entry.versions.rbegin()->second;
  int64_t number = 0;
  if (!absl::SimpleAtoi(version, &number)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model version '", version, "' is not a number"));
  }
  auto found = entry.versions.find(number);
  if (found == entry.versions.end()) {
    std::vector<int64_t> served;
    for (const auto& [v, servable] : entry.versions) served.push_back(v);
    return absl::NotFoundError(absl::StrCat("model '", name, "' has no version ", version,
                                            " (serving: ", Join(served), ")"));
  }
  return found->second;
}

std::vector<std::shared_ptr<ServableModel>> ModelManager::Served() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<ServableModel>> served;
  for (const auto& [name, entry] : entries_) {
    for (const auto& [version, servable] : entry.versions) served.push_back(servable);
  }
  return served;
}

std::vector<int64_t> ModelManager::Versions(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  std::vector<int64_t> versions;
  auto it = entries_.find(name);
  if (it == entries_.end()) return versions;
  for (const auto& [version, servable] : it->second.versions) versions.push_back(version);
  return versions;
}

std::vector<ModelIndexEntry> ModelManager::Index(bool ready_only) const {
  absl::StatusOr<std::vector<std::string>> listed = repository::ListModels(options_.repository);
  absl::MutexLock lock(&mu_);
  std::map<std::string, const Entry*> rows;
  if (listed.ok()) {
    for (const std::string& name : *listed) rows[name] = nullptr;
  }
  for (const auto& [name, entry] : entries_) rows[name] = &entry;
  std::vector<ModelIndexEntry> index;
  for (const auto& [name, entry] : rows) {
    if (entry != nullptr && !entry->versions.empty()) {
      for (const auto& [version, servable] : entry->versions) {
        index.push_back({name, absl::StrCat(version), "READY", entry->reason});
      }
      continue;
    }
    if (ready_only) continue;
    if (entry == nullptr) {
      index.push_back({name, "", "UNAVAILABLE", "not loaded"});
    } else {
      index.push_back({name, "", entry->loading ? "LOADING" : "UNAVAILABLE", entry->reason});
    }
  }
  return index;
}

bool ModelManager::AllReady() const {
  absl::MutexLock lock(&mu_);
  return std::all_of(entries_.begin(), entries_.end(), [](const auto& item) {
    return !item.second.wanted || !item.second.versions.empty();
  });
}

}  // namespace convoy::server
