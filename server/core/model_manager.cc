#include "server/core/model_manager.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "repository/model_config.h"
#include "repository/model_config_json.h"
#include "repository/repository_layout.h"
#include "server/core/log.h"

namespace convoy::server {
namespace {

// Where a config given with a load comes from, in its errors.
constexpr char kConfigParameter[] = "config parameter";

std::string Join(const std::vector<int64_t>& versions) { return absl::StrJoin(versions, ", "); }

// Runs fn(i) for every i in [0, n) on up to `threads` threads, the calling
// one among them, and returns when all are done.
void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> helpers;
  const size_t wanted = std::min(n, static_cast<size_t>(std::max(threads, 1)));
  for (size_t t = 1; t < wanted; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace

absl::StatusOr<ModelControlMode> ParseModelControlMode(const std::string& text) {
  if (text == "none") return ModelControlMode::kNone;
  if (text == "explicit") return ModelControlMode::kExplicit;
  if (text == "poll") return ModelControlMode::kPoll;
  return absl::InvalidArgumentError(
      absl::StrCat("--model-control-mode must be none, explicit or poll, not '", text, "'"));
}

absl::StatusOr<std::unique_ptr<ModelManager>> ModelManager::Create(ModelManagerOptions options) {
  absl::StatusOr<ModelRepositories> repositories = ModelRepositories::Create(options.repositories);
  if (!repositories.ok()) return repositories.status();
  return std::unique_ptr<ModelManager>(new ModelManager(std::move(options), *std::move(repositories)));
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

std::string ModelManager::FingerprintOf(const std::vector<std::string>& dirs) const {
  std::string combined;
  for (const std::string& dir : dirs) {
    absl::StatusOr<std::string> fingerprint = repository::ModelFingerprint(dir);
    if (!fingerprint.ok()) return "";
    // Several directories: the name is ambiguous until one of them changes.
    absl::StrAppend(&combined, dirs.size() > 1 ? absl::StrCat(dir, "=") : "", *fingerprint, " ");
  }
  if (!combined.empty()) combined.pop_back();
  return combined;
}

void ModelManager::LoadStartupModels() {
  const std::vector<std::string>& names = options_.startup_models;
  const bool all = options_.mode != ModelControlMode::kExplicit ||
                   std::find(names.begin(), names.end(), "*") != names.end();
  std::vector<LoadTask> tasks;
  if (all) {
    absl::StatusOr<std::map<std::string, std::vector<std::string>>> listed = repositories_.List();
    if (!listed.ok()) {
      Log(LogLevel::kError, "repository_unreadable", {{"error", listed.status().ToString()}});
      return;
    }
    for (auto& [name, dirs] : *listed) {
      LoadTask task(name);
      task.dirs = std::move(dirs);
      task.fingerprint = FingerprintOf(task.dirs);
      tasks.push_back(std::move(task));
    }
  } else {
    for (const std::string& name : names) tasks.emplace_back(name);
  }
  absl::MutexLock control(&control_mu_);
  LoadAll(tasks);  // Failures are recorded.
}

absl::Status ModelManager::Load(const std::string& name, const ModelOverride& override) {
  const bool overridden = override.config_json.has_value() || !override.files.empty();
  std::vector<LoadTask> tasks;
  tasks.emplace_back(name, /*named=*/true, overridden ? &override : nullptr);
  absl::MutexLock control(&control_mu_);
  LoadAll(tasks);
  return tasks[0].status;
}

std::optional<std::vector<std::string>> ModelManager::EnsembleMembers(LoadTask& task) const {
  const bool from_json = task.override != nullptr && task.override->config_json;
  if (!from_json && task.dirs.size() != 1) return std::nullopt;  // Its load will say why.
  task.config = ReadConfig(task, from_json ? std::string() : task.dirs[0]);
  if (!task.config->ok()) return std::nullopt;
  const inference::ModelConfig& config = (*task.config)->config;
  if (config.platform() != repository::kEnsemblePlatform) return std::nullopt;
  std::vector<std::string> members;
  for (const inference::ModelEnsemble::Member& member : config.ensemble().member()) {
    members.push_back(member.model_name());
  }
  return members;
}

void ModelManager::LoadAll(std::vector<LoadTask>& tasks) {
  // Where each model is, unless a listing said so or its files come with
  // the request. A name no repository has is refused before anything is
  // recorded for it.
  std::vector<LoadTask*> runnable;
  for (LoadTask& task : tasks) {
    task.status = repository::ValidateModelName(task.name);
    const bool from_request = task.override != nullptr && !task.override->files.empty();
    if (task.status.ok() && task.dirs.empty() && !from_request) {
      absl::StatusOr<std::vector<std::string>> dirs = repositories_.DirectoriesOf(task.name);
      if (!dirs.ok()) {
        task.status = dirs.status();
      } else if (dirs->empty()) {
        task.status = repositories_.Locate(task.name).status();
      } else {
        task.dirs = *std::move(dirs);
        task.fingerprint = FingerprintOf(task.dirs);
      }
    }
    if (!task.status.ok()) {
      Log(LogLevel::kError, "model_load_refused", {{"model", task.name}, {"error", std::string(task.status.message())}});
      task.status = repositories_.ForClients(task.status);
      continue;
    }
    runnable.push_back(&task);
  }
  // Ensembles load after the other models, with their members that are
  // not served yet loaded first, as their dependencies.
  std::set<std::string> named;
  for (const LoadTask* task : runnable) named.insert(task->name);
  std::deque<LoadTask> dependencies;  // Stable addresses.
  std::vector<LoadTask*> plain;
  std::map<LoadTask*, std::vector<std::string>> ensembles;
  for (LoadTask* task : runnable) {
    const std::optional<std::vector<std::string>> members = EnsembleMembers(*task);
    if (!members) {
      plain.push_back(task);
      continue;
    }
    ensembles[task] = *members;
    for (const std::string& member : *members) {
      if (!repository::ValidateModelName(member).ok() || !named.insert(member).second) continue;
      {
        absl::MutexLock lock(&mu_);
        auto it = entries_.find(member);
        if (it != entries_.end() && it->second.wanted) continue;  // Loaded, or failed: as it is.
      }
      absl::StatusOr<std::vector<std::string>> dirs = repositories_.DirectoriesOf(member);
      if (!dirs.ok() || dirs->empty()) continue;  // The ensemble's load will say.
      LoadTask& dependency = dependencies.emplace_back(member, /*named=*/false);
      dependency.dirs = *std::move(dirs);
      dependency.fingerprint = FingerprintOf(dependency.dirs);
      plain.push_back(&dependency);
    }
  }
  // Then the ensembles, in waves: one that names another ensemble of this
  // load waits for it, so that its error says what that member is (an
  // ensemble cannot be a member) rather than that it was still loading.
  std::vector<std::vector<LoadTask*>> waves = {std::move(plain)};
  while (!ensembles.empty()) {
    std::vector<LoadTask*> wave;
    for (const auto& [task, members] : ensembles) {
      const bool waits = std::any_of(members.begin(), members.end(), [&, task = task](const std::string& member) {
        return std::any_of(ensembles.begin(), ensembles.end(), [&](const auto& other) {
          return other.first != task && other.first->name == member;
        });
      });
      if (!waits) wave.push_back(task);
    }
    if (wave.empty()) {
      for (const auto& [task, members] : ensembles) wave.push_back(task);  // A cycle: together.
    }
    for (LoadTask* task : wave) ensembles.erase(task);
    waves.push_back(std::move(wave));
  }
  for (const std::vector<LoadTask*>& wave : waves) {
    ParallelFor(wave.size(), options_.load_threads, [&](size_t i) { wave[i]->status = LoadOne(*wave[i]); });
  }
}

absl::StatusOr<ModelManager::Source> ModelManager::Resolve(const LoadTask& task) const {
  Source source;
  const ModelOverride* override = task.override;
  if (override != nullptr && !override->files.empty()) {
    if (!override->config_json) {
      return absl::InvalidArgumentError(
          "load parameter 'config' must come with the 'file:' parameters: it is the configuration of the "
          "model directory they make up");
    }
    int64_t bytes = 0;
    for (const auto& [path, content] : override->files) bytes += static_cast<int64_t>(content.size());
    int64_t in_use = 0;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [name, entry] : entries_) {
        // The model's own files go once this load succeeds.
        if (name != task.name && entry.files != nullptr) in_use += entry.files->bytes();
      }
    }
    if (in_use + bytes > options_.max_private_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the load's files (", bytes, " bytes) and those of the models already loaded from files (",
                       in_use, " bytes) would pass the server's bound of ", options_.max_private_bytes,
                       " bytes (--max-load-file-bytes)"));
    }
    absl::StatusOr<std::unique_ptr<PrivateModelDirectory>> files =
        PrivateModelDirectory::Create(options_.private_root, task.name, override->files);
    if (!files.ok()) return files.status();
    source.files = *std::move(files);
    source.model_dir = source.files->model_dir();
  } else {
    if (task.dirs.size() > 1) return repositories_.Duplicate(task.name, task.dirs);
    source.model_dir = task.dirs.at(0);
  }
  absl::StatusOr<repository::ModelConfigFile> file = task.config ? *task.config : ReadConfig(task, source.model_dir);
  if (!file.ok()) return file.status();
  source.file = *std::move(file);
  return source;
}

