// Removes secrets from any text before it is logged or printed. Two layers: known secret
// values registered at run time (password, DB password, keys), and patterns that catch
// secrets we were never told about (authinfo=…, password fields, private-key PEM blocks).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace pmb {

class Scrubber {
public:
    static Scrubber& global();

    // Registers a value that must never appear. It is hidden in every form it can travel in,
    // each of its characters independently: raw, percent-encoded in either case ('+' for a
    // space), an XML/HTML character reference (&#38; &#x26; &amp; …) or a JSON escape
    // (\u0026 \" \\ \/ …). Values shorter than 3 bytes are not registered (they would hide
    // ordinary text); the patterns still catch them where they travel as authinfo or
    // password fields.
    void add_secret(const std::string& value);
    std::string clean(std::string text) const;

    static constexpr const char* kMask = "[hidden]";
    static constexpr const char* kKeyMask = "[private key hidden]";  // a whole PEM block

    // A registered value as characters: the UTF-8 bytes and the code point of each (the byte
    // itself for a byte that is not valid UTF-8).
    struct SecretChar {
        std::string bytes;
        char32_t code;
    };
    struct Secret {
        std::string value;
        std::vector<SecretChar> chars;
    };

private:
    std::vector<Secret> secrets_;
    std::array<bool, 256> may_start_{};  // bytes an encoded form of some secret can start with
};

// Percent-encodes everything but RFC 3986 unreserved characters (as curl_easy_escape does).
std::string url_encode(const std::string& value);

}  // namespace pmb
