// The scrubber, with its property (tests/support/scrub_property.h). The input is: a length
// byte, the secret, one form byte per byte of it, a position byte, and the text around. The
// secret goes into the text in that per-character mix of encodings (raw, %XX in either case,
// '+', &#N;, &#xH;, named entities, JSON \uXXXX and \-escapes); afterwards no substring of
// what the scrubber left may decode, in any of those ways and any mix of them, to the secret.
// A violation aborts. tests/unit/scrub_property_test.cpp proves this fails on broken scrubbers.
#include <cstdio>
#include <cstdlib>

#include "fuzz_input.h"
#include "scrub_property.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::optional<pmtest::scrub::Case> input = pmtest::scrub::case_from_input(data, size);
    if (!input)
        return 0;
    if (auto problem = pmtest::scrub::violation(*input, pmtest::scrub::real_scrub)) {
        std::fprintf(stderr, "%s\n", problem->c_str());
        std::abort();
    }
    return 0;
}
