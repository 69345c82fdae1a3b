// Attacks through the protocol rather than the images: declared shapes,
// message sizes, connections and calls held open, shapes that each need a
// plan of their own, and repository reloads (see attacks.h for the models).
#ifndef CONVOY_BENCH_ABUSE_TRANSPORT_ATTACKS_H_
#define CONVOY_BENCH_ABUSE_TRANSPORT_ATTACKS_H_

#include "absl/status/status.h"
#include "bench/abuse/attacks.h"

namespace convoy::abuse {

// FP32 [32, 3, 4096, 4096] (6 GB declared) carrying 64 bytes.
absl::Status RunHugeDeclaredShape(AttackEnv& env);
// ~60 MB of raw contents whose shape does not match them, `concurrency`
// at a time: a message is held whole before it can be refused, and before
// the byte budget sees it.
absl::Status RunMaxMessageMismatch(AttackEnv& env, int concurrency);
// ~60 MB valid FP32 [1, 3, 2240, 2240]: centre-cropped by resnet18, run
// whole by resnet18-dyn.
absl::Status RunMaxMessageCropped(AttackEnv& env);
absl::Status RunMaxMessageFullSize(AttackEnv& env);
// 500 connections that send the HTTP/2 preface and SETTINGS, then nothing.
absl::Status RunSlowloris(AttackEnv& env);
// 4 connections x 500 calls outstanding on resnet18.
absl::Status RunOutstandingCalls(AttackEnv& env);
// resnet18-dyn at every H x W in 64..160, each a plan of its own.
absl::Status RunShapeFlood(AttackEnv& env);
// RepositoryModelLoad of lenet5-fmnist (the probe's model) and resnet18 in
// turn, back to back.
absl::Status RunReloadLoop(AttackEnv& env);

}  // namespace convoy::abuse

#endif  // CONVOY_BENCH_ABUSE_TRANSPORT_ATTACKS_H_
