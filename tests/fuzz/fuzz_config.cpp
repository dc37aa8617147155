// The config file parser (etc/pmbillmgrssl.conf) on any file content.
#include "core/config.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = pmfuzz::as_text(data, size);
    pmfuzz::refusing_is_fine([&] { pmb::Config::parse(text, "pmbillmgrssl.conf"); });
    return 0;
}
