// The constants of Hash64Finish (common/hash.h) as data, for the
// analyser's word loops: see HashShort in analyzer.cc. A file of their own,
// so that the compiler, which sees only their declaration there, cannot
// turn them back into immediates.
#include <cstdint>

#include "common/hash.h"

namespace qalam {
namespace text {
namespace internal {

extern const uint64_t kHashOperands[4];
const uint64_t kHashOperands[4] = {kHashK0, kHashK1, kHashK2, kHashK3};

}  // namespace internal
}  // namespace text
}  // namespace qalam
