// ModelManager: which models of the repository are served, in which
// versions, and what happened to the others.
//
// Control modes follow Triton's --model-control-mode:
//   kNone      load every model at startup; the set never changes.
//   kExplicit  load what --load-model names at startup ("*" = all), then
//              only through Load()/Unload() (the repository RPCs).
//   kPoll      load every model at startup, then Poll() makes the served
//              set follow the directory: new models load, changed models
//              reload, removed models unload.
// A model that fails to load is recorded with its reason (Index() shows it)
// and never affects the others. Reasons and the errors Load() returns go to
// clients, so they name files relative to the repository
// ("foo/config.pbtxt: ...", the repository itself as "<repository>"); the
// log keeps full paths. A reload builds the new versions completely
// before it swaps them in; requests in flight on the old versions finish on
// them (they hold the ServableModel), and if the reload fails the old
// versions keep serving.
//
// Ensembles (platform convoy_ensemble) load after the other models of the
// same startup or poll, and only if their members are served then; they
// have one version, 1. Requests resolve the members again each time, so a
// reloaded member serves its ensemble at once, and an unloaded one makes
// the ensemble's requests fail with UNAVAILABLE until it is back.
//
// Thread-safety: all methods may be called concurrently. Loads, unloads and
// polls are serialised among themselves; Get() never waits for a load.
#ifndef CONVOY_SERVER_CORE_MODEL_MANAGER_H_
#define CONVOY_SERVER_CORE_MODEL_MANAGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/core/servable_model.h"

namespace convoy::server {

enum class ModelControlMode { kNone, kExplicit, kPoll };

// "none", "explicit" or "poll".
absl::StatusOr<ModelControlMode> ParseModelControlMode(const std::string& text);

struct ModelManagerOptions {
  std::string repository;
  ModelControlMode mode = ModelControlMode::kNone;
  // kExplicit only: models to load at startup; "*" loads all of them.
  std::vector<std::string> startup_models;
  ServableOptions servable;
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
  // NotFound if the repository is not a directory.
  static absl::StatusOr<std::unique_ptr<ModelManager>> Create(ModelManagerOptions options);

  // Called after a model becomes ready or stops being ready (outside locks).
  using ReadinessListener = std::function<void(const std::string& model, bool ready)>;
  void SetReadinessListener(ReadinessListener listener);

  // Loads the startup set. Failures are recorded, not returned.
  void LoadStartupModels();

  // Loads or reloads a model. InvalidArgument for a name that cannot be a
  // model of the repository, NotFound for a model that is not there, the
  // load error otherwise (the model is then recorded as UNAVAILABLE, or keeps
  // its previous versions).
  absl::Status Load(const std::string& name);
  // Stops serving a model. NotFound if it is not loaded.
  absl::Status Unload(const std::string& name);
  // kPoll: brings the served set in line with the repository's contents.
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
  const std::string& repository() const { return options_.repository; }

 private:
  struct Entry {
    std::map<int64_t, std::shared_ptr<ServableModel>> versions;
    bool loading = false;
    bool wanted = false;  // Should be served (loaded, or failed to load).
    std::string reason;
    std::string fingerprint;  // Of the files the served versions came from.
  };

  explicit ModelManager(ModelManagerOptions options) : options_(std::move(options)) {}

  // `status` with the repository's path taken out of its message: what
  // clients are told (see the class comment).
  absl::Status ForClients(const absl::Status& status) const;
  // OK if `name` is a valid name of a model directory of the repository.
  absl::Status CheckLoadable(const std::string& name) const;
  absl::Status LoadLocked(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(control_mu_);
  // LoadLocked for a name just listed from the repository, with the
  // fingerprint of its files read before the load.
  absl::Status LoadListed(const std::string& name, std::string fingerprint)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(control_mu_);
  std::string FingerprintOf(const std::string& name) const;  // "" if unreadable.
  // An ensemble's single version (1), over its members as served now.
  absl::StatusOr<std::map<int64_t, std::shared_ptr<ServableModel>>> LoadEnsemble(
      const std::string& model_dir, inference::ModelConfig config) const;
  // Reorders model names so ensembles come after the models they may use.
  void EnsemblesLast(std::vector<std::string>* names) const;
  absl::StatusOr<std::map<int64_t, std::shared_ptr<ServableModel>>> LoadVersions(
      const std::string& name) const;
  void Notify(const std::string& name, bool ready);

  const ModelManagerOptions options_;
  absl::Mutex control_mu_;  // Serialises Load, Unload and Poll.
  mutable absl::Mutex mu_ ABSL_ACQUIRED_AFTER(control_mu_);
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  ReadinessListener listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_MODEL_MANAGER_H_
