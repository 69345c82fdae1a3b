// The attacks of the abuse benchmark (bench/abuse.sh): each sends one kind
// of hostile or merely greedy traffic to a running convoy-server until its
// end time or request count, and reports what came back.
//
// The models are the ones bench/abuse.sh writes into its repository:
//   lenet5-fmnist          the probe's model, as in the zoo
//   lenet5-fmnist-cobatch  a second output (an intermediate value), 300 ms
//                          of queue delay so requests are batched together
//   lenet5-fmnist-flood    a copy, so a flood of it is another model's
//   resnet18               as in the zoo: images, max_batch_size 32
//   resnet18-dyn           input dims [3, -1, -1], no preprocessing
//
// Thread-safety: an attack runs on the caller's thread (plus gRPC's).
#ifndef CONVOY_BENCH_ABUSE_ATTACKS_H_
#define CONVOY_BENCH_ABUSE_ATTACKS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/abuse/attack_traffic.h"

namespace convoy::abuse {

struct AttackEnv {
  std::string target;           // host:port of the server
  std::string cobatch_feature;  // the intermediate output of lenet5-fmnist-cobatch
  absl::Time end;               // no request starts after it
  int64_t max_requests = 0;     // nor beyond this many
  CallTally tally;              // what the attacker got back
  int64_t wrong = 0;            // answers that differ from the same request served alone
  std::string note;             // anything else worth printing
};

struct Attack {
  std::string name;
  std::string description;
  std::function<absl::Status(AttackEnv&)> run;
};

std::vector<Attack> AllAttacks();

}  // namespace convoy::abuse

#endif  // CONVOY_BENCH_ABUSE_ATTACKS_H_