absl::StatusOr<repository::ModelConfigFile> ModelManager::ReadConfig(const LoadTask& task,
                                                                     const std::string& model_dir) const {
  const bool auto_complete = options_.servable.auto_complete_config;
  const repository::ConfigCompleteness completeness =
      auto_complete ? repository::ConfigCompleteness::kPartial : repository::ConfigCompleteness::kComplete;
  if (task.override != nullptr && task.override->config_json) {
    return repository::ParseModelConfigJson(*task.override->config_json, kConfigParameter, task.name, completeness);
  }
  absl::StatusOr<repository::ModelConfigFile> file = repository::ReadModelConfig(model_dir, completeness);
  if (absl::IsNotFound(file.status()) && !auto_complete && std::filesystem::is_directory(model_dir)) {
    return absl::InvalidArgumentError(absl::StrCat(
        model_dir, "/", repository::kModelConfigFileName,
        ": missing; with auto-complete disabled (--disable-auto-complete-config or --strict-model-config=true) "
        "every model needs a config.pbtxt that lists its inputs and outputs"));
  }
  return file;
}

absl::StatusOr<ModelManager::VersionMap> ModelManager::LoadVersions(const std::string& name,
                                                                    const Source& source) const {
  const std::string& model_dir = source.model_dir;
  const repository::ModelConfigFile& file = source.file;
  // Each warning once, though the checks after auto-complete run per version.
  std::set<std::string> warned;
  auto warn = [&](const std::vector<std::string>& warnings) {
    for (const std::string& warning : warnings) {
      if (!warned.insert(warning).second) continue;
      Log(LogLevel::kWarning, "model_config_warning", {{"model", name}, {"warning", warning}});
    }
  };
  warn(file.warnings);
  const inference::ModelConfig& config = file.config;
  if (config.platform() == repository::kEnsemblePlatform) return LoadEnsemble(model_dir, config);
  absl::StatusOr<std::vector<int64_t>> available = repository::ListVersions(model_dir);
  if (!available.ok()) return available.status();
  absl::StatusOr<std::vector<int64_t>> selected = repository::SelectVersions(config.version_policy(), *available);
  if (!selected.ok()) {
    return absl::Status(selected.status().code(),
                        absl::StrCat(model_dir, ": ", selected.status().message()));
  }
  VersionMap versions;
  for (int64_t version : *selected) {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::shared_ptr<SingleModel>> servable =
        SingleModel::Load(model_dir, version, file, options_.servable);
    if (!servable.ok()) return servable.status();
    warn((*servable)->config_warnings());
    if (!(*servable)->auto_completed().empty()) {
      Log(LogLevel::kInfo, "model_config_completed",
          {{"model", name},
           {"version", absl::StrCat(version)},
           {"filled", absl::StrJoin((*servable)->auto_completed(), ", ")}});
    }
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

absl::StatusOr<ModelManager::VersionMap> ModelManager::LoadEnsemble(const std::string& model_dir,
                                                                    inference::ModelConfig config) const {
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
  return VersionMap{{1, *std::move(ensemble)}};
}

absl::Status ModelManager::LoadOne(const LoadTask& task) {
  const std::string& name = task.name;
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[name];
    entry.by_name = (entry.wanted && entry.by_name) || task.by_name;
    entry.loading = true;
    entry.wanted = true;
  }
  absl::StatusOr<Source> source = Resolve(task);
  absl::StatusOr<VersionMap> versions = source.ok() ? LoadVersions(name, *source) : source.status();
  const absl::Status for_clients =
      repositories_.ForClients(versions.status(), source.ok() && source->files ? source->files->path() : "");
  // A name that two repositories hold is served from neither (Triton's rule).
  const bool ambiguous = !source.ok() && task.dirs.size() > 1;
  VersionMap retired;  // Released outside the lock, as is what it replaces.
  std::shared_ptr<const PrivateModelDirectory> retired_files;
  bool ready = false;
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[name];
    entry.loading = false;
    entry.fingerprint = task.fingerprint;
    if (versions.ok()) {
      retired = std::exchange(entry.versions, *std::move(versions));
      retired_files = std::exchange(entry.files, source->files);
      entry.members.clear();
      for (const auto& member : source->file.config.ensemble().member()) entry.members.push_back(member.model_name());
      entry.reason.clear();
    } else {
      entry.reason = std::string(for_clients.message());
      if (ambiguous) {
        retired = std::move(entry.versions);
        retired_files = std::move(entry.files);
        entry.versions.clear();
        entry.members.clear();
      } else if (!entry.versions.empty()) {
        entry.reason = absl::StrCat("reload failed: ", entry.reason);
      }
    }
    ready = !entry.versions.empty();
  }
  if (!versions.ok()) {
    Log(LogLevel::kError, "model_load_failed", {{"model", name}, {"error", std::string(versions.status().message())}});
  }
  Notify(name, ready);
  return for_clients;
}

