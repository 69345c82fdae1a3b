// ModelManager: what it tells clients about models that failed to load,
// several repositories, parallel loading, load overrides, unload_dependents,
// and how it reads configs: auto-completed by default, complete without it.
#include "server/core/model_manager.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/testing/test_repository.h"
#include "tests/testing/temp_dir.h"

namespace convoy::server {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

std::string ReasonOf(const ModelManager& manager, const std::string& name) {
  for (const ModelIndexEntry& entry : manager.Index(/*ready_only=*/false)) {
    if (entry.name == name) return entry.reason;
  }
  return "(no row for " + name + ")";
}

// A batchable y = x * scale model, version 1, in <repository>/<name>.
void AddScaleModel(const testing::TempDir& dir, const std::string& repository, const std::string& name,
                   float scale = 1.0f, const std::string& extra = "") {
  dir.Write(absl::StrCat(repository, "/", name, "/config.pbtxt"), testing::ScaleModelConfig(name, extra));
  dir.Write(absl::StrCat(repository, "/", name, "/1/model.onnx"), testing::ScaleModelOnnx(scale));
}

std::string EnsembleConfig(const std::string& name, const std::vector<std::string>& members) {
  std::string config = absl::StrCat("name: \"", name, "\"\nplatform: \"convoy_ensemble\"\nmax_batch_size: 8\n",
                                    "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n",
                                    "output [ { name: \"p\" data_type: TYPE_FP32 dims: [ 4 ] } ]\nensemble {");
  for (const std::string& member : members) absl::StrAppend(&config, " member { model_name: \"", member, "\" }");
  return config + " }\n";
}

// The scale model's configuration as a load's `config` parameter.
std::string ScaleConfigJson(const std::string& name, int max_batch_size) {
  return absl::StrCat(R"({"name": ")", name, R"(", "max_batch_size": )", max_batch_size,
                      R"(, "input": [{"name": "x", "data_type": "TYPE_FP32", "dims": ["4"]}],)",
                      R"( "output": [{"name": "y", "data_type": "TYPE_FP32", "dims": [4]}]})");
}

std::unique_ptr<ModelManager> MakeManager(const ModelManagerOptions& options) {
  absl::StatusOr<std::unique_ptr<ModelManager>> manager = ModelManager::Create(options);
  EXPECT_TRUE(manager.ok()) << manager.status();
  return manager.ok() ? *std::move(manager) : nullptr;
}

ModelManagerOptions Options(std::vector<std::string> repositories, ModelControlMode mode) {
  ModelManagerOptions options;
  options.repositories = std::move(repositories);
  options.mode = mode;
  return options;
}

bool Served(const ModelManager& manager, const std::string& name) { return manager.Get(name, "").ok(); }

int MaxBatchSize(const ModelManager& manager, const std::string& name) {
  absl::StatusOr<std::shared_ptr<ServableModel>> model = manager.Get(name, "");
  return model.ok() ? (*model)->config().max_batch_size() : -1;
}

// The private directories of loads' files under `root`.
std::vector<fs::path> PrivateDirectories(const fs::path& root) {
  std::vector<fs::path> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(root, error)) found.push_back(entry.path());
  return found;
}

