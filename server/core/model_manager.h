// ModelManager: which models of the repositories are served, in which
// versions, and what happened to the others.
//
// Control modes follow Triton's --model-control-mode:
//   kNone      load every model at startup; the set never changes.
//   kExplicit  load what --load-model names at startup ("*" = all), then
//              only through Load()/Unload() (the repository RPCs).
//   kPoll      load every model at startup, then Poll() makes the served
//              set follow the directories: new models load, changed models
//              reload, removed models unload.
// A model that fails to load is recorded with its reason (Index() shows it)
// and never affects the others. Reasons and the errors Load() returns go to
// clients, so they name files relative to the repository
// ("foo/config.pbtxt: ...", see ModelRepositories::ForClients); the log
// keeps full paths. A reload builds the new versions completely before it
// swaps them in; requests in flight on the old versions finish on them
// (they hold the ServableModel), and if the reload fails the old versions
// keep serving.
//
// Several repositories (Triton's repeated --model-repository) are one
// namespace: a model name found in two of them fails to load, with an
// error naming both directories, and a poll unloads a model that becomes
// ambiguous, as Triton does.
//
// Startup and polls load up to Options::load_threads models at once
// (Triton's --model-load-thread-count): first every other model, then the
// ensembles, so that an ensemble finds its members served.
//
// Ensembles (platform convoy_ensemble) have one version, 1, and load only
// if their members are served then. Loading an ensemble by name (Load(),
// or --load-model) also loads its members that are not served, as Triton
// does; those are "loaded as dependencies" until loaded by name.
// Unload(name, /*unload_dependents=*/true) also unloads the members of an
// ensemble that were loaded as its dependencies and that no other ensemble
// still served uses (Triton's rule). Requests resolve the members again
// each time, so a reloaded member serves its ensemble at once, and an
// unloaded one makes the ensemble's requests fail with UNAVAILABLE until
// it is back.
//
// Load() may replace what the repository holds (Triton's load parameters):
// a configuration given as JSON instead of config.pbtxt, and the model's
// files themselves, written to a PrivateModelDirectory (never into a
// repository). The override is what the model serves until the next Load()
// of it, which reads the repository again if it carries none; Unload(), a
// reload and the manager's destruction remove the private directory. Poll
// mode takes no Load() (the repository RPCs are refused there), so a poll
// never undoes an override.
//
// Thread-safety: all methods may be called concurrently. Loads, unloads and
// polls are serialised among themselves (the models of one startup, poll
// or Load() load in parallel inside it); Get() never waits for a load.
#ifndef CONVOY_SERVER_CORE_MODEL_MANAGER_H_
#define CONVOY_SERVER_CORE_MODEL_MANAGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "repository/model_config.h"
#include "server/core/model_repositories.h"
#include "server/core/private_model_directory.h"
#include "server/core/servable_model.h"

namespace convoy::server {

enum class ModelControlMode { kNone, kExplicit, kPoll };

// "none", "explicit" or "poll".
absl::StatusOr<ModelControlMode> ParseModelControlMode(const std::string& text);

struct ModelManagerOptions {
  // The model repositories, in the order given (at least one).
  std::vector<std::string> repositories;
  ModelControlMode mode = ModelControlMode::kNone;
  // kExplicit only: models to load at startup; "*" loads all of them.
  std::vector<std::string> startup_models;
  // Models loaded at the same time at startup, by a poll, or by a Load()
  // that also loads an ensemble's members. 4: Triton's default
  // (--model-load-thread-count); a load is mostly the engine compiling
  // plans on its own threads, so more rarely helps.
  int load_threads = 4;
  // Where the private directories of Load() files go; empty = the system's
  // temporary directory ($TMPDIR, else /tmp).
  std::string private_root;
  // Bytes the files of every Load() in force may hold together on disk
  // (--max-load-file-bytes). 1 GiB: a few large ONNX models.
  int64_t max_private_bytes = int64_t{1} << 30;
  ServableOptions servable;
};

// What a Load() may put in place of the repository's copy of a model
// (Triton's load parameters; see the class comment).
struct ModelOverride {
  // A ModelConfig in JSON ("config"), used instead of config.pbtxt and
  // validated as strictly (repository/model_config_json.h).
  std::optional<std::string> config_json;
  // The model directory's files by relative path ("file:1/model.onnx" ->
  // "1/model.onnx"); the model is then loaded from them alone. Needs
  // config_json, as in Triton.
  std::map<std::string, std::string> files;
};

// One row of RepositoryIndex.
struct ModelIndexEntry {
  std::string name;
  std::string version;  // Empty when no version is served.
  std::string state;    // READY, LOADING, UNAVAILABLE
  std::string reason;   // Why it is not READY, or what went wrong last.
};

class ModelManager {
 public:
  // NotFound if a repository is not a directory, InvalidArgument for none
  // or one given twice.
  static absl::StatusOr<std::unique_ptr<ModelManager>> Create(ModelManagerOptions options);

  // Called after a model becomes ready or stops being ready (outside locks,
  // possibly from several loading threads at once).
  using ReadinessListener = std::function<void(const std::string& model, bool ready)>;
  void SetReadinessListener(ReadinessListener listener);

  // Loads the startup set. Failures are recorded, not returned.
  void LoadStartupModels();

