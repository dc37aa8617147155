// The scrubber, with a property. The input is: a length byte, the secret, one encoding byte
// per character of it, a position byte, and the text around. The secret goes into the text
// in that per-character mix of encodings (raw, %XX in either case, '+', &#N;, &#xH;, named
// entities, JSON \uXXXX and \-escapes); afterwards the raw secret must appear nowhere but
// inside what the scrubber put in place of text. A violation aborts.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/scrub.h"
#include "fuzz_input.h"

namespace {

const char* const kMasks[] = {pmb::Scrubber::kMask, "[private key hidden]"};

std::string formatted(const char* format, unsigned value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, format, value);
    return buf;
}

std::string named_entity(unsigned char c) {
    switch (c) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return "&quot;";
        case '\'':
            return "&apos;";
    }
    return std::string(1, static_cast<char>(c));
}

std::string json_escape(unsigned char c) {
    const std::string letters = "\"\\/bfnrt";
    const std::string codes = "\"\\/\b\f\n\r\t";
    size_t at = codes.find(static_cast<char>(c));
    if (at == std::string::npos)
        return formatted("\\u%04X", c);
    return std::string("\\") + letters[at];
}

// One byte of the secret in the encoding choice picks. Character references and JSON
// escapes stand for code points, so they apply to ASCII; other bytes go raw or as %XX.
std::string encoded(unsigned char c, unsigned char choice) {
    const bool ascii = c < 0x80;
    switch (choice % 9) {
        case 1:
            return formatted("%%%02X", c);
        case 2:
            return formatted("%%%02x", c);
        case 3:
            return c == ' ' ? "+" : formatted("%%%02X", c);
        case 4:
            return ascii ? formatted("&#%u;", c) : formatted("%%%02x", c);
        case 5:
            return ascii ? formatted("&#x%x;", c) : formatted("%%%02X", c);
        case 6:
            return named_entity(c);
        case 7:
            return ascii ? formatted("\\u%04x", c) : std::string(1, static_cast<char>(c));
        case 8:
            return ascii ? json_escape(c) : std::string(1, static_cast<char>(c));
    }
    return std::string(1, static_cast<char>(c));
}

// The output split at the masks: what is left of the text.
std::vector<std::string> unmasked_pieces(const std::string& out) {
    std::vector<std::string> pieces;
    size_t from = 0;
    while (true) {
        size_t next = std::string::npos, length = 0;
        for (const char* mask : kMasks) {
            size_t at = out.find(mask, from);
            if (at < next) {
                next = at;
                length = std::char_traits<char>::length(mask);
            }
        }
        pieces.push_back(out.substr(from, next - from));
        if (next == std::string::npos)
            return pieces;
        from = next + length;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1)
        return 0;
    const size_t length = 3 + data[0] % 30;
    if (size < 1 + 2 * length + 1)
        return 0;
    const std::string secret = pmfuzz::as_text(data + 1, length);
    std::string form;
    for (size_t i = 0; i < length; ++i)
        form += encoded(data[1 + i], data[1 + length + i]);
    const size_t rest_at = 1 + 2 * length + 1;
    std::string text = pmfuzz::as_text(data + rest_at, size - rest_at);
    text.insert(text.size() * data[rest_at - 1] / 255, form);

    pmb::Scrubber scrubber;
    scrubber.add_secret(secret);
    const std::string out = scrubber.clean(text);
    for (const std::string& piece : unmasked_pieces(out)) {
        if (piece.find(secret) != std::string::npos) {
            std::fprintf(stderr, "secret survived the scrubber\nform: %s\noutput: %s\n",
                         form.c_str(), out.c_str());
            std::abort();
        }
    }
    return 0;
}