TEST(ModelManagerTest, FailureReasonsNameFilesRelativeToTheRepository) {
  testing::TempDir dir;
  dir.Write("repo/broken/config.pbtxt", "max_batch_size: -3\n");
  dir.Write("repo/garbled/1/model.onnx", "not an ONNX file");
  dir.MakeDir("repo/linked/1");
  std::filesystem::create_symlink(dir.Write("elsewhere/config.pbtxt", ""),
                                  dir.path() / "repo/linked" / "config.pbtxt");
  // The repository as a server is usually given it: absolute, and with a
  // trailing separator.
  for (const std::string& root : {dir.Path("repo"), dir.Path("repo") + "/"}) {
    SCOPED_TRACE(root);
    ModelManagerOptions options;
    options.repositories = {root};
    options.mode = ModelControlMode::kExplicit;
    absl::StatusOr<std::unique_ptr<ModelManager>> manager = ModelManager::Create(options);
    ASSERT_TRUE(manager.ok()) << manager.status();
    const std::string absolute = dir.path().string();

    const absl::Status broken = (*manager)->Load("broken");
    ASSERT_FALSE(broken.ok());
    EXPECT_THAT(std::string(broken.message()), HasSubstr("broken/config.pbtxt: "));
    EXPECT_THAT(std::string(broken.message()), Not(HasSubstr(absolute)));
    EXPECT_THAT(ReasonOf(**manager, "broken"), HasSubstr("broken/config.pbtxt: "));
    EXPECT_THAT(ReasonOf(**manager, "broken"), Not(HasSubstr(absolute)));

    EXPECT_FALSE((*manager)->Load("garbled").ok());
    EXPECT_THAT(ReasonOf(**manager, "garbled"), HasSubstr("garbled/1/model.onnx"));
    EXPECT_THAT(ReasonOf(**manager, "garbled"), Not(HasSubstr(absolute)));

    EXPECT_FALSE((*manager)->Load("linked").ok());
    EXPECT_THAT(ReasonOf(**manager, "linked"),
                HasSubstr("linked/config.pbtxt resolves outside the model repository <repository>"));
    EXPECT_THAT(ReasonOf(**manager, "linked"), Not(HasSubstr(absolute)));

    const absl::Status absent = (*manager)->Load("absent");
    EXPECT_EQ(absent.code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(std::string(absent.message()), Not(HasSubstr(absolute)));
  }
}

TEST(ModelManagerTest, CreateRefusesAMissingOrRepeatedRepository) {
  testing::TempDir dir;
  dir.MakeDir("a");
  EXPECT_EQ(ModelManager::Create(Options({}, ModelControlMode::kNone)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ModelManager::Create(Options({dir.Path("a"), dir.Path("b")}, ModelControlMode::kNone)).status().code(),
            absl::StatusCode::kNotFound);
  const absl::Status twice =
      ModelManager::Create(Options({dir.Path("a"), dir.Path("a") + "/"}, ModelControlMode::kNone)).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(twice.message()), HasSubstr("given twice"));
}

TEST(ModelManagerTest, ServesTheModelsOfEveryRepository) {
  testing::TempDir dir;
  AddScaleModel(dir, "one", "a");
  AddScaleModel(dir, "two", "b");
  dir.Write("two/broken/config.pbtxt", "max_batch_size: -3\n");
  std::unique_ptr<ModelManager> manager =
      MakeManager(Options({dir.Path("one"), dir.Path("two")}, ModelControlMode::kNone));
  ASSERT_NE(manager, nullptr);
  manager->LoadStartupModels();
  EXPECT_TRUE(Served(*manager, "a"));
  EXPECT_TRUE(Served(*manager, "b"));
  // With several repositories, clients learn which one by its place on the
  // command line, never by its path.
  EXPECT_THAT(ReasonOf(*manager, "broken"), HasSubstr("<repository 2>/broken/config.pbtxt: "));
  EXPECT_THAT(ReasonOf(*manager, "broken"), Not(HasSubstr(dir.path().string())));
  EXPECT_THAT(manager->Index(/*ready_only=*/true), SizeIs(2));
}

TEST(ModelManagerTest, ANameInTwoRepositoriesIsServedFromNeither) {
  testing::TempDir dir;
  AddScaleModel(dir, "one", "dup", 1.0f);
  AddScaleModel(dir, "one", "a");
  AddScaleModel(dir, "two", "dup", 2.0f);
  std::unique_ptr<ModelManager> manager =
      MakeManager(Options({dir.Path("one"), dir.Path("two")}, ModelControlMode::kNone));
  ASSERT_NE(manager, nullptr);
  manager->LoadStartupModels();
  EXPECT_TRUE(Served(*manager, "a"));
  const absl::Status dup = manager->Get("dup", "").status();
  EXPECT_EQ(dup.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(dup.message()),
              HasSubstr("model 'dup' is in more than one model repository (<repository 1>/dup and <repository 2>/dup)"));
  EXPECT_THAT(std::string(dup.message()), Not(HasSubstr(dir.path().string())));
  EXPECT_FALSE(manager->AllReady());

  // Explicit mode: refused on load, and the index says why before any load.
  std::unique_ptr<ModelManager> explicit_manager =
      MakeManager(Options({dir.Path("one"), dir.Path("two")}, ModelControlMode::kExplicit));
  ASSERT_NE(explicit_manager, nullptr);
  EXPECT_THAT(ReasonOf(*explicit_manager, "dup"), HasSubstr("<repository 1>/dup and <repository 2>/dup"));
  const absl::Status load = explicit_manager->Load("dup");
  EXPECT_EQ(load.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(load.message()), HasSubstr("<repository 1>/dup and <repository 2>/dup"));
}

TEST(ModelManagerTest, PollUnloadsAModelThatBecomesAmbiguousAndServesItOnceItIsUniqueAgain) {
  testing::TempDir dir;
  AddScaleModel(dir, "one", "m");
  dir.MakeDir("two");
  std::unique_ptr<ModelManager> manager =
      MakeManager(Options({dir.Path("one"), dir.Path("two")}, ModelControlMode::kPoll));
  ASSERT_NE(manager, nullptr);
  manager->LoadStartupModels();
  ASSERT_TRUE(Served(*manager, "m"));
  AddScaleModel(dir, "two", "m");
  manager->Poll();
  EXPECT_FALSE(Served(*manager, "m"));
  EXPECT_THAT(ReasonOf(*manager, "m"), HasSubstr("more than one model repository"));
  fs::remove_all(dir.path() / "two" / "m");
  manager->Poll();
  EXPECT_TRUE(Served(*manager, "m"));
}

// Each load blocks in the servable's observer factory (called on the
// loading thread, during the load) until `expected` loads have been there
// at once, or a time limit passes: loads that ran one after the other would
// never meet. Once they have met, later loads pass.
class LoadMeeting {
 public:
  explicit LoadMeeting(int expected) : expected_(expected) {}

  void Arrive(const std::string& model) {
    absl::MutexLock lock(&mu_);
    order_.push_back(model);
    ++inside_;
    max_inside_ = std::max(max_inside_, inside_);
    auto met = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return inside_ >= expected_ || met_; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&met), absl::Seconds(expected_ > 1 ? 20 : 0.05))) {
      ++timed_out_;
    } else {
      met_ = true;
    }
    --inside_;
  }
  int max_inside() {
    absl::MutexLock lock(&mu_);
    return max_inside_;
  }
  int timed_out() {
    absl::MutexLock lock(&mu_);
    return timed_out_;
  }
  std::vector<std::string> order() {
    absl::MutexLock lock(&mu_);
    return order_;
  }

 private:
  const int expected_;
  absl::Mutex mu_;
  int inside_ ABSL_GUARDED_BY(mu_) = 0;
  int max_inside_ ABSL_GUARDED_BY(mu_) = 0;
  int timed_out_ ABSL_GUARDED_BY(mu_) = 0;
  bool met_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
};