  // Loads or reloads a model, with `override` in place of the repository's
  // copy when given. InvalidArgument for a name that cannot be a model or
  // an override that cannot be used (the error names the parameter),
  // NotFound for a model in no repository, FailedPrecondition for one in
  // two, ResourceExhausted when the files would pass max_private_bytes,
  // the load error otherwise (the model is then recorded as UNAVAILABLE, or
  // keeps its previous versions).
  absl::Status Load(const std::string& name, const ModelOverride& override = {});
  // Stops serving a model and, with `unload_dependents`, the ensemble
  // members it alone kept loaded (see the class comment). NotFound if it is
  // not loaded.
  absl::Status Unload(const std::string& name, bool unload_dependents = false);
  // kPoll: brings the served set in line with the repositories' contents.
  void Poll();

  // The version a request names ("" = the highest served). NotFound for an
  // unknown model or version, InvalidArgument for a malformed version,
  // Unavailable for a model that is not ready.
  absl::StatusOr<std::shared_ptr<ServableModel>> Get(const std::string& name,
                                                     const std::string& version) const;
  // Every served version, for statistics.
  std::vector<std::shared_ptr<ServableModel>> Served() const;
  std::vector<ModelIndexEntry> Index(bool ready_only) const;
  // Served versions of a model, ascending.
  std::vector<int64_t> Versions(const std::string& name) const;
  // True when every model of the startup set (and every model loaded since)
  // is ready: Triton's strict readiness.
  bool AllReady() const;

  ModelControlMode mode() const { return options_.mode; }
  const ModelRepositories& repositories() const { return repositories_; }

 private:
  using VersionMap = std::map<int64_t, std::shared_ptr<ServableModel>>;

  struct Entry {
    VersionMap versions;
    bool loading = false;
    bool wanted = false;  // Should be served (loaded, or failed to load).
    // Loaded by name (startup, poll, Load()), not only as an ensemble's
    // member: unload_dependents leaves it.
    bool by_name = true;
    std::string reason;
    std::string fingerprint;            // Of the files the served versions came from.
    std::vector<std::string> members;   // An ensemble's, as served.
    std::shared_ptr<const PrivateModelDirectory> files;  // Of the served versions' Load().
  };

  // One model to load, and where from.
  struct LoadTask {
    explicit LoadTask(std::string model, bool named = true, const ModelOverride* replacement = nullptr)
        : name(std::move(model)), by_name(named), override(replacement) {}

    std::string name;
    bool by_name = true;
    const ModelOverride* override = nullptr;  // Not owned; null = the repository's copy.
    // Known from a listing of the repositories: the directory, or several
    // for an ambiguous name (empty: look it up).
    std::vector<std::string> dirs;
    std::string fingerprint;
    // The configuration, once read (ReadConfig): read once per load, by
    // whichever step needs it first.
    std::optional<absl::StatusOr<repository::ModelConfigFile>> config;
    absl::Status status;  // The outcome, for the client.
  };
  // A model's directory and configuration, ready to load.
  struct Source {
    std::string model_dir;
    repository::ModelConfigFile file;  // As read; auto-complete fills the rest per version.
    std::shared_ptr<const PrivateModelDirectory> files;
  };

  ModelManager(ModelManagerOptions options, ModelRepositories repositories)
      : options_(std::move(options)), repositories_(std::move(repositories)) {}

  // Loads `tasks` (plus the members of their ensembles that are not served,
  // as dependencies), non-ensembles first, up to load_threads at once, and
  // records each outcome. REQUIRES: control_mu_ held by the caller, whose
  // thread waits here while others load.
  void LoadAll(std::vector<LoadTask>& tasks) ABSL_EXCLUSIVE_LOCKS_REQUIRED(control_mu_);
  // Loads one model and records the outcome. Runs on a loading thread on
  // behalf of LoadAll's caller, which holds control_mu_.
  absl::Status LoadOne(const LoadTask& task);
  absl::StatusOr<Source> Resolve(const LoadTask& task) const;
  absl::StatusOr<VersionMap> LoadVersions(const std::string& name, const Source& source) const;
  // An ensemble's single version (1), over its members as served now.
  absl::StatusOr<VersionMap> LoadEnsemble(const std::string& model_dir, inference::ModelConfig config) const;
  // The members of the ensemble the task loads; nullopt if it is not one
  // (or its config cannot be read: its load will say why).
  std::optional<std::vector<std::string>> EnsembleMembers(LoadTask& task) const;
  // The task's configuration: its `config` parameter, or the config.pbtxt of
  // `model_dir`, parsed as complete or partial as auto-complete is set.
  absl::StatusOr<repository::ModelConfigFile> ReadConfig(const LoadTask& task, const std::string& model_dir) const;
  // Stops serving `name` now (its versions are released by the caller).
  Entry TakeOut(const std::string& name, const std::string& reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string FingerprintOf(const std::vector<std::string>& dirs) const;  // "" if unreadable.
  void Notify(const std::string& name, bool ready);

  const ModelManagerOptions options_;
  const ModelRepositories repositories_;
  absl::Mutex control_mu_;  // Serialises Load, Unload and Poll.
  mutable absl::Mutex mu_ ABSL_ACQUIRED_AFTER(control_mu_);
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  ReadinessListener listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_MODEL_MANAGER_H_
