#include "bench/abuse/attacks.h"

#include "bench/abuse/image_attacks.h"
#include "bench/abuse/transport_attacks.h"

namespace convoy::abuse {

std::vector<Attack> AllAttacks() {
  return {
      {"cobatch-outputs", "1: requests asking for different outputs batched together",
       RunCobatchOutputs},
      {"multicrop-1px", "2: 32 one-pixel PNGs x multicrop 10", RunOnePixelMulticrop},
      {"multicrop-64px", "2: 32 valid 64x64 PNGs x multicrop 10", RunLegitimateMulticrop},
      {"resize-4x3900", "3: 32 copies of a 4x3900 PNG, resized to 256", RunResizeBomb},
      {"small-images", "4: many requests of 32 small images, another model",
       [](AttackEnv& env) { return RunSmallImages(env, "lenet5-fmnist-flood"); }},
      {"small-images-shared", "4: the same, on the probe's own model",
       [](AttackEnv& env) { return RunSmallImages(env, "lenet5-fmnist"); }},
      {"huge-shape", "5: huge declared shapes with few bytes", RunHugeDeclaredShape},
      {"60mb-mismatch", "5: maximum-size messages that do not match their shape",
       [](AttackEnv& env) { return RunMaxMessageMismatch(env, 4); }},
      {"60mb-mismatch-x16", "5: the same, 16 at once",
       [](AttackEnv& env) { return RunMaxMessageMismatch(env, 16); }},
      {"60mb-cropped", "5: maximum-size valid tensors, centre-cropped", RunMaxMessageCropped},
      {"60mb-full-size", "5: maximum-size valid tensors, run whole", RunMaxMessageFullSize},
      {"slowloris", "6: connections that send the preface and then nothing", RunSlowloris},
      {"outstanding-calls", "6: clients with many outstanding calls", RunOutstandingCalls},
      {"shape-flood", "7: a flood of distinct shapes", RunShapeFlood},
      {"reload-loop", "8: model reloads under the probe", RunReloadLoop},
  };
}

}  // namespace convoy::abuse