ModelManagerOptions MeetingOptions(const testing::TempDir& dir, int threads, LoadMeeting* meeting) {
  ModelManagerOptions options = Options({dir.Path("repo")}, ModelControlMode::kNone);
  options.load_threads = threads;
  options.servable.observer_factory = [meeting](const std::string& model, int64_t) {
    meeting->Arrive(model);
    return std::unique_ptr<ModelObserver>();
  };
  return options;
}

TEST(ModelManagerTest, StartupLoadsModelsInParallelAndEnsemblesAfterTheirMembers) {
  testing::TempDir dir;
  for (const char* name : {"a", "b", "c"}) AddScaleModel(dir, "repo", name);
  dir.Write("repo/broken/config.pbtxt", "max_batch_size: -3\n");
  dir.Write("repo/ens/config.pbtxt", EnsembleConfig("ens", {"a", "b"}));
  LoadMeeting meeting(3);
  std::unique_ptr<ModelManager> manager = MakeManager(MeetingOptions(dir, 3, &meeting));
  ASSERT_NE(manager, nullptr);
  manager->LoadStartupModels();
  // a, b and c were all loading at the same moment; the ensemble came after
  // them.
  EXPECT_EQ(meeting.max_inside(), 3);
  EXPECT_EQ(meeting.timed_out(), 0);
  ASSERT_THAT(meeting.order(), SizeIs(4));
  EXPECT_EQ(meeting.order().back(), "ens");
  for (const char* name : {"a", "b", "c", "ens"}) EXPECT_TRUE(Served(*manager, name)) << name;
  // A model that fails affects none of the others.
  EXPECT_THAT(ReasonOf(*manager, "broken"), HasSubstr("max_batch_size"));
}

