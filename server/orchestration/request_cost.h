// InflightBytes: the memory a decoded request will make the server hold,
// from admission to the last byte of its response, worked out before any of
// it is allocated, so that MemoryBudget can refuse the request instead.
//
// What is counted, for each model the request runs on:
//   - the decoding of its images: the largest image's decoded and resized
//     pixels (images are decoded one after another), or the tensor sent to
//     be cropped;
//   - its input tensors as the batcher receives them (images x crops rows
//     for the image input), twice: a batch of several requests stacks them
//     into one tensor;
//   - its rows of every output of the model (a batch computes the union of
//     what its requests ask for, so a request pays for the outputs its
//     batch-mates may ask for), and three copies of the outputs it asked
//     for, per image: the crops' or members' combination, the response
//     message, and its serialised bytes.
// An ensemble builds its image input once and copies it to each member,
// then combines the members' results. Output dimensions a config leaves
// variable (-1) are taken as large as the largest input row.
//
// The wire message itself is not counted here: the caller adds what it
// still holds of it.
//
// Thread-safety: stateless; safe to call concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_REQUEST_COST_H_
#define CONVOY_SERVER_ORCHESTRATION_REQUEST_COST_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "server/core/servable_model.h"
#include "server/orchestration/model_request.h"

namespace convoy::server {

// REQUIRES: `request` decoded for `model` and its images checked
// (CheckImageWork).
int64_t InflightBytes(const ModelRequest& request, const SingleModel& model);
// As InflightBytes, through an ensemble. REQUIRES: `members` serve
// ensemble.members().
int64_t InflightBytes(const ModelRequest& request, const EnsembleModel& ensemble,
                      const std::vector<std::shared_ptr<SingleModel>>& members);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_REQUEST_COST_H_