ModelManager::Entry ModelManager::TakeOut(const std::string& name, const std::string& reason) {
  Entry taken = std::exchange(entries_[name], Entry{});
  entries_[name].reason = reason;
  return taken;
}

absl::Status ModelManager::Unload(const std::string& name, bool unload_dependents) {
  absl::MutexLock control(&control_mu_);
  std::vector<Entry> retired;  // Released outside the lock: versions finish their requests, files go.
  std::vector<std::string> unloaded;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(name);
    if (it == entries_.end() || !it->second.wanted) {
      return absl::NotFoundError(absl::StrCat("model '", name, "' is not loaded"));
    }
    retired.push_back(TakeOut(name, "unloaded"));
    unloaded.push_back(name);
    std::vector<std::string> members;
    if (unload_dependents) members = retired[0].members;
    // Ensembles are never members, so one level is all there is.
    for (const std::string& member : members) {
      auto found = entries_.find(member);
      if (found == entries_.end() || !found->second.wanted || found->second.by_name) continue;
      const bool still_used = std::any_of(entries_.begin(), entries_.end(), [&](const auto& other) {
        const Entry& entry = other.second;
        return entry.wanted && std::find(entry.members.begin(), entry.members.end(), member) != entry.members.end();
      });
      if (still_used) continue;
      retired.push_back(TakeOut(member, absl::StrCat("unloaded with '", name, "'")));
      unloaded.push_back(member);
    }
  }
  for (const std::string& model : unloaded) {
    Notify(model, false);
    Log(LogLevel::kInfo, "model_unloaded",
        {{"model", model}, {"reason", model == name ? "request" : absl::StrCat("dependency of ", name)}});
  }
  return absl::OkStatus();
}