TEST(ModelManagerTest, OneLoadThreadLoadsOneModelAtATime) {
  testing::TempDir dir;
  for (const char* name : {"a", "b", "c"}) AddScaleModel(dir, "repo", name);
  LoadMeeting meeting(1);
  std::unique_ptr<ModelManager> manager = MakeManager(MeetingOptions(dir, 1, &meeting));
  ASSERT_NE(manager, nullptr);
  manager->LoadStartupModels();
  EXPECT_EQ(meeting.max_inside(), 1);
  EXPECT_THAT(meeting.order(), ElementsAre("a", "b", "c"));
}

TEST(ModelManagerTest, AConfigGivenWithALoadServesUntilALoadWithoutOne) {
  testing::TempDir dir;
  AddScaleModel(dir, "repo", "m");
  std::unique_ptr<ModelManager> manager = MakeManager(Options({dir.Path("repo")}, ModelControlMode::kExplicit));
  ASSERT_NE(manager, nullptr);
  ASSERT_TRUE(manager->Load("m").ok());
  EXPECT_EQ(MaxBatchSize(*manager, "m"), 8);

  ModelOverride override;
  override.config_json = ScaleConfigJson("m", 2);
  ASSERT_TRUE(manager->Load("m", override).ok());
  EXPECT_EQ(MaxBatchSize(*manager, "m"), 2);

  // Checked as a file is; a refused config leaves the served one in place.
  override.config_json = R"({"max_batch_sizee": 4})";
  const absl::Status misspelt = manager->Load("m", override);
  EXPECT_EQ(misspelt.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(misspelt.message()), HasSubstr("config parameter: max_batch_sizee: no such field"));
  EXPECT_THAT(ReasonOf(*manager, "m"), HasSubstr("reload failed: config parameter"));
  override.config_json = ScaleConfigJson("other", 2);
  EXPECT_THAT(std::string(manager->Load("m", override).message()),
              HasSubstr("config parameter: name: 'other' does not match"));
  EXPECT_EQ(MaxBatchSize(*manager, "m"), 2);

  ASSERT_TRUE(manager->Load("m").ok());
  EXPECT_EQ(MaxBatchSize(*manager, "m"), 8);
  // A config alone does not make a model: the repository must have it.
  override.config_json = ScaleConfigJson("absent", 2);
  EXPECT_EQ(manager->Load("absent", override).code(), absl::StatusCode::kNotFound);
}

