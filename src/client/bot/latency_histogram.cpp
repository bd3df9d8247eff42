#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace chat::bot {

// Values below kSub get a bucket each; above, each power of two [2^e, 2^(e+1)) is split into
// kSub equal steps.
unsigned LatencyHistogram::bucket_of(std::uint64_t v) {
  if (v < kSub) {
    return static_cast<unsigned>(v);
  }
  const unsigned exponent = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= kSubBits
  const unsigned shift = exponent - kSubBits;
  const unsigned step = static_cast<unsigned>(v >> shift) - kSub;  // 0..kSub-1
  const unsigned bucket = (shift + 1) * kSub + step;
  return std::min(bucket, kBuckets - 1);
}

std::uint64_t LatencyHistogram::upper_bound_of(unsigned bucket) {
  if (bucket < kSub) {
    return bucket;
  }
  const unsigned shift = bucket / kSub - 1;
  const std::uint64_t step = bucket % kSub;
  return ((kSub + step + 1) << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t micros) {
  ++buckets_[bucket_of(micros)];
  ++count_;
  sum_ += micros;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (unsigned i = 0; i < kBuckets; ++i) {
    buckets_[i] += other.buckets_[i];
  }
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t LatencyHistogram::percentile(double fraction) const {
  if (count_ == 0) {
    return 0;
  }
  const auto wanted = static_cast<std::uint64_t>(
      std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(wanted, 1)) {
      return std::min(upper_bound_of(i), max_);
    }
  }
  return max_;
}

}  // namespace chat::bot
