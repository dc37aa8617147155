// The streamed export parser, as pricelist.export uses it: DocStream handing each
// <pricelist> to parse_exported_tariff, the answer fed in chunks whose size the first byte
// picks (so a split anywhere, even inside a UTF-8 character or a tag, gets tried).
#include "fuzz_input.h"
#include "upstream/doc_stream.h"
#include "upstream/response.h"

using namespace pmb;
using namespace pmb::upstream;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string body = pmfuzz::as_text(data, size);
    const size_t chunk = size == 0 ? 1 : 1 + data[0] % 64;
    pmfuzz::refusing_is_fine([&] {
        DocStream stream(
            "pricelist", [](const pmb::XmlNode& node) { parse_exported_tariff(node); },
            "https://upstream.example");
        for (size_t at = 0; at < body.size(); at += chunk)
            stream.feed(std::string_view(body).substr(at, chunk));
        stream.finish();
    });
    return 0;
}