TEST(ModelManagerTest, FilesGivenWithALoadLiveInAPrivateDirectoryUntilTheModelGoes) {
  testing::TempDir dir;
  dir.MakeDir("repo");
  const fs::path private_root = dir.MakeDir("private");
  ModelManagerOptions options = Options({dir.Path("repo")}, ModelControlMode::kExplicit);
  options.private_root = private_root.string();
  std::unique_ptr<ModelManager> manager = MakeManager(options);
  ASSERT_NE(manager, nullptr);

  // The model need not be in the repository: its files come with the load.
  ModelOverride override;
  override.config_json = ScaleConfigJson("fresh", 4);
  override.files["1/model.onnx"] = testing::ScaleModelOnnx(3.0f);
  ASSERT_TRUE(manager->Load("fresh", override).ok());
  EXPECT_EQ(MaxBatchSize(*manager, "fresh"), 4);
  EXPECT_THAT(manager->Index(/*ready_only=*/true), SizeIs(1));
  std::vector<fs::path> first = PrivateDirectories(private_root);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_THAT(first[0].filename().string(), HasSubstr("convoy-model-"));
  EXPECT_TRUE(fs::is_regular_file(first[0] / "fresh" / "1" / "model.onnx"));
  EXPECT_FALSE(fs::exists(dir.path() / "repo" / "fresh"));  // Never written into the repository.
  EXPECT_EQ(fs::status(first[0]).permissions() & fs::perms::all, fs::perms::owner_all);

  // A reload replaces the directory.
  override.files["1/model.onnx"] = testing::ScaleModelOnnx(5.0f);
  ASSERT_TRUE(manager->Load("fresh", override).ok());
  std::vector<fs::path> second = PrivateDirectories(private_root);
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_NE(second[0], first[0]);

  // A reload that fails keeps the served files.
  override.files["1/model.onnx"] = "not an ONNX file";
  const absl::Status garbled = manager->Load("fresh", override);
  EXPECT_FALSE(garbled.ok());
  EXPECT_THAT(std::string(garbled.message()), HasSubstr("fresh/1/model.onnx"));
  EXPECT_THAT(std::string(garbled.message()), Not(HasSubstr(private_root.string())));
  EXPECT_THAT(PrivateDirectories(private_root), ElementsAre(second[0]));
  EXPECT_TRUE(Served(*manager, "fresh"));

  ASSERT_TRUE(manager->Unload("fresh").ok());
  EXPECT_THAT(PrivateDirectories(private_root), IsEmpty());

  // And the manager's end (the server's shutdown) removes what is left.
  override.files["1/model.onnx"] = testing::ScaleModelOnnx(3.0f);
  ASSERT_TRUE(manager->Load("fresh", override).ok());
  EXPECT_THAT(PrivateDirectories(private_root), SizeIs(1));
  manager.reset();
  EXPECT_THAT(PrivateDirectories(private_root), IsEmpty());
}

TEST(ModelManagerTest, RefusesFilePathsThatWouldLeaveTheModelDirectory) {
  testing::TempDir dir;
  dir.MakeDir("repo");
  const fs::path private_root = dir.MakeDir("private");
  ModelManagerOptions options = Options({dir.Path("repo")}, ModelControlMode::kExplicit);
  options.private_root = private_root.string();
  std::unique_ptr<ModelManager> manager = MakeManager(options);
  ASSERT_NE(manager, nullptr);
  for (const std::string& path : std::vector<std::string>{"../escape", "1/../../escape", "/tmp/escape", "1//model.onnx", "1/./model.onnx",
                                 "1/", "", "config.pbtxt", std::string("1/a\0b", 5)}) {
    SCOPED_TRACE(path);
    ModelOverride override;
    override.config_json = ScaleConfigJson("m", 4);
    override.files["1/model.onnx"] = testing::ScaleModelOnnx(1.0f);
    override.files[path] = "x";
    const absl::Status status = manager->Load("m", override);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr("load parameter 'file:"));
    EXPECT_FALSE(Served(*manager, "m"));
  }
  // A file and a directory of the same name.
  ModelOverride clash;
  clash.config_json = ScaleConfigJson("m", 4);
  clash.files["1"] = "x";
  clash.files["1/model.onnx"] = testing::ScaleModelOnnx(1.0f);
  EXPECT_EQ(manager->Load("m", clash).code(), absl::StatusCode::kInvalidArgument);
  // Files without the config they need.
  ModelOverride bare;
  bare.files["1/model.onnx"] = testing::ScaleModelOnnx(1.0f);
  const absl::Status no_config = manager->Load("m", bare);
  EXPECT_EQ(no_config.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(no_config.message()), HasSubstr("'config'"));
  EXPECT_THAT(PrivateDirectories(private_root), IsEmpty());
  EXPECT_FALSE(fs::exists(dir.path() / "escape"));
  EXPECT_FALSE(fs::exists(private_root / "escape"));
}

