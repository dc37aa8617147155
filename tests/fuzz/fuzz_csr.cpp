// The CSR parser and the private key reader (OpenSSL), on any text a user or the upstream
// may hand over.
#include "fuzz_input.h"
#include "lifecycle/csr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = pmfuzz::as_text(data, size);
    pmfuzz::refusing_is_fine([&] { pmb::parse_csr(text); });
    pmfuzz::refusing_is_fine([&] { pmb::public_key_of(text); });
    return 0;
}