void ModelManager::Poll() {
  absl::MutexLock control(&control_mu_);
  absl::StatusOr<std::map<std::string, std::vector<std::string>>> listed = repositories_.List();
  if (!listed.ok()) {
    Log(LogLevel::kError, "repository_unreadable", {{"error", listed.status().ToString()}});
    return;
  }
  std::vector<LoadTask> candidates;
  for (auto& [name, dirs] : *listed) {
    LoadTask task(name);
    task.dirs = dirs;
    task.fingerprint = FingerprintOf(task.dirs);  // File I/O: before locking.
    candidates.push_back(std::move(task));
  }
  std::vector<LoadTask> to_load;
  std::vector<std::string> to_unload;
  {
    absl::MutexLock lock(&mu_);
    for (LoadTask& task : candidates) {
      auto it = entries_.find(task.name);
      const bool unchanged = it != entries_.end() && it->second.wanted && !task.fingerprint.empty() &&
                             task.fingerprint == it->second.fingerprint;
      if (!unchanged) to_load.push_back(std::move(task));
    }
    for (const auto& [name, entry] : entries_) {
      if (entry.wanted && listed->count(name) == 0) to_unload.push_back(name);
    }
  }
  LoadAll(to_load);  // Failures are recorded.
  for (const std::string& name : to_unload) {
    Entry retired;
    {
      absl::MutexLock lock(&mu_);
      retired = std::move(entries_[name]);
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
  absl::StatusOr<std::map<std::string, std::vector<std::string>>> listed = repositories_.List();
  absl::MutexLock lock(&mu_);
  std::map<std::string, const Entry*> rows;
  if (listed.ok()) {
    for (const auto& [name, dirs] : *listed) rows[name] = nullptr;
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
    if (entry != nullptr) {
      index.push_back({name, "", entry->loading ? "LOADING" : "UNAVAILABLE", entry->reason});
      continue;
    }
    const std::vector<std::string>& dirs = listed->at(name);
    index.push_back({name, "", "UNAVAILABLE",
                     dirs.size() > 1 ? std::string(repositories_.ForClients(repositories_.Duplicate(name, dirs)).message())
                                     : "not loaded"});
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