TEST(ModelManagerTest, AFileSystemErrorDoesNotTellClientsWhereTheFilesGo) {
  testing::TempDir dir;
  dir.MakeDir("repo");
  ModelManagerOptions options = Options({dir.Path("repo")}, ModelControlMode::kExplicit);
  options.private_root = dir.Path("missing");
  std::unique_ptr<ModelManager> manager = MakeManager(options);
  ASSERT_NE(manager, nullptr);
  ModelOverride override;
  override.config_json = ScaleConfigJson("m", 4);
  override.files["1/model.onnx"] = testing::ScaleModelOnnx(1.0f);
  const absl::Status status = manager->Load("m", override);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), HasSubstr("cannot write the load's files"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr(dir.path().string())));
}

TEST(ModelManagerTest, BoundsTheBytesOfEveryLoadsFilesTogether) {
  testing::TempDir dir;
  dir.MakeDir("repo");
  const std::string onnx = testing::ScaleModelOnnx(1.0f);
  ModelManagerOptions options = Options({dir.Path("repo")}, ModelControlMode::kExplicit);
  options.private_root = dir.MakeDir("private");
  options.max_private_bytes = static_cast<int64_t>(onnx.size()) * 3 / 2;
  std::unique_ptr<ModelManager> manager = MakeManager(options);
  ASSERT_NE(manager, nullptr);
  auto load = [&](const std::string& name, size_t padding) {
    ModelOverride override;
    override.config_json = ScaleConfigJson(name, 4);
    override.files["1/model.onnx"] = onnx;
    if (padding > 0) override.files["padding.bin"] = std::string(padding, 'p');
    return manager->Load(name, override);
  };
  ASSERT_TRUE(load("a", 0).ok());
  // A reload of the same model counts its files once.
  ASSERT_TRUE(load("a", 0).ok());
  const absl::Status second = load("b", 0);
  EXPECT_EQ(second.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(second.message()), HasSubstr("--max-load-file-bytes"));
  EXPECT_EQ(load("a", onnx.size()).code(), absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(manager->Unload("a").ok());
  EXPECT_TRUE(load("b", 0).ok());
}

TEST(ModelManagerTest, LoadingAnEnsembleLoadsItsMembersAndUnloadDependentsTakesThemAlong) {
  testing::TempDir dir;
  for (const char* name : {"a", "b", "c"}) AddScaleModel(dir, "repo", name);
  dir.Write("repo/ens1/config.pbtxt", EnsembleConfig("ens1", {"a", "b"}));
  dir.Write("repo/ens2/config.pbtxt", EnsembleConfig("ens2", {"b", "c"}));
  std::unique_ptr<ModelManager> manager = MakeManager(Options({dir.Path("repo")}, ModelControlMode::kExplicit));
  ASSERT_NE(manager, nullptr);

  ASSERT_TRUE(manager->Load("ens1").ok());
  for (const char* name : {"ens1", "a", "b"}) EXPECT_TRUE(Served(*manager, name)) << name;
  EXPECT_FALSE(Served(*manager, "c"));
  ASSERT_TRUE(manager->Load("c").ok());  // By name: an unload of ens2 leaves it.
  ASSERT_TRUE(manager->Load("ens2").ok());

  // Without the parameter, the members stay.
  ASSERT_TRUE(manager->Unload("ens1").ok());
  EXPECT_TRUE(Served(*manager, "a"));
  ASSERT_TRUE(manager->Load("ens1").ok());

  // a goes with ens1; b stays, ens2 still uses it.
  ASSERT_TRUE(manager->Unload("ens1", /*unload_dependents=*/true).ok());
  EXPECT_FALSE(Served(*manager, "ens1"));
  EXPECT_FALSE(Served(*manager, "a"));
  EXPECT_THAT(ReasonOf(*manager, "a"), HasSubstr("unloaded with 'ens1'"));
  EXPECT_TRUE(Served(*manager, "b"));
  // b goes with ens2; c was loaded by name and stays.
  ASSERT_TRUE(manager->Unload("ens2", /*unload_dependents=*/true).ok());
  EXPECT_FALSE(Served(*manager, "b"));
  EXPECT_TRUE(Served(*manager, "c"));
  std::vector<std::string> ready;
  for (const ModelIndexEntry& entry : manager->Index(/*ready_only=*/true)) ready.push_back(entry.name);
  EXPECT_THAT(ready, UnorderedElementsAre("c"));
  // A plain model has nothing to take along.
  ASSERT_TRUE(manager->Unload("c", /*unload_dependents=*/true).ok());
  EXPECT_EQ(manager->Unload("c", /*unload_dependents=*/true).code(), absl::StatusCode::kNotFound);
}

TEST(ModelManagerTest, ExplicitStartupLoadsAnEnsemblesMembersAsDependencies) {
  testing::TempDir dir;
  for (const char* name : {"a", "b"}) AddScaleModel(dir, "repo", name);
  dir.Write("repo/ens/config.pbtxt", EnsembleConfig("ens", {"a", "b"}));
  ModelManagerOptions options = Options({dir.Path("repo")}, ModelControlMode::kExplicit);
  options.startup_models = {"ens", "b"};
  std::unique_ptr<ModelManager> manager = MakeManager(options);
  ASSERT_NE(manager, nullptr);
  manager->LoadStartupModels();
  for (const char* name : {"ens", "a", "b"}) EXPECT_TRUE(Served(*manager, name)) << name;
  ASSERT_TRUE(manager->Unload("ens", /*unload_dependents=*/true).ok());
  EXPECT_FALSE(Served(*manager, "a"));  // Only a dependency.
  EXPECT_TRUE(Served(*manager, "b"));   // Named at startup.
}

std::unique_ptr<ModelManager> ManagerOf(const convoy::testing::TestRepository& repository, bool auto_complete) {
  ModelManagerOptions options;
  options.repositories = {repository.root()};
  options.mode = ModelControlMode::kExplicit;
  options.servable.auto_complete_config = auto_complete;
  absl::StatusOr<std::unique_ptr<ModelManager>> manager = ModelManager::Create(options);
  EXPECT_TRUE(manager.ok()) << manager.status();
  return manager.ok() ? *std::move(manager) : nullptr;
}

int CountOf(const std::string& text, const std::string& fragment) {
  int count = 0;
  for (size_t at = text.find(fragment); at != std::string::npos; at = text.find(fragment, at + 1)) ++count;
  return count;
}

TEST(ModelManagerTest, ModelWithoutConfigIsServedWithDynamicBatching) {
  convoy::testing::TestRepository repository;
  repository.WriteFile("bare/1/model.onnx", convoy::testing::ScaleModelOnnx(2.0f));
  repository.WriteFile("partial/1/model.onnx", convoy::testing::ScaleModelOnnx(2.0f));
  repository.WriteFile("partial/config.pbtxt", "max_batch_size: 16\n");
  std::unique_ptr<ModelManager> manager = ManagerOf(repository, /*auto_complete=*/true);
  ASSERT_NE(manager, nullptr);
  ASSERT_TRUE(manager->Load("bare").ok());
  absl::StatusOr<std::shared_ptr<ServableModel>> bare = manager->Get("bare", "");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ((*bare)->config().max_batch_size(), 4);
  EXPECT_TRUE((*bare)->config().has_dynamic_batching());
  EXPECT_THAT((*bare)->config().input(0).dims(), ElementsAre(4));

  ASSERT_TRUE(manager->Load("partial").ok());
  absl::StatusOr<std::shared_ptr<ServableModel>> partial = manager->Get("partial", "");
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ((*partial)->config().max_batch_size(), 16);
  EXPECT_TRUE((*partial)->config().has_dynamic_batching());
  EXPECT_EQ((*partial)->config().output(0).name(), "y");
}

TEST(ModelManagerTest, WithoutAutoCompleteEveryModelNeedsACompleteConfig) {
  convoy::testing::TestRepository repository;
  repository.WriteFile("bare/1/model.onnx", convoy::testing::ScaleModelOnnx(2.0f));
  repository.WriteFile("partial/1/model.onnx", convoy::testing::ScaleModelOnnx(2.0f));
  repository.WriteFile("partial/config.pbtxt", "max_batch_size: 16\ndynamic_batching { }\n");
  repository.WriteFile("full/1/model.onnx", convoy::testing::ScaleModelOnnx(2.0f));
  repository.WriteFile("full/config.pbtxt", convoy::testing::ScaleModelConfig("full"));
  std::unique_ptr<ModelManager> manager = ManagerOf(repository, /*auto_complete=*/false);
  ASSERT_NE(manager, nullptr);
  const absl::Status bare = manager->Load("bare");
  EXPECT_EQ(bare.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bare.message()),
              HasSubstr("bare/config.pbtxt: missing; with auto-complete disabled (--disable-auto-complete-config or "
                        "--strict-model-config=true)"));
  const absl::Status partial = manager->Load("partial");
  EXPECT_EQ(partial.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(partial.message()), HasSubstr("partial/config.pbtxt: input: at least one input is required"));
  EXPECT_THAT(ReasonOf(*manager, "partial"), HasSubstr("input: at least one input is required"));
  ASSERT_TRUE(manager->Load("full").ok());
  absl::StatusOr<std::shared_ptr<ServableModel>> full = manager->Get("full", "");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_FALSE((*full)->config().has_dynamic_batching()) << "nothing is completed";
}

