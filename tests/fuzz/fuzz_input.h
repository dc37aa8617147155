// What every fuzz target shares: the libFuzzer entry point and the input as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace pmfuzz {

inline std::string as_text(const uint8_t* data, size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs f; an Error (the module's refusal of bad input) is an expected outcome and is
// rendered as the module prints it; anything else escapes and fails the run.
template <class F>
void refusing_is_fine(F&& f) {
    try {
        f();
    } catch (const pmb::Error& error) {
        error.to_xml();
    }
}

}  // namespace pmfuzz
