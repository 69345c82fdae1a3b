// PNG files made in memory for the abuse benchmark's requests, so every
// image it sends is generated from a seed and none is a binary file.
//
// Thread-safety: stateless functions; safe to call concurrently.
#ifndef CONVOY_BENCH_ABUSE_PNG_ENCODE_H_
#define CONVOY_BENCH_ABUSE_PNG_ENCODE_H_

#include <cstdint>
#include <random>
#include <string>

namespace convoy::abuse {

// An 8-bit PNG of `height` x `width` pixels of `channels` (1 gray, 3 RGB)
// uniformly random samples; empty if libpng refuses.
std::string RandomPng(std::mt19937& rng, int height, int width, int channels);

// An 8-bit gray PNG of one grey level: compresses to ~100 bytes whatever
// its size, the shape of a decompression or resize bomb.
std::string FlatPng(int height, int width, uint8_t level);

}  // namespace convoy::abuse

#endif  // CONVOY_BENCH_ABUSE_PNG_ENCODE_H_