TEST(ModelManagerTest, EachConfigWarningIsLoggedOnceForAllVersions) {
  convoy::testing::TestRepository repository;
  repository.WriteFile("m/1/model.onnx", convoy::testing::ScaleModelOnnx(1.0f));
  repository.WriteFile("m/2/model.onnx", convoy::testing::ScaleModelOnnx(2.0f));
  repository.WriteFile("m/config.pbtxt",
                       "version_policy { all { } }\n"
                       "parameters { key: \"intra_op_thread_count\" value { string_value: \"2\" } }\n"
                       "model_warmup [ { name: \"a\" }, { name: \"b\" } ]\n"
                       "input [ { name: \"x\" optional: true } ]\n");
  std::unique_ptr<ModelManager> manager = ManagerOf(repository, /*auto_complete=*/true);
  ASSERT_NE(manager, nullptr);
  ::testing::internal::CaptureStderr();
  const absl::Status loaded = manager->Load("m");
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(loaded.ok()) << loaded;
  EXPECT_EQ(manager->Versions("m"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(CountOf(log, "event=model_config_warning"), 3) << log;
  EXPECT_EQ(CountOf(log, "parameters[\\\"intra_op_thread_count\\\"]: ignored"), 1) << log;
  EXPECT_EQ(CountOf(log, "field 'model_warmup'"), 1) << log;
  EXPECT_EQ(CountOf(log, "input[0].optional: ignored"), 1) << log;
  // What auto-complete filled, once per version.
  EXPECT_EQ(CountOf(log, "event=model_config_completed"), 2) << log;
}

}  // namespace
}  // namespace convoy::server
